"""The journal's pages: the secretariat reads, filters, exports and checks it; anyone reads
its head on /journal."""

from datetime import date

from flask import Blueprint, current_app, render_template, stream_with_context, url_for
from flask_babel import lazy_gettext as _l

from cdess.audit import labels
from cdess.audit import services as audit
from cdess.audit.permissions import can_read_journal
from cdess.extensions import db
from cdess.web import spreadsheet
from cdess.web.navigation import add_entry
from cdess.web.permissions import permission_required
from cdess.web.queries import COUNT_CAP, int_arg, paginate, query_arg

bp = Blueprint("audit", __name__)
add_entry(bp, "audit.journal", _l("Journal"), can_read_journal, order=110)


@bp.app_context_processor
def journal_globals() -> dict:
    return {"can_read_journal": can_read_journal}


# Where a subject is shown: (endpoint, argument); the others link to their own entries.
PAGES = {
    "application": ("applications.show", "application_id"),
    "session": ("sessions.show", "session_id"),
    "agenda_item": ("sessions.item", "item_id"),
    "structure": ("structures.show", "structure_id"),
    "user": ("admin.edit_user", "user_id"),
}


def subject_url(entry) -> str:
    page = PAGES.get(entry.subject_kind)
    if page is None:
        return url_for("audit.journal", sujet=entry.subject_kind, id=entry.subject_id)
    return url_for(page[0], **{page[1]: entry.subject_id})


def _date(name: str) -> date | None:
    try:
        return date.fromisoformat(query_arg(name, 10))
    except ValueError:
        return None


def _filters() -> tuple[audit.Filters, dict]:
    kind = query_arg("sujet", 30)
    kind = kind if kind in labels.SUBJECTS else ""
    action = query_arg("action", 40)
    action = action if action in labels.ACTIONS else ""
    filters = audit.Filters(
        subject_kind=kind,
        subject_id=int_arg("id"),
        actor=query_arg("acteur", 100),
        action=action,
        since=_date("du"),
        until=_date("au"),
    )
    args = {
        "sujet": kind,
        "id": filters.subject_id if filters.subject_id is not None else "",
        "acteur": filters.actor,
        "action": action,
        "du": filters.since.isoformat() if filters.since else "",
        "au": filters.until.isoformat() if filters.until else "",
    }
    return filters, {k: v for k, v in args.items() if v != ""}


@bp.get("/secretariat/journal")
@permission_required(can_read_journal)
def journal():
    filters, args = _filters()
    page = paginate(audit.search(filters), count_cap=COUNT_CAP)
    return render_template(
        "audit/journal.html",
        page=page,
        args=args,
        head=audit.head(),
        subjects=labels.SUBJECTS,
        actions=sorted(labels.ACTIONS.items(), key=lambda kv: str(kv[1])),
        action_label=labels.action_label,
        subject_label=labels.subject_label,
        state_label=labels.state_label,
        subject_url=subject_url,
    )


CSV_FIELDS = (
    "numero",
    "date_utc",
    "sujet",
    "id_sujet",
    "action",
    "de",
    "vers",
    "acteur",
    "motif",
    "detail",
    "empreinte",
)


@bp.get("/secretariat/journal.csv")
@permission_required(can_read_journal)
def journal_csv():
    import json

    filters, _args = _filters()

    def rows():
        sheet = spreadsheet.Writer()
        sheet.row(CSV_FIELDS)
        for entry in audit.each(filters):
            sheet.row(
                [
                    entry.id,
                    entry.at.isoformat(timespec="seconds"),
                    entry.subject_kind,
                    entry.subject_id,
                    entry.action,
                    entry.from_state,
                    entry.to_state,
                    entry.actor_name,
                    entry.reason,
                    json.dumps(entry.detail or {}, ensure_ascii=False, sort_keys=True),
                    entry.hash,
                ]
            )
            yield sheet.take()
        yield sheet.take()  # the header alone, when no entry matches

    response = current_app.response_class(stream_with_context(rows()), mimetype="text/csv")
    response.headers["Content-Disposition"] = 'attachment; filename="journal-cdess.csv"'
    return response


@bp.get("/secretariat/journal/verification")
@permission_required(can_read_journal)
def verification():
    return render_template("audit/verification.html", report=audit.verify())


@bp.get("/journal")
def public_head():
    """The journal's head, published: anyone may keep it and check it later against the
    minutes and certificates. Each change of the head read here is kept as an anchor."""
    current = audit.publish()
    db.session.commit()
    return render_template(
        "audit/public.html",
        current=current,
        anchors=audit.anchors(limit=60),
        sources=labels.ANCHOR_SOURCES,
    )
