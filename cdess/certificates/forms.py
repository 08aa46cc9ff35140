from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField
from wtforms import SelectField, TextAreaField
from wtforms.validators import DataRequired, Length, ValidationError

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
        id="urgent-reason",  # the certificate's page also holds the reissue form's reason
    )


class AnswerForm(Form):
    answer = TextAreaField(
        _l("Réponse écrite de la structure"),
        validators=[DataRequired(REQUIRED), Length(max=5000)],
    )


class ReissueForm(Form):
    reason = TextAreaField(
        _l("Correction apportée"),
        validators=[DataRequired(REQUIRED), Length(max=2000)],
        id="reissue-reason",
    )


class VerifyForm(Form):
    """Anyone checks a PDF they were given: is it a genuine certificate, and which one."""

    pdf = FileField(_l("Certificat au format PDF"))

    content: bytes | None = None  # the upload's bytes, once it passed as a PDF

    def validate_pdf(self, field):
        """A file was chosen, no bigger than `VERIFY_MAX_BYTES` and starting as a PDF does;
        its bytes are kept in `content`."""
        upload = field.data
        if upload is None or not getattr(upload, "filename", ""):
            raise ValidationError(_("Choisissez le fichier PDF du certificat."))
        limit = current_app.config["VERIFY_MAX_BYTES"]
        content = upload.read(limit + 1)
        if len(content) > limit:
            raise ValidationError(
                _("Ce fichier est bien trop grand pour être un certificat cdess.")
            )
        if not content.startswith(b"%PDF-"):
            raise ValidationError(_("Ce fichier n'est pas un PDF."))
        self.content = content
