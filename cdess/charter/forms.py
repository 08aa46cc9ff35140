import math

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, RadioField, SelectField, StringField, TextAreaField
from wtforms.validators import (
    DataRequired,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    ValidationError,
)

from cdess.charter.models import AnswerType, CharterVersion, Criterion
from cdess.structures.models import Family
from cdess.web.forms import REQUIRED, CheckboxListField, Form, FrenchDecimalField, options


class SignForm(Form):
    signer_name = StringField(
        _l("Nom et prénom du représentant légal"),
        validators=[DataRequired(REQUIRED), Length(max=120, message=_l("120 caractères au plus."))],
        render_kw={"autocomplete": "name"},
    )
    signer_role = StringField(
        _l("Qualité (président, gérant, directeur…)"),
        validators=[DataRequired(REQUIRED), Length(max=120, message=_l("120 caractères au plus."))],
    )
    accept = BooleanField(
        _l("J'ai lu les engagements de la charte et je les accepte au nom de la structure."),
        validators=[DataRequired(_l("Cochez cette case pour signer la charte."))],
    )


class ReasonForm(Form):
    reason = TextAreaField(
        _l("Motif"),
        validators=[
            DataRequired(REQUIRED),
            Length(max=2000, message=_l("2000 caractères au plus.")),
        ],
    )


class WithdrawForm(Form):
    reason = TextAreaField(
        _l("Motif (facultatif)"),
        validators=[Optional(), Length(max=2000, message=_l("2000 caractères au plus."))],
    )


VERSION_KINDS = [
    ("minor", _l("Mineure : seule la rédaction change")),
    ("major", _l("Majeure : la notation ou l'éligibilité change")),
]


class PublishForm(Form):
    """The secretariat states the kind of the version it publishes (checked against what
    actually changed: a major change is never published as minor)."""

    kind = RadioField(
        _l("Nature de cette version"),
        choices=options(VERSION_KINDS),
        validators=[InputRequired(_l("Indiquez si cette version est mineure ou majeure."))],
        description=_l(
            "Mineure (titres, questions, aide, libellés, recommandations) : les signatures et "
            "les demandes en cours continuent. Majeure (critères, points, poids, seuils, "
            "critères éliminatoires) : chaque signataire est invité par courriel à signer de "
            "nouveau dans le délai prévu ; sa signature vaut jusque-là."
        ),
    )


def score_field(label):
    return FrenchDecimalField(
        label,
        places=None,
        validators=[
            InputRequired(REQUIRED),
            NumberRange(min=0, max=100, message=_l("Entre 0 et 100.")),
        ],
    )


class CharterSettingsForm(Form):
    title = StringField(
        _l("Titre de la charte"),
        validators=[DataRequired(REQUIRED), Length(max=200, message=_l("200 caractères au plus."))],
    )
    threshold = score_field(_l("Seuil d'éligibilité (score global minimal, sur 100)"))
    principle_floor = score_field(_l("Plancher par principe (sur 100)"))
    commitments = TextAreaField(
        _l("Engagements acceptés à la signature (un par ligne)"),
        validators=[DataRequired(REQUIRED)],
        render_kw={"rows": 8},
    )

    @classmethod
    def from_version(cls, version: CharterVersion) -> "CharterSettingsForm":
        """The form filled with the version's settings (the request's values win on a POST)."""
        return cls(
            data={
                "title": version.title,
                "threshold": version.threshold,
                "principle_floor": version.principle_floor,
                "commitments": "\n".join(version.commitments or []),
            }
        )

    def to_fields(self) -> dict:
        """The validated settings as `services.update_settings` takes them."""
        return {
            "title": self.title.data,
            "threshold": float(self.threshold.data),
            "floor": float(self.principle_floor.data),
            "commitments": self.commitments.data.splitlines(),
        }


class PrincipleForm(Form):
    code = StringField(
        _l("Code (lettres majuscules, par exemple GOV)"),
        validators=[DataRequired(REQUIRED), Length(max=10, message=_l("10 caractères au plus."))],
    )
    title = StringField(
        _l("Intitulé"),
        validators=[DataRequired(REQUIRED), Length(max=200, message=_l("200 caractères au plus."))],
    )
    description = TextAreaField(_l("Description"), validators=[Optional()])
    weight = FrenchDecimalField(
        _l("Poids dans le score global"),
        places=None,
        validators=[
            InputRequired(REQUIRED),
            NumberRange(
                min=0.01, max=100, message=_l("Un poids strictement positif, 100 au plus.")
            ),
        ],
    )

    def to_fields(self) -> dict:
        """The validated principle as `services.save_principle` takes it: code in capitals."""
        return {
            "code": self.code.data.upper(),
            "title": self.title.data,
            "description": self.description.data or "",
            "weight": float(self.weight.data),
        }


ANSWER_TYPES = [
    ("yes_no", _l("Oui / non")),
    ("choice", _l("Choix unique (points par réponse)")),
    ("number", _l("Nombre (points par tranche)")),
    ("text", _l("Texte libre (non noté)")),
]


class CriterionForm(Form):
    code = StringField(
        _l("Code (par exemple GOV-01)"),
        validators=[DataRequired(REQUIRED), Length(max=20, message=_l("20 caractères au plus."))],
    )
    question = TextAreaField(_l("Question"), validators=[DataRequired(REQUIRED)])
    help = TextAreaField(_l("Aide"), validators=[Optional()])
    answer_type = SelectField(_l("Type de réponse"), choices=options(ANSWER_TYPES))
    points = FrenchDecimalField(
        _l("Points (oui / non)"),
        places=None,
        validators=[Optional(), NumberRange(min=0, max=1000, message=_l("Entre 0 et 1000."))],
    )
    options_text = TextAreaField(
        _l("Réponses proposées (choix unique) : une par ligne, « clé | libellé | points »"),
        render_kw={"rows": 5},
    )
    bands_text = TextAreaField(
        _l(
            "Tranches (nombre) : une par ligne, « min | max | points », min inclus, max exclu, "
            "vide = sans borne"
        ),
        render_kw={"rows": 4},
    )
    unit = StringField(_l("Unité (nombre)"), validators=[Optional(), Length(max=40)])
    min_value = FrenchDecimalField(
        _l("Valeur minimale admise"), places=None, validators=[Optional()]
    )
    max_value = FrenchDecimalField(
        _l("Valeur maximale admise"), places=None, validators=[Optional()]
    )
    evidence_required = BooleanField(_l("Justificatif obligatoire"))
    eliminatory = BooleanField(_l("Critère éliminatoire"))
    families = CheckboxListField(
        _l("Familles concernées (aucune cochée : toutes)"),
        choices=options((f.value, f.label) for f in Family),
    )
    recommendation = TextAreaField(
        _l("Recommandation d'amélioration (affichée si le critère n'est pas atteint)"),
        validators=[Optional()],
    )

    @classmethod
    def from_criterion(cls, criterion: Criterion | None) -> "CriterionForm":
        """The form filled with the criterion, its options and bands written one per line (a new
        criterion: yes / no for 10 points); the request's values win on a POST."""
        return cls(data=_criterion_data(criterion))

    def to_fields(self) -> dict:
        """The validated criterion as `services.save_criterion` takes it, with its parsed
        options and bands: code in capitals, no family ticked meaning all (None)."""
        return {
            "code": self.code.data.upper(),
            "question": self.question.data,
            "help": self.help.data or "",
            "answer_type": AnswerType(self.answer_type.data),
            "points": float(self.points.data or 0),
            "unit": self.unit.data or "",
            "min_value": _float_or_none(self.min_value.data),
            "max_value": _float_or_none(self.max_value.data),
            "evidence_required": self.evidence_required.data,
            "eliminatory": self.eliminatory.data,
            "families": list(self.families.data) or None,
            "recommendation": self.recommendation.data or "",
            "options": self.parsed_options,
            "bands": self.parsed_bands,
        }

    def validate_options_text(self, field):
        self.parsed_options = []
        if self.answer_type.data != "choice":
            return
        lines = [line for line in (field.data or "").splitlines() if line.strip()]
        if len(lines) < 2:
            raise ValidationError(_l("Un choix unique propose au moins deux réponses."))
        for number, line in enumerate(lines, start=1):
            parts = [part.strip() for part in line.split("|")]
            if len(parts) != 3 or not parts[0] or not parts[1]:
                raise ValidationError(
                    _l("Ligne %(n)s : écrivez « clé | libellé | points ».", n=number)
                )
            points = _number(parts[2])
            if points is None or points < 0:
                raise ValidationError(_l("Ligne %(n)s : des points positifs.", n=number))
            self.parsed_options.append((parts[0], parts[1], points))
        if len({key for key, _label, _points in self.parsed_options}) != len(lines):
            raise ValidationError(_l("Chaque réponse doit avoir une clé différente."))

    def validate_bands_text(self, field):
        self.parsed_bands = []
        if self.answer_type.data != "number":
            return
        lines = [line for line in (field.data or "").splitlines() if line.strip()]
        if not lines:
            raise ValidationError(_l("Un nombre est noté par tranches : indiquez-en au moins une."))
        for number, line in enumerate(lines, start=1):
            parts = [part.strip() for part in line.split("|")]
            if len(parts) != 3:
                raise ValidationError(_l("Ligne %(n)s : écrivez « min | max | points ».", n=number))
            low, high, points = (_number(p) if p else None for p in parts)
            if (parts[0] and low is None) or (parts[1] and high is None) or points is None:
                raise ValidationError(_l("Ligne %(n)s : des nombres attendus.", n=number))
            if low is not None and high is not None and low >= high:
                raise ValidationError(
                    _l("Ligne %(n)s : le minimum doit être inférieur au maximum.", n=number)
                )
            self.parsed_bands.append((low, high, points))


def _criterion_data(criterion: Criterion | None) -> dict:
    if criterion is None:
        return {"answer_type": "yes_no", "points": 10}
    return {
        "code": criterion.code,
        "question": criterion.question,
        "help": criterion.help,
        "answer_type": criterion.answer_type.value,
        "points": criterion.points,
        "options_text": "\n".join(f"{o.key} | {o.label} | {o.points:g}" for o in criterion.options),
        "bands_text": "\n".join(
            f"{'' if b.min is None else f'{b.min:g}'} | {'' if b.max is None else f'{b.max:g}'} "
            f"| {b.points:g}"
            for b in criterion.bands
        ),
        "unit": criterion.unit,
        "min_value": criterion.min_value,
        "max_value": criterion.max_value,
        "evidence_required": criterion.evidence_required,
        "eliminatory": criterion.eliminatory,
        "families": list(criterion.families or []),
        "recommendation": criterion.recommendation,
    }


def _float_or_none(value) -> float | None:
    return float(value) if value is not None else None


def _number(text: str) -> float | None:
    """A French or English decimal; None when it is not a finite number."""
    try:
        value = float(text.replace(",", ".").replace("\u202f", "").replace(" ", ""))
    except ValueError:
        return None
    return value if math.isfinite(value) else None
