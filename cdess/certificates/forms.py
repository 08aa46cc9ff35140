from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField
from wtforms import SelectField, TextAreaField
from wtforms.validators import DataRequired, Length

from cdess.web.forms import REQUIRED, Form, options


class ProposalForm(Form):
    """The secretariat proposes a change of the label's status to the council."""

    action = SelectField(
        _l("Décision proposée au conseil"),
        choices=options(
            [
                ("suspend", _l("Suspendre le label")),
                ("reinstate", _l("Lever la suspension")),
                ("revoke", _l("Retirer le label (révocation)")),
            ]
        ),
    )
    report = TextAreaField(
        _l("Rapport du secrétariat (envoyé à la structure, lu par le conseil)"),
        validators=[DataRequired(REQUIRED), Length(max=5000)],
    )


class UrgentSuspensionForm(Form):
    reason = TextAreaField(
        _l("Motif de la suspension d'urgence"),
        validators=[DataRequired(REQUIRED), Length(max=2000)],
    )


class AnswerForm(Form):
    answer = TextAreaField(
        _l("Réponse écrite de la structure"),
        validators=[DataRequired(REQUIRED), Length(max=5000)],
    )


class ReissueForm(Form):
    reason = TextAreaField(
        _l("Correction apportée"), validators=[DataRequired(REQUIRED), Length(max=2000)]
    )


class VerifyForm(Form):
    """Anyone checks a PDF they were given: is it a genuine certificate, and which one."""

    pdf = FileField(_l("Certificat au format PDF"))
