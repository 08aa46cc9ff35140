"""Shared form pieces: French messages, stripped text without control characters, bounded
whole numbers, checkbox lists, password rules."""

import decimal

import email_validator
import wtforms
from flask import current_app
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    DecimalField,
    PasswordField,
    SelectMultipleField,
    StringField,
    TextAreaField,
    widgets,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import (
    DataRequired,
    Email,
    EqualTo,
    Length,
    StopValidation,
    ValidationError,
)

from cdess.numbers import parse_number
from cdess.web.text import has_refused
from cdess.web.urls import MAX_ID

REQUIRED = _l("Ce champ est obligatoire.")
CONTROL_CHARACTERS = _l("Ce champ ne doit pas contenir de caractère de contrôle.")

# Demo and test accounts live under the reserved .test domain (RFC 2606), which
# email-validator refuses by default; no real mail is ever delivered there.
if "test" in email_validator.SPECIAL_USE_DOMAIN_NAMES:
    email_validator.SPECIAL_USE_DOMAIN_NAMES.remove("test")


def options(pairs) -> list[SelectChoice]:
    """(value, label) pairs as WTForms select choices."""
    return [SelectChoice(value, label) for value, label in pairs]


def strip(value):
    """Surrounding spaces off; NUL characters out (PostgreSQL refuses them in text)."""
    return value.replace("\x00", "").strip() if isinstance(value, str) else value


class NoControlCharacters:
    """Refuses the characters of `cdess.web.text.refused` (line breaks and other controls in a
    one-line field, NUL, escapes and direction overrides in a text area), before any other
    check of the field."""

    def __init__(self, multiline: bool = False):
        self.multiline = multiline

    def __call__(self, form, field):
        if isinstance(field.data, str) and has_refused(field.data, self.multiline):
            raise StopValidation(CONTROL_CHARACTERS)


class Form(FlaskForm):
    """Every form: CSRF-protected by Flask-WTF; its text fields stripped of surrounding spaces
    and refusing control characters (no form can forget it: every field is bound here)."""

    class Meta:
        def bind_field(self, form, unbound_field, options):
            text = issubclass(unbound_field.field_class, StringField) and not issubclass(
                unbound_field.field_class, PasswordField
            )
            filters = list(unbound_field.kwargs.get("filters", []))
            if text:
                filters.insert(0, strip)
            field = unbound_field.bind(form=form, filters=filters, **options)
            if text:
                multiline = issubclass(unbound_field.field_class, TextAreaField)
                field.validators = [NoControlCharacters(multiline), *field.validators]
            return field


NOT_A_WHOLE_NUMBER = _l("Saisissez un nombre entier.")


class IntegerField(wtforms.IntegerField):
    """A whole number a database column holds (PostgreSQL's `integer`, −2³¹ to 2³¹ − 1): a
    larger one is refused like a word, in French, before any range check of the form."""

    def process_formdata(self, valuelist):
        if not valuelist:
            return
        try:
            value = int(valuelist[0])
        except ValueError:
            value = None
        if value is None or not -MAX_ID - 1 <= value <= MAX_ID:
            self.data = None
            raise ValueError(NOT_A_WHOLE_NUMBER)
        self.data = value


class RowList(wtforms.FieldList):
    """Rows posted as indexed fields (`options-3-label`). An index of more than six digits is no
    row of ours and is ignored: Python refuses to read an integer of thousands of digits, which
    FieldList would otherwise try (a 500)."""

    def _extract_indices(self, prefix, formdata):
        start = len(prefix) + 1  # `options-`: the name and the separator
        keys = [k for k in formdata if len(k[start:].split("-", 1)[0]) <= 6]
        return super()._extract_indices(prefix, keys)


class CheckboxListField(SelectMultipleField):
    widget = widgets.ListWidget(prefix_label=False)
    option_widget = widgets.CheckboxInput()

    def pre_validate(self, form):
        # Unknown values are refused with a French message rather than WTForms' English one.
        known = {str(value) for value, *_ in self.iter_choices()}
        if self.data and any(str(v) not in known for v in self.data):
            raise ValidationError(_l("Choisissez parmi les valeurs proposées."))


class FrenchDecimalField(DecimalField):
    """A decimal typed the French way ("62,5", "1 200") or the English way, French errors.
    A text input (inputmode decimal): a number input would refuse the French comma."""

    widget = widgets.TextInput()

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("render_kw", {}).setdefault("inputmode", "decimal")
        super().__init__(*args, **kwargs)

    def pre_validate(self, form):
        if self.process_errors:  # "not a number" says it all: no range message on top
            raise StopValidation()

    def _value(self):
        if self.raw_data:
            return self.raw_data[0]
        if self.data is None:
            return ""
        text = format(decimal.Decimal(self.data).normalize(), "f")
        return text.replace(".", ",")

    def process_formdata(self, valuelist):
        if not valuelist or valuelist[0] in ("", None):
            self.data = None
            return
        value = parse_number(str(valuelist[0]))  # one parser of French numbers for the app
        if value is None:
            self.data = None
            raise ValueError(_l("Saisissez un nombre, par exemple 12 ou 12,5."))
        self.data = decimal.Decimal(str(value))


EMAIL_LABEL = _l("Adresse électronique")


def email_field(label=EMAIL_LABEL):
    return StringField(
        label,
        validators=[
            DataRequired(REQUIRED),
            Length(max=254, message=_l("254 caractères au plus.")),
            Email(
                message=_l("Saisissez une adresse électronique valide, comme nom@exemple.fr."),
                check_deliverability=False,
            ),
        ],
        render_kw={"autocomplete": "email", "type": "email"},
    )


class StrongPassword:
    """At least PASSWORD_MIN_LENGTH characters (12 by default), and not the email address."""

    def __call__(self, form, field):
        minimum = current_app.config["PASSWORD_MIN_LENGTH"]
        password = field.data or ""
        if len(password) < minimum:
            raise ValidationError(
                _l("Le mot de passe doit compter au moins %(n)s caractères.", n=minimum)
            )
        if len(password) > 200:
            raise ValidationError(_l("Le mot de passe doit compter 200 caractères au plus."))
        email = getattr(form, "email", None)
        if email is not None and email.data and password.strip().lower() == email.data.lower():
            raise ValidationError(_l("Le mot de passe ne doit pas être votre adresse."))


def new_password_fields():
    """The password and its confirmation, as a pair of fields."""
    password = PasswordField(
        _l("Mot de passe (12 caractères au moins)"),
        validators=[DataRequired(REQUIRED), StrongPassword()],
        render_kw={"autocomplete": "new-password"},
    )
    confirm = PasswordField(
        _l("Confirmez le mot de passe"),
        validators=[
            DataRequired(REQUIRED),
            EqualTo("password", message=_l("Les deux mots de passe ne sont pas identiques.")),
        ],
        render_kw={"autocomplete": "new-password"},
    )
    return password, confirm
