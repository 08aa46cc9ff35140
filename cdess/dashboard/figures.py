"""The figures of the dashboard and of the public statistics: for each, its chart, a one-sentence
summary and the table behind it. The chart, the HTML table and the CSV are drawn from the same
rows, so that they never disagree.

Where the issue is silent, decided here: the stacked bars of families and EPCI cut the
structures known into « labellisées », « signataires non labellisées » and the others, so that
every segment is a column of the table; the public page shows only labelled structures and
signatories (counts, no name), by family, by EPCI and per year."""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from functools import cached_property

from babel.numbers import get_decimal_symbol, get_group_symbol
from flask_babel import format_date, get_locale
from flask_babel import gettext as _

from cdess import territories
from cdess.applications.queries import ANY_YEAR as DECIDED_ANY_YEAR
from cdess.assessments.radar import radar_svg
from cdess.dashboard import charts, queries
from cdess.followups.models import FollowUpState
from cdess.followups.queries import ALL_STATES as FOLLOWUPS_ALL_STATES
from cdess.structures.models import Family
from cdess.territories import shapes


@dataclass
class Figure:
    """A chart (`svg`), its title, its one-sentence summary and its data: `columns` headers,
    `rows` of cells whose first is the row's name (a <th scope="row">)."""

    name: str
    title: str
    summary: str
    columns: list[str]
    rows: list[list]
    svg: str
    unit: dict[int, str] = field(default_factory=dict)  # column index → unit written after
    map_svg: str = ""  # the same figures on the map of the EPCI (the figures by EPCI)
    # Each row's list behind it, (kind, arguments) as `list_behind` makes it (None: no list),
    # drawn as the row's heading's link for whom may open that kind of list; and the list
    # behind the whole figure, when its rows have none.
    links: list[tuple[str, dict] | None] = field(default_factory=list)
    behind: tuple[str, dict] | None = None
    behind_text: str = ""


class Data:
    """The queries a page needs, each run once however many figures read it."""

    def __init__(self, filters: queries.Filters, today: date | None = None):
        self.filters = filters
        self.today = today or date.today()

    @cached_property
    def population(self) -> queries.Population:
        return queries.Population.build(self.today)

    @cached_property
    def families(self):
        return queries.by_family(self.filters, self.population)

    @cached_property
    def epcis(self):
        return queries.by_epci(self.filters, self.population)

    @cached_property
    def years(self):
        return queries.per_year(self.filters)

    @cached_property
    def sessions(self):
        return queries.outcomes_per_session(self.filters)

    @cached_property
    def scores(self):
        return queries.principle_scores(self.filters)

    @cached_property
    def delays(self):
        return queries.time_to_decision(self.filters)

    @cached_property
    def followups(self):
        return queries.followups_per_year(self.filters)

    @cached_property
    def ending(self):
        return queries.labels_ending(self.filters, self.population)


def separators() -> tuple[str, str]:
    """The reader's separators of thousands and decimals, for `charts.number`."""
    locale = get_locale()
    return get_group_symbol(locale), get_decimal_symbol(locale)


def _percent() -> str:
    """What follows a percentage in the reader's language: «  % » in French, « % » in
    English (the locale's own percent pattern)."""
    return get_locale().percent_formats[None].pattern.rsplit("0", 1)[-1]


def _family_name(key: str) -> str:
    return str(Family(key).label)


def _epci_name(key: str) -> str:
    found = territories.epci(key) if key else None
    return found.name if found else (key or _("Sans EPCI"))


def _share(row: queries.GroupRow) -> float | None:
    return None if row.share is None else round(row.share, 1)


# --- the dashboard ----------------------------------------------------------------------------


def families(data: Data) -> Figure:
    rows = [
        [
            _family_name(r.key),
            r.known,
            r.labelled,
            r.signed_only,
            r.others,
            r.signatories,
            _share(r),
            r.applications,
            r.followups,
        ]
        for r in data.families
    ]
    links = [list_behind("structures", data.filters, family=r.key) for r in data.families]
    known = sum(r.known for r in data.families)
    labelled = sum(r.labelled for r in data.families)
    series = [
        (_("Labellisées"), [r[2] for r in rows]),
        (_("Signataires non labellisées"), [r[3] for r in rows]),
        (_("Autres structures connues"), [r[4] for r in rows]),
    ]
    title = _("Structures par famille de l'ESS")
    summary = _(
        "%(labelled)s structures labellisées sur %(known)s connues, toutes familles confondues.",
        labelled=charts.number(labelled),
        known=charts.number(known),
    )
    return Figure(
        "familles",
        title,
        summary,
        [
            _("Famille"),
            _("Structures connues"),
            _("Labellisées"),
            _("Signataires non labellisées"),
            _("Autres structures connues"),
            _("Signataires de la charte"),
            _("Part labellisée"),
            _("Candidatures déposées"),
            _("Suivis annuels"),
        ],
        rows,
        charts.stacked_bar_chart("familles", title, summary, [r[0] for r in rows], series),
        unit={6: _percent()},
        links=links,
    )


# The names each list gives the dashboard's family and EPCI filters (the lists without one
# are not narrowed by them).
AREA_ARGS = {
    "structures": ("family", "epci"),
    "applications": ("family", "epci"),
    "followups": ("famille", "epci"),
    "registry": ("famille", "epci"),
}


def list_behind(kind: str, filters: queries.Filters, **args) -> tuple[str, dict] | None:
    """The list behind a figure or a row: its kind (the view knows each kind's page and who may
    open it) and its arguments, narrowed by the dashboard's family and EPCI as far as that list
    can be; None when a row lacks its key (« Sans EPCI »)."""
    if not all(args.values()):
        return None
    if kind in AREA_ARGS:
        family, epci = AREA_ARGS[kind]
        if filters.family is not None:
            args.setdefault(family, filters.family.value)
        if filters.epci:
            args.setdefault(epci, filters.epci)
    return kind, args


def _labelled_map(data: Data, prefix: str) -> str:
    """The EPCI shaded by their labelled structures, each count written on its EPCI."""
    labelled = {r.key: r.labelled for r in data.epcis if r.key}
    total = sum(labelled.values())
    return shapes.epci_map(
        labelled,
        title=_("Carte des structures labellisées par EPCI"),
        description=_(
            "Les %(n)s EPCI du département, d'autant plus foncés qu'ils comptent de structures "
            "labellisées (%(total)s en tout) ; le nombre est écrit sur chacun, et le tableau "
            "ci-dessous donne les mêmes chiffres.",
            n=len(shapes.load().epcis),
            total=charts.number(total),
        ),
        legend_title=_("Structures labellisées par EPCI"),
        id_prefix=prefix,
    )


def epcis(data: Data) -> Figure:
    rows = [
        [
            _epci_name(r.key),
            r.known,
            r.signatories,
            r.labelled,
            _share(r),
            r.applications,
            r.followups,
        ]
        for r in data.epcis
    ]
    title = _("Part des structures labellisées par EPCI")
    ranked = [r for r in rows if r[4] is not None]
    best = max(ranked, key=lambda r: r[4], default=None)
    summary = (
        _(
            "La part la plus forte est celle de %(epci)s : %(share)s %% des structures connues "
            "y sont labellisées.",
            epci=best[0],
            share=charts.number(best[4]),
        )
        if best
        else _("Aucune structure connue pour ces critères.")
    )
    return Figure(
        "epci",
        title,
        summary,
        [
            _("EPCI"),
            _("Structures connues"),
            _("Signataires de la charte"),
            _("Labellisées"),
            _("Part labellisée"),
            _("Candidatures déposées"),
            _("Suivis annuels"),
        ],
        rows,
        charts.bar_chart(
            "epci",
            title,
            summary,
            [(r[0], r[4] or 0) for r in rows if r[1]],
            maximum=None,
            unit=_percent(),
        ),
        unit={4: _percent()},
        map_svg=_labelled_map(data, "carte-epci"),
        links=[list_behind("structures", data.filters, epci=r.key) for r in data.epcis],
    )


def years(data: Data) -> Figure:
    names = {
        "structures": _("Structures enregistrées"),
        "signatures": _("Signatures de la charte"),
        "submissions": _("Candidatures déposées"),
        "granted": _("Labels attribués"),
        "followups": _("Suivis annuels dus"),
    }
    rows = [[str(y["year"])] + [y[k] for k in queries.YEARLY] for y in data.years]
    title = _("Évolution par année")
    drawn = ("signatures", "submissions", "granted", "followups")
    series = [(names[k], [y[k] for y in data.years]) for k in drawn]
    summary = (
        _(
            "En %(year)s : %(submissions)s candidatures déposées et %(granted)s labels attribués.",
            year=rows[-1][0],
            submissions=charts.number(data.years[-1]["submissions"]),
            granted=charts.number(data.years[-1]["granted"]),
        )
        if rows
        else _("Aucune donnée pour ces critères.")
    )
    return Figure(
        "annees",
        title,
        summary,
        [_("Année")] + [names[k] for k in queries.YEARLY],
        rows,
        charts.line_chart("annees", title, summary, [r[0] for r in rows], series),
        links=[list_behind("applications", data.filters, annee=r[0]) for r in rows],
    )


def _session_name(day) -> str:
    return format_date(day, "MMMM y")


def sessions(data: Data) -> Figure:
    names = {
        "granted": _("Attribués"),
        "refused": _("Refusés"),
        "deferred": _("Ajournés"),
        "not_admissible": _("Non recevables"),
    }
    rows = [
        [_session_name(s["day"])]
        + [s[k] for k in queries.OUTCOMES]
        + [sum(s[k] for k in queries.OUTCOMES)]
        for s in data.sessions
    ]
    title = _("Décisions par séance du conseil")
    series = [(names[k], [s[k] for s in data.sessions]) for k in queries.OUTCOMES]
    granted = sum(s["granted"] for s in data.sessions)
    decided = sum(r[-1] for r in rows)
    summary = _(
        "%(granted)s labels attribués sur %(decided)s décisions, en %(sessions)s séances.",
        granted=charts.number(granted),
        decided=charts.number(decided),
        sessions=charts.number(len(rows)),
    )
    return Figure(
        "seances",
        title,
        summary,
        [_("Séance")] + [names[k] for k in queries.OUTCOMES] + [_("Total")],
        rows,
        charts.stacked_bar_chart("seances", title, summary, [r[0] for r in rows], series),
        links=[list_behind("session", data.filters, session_id=s["id"]) for s in data.sessions],
    )


def principles(data: Data) -> Figure:
    overall, _yearly = data.scores
    rows = [
        [p["title"], None if p["average"] is None else round(p["average"], 1), p["files"]]
        for p in overall
    ]
    title = _("Score vérifié moyen par principe")
    lowest = min((r for r in rows if r[1] is not None), key=lambda r: r[1], default=None)
    summary = (
        _(
            "Le principe le moins bien noté en moyenne est « %(title)s » (%(score)s sur 100).",
            title=lowest[0],
            score=charts.number(lowest[1]),
        )
        if lowest
        else _("Aucune candidature décidée pour ces critères.")
    )
    svg = (
        radar_svg([(r[0], r[1]) for r in rows], title, summary, legend=(_("Moyenne"), ""))
        if len(rows) >= 3
        else charts.bar_chart("principes", title, summary, [(r[0], r[1] or 0) for r in rows], 100)
    )
    return Figure(
        "principes",
        title,
        summary,
        [_("Principe"), _("Score moyen (sur 100)"), _("Candidatures décidées")],
        rows,
        svg,
        behind=_decided(data),
        behind_text=_("Les candidatures décidées que ce graphique compte"),
    )


def _decided(data: Data) -> tuple[str, dict] | None:
    """The files decided the figure counts: in the period's one year, or all of them."""
    only = data.filters.year_from if data.filters.year_from == data.filters.year_to else None
    return list_behind("applications", data.filters, decision=str(only or DECIDED_ANY_YEAR))


def trend(data: Data) -> Figure:
    overall, yearly = data.scores
    codes = [p["code"] for p in overall]
    titles = {p["code"]: p["title"] for p in overall}
    years = sorted({y["year"] for y in yearly})
    table = {(y["year"], y["code"]): y["average"] for y in yearly}
    rows = [
        [str(year)]
        + [None if table.get((year, c)) is None else round(table[(year, c)], 1) for c in codes]
        for year in years
    ]
    series = [(titles[c], [r[1 + n] for r in rows]) for n, c in enumerate(codes)]
    title = _("Évolution du score vérifié moyen par principe")
    summary = (
        _(
            "Scores moyens des candidatures décidées de %(first)s à %(last)s.",
            first=years[0],
            last=years[-1],
        )
        if years
        else _("Aucune candidature décidée pour ces critères.")
    )
    return Figure(
        "tendance",
        title,
        summary,
        [_("Année")] + [titles[c] for c in codes],
        rows,
        charts.line_chart("tendance", title, summary, [r[0] for r in rows], series, 100),
        links=[list_behind("applications", data.filters, decision=r[0]) for r in rows],
    )


def delays(data: Data) -> Figure:
    d = data.delays
    names = [
        ("shortest", _("Plus court")),
        ("q1", _("Premier quartile")),
        ("median", _("Médiane")),
        ("q3", _("Troisième quartile")),
        ("longest", _("Plus long")),
    ]
    rows = [[name, d[key]] for key, name in names] if d["files"] else []
    title = _("Délai entre le dépôt et la décision (en jours)")
    summary = (
        _(
            "Sur %(files)s candidatures décidées, la moitié l'a été en %(median)s jours ou moins "
            "(la moitié centrale entre %(q1)s et %(q3)s jours).",
            files=charts.number(d["files"]),
            median=charts.number(d["median"]),
            q1=charts.number(d["q1"]),
            q3=charts.number(d["q3"]),
        )
        if d["files"]
        else _("Aucune candidature décidée pour ces critères.")
    )
    return Figure(
        "delais",
        title,
        summary,
        [_("Mesure"), _("Jours")],
        rows,
        charts.bar_chart("delais", title, summary, [(r[0], r[1] or 0) for r in rows], unit=_(" j")),
        behind=_decided(data),
        behind_text=_("Les candidatures décidées que ce graphique compte"),
    )


def followups(data: Data) -> Figure:
    states = list(FollowUpState)
    rows = [[str(y["year"])] + [y[s.value] for s in states] for y in data.followups]
    series = [(str(s.label), [y[s.value] for y in data.followups]) for s in states]
    title = _("Suivis annuels par année et par état")
    overdue = sum(y[FollowUpState.overdue.value] for y in data.followups)
    summary = _(
        "%(overdue)s suivis annuels en retard sur la période.", overdue=charts.number(overdue)
    )
    return Figure(
        "suivis",
        title,
        summary,
        [_("Année")] + [str(s.label) for s in states],
        rows,
        charts.stacked_bar_chart("suivis", title, summary, [r[0] for r in rows], series),
        links=[
            list_behind("followups", data.filters, annee=r[0], etat=FOLLOWUPS_ALL_STATES)
            for r in rows
        ],
    )


def ending(data: Data) -> Figure:
    found = {(e["year"], e["month"]): e["count"] for e in data.ending}
    months = queries.months_ahead(data.today)
    rows = [[format_date(date(y, m, 1), "MMMM y"), found.get((y, m), 0)] for y, m in months]
    title = _("Labels arrivant à échéance dans les six prochains mois")
    summary = _(
        "%(count)s labels arrivent à échéance d'ici six mois.",
        count=charts.number(sum(r[1] for r in rows)),
    )
    return Figure(
        "echeances",
        title,
        summary,
        [_("Mois"), _("Labels arrivant à échéance")],
        rows,
        charts.bar_chart("echeances", title, summary, [(r[0], r[1]) for r in rows]),
        links=[
            list_behind("certificates", data.filters, echeance=f"{y}-{m:02d}", statut="valide")
            for y, m in months
        ],
    )


DASHBOARD: dict[str, Callable[[Data], Figure]] = {
    "familles": families,
    "epci": epcis,
    "annees": years,
    "seances": sessions,
    "principes": principles,
    "tendance": trend,
    "delais": delays,
    "suivis": followups,
    "echeances": ending,
}


# --- the public statistics ----------------------------------------------------------------------


def public_families(data: Data) -> Figure:
    rows = [
        [_family_name(r.key), r.labelled, r.signed_only, r.labelled + r.signed_only]
        for r in data.families
    ]
    title = _("Structures labellisées et signataires de la charte par famille")
    summary = _(
        "%(labelled)s structures labellisées et %(signed)s autres signataires de la charte.",
        labelled=charts.number(sum(r[1] for r in rows)),
        signed=charts.number(sum(r[2] for r in rows)),
    )
    series = [
        (_("Labellisées"), [r[1] for r in rows]),
        (_("Signataires non labellisées"), [r[2] for r in rows]),
    ]
    return Figure(
        "familles",
        title,
        summary,
        [_("Famille"), _("Labellisées"), _("Signataires non labellisées"), _("Total")],
        rows,
        charts.stacked_bar_chart("familles", title, summary, [r[0] for r in rows], series),
        links=[list_behind("registry", data.filters, famille=r.key) for r in data.families],
    )


def public_epcis(data: Data) -> Figure:
    rows = [
        [_epci_name(r.key), r.labelled, r.signatories]
        for r in data.epcis
        if r.key  # structures without an EPCI are few: left out of the public page
    ]
    title = _("Structures labellisées par EPCI")
    most = max(rows, key=lambda r: r[1], default=None)
    summary = (
        _(
            "%(epci)s compte le plus de structures labellisées : %(count)s.",
            epci=most[0],
            count=charts.number(most[1]),
        )
        if most and most[1]
        else _("Aucune structure labellisée pour ces critères.")
    )
    return Figure(
        "epci",
        title,
        summary,
        [_("EPCI"), _("Labellisées"), _("Signataires de la charte")],
        rows,
        charts.bar_chart("epci", title, summary, [(r[0], r[1]) for r in rows]),
        map_svg=_labelled_map(data, "carte-epci"),
        links=[list_behind("registry", data.filters, epci=r.key) for r in data.epcis if r.key],
    )


def public_years(data: Data) -> Figure:
    rows = [[str(y["year"]), y["granted"], y["signatures"]] for y in data.years]
    title = _("Labels attribués et signatures de la charte par année")
    series = [
        (_("Labels attribués"), [r[1] for r in rows]),
        (_("Signatures de la charte"), [r[2] for r in rows]),
    ]
    summary = _(
        "%(granted)s labels attribués et %(signed)s signatures de la charte en tout.",
        granted=charts.number(sum(r[1] for r in rows)),
        signed=charts.number(sum(r[2] for r in rows)),
    )
    return Figure(
        "annees",
        title,
        summary,
        [_("Année"), _("Labels attribués"), _("Signatures de la charte")],
        rows,
        charts.line_chart("annees", title, summary, [r[0] for r in rows], series),
    )


PUBLIC: dict[str, Callable[[Data], Figure]] = {
    "familles": public_families,
    "epci": public_epcis,
    "annees": public_years,
}


def csv_cell(value) -> object:
    """A table's cell as written in the CSV: whole numbers as they are, decimals with a comma
    (as French spreadsheets read them), nothing for no value."""
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:.1f}".replace(".", ",")
    return value
