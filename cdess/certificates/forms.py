from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField
from wtforms import DateField, SelectField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length

from cdess.web.forms import REQUIRED, Form, options


class StatusForm(Form):
    change = SelectField(
        _l("Changement de statut"),
        choices=options(
            [
                ("suspend", _l("Suspendre le label")),
                ("reinstate", _l("Lever la suspension")),
                ("revoke", _l("Retirer le label (révocation)")),
            ]
        ),
    )
    on = DateField(
        _l("Date de la décision du conseil"),
        validators=[InputRequired(REQUIRED)],
        invalid_value_message=_l("Saisissez une date valide."),
    )
    reason = TextAreaField(
        _l("Motif (décision du conseil)"), validators=[DataRequired(REQUIRED), Length(max=2000)]
    )


class ReissueForm(Form):
    reason = TextAreaField(
        _l("Correction apportée"), validators=[DataRequired(REQUIRED), Length(max=2000)]
    )


class VerifyForm(Form):
    """Anyone checks a PDF they were given: is it a genuine certificate, and which one."""

    pdf = FileField(_l("Certificat au format PDF"))
