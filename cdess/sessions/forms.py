"""The sessions' forms: planning a session, the council's rules, the rapporteur's report."""

from fractions import Fraction

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, DateField, SelectField, StringField, TextAreaField
from wtforms.validators import URL, DataRequired, InputRequired, Length, NumberRange, Optional

from cdess.sessions import rules as council_rules
from cdess.web.forms import REQUIRED, Form, IntegerField, options

BAD_DATE = _l("Saisissez une date valide.")


class SessionForm(Form):
    day = DateField(
        _l("Date de la séance"),
        validators=[InputRequired(REQUIRED)],
        invalid_value_message=BAD_DATE,
    )
    start = StringField(
        _l("Heure de début (hh:mm)"),
        validators=[DataRequired(REQUIRED), Length(max=5)],
        default="14:00",
        render_kw={"inputmode": "numeric", "pattern": "[0-2][0-9]:[0-5][0-9]"},
    )
    deadline = DateField(
        _l("Date limite de dépôt des dossiers"),
        validators=[InputRequired(REQUIRED)],
        invalid_value_message=BAD_DATE,
    )
    place = StringField(_l("Lieu"), validators=[Length(max=300)])
    video_link = StringField(
        _l("Lien de visioconférence"),
        validators=[
            Optional(),
            Length(max=500, message=_l("L'adresse ne doit pas dépasser 500 caractères.")),
            URL(message=_l("Saisissez une adresse web complète (https://…).")),
        ],
    )

    def start_time(self):
        from datetime import time

        try:
            hours, minutes = (int(part) for part in self.start.data.split(":"))
            return time(hours, minutes)
        except (ValueError, AttributeError):
            self.start.errors.append(_("Saisissez une heure comme 14:00."))
            return None


class RulesForm(Form):
    quorum_percent = IntegerField(
        _l("Quorum (pourcentage des membres votants présents ou représentés)"),
        validators=[InputRequired(REQUIRED), NumberRange(1, 100, _l("Entre 1 et 100."))],
    )
    proxies_allowed = BooleanField(_l("Les pouvoirs (procurations) sont admis"))
    max_proxies_held = IntegerField(
        _l("Nombre de pouvoirs détenus au plus par un membre"),
        validators=[InputRequired(REQUIRED), NumberRange(0, 5, _l("Entre 0 et 5."))],
    )
    secret_by_default = BooleanField(_l("Scrutin secret par défaut"))
    president_casting_vote = BooleanField(
        _l("Voix prépondérante du président en cas d'égalité (scrutin public)")
    )

    @classmethod
    def from_rules(cls, rules: council_rules.Rules) -> "RulesForm":
        """The form showing the rules in force (not read from the request)."""
        return cls(
            formdata=None,
            quorum_percent=round(rules.quorum_fraction * 100),
            proxies_allowed=rules.proxies_allowed,
            max_proxies_held=rules.max_proxies_held,
            secret_by_default=rules.secret_by_default,
            president_casting_vote=rules.president_casting_vote,
        )

    def to_rules(self, current: council_rules.Rules) -> council_rules.Rules:
        """The rules in force with what the form changes (settings it does not show kept)."""
        return council_rules.Rules(
            **{
                **current.as_dict(),
                "quorum_fraction": Fraction(self.quorum_percent.data, 100),
                "proxies_allowed": self.proxies_allowed.data,
                "max_proxies_held": self.max_proxies_held.data,
                "secret_by_default": self.secret_by_default.data,
                "president_casting_vote": self.president_casting_vote.data,
            }
        )


class ReportForm(Form):
    report = TextAreaField(
        _l("Rapport"),
        validators=[DataRequired(REQUIRED), Length(max=5000)],
        render_kw={"rows": 8},
    )
    opinion = SelectField(
        _l("Avis du rapporteur"),
        choices=options(
            [
                ("", _l("— choisir —")),
                ("favourable", _l("favorable")),
                ("unfavourable", _l("défavorable")),
                ("reserved", _l("réservé")),
            ]
        ),
        validators=[DataRequired(REQUIRED)],
    )
