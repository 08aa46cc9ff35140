"""The follow-up's forms: the structure's filing (built from the request, its fields depending
on the label's charter and objectives) and the secretariat's decisions."""

from flask_babel import lazy_gettext as _l
from wtforms import TextAreaField
from wtforms.validators import DataRequired, Length

from cdess.followups.services import REPORT_MAX, TEXT_MAX, Filing, eliminatory_criteria
from cdess.web.forms import REQUIRED, Form


class ComplementsForm(Form):
    reason = TextAreaField(
        _l("Compléments attendus (envoyés à la structure)"),
        validators=[DataRequired(REQUIRED), Length(max=TEXT_MAX)],
        id="complements-reason",
    )


class SuspensionForm(Form):
    report = TextAreaField(
        _l("Rapport du secrétariat (envoyé à la structure, lu par le conseil)"),
        validators=[DataRequired(REQUIRED), Length(max=REPORT_MAX)],
        id="suspension-report",
    )


class ActionForm(Form):
    """A button: only the CSRF token."""


def _holds(value: str | None) -> bool | None:
    return {"oui": True, "non": False}.get(value or "")


def filing_from(form, files, followup) -> Filing:
    """The structure's filing as the request sent it: `doc-<kind>` files, `crit-<code>`
    « oui »/« non » with `expl-<code>`, `obj-<id>` texts. Anything else is ignored; what is
    missing or wrong is for `services.check_filing` to say."""
    return Filing(
        uploads={kind: files.get(f"doc-{kind.value}") for kind in followup.kinds},
        answers={
            c.code: (_holds(form.get(f"crit-{c.code}")), form.get(f"expl-{c.code}", ""))
            for c in eliminatory_criteria(followup)
        },
        progress={
            o.id: form.get(f"obj-{o.id}", "") for o in followup.certificate.application.objectives
        },
    )
