import math

import wtforms
from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    FormField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
)
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
from cdess.web.forms import REQUIRED, CheckboxListField, Form, FrenchDecimalField, RowList
from cdess.web.forms import options as choice_list  # `options` is the criterion's field


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
    ("minor", _l("Mineure : seule la rédaction change")),
    ("major", _l("Majeure : la notation ou l'éligibilité change")),
]


class PublishForm(Form):
    """The secretariat states the kind of the version it publishes (checked against what
    actually changed: a major change is never published as minor)."""

    kind = RadioField(
        _l("Nature de cette version"),
        choices=choice_list(VERSION_KINDS),
        validators=[InputRequired(_l("Indiquez si cette version est mineure ou majeure."))],
        description=_l(
            "Mineure (titres, questions, aide, libellés, recommandations) : les signatures et "
            "les demandes en cours continuent. Majeure (critères, points, poids, seuils, "
            "critères éliminatoires) : chaque signataire est invité par courriel à signer de "
            "nouveau dans le délai prévu ; sa signature vaut jusque-là."
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

MAX_ROWS = 30  # answers of a choice, bands of a number: more is a mistake, or a hostile post


class OptionRow(wtforms.Form):
    """One answer of a single choice: its key (stored in the answers), label and points. No
    validator here but the one every form has (spaces stripped, control characters refused):
    the criterion form checks the rows together and says which one is wrong."""

    Meta = Form.Meta

    key = StringField(_l("Clé"))
    label = StringField(_l("Libellé"))
    points = StringField(_l("Points"), render_kw={"inputmode": "decimal"})


class BandRow(wtforms.Form):
    """One band of a number: from `min` (included) to `max` (excluded), either open."""

    Meta = Form.Meta

    min = StringField(_l("De (inclus)"), render_kw={"inputmode": "decimal"})
    max = StringField(_l("À (exclu)"), render_kw={"inputmode": "decimal"})
    points = StringField(_l("Points"), render_kw={"inputmode": "decimal"})


class CriterionForm(Form):
    """A criterion of a charter draft. Its options (single choice) and bands (number) are rows
    posted as indexed fields (`options-0-key`, `bands-2-points`…); a row left blank is ignored,
    and a wrong row gets its message next to it."""

    code = StringField(
        _l("Code (par exemple GOV-01)"),
        validators=[DataRequired(REQUIRED), Length(max=20, message=_l("20 caractères au plus."))],
    )
    question = TextAreaField(_l("Question"), validators=[DataRequired(REQUIRED)])
    help = TextAreaField(_l("Aide"), validators=[Optional()])
    answer_type = SelectField(_l("Type de réponse"), choices=choice_list(ANSWER_TYPES))
    points = FrenchDecimalField(
        _l("Points (oui / non)"),
        places=None,
        validators=[Optional(), NumberRange(min=0, max=1000, message=_l("Entre 0 et 1000."))],
    )
    options = RowList(
        FormField(OptionRow), _l("Réponses proposées (choix unique)"), max_entries=MAX_ROWS
    )
    bands = RowList(FormField(BandRow), _l("Tranches (nombre)"), max_entries=MAX_ROWS)
    unit = StringField(_l("Unité (nombre)"), validators=[Optional(), Length(max=40)])
    min_value = FrenchDecimalField(
        _l("Valeur minimale admise (nombre)"), places=None, validators=[Optional()]
    )
    max_value = FrenchDecimalField(
        _l("Valeur maximale admise (nombre)"), places=None, validators=[Optional()]
    )
    evidence_required = BooleanField(_l("Justificatif obligatoire"))
    eliminatory = BooleanField(_l("Critère éliminatoire"))
    families = CheckboxListField(
        _l("Familles concernées (aucune cochée : toutes)"),
        choices=choice_list((f.value, f.label) for f in Family),
    )
    recommendation = TextAreaField(
        _l("Recommandation d'amélioration (affichée si le critère n'est pas atteint)"),
        validators=[Optional()],
    )

    parsed_options: list[tuple[str, str, float]]
    parsed_bands: list[tuple[float | None, float | None, float]]

    @classmethod
    def from_criterion(cls, criterion: Criterion | None) -> "CriterionForm":
        """The form filled with the criterion, its options and bands one row each, plus a blank
        row to add one without JavaScript (a new criterion: yes / no for 10 points); the
        request's values win on a POST."""
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

    def validate_options(self, field):
        self.parsed_options = []
        if self.answer_type.data != "choice":
            return
        keys: dict[str, int] = {}
        for position, row in _filled_rows(field):
            key, label = row.key.data.strip(), row.label.data.strip()
            points = _number(row.points.data)
            if not key:
                row.key.errors.append(_l("Indiquez une clé."))
            elif len(key) > 40:
                row.key.errors.append(_l("40 caractères au plus."))
            elif key in keys:
                row.key.errors.append(_l("Clé déjà prise par la réponse %(n)s.", n=keys[key]))
            if not label:
                row.label.errors.append(_l("Indiquez un libellé."))
            if points is None or points < 0:
                row.points.errors.append(_l("Des points positifs."))
            keys.setdefault(key, position)
            self.parsed_options.append((key, label, points))
        _raise_row_errors(field, _l("Réponse"))
        if len(self.parsed_options) < 2:
            raise ValidationError(_l("Un choix unique propose au moins deux réponses."))

    def validate_bands(self, field):
        self.parsed_bands = []
        if self.answer_type.data != "number":
            return
        for _position, row in _filled_rows(field):
            low, high, points = (_number(f.data) for f in (row.min, row.max, row.points))
            for value, subfield in ((low, row.min), (high, row.max)):
                if subfield.data.strip() and value is None:
                    subfield.errors.append(_l("Un nombre, ou vide pour sans borne."))
            if points is None:
                row.points.errors.append(_l("Des points attendus."))
            if low is not None and high is not None and low >= high:
                row.max.errors.append(_l("Le minimum doit être inférieur au maximum."))
            self.parsed_bands.append((low, high, points))
        _raise_row_errors(field, _l("Tranche"))
        if not self.parsed_bands:
            raise ValidationError(_l("Un nombre est noté par tranches : indiquez-en au moins une."))


def _filled_rows(field) -> list[tuple[int, wtforms.Form]]:
    """(position on the page from 1, row) for each row not left blank, in the posted order;
    the rows' values trimmed on the way."""
    rows = []
    for position, entry in enumerate(field, start=1):
        for subfield in entry.form:
            subfield.data = (subfield.data or "").strip()
        if any(subfield.data for subfield in entry.form):
            rows.append((position, entry.form))
    return rows


def _raise_row_errors(field, noun) -> None:
    """One message for the list naming each wrong row (the rows carry the same messages)."""
    wrong = [
        f"{noun} {position} : " + " ".join(str(e) for subfield in row for e in subfield.errors)
        for position, row in _filled_rows(field)
        if any(subfield.errors for subfield in row)
    ]
    if wrong:
        raise ValidationError(" ".join(wrong))


def _criterion_data(criterion: Criterion | None) -> dict:
    blank_option = {"key": "", "label": "", "points": ""}
    blank_band = {"min": "", "max": "", "points": ""}
    if criterion is None:
        return {
            "answer_type": "yes_no",
            "points": 10,
            "options": [blank_option, blank_option],
            "bands": [blank_band],
        }
    return {
        "code": criterion.code,
        "question": criterion.question,
        "help": criterion.help,
        "answer_type": criterion.answer_type.value,
        "points": criterion.points,
        "options": [
            {"key": o.key, "label": o.label, "points": f"{o.points:g}"} for o in criterion.options
        ]
        + [blank_option] * max(1, 2 - len(criterion.options)),
        "bands": [
            {
                "min": "" if b.min is None else f"{b.min:g}",
                "max": "" if b.max is None else f"{b.max:g}",
                "points": f"{b.points:g}",
            }
            for b in criterion.bands
        ]
        + [blank_band],
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
