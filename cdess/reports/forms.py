"""The public's report form, and the secretariat's and the structure's forms on a report."""

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField
from wtforms import StringField, TextAreaField
from wtforms.validators import DataRequired, Email, Length, Optional

from cdess.reports.rules import EMAIL_MAX, NAME_MAX, TEXT_MAX, thousands
from cdess.web.forms import REQUIRED, Form


def too_long(n: int):
    return _l("%(n)s caractères au plus.", n=thousands(n))


def _text_area(label, description=None, rows=6):
    return TextAreaField(
        label,
        validators=[DataRequired(REQUIRED), Length(max=TEXT_MAX, message=too_long(TEXT_MAX))],
        description=description,
        render_kw={"rows": rows, "maxlength": TEXT_MAX},
    )


class ReportForm(Form):
    """« Signaler un manquement à la charte »: a text, optionally a name, an address and a
    file; `website` is the honeypot, hidden from people and left empty by them."""

    text = _text_area(
        _l("Le manquement constaté"),
        _l(
            "Décrivez les faits : ce que vous avez constaté, quand, et en quoi la structure ne "
            "respecte pas la charte. 5 000 caractères au plus."
        ),
        rows=8,
    )
    name = StringField(
        _l("Votre nom (facultatif)"),
        validators=[Optional(), Length(max=NAME_MAX, message=too_long(NAME_MAX))],
        render_kw={"autocomplete": "name", "maxlength": NAME_MAX},
    )
    email = StringField(
        _l("Votre adresse électronique (facultatif)"),
        validators=[
            Optional(),
            Length(max=EMAIL_MAX, message=too_long(EMAIL_MAX)),
            Email(
                message=_l("Saisissez une adresse électronique valide, comme nom@exemple.fr."),
                check_deliverability=False,
            ),
        ],
        description=_l(
            "Pour recevoir un accusé de réception et la suite donnée. Elle n'est jamais "
            "communiquée à la structure."
        ),
        render_kw={"autocomplete": "email", "type": "email", "maxlength": EMAIL_MAX},
    )
    file = FileField(
        _l("Une pièce (facultatif)"),
        description=_l("PDF, PNG, JPEG, ODT ou DOCX, 5 Mo au plus : une photo, un document."),
    )
    website = StringField(
        _l("Laissez ce champ vide : il sert à écarter les envois automatiques"),
        render_kw={"autocomplete": "off", "tabindex": "-1"},
    )


class QuestionForm(Form):
    question = _text_area(
        _l("Question posée à la structure"),
        _l(
            "Envoyée par courriel aux personnes de la structure. Ni le nom ni l'adresse de "
            "l'auteur du signalement ne leur sont communiqués."
        ),
        rows=5,
    )


class DismissForm(Form):
    reason = _text_area(
        _l("Motif du classement sans suite"),
        _l("Communiqué à l'auteur du signalement s'il a laissé son adresse."),
        rows=4,
    )


class ProposalForm(Form):
    report = _text_area(
        _l("Rapport du secrétariat au conseil"),
        _l(
            "Envoyé à la structure, qui peut y répondre par écrit, et lu par le conseil : "
            "la proposition de suspension est inscrite à la prochaine séance en préparation."
        ),
        rows=6,
    )


class AnswerForm(Form):
    answer = _text_area(_l("Réponse de la structure"), rows=8)
