from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, PasswordField, SelectField, StringField
from wtforms.validators import DataRequired, Length, NumberRange, Optional, ValidationError

from cdess.accounts.passwords import weakness
from cdess.web.forms import (
    REQUIRED,
    CheckboxListField,
    Form,
    IntegerField,
    email_field,
    new_password_fields,
    options,
)
from cdess.web.language import LANGUAGE_NAMES

NAME_LABEL = _l("Nom et prénom")


def name_field(label=NAME_LABEL):
    return StringField(
        label,
        validators=[DataRequired(REQUIRED), Length(max=120, message=_l("120 caractères au plus."))],
        render_kw={"autocomplete": "name"},
    )


class NewPasswordForm(Form):
    """Every form that sets a password: its rules (`StrongPassword`), and not one that is common,
    breached or made of the person's name or address (`passwords.weakness`). The person is
    `owner` when known (reset, invitation, change), else the form's own name and email.
    Subclasses declare `password, confirm = new_password_fields()` where they come in order."""

    def __init__(self, *args, owner=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.owner = owner

    def validate_password(self, field):
        if field.errors:  # too short already says enough
            return
        if self.owner is not None:
            name, email = self.owner.display_name, self.owner.email
        else:
            name, email = self.display_name.data, self.email.data
        if problem := weakness(field.data, name, email):
            raise ValidationError(problem)


class RegisterForm(NewPasswordForm):
    display_name = name_field()
    email = email_field()
    password, confirm = new_password_fields()


class LoginForm(Form):
    email = email_field()
    password = PasswordField(
        _l("Mot de passe"),
        validators=[DataRequired(REQUIRED)],
        render_kw={"autocomplete": "current-password"},
    )
    remember = BooleanField(_l("Rester connecté sur cet appareil"))


class ForgotPasswordForm(Form):
    email = email_field()


class SetPasswordForm(NewPasswordForm):
    password, confirm = new_password_fields()


class ProfileForm(Form):
    display_name = name_field()
    locale = SelectField(_l("Langue de l'interface"), choices=options(LANGUAGE_NAMES.items()))


class ChangePasswordForm(NewPasswordForm):
    current_password = PasswordField(
        _l("Mot de passe actuel"),
        validators=[DataRequired(REQUIRED)],
        render_kw={"autocomplete": "current-password"},
    )
    password, confirm = new_password_fields()


class UserForm(Form):
    """Roles, collège and voting right of an account (secretariat)."""

    roles = CheckboxListField(_l("Rôles"))
    college_id = SelectField(_l("Collège"), coerce=int, validators=[Optional()])
    voting_right = BooleanField(_l("Voix délibérative (membre votant)"))
    active = BooleanField(_l("Compte actif"))


class InviteForm(UserForm):
    display_name = name_field()
    email = email_field()


class CollegeForm(Form):
    name = StringField(
        _l("Nom du collège"),
        validators=[DataRequired(REQUIRED), Length(max=200, message=_l("200 caractères au plus."))],
    )
    position = IntegerField(
        _l("Ordre d'affichage"),
        validators=[Optional(), NumberRange(min=0, max=999, message=_l("Entre 0 et 999."))],
    )


class DeleteAccountForm(Form):
    """The person erases their own account: their password, and that they understood."""

    password = PasswordField(
        _l("Mot de passe"),
        validators=[DataRequired(REQUIRED)],
        render_kw={"autocomplete": "current-password"},
    )
    understood = BooleanField(
        _l("J'ai compris que la suppression est définitive."),
        validators=[DataRequired(_l("Cochez cette case pour confirmer."))],
    )


class EraseUserForm(Form):
    """The secretariat erases a person's account on their request: why (the request)."""

    reason = StringField(
        _l("Motif (la demande de la personne)"),
        validators=[DataRequired(REQUIRED), Length(max=500, message=_l("500 caractères au plus."))],
    )
