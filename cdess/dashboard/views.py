"""The dashboard (`/tableau-de-bord`: the secretariat, the president, the council's members), each
chart's CSV, and the public statistics (`/statistiques`)."""

from flask import Blueprint, Response, abort, current_app, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from cdess import territories
from cdess.accounts.permissions import is_staff
from cdess.applications.permissions import can_review_applications
from cdess.certificates.permissions import can_list_certificates
from cdess.dashboard import cache, charts, figures, queries
from cdess.dashboard.permissions import can_view_dashboard
from cdess.followups.permissions import can_list_followups
from cdess.sessions.permissions import can_plan_sessions, can_sit, is_council_member
from cdess.structures.models import Family
from cdess.structures.permissions import can_list_structures
from cdess.web.navigation import add_entry
from cdess.web.permissions import permission_required
from cdess.web.queries import year_choices
from cdess.web.spreadsheet import Writer

bp = Blueprint("dashboard", __name__)
add_entry(bp, "dashboard.index", _l("Tableau de bord"), can_view_dashboard, order=75)

bp.add_app_template_global(can_view_dashboard, "can_view_dashboard")


def _chart_number(value) -> str:
    """`charts.number` with the reader's separators (the tables' and the priorities' figures)."""
    with charts.separators(*figures.separators()):
        return charts.number(value)


bp.add_app_template_filter(_chart_number, "chart_number")


def _filters() -> queries.Filters:
    return queries.Filters.parse(request.args, {e.code: e for e in territories.epcis()})


def _choices(filters: queries.Filters) -> dict:
    return {
        "filters": filters,
        "values": filters.args(),
        "years": year_choices(),
        "families": list(Family),
        "epcis": territories.epcis(),
    }


def _priorities() -> list[dict]:
    """What waits, each with its count and the list behind it (when this person may open it)."""
    staff = is_staff(current_user)
    counts = queries.priorities(None if staff else current_user.id)
    reports_list = (
        url_for("sessions.index")
        if can_plan_sessions(current_user)
        else url_for("sessions.members")
        if is_council_member(current_user)
        else None
    )
    entries = [
        (
            "admissibility",
            _("Candidatures en attente de recevabilité"),
            url_for("applications.queue", state="submitted")
            if can_review_applications(current_user)
            else None,
        ),
        (
            "reports",
            _("Rapports de rapporteur à rédiger") if staff else _("Mes rapports à rédiger"),
            reports_list,
        ),
        (
            "overdue",
            _("Suivis annuels en retard"),
            url_for("followups.queue", etat="overdue")
            if can_list_followups(current_user)
            else None,
        ),
        (
            "certificates",
            _("Certificats à délivrer"),
            url_for("certificates.index") + "#a-delivrer"
            if can_list_certificates(current_user)
            else None,
        ),
    ]
    return [
        {"key": key, "label": label, "count": counts[key], "url": url}
        for key, label, url in entries
        if url is not None or counts[key]
    ]


def _lists(user) -> dict[str, tuple[str, str]]:
    """The lists behind the figures (`figures.list_behind`) this person may open: kind →
    (endpoint, what its link opens, said to screen readers). The public page's visitor (None)
    opens the registry only."""
    lists = {"registry": ("certificates.registry", _("le registre des structures labellisées"))}
    if user is None:
        return lists
    if can_list_structures(user):
        lists["structures"] = ("structures.index", _("la liste des structures"))
    if can_review_applications(user):
        lists["applications"] = ("applications.queue", _("la liste des candidatures"))
    if can_plan_sessions(user):
        lists["session"] = ("sessions.show", _("la séance"))
    elif can_sit(user):
        lists["session"] = ("sessions.member_session", _("la séance"))
    if can_list_followups(user):
        lists["followups"] = ("followups.queue", _("la liste des suivis annuels"))
    if can_list_certificates(user):
        lists["certificates"] = ("certificates.index", _("la liste des certificats"))
    return lists


@bp.get("/tableau-de-bord")
@permission_required(can_view_dashboard)
def index():
    filters = _filters()
    lists = _lists(current_user)

    def compute():
        with charts.separators(*figures.separators()):
            data = figures.Data(filters)
            built = [build(data) for build in figures.DASHBOARD.values()]
            drawn = _drawn(built, filters, lists, "dashboard.chart_csv")
            return queries.totals(filters, data.population), drawn

    # The figures are drawn with the links this person may follow: kept per set of lists.
    key = ("dashboard", tuple(sorted((kind, page[0]) for kind, page in lists.items())))
    totals, drawn = cache.figures(key, filters, compute)
    return render_template(
        "dashboard/index.html",
        totals=totals,
        priorities=_priorities(),
        figures_html=drawn,
        **_choices(filters),
    )


def _drawn(built: list, filters, lists: dict, csv_endpoint=None) -> str:
    """The figures' sections as HTML (autoescaped by their template), each row or figure
    linked to the list behind it when `lists` has its kind: drawn once for each state of the
    data, shown with `|safe`."""
    return render_template(
        "dashboard/_figures.html",
        figures=built,
        csv_endpoint=csv_endpoint,
        values=filters.args(),
        lists=lists,
    )


def _public_figures(filters) -> str:
    with charts.separators(*figures.separators()):
        built = [build(figures.Data(filters)) for build in figures.PUBLIC.values()]
        return _drawn(built, filters, _lists(None))


def _csv(figure: figures.Figure, name: str) -> Response:
    writer = Writer()
    writer.row(figure.columns)
    for row in figure.rows:
        writer.row([figures.csv_cell(cell) for cell in row])
    return Response(
        writer.take(),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{name}.csv"'},
    )


@bp.get("/tableau-de-bord/<chart>.csv")
@permission_required(can_view_dashboard)
def chart_csv(chart: str):
    build = figures.DASHBOARD.get(chart)
    if build is None:
        abort(404)
    return _csv(build(figures.Data(_filters())), f"tableau-de-bord-{chart}")


@bp.get("/statistiques")
def statistics():
    """Public: counts of labelled structures and signatories only, no name."""
    filters = _filters()
    opendata = {
        kind: url_for(f"opendata.statistics_{kind}")
        for kind in ("csv", "json")
        if f"opendata.statistics_{kind}" in current_app.view_functions
    }
    return render_template(
        "dashboard/statistics.html",
        figures_html=cache.figures("statistics", filters, lambda: _public_figures(filters)),
        opendata=opendata,
        **_choices(filters),
    )
