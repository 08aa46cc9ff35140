"""What the dashboard and the public statistics read: every figure counted by the database
(GROUP BY, COUNT, AVG, window functions), a fixed number of statements per page whatever the
data, each function returning plain rows.

Where the issue is silent, decided here:
- « structures known » are the structures recorded in cdess; « signatories » those whose
  active signature counts today (`charter.versions.standing`: of the published version, or in
  a major version's grace period); « labelled » those with a standing certificate
  (`certificates.services.labelled`, the registry's own query);
- the filters of family and EPCI narrow every figure (by the structure's); the period (years
  from / to) narrows the flows — submissions, decisions, sessions, signatures, follow-ups'
  anniversaries — while the stocks (known, signatories, labelled today) are today's;
- a session's outcomes are its closed votes on files (granted, refused, deferred); a file
  declared not admissible counts at the first session after that decision (the one it was
  heading for);
- the verified score per principle averages the files the council decided (granted, refused,
  then certified), by the year of their session;
- time from submission to decision: from the file's (last) submission to its first decision
  (granted, refused or not admissible, read in the journal), in days; quartiles by the nearest
  rank (the smallest duration with at least p × n durations at or below it), computed by the
  database with window functions (SQLite has no percentile_cont);
- « labels ending » are standing labels whose last day is within the next six months.
"""

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import date, datetime

from sqlalchemy import Integer, and_, case, cast, extract, func, literal, or_, union_all

from cdess import territories
from cdess.applications.models import Application, State
from cdess.audit.models import AuditEntry
from cdess.certificates import services as certificates
from cdess.certificates.models import Certificate
from cdess.charter import services as charters
from cdess.charter import versions
from cdess.charter.models import CharterSignature, CharterVersion, Principle, SignatureStatus
from cdess.clock import add_months
from cdess.extensions import db
from cdess.followups.models import FollowUp, FollowUpState
from cdess.sessions.models import AgendaItem, CouncilSession, ItemKind, SessionStatus, VoteStatus
from cdess.structures.models import Family, Structure
from cdess.web.queries import parse_year, within_years

OUTCOMES = ("granted", "refused", "deferred", "not_admissible")
DECIDED = (State.granted, State.refused, State.certified)
DECISIONS = (State.granted.value, State.refused.value, State.not_admissible.value)
ENDING_MONTHS = 6


# --- the filters ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Filters:
    """What the reader narrowed the figures to: years from / to (both included), an ESS
    family, an EPCI. Read leniently from the address: a value that is not one is ignored."""

    year_from: int | None = None
    year_to: int | None = None
    family: Family | None = None
    epci: str | None = None

    @classmethod
    def parse(cls, args: Mapping[str, str], epcis: Mapping[str, object] | None = None):
        """From the query string (`debut`, `fin`, `famille`, `epci`); an EPCI is kept only when
        `epcis` (code → EPCI) knows it, years as `parse_year` reads them, in order."""
        start, end = parse_year(args.get("debut")), parse_year(args.get("fin"))
        if start and end and start > end:
            start, end = end, start
        family = next((f for f in Family if f.value == args.get("famille")), None)
        epci = args.get("epci") or None
        if epci is not None and (epcis is None or epci not in epcis):
            epci = None
        return cls(start, end, family, epci)

    def args(self) -> dict[str, str]:
        """The query string that gives these filters back (for links and CSV addresses)."""
        values = {
            "debut": str(self.year_from or ""),
            "fin": str(self.year_to or ""),
            "famille": self.family.value if self.family else "",
            "epci": self.epci or "",
        }
        return {k: v for k, v in values.items() if v}

    def structures(self) -> list:
        """Conditions on `Structure` for the family and the EPCI."""
        conditions = []
        if self.family is not None:
            conditions.append(Structure.family == self.family)
        if self.epci:
            conditions.append(Structure.epci_code == self.epci)
        return conditions

    def period(self, column) -> list:
        """Conditions keeping `column` (a date or a time) within the years."""
        return within_years(column, self.year_from, self.year_to)

    def without_period(self) -> "Filters":
        return replace(self, year_from=None, year_to=None)


# --- who counts -------------------------------------------------------------------------------


def _year_of(column):
    return cast(extract("year", column), Integer)


@dataclass(frozen=True)
class Population:
    """Today's signatories and labelled structures, as subqueries of structure ids (two
    statements to build: the published versions, the labels kept by a renewal in time)."""

    today: date
    signatories: object
    labelled: object  # structure ids
    standing: object  # certificate ids

    @classmethod
    def build(cls, today: date | None = None) -> "Population":
        today = today or date.today()
        published = charters.published_versions()
        in_force = [
            v.number for v in published if versions.standing(v.number, published, today).in_force
        ]
        signatories = (
            db.select(CharterSignature.structure_id)
            .join(CharterVersion, CharterVersion.id == CharterSignature.version_id)
            .filter(
                CharterSignature.status == SignatureStatus.active,
                CharterVersion.number.in_(in_force),
            )
        )
        standing = certificates.labelled(today)
        return cls(
            today,
            signatories,
            standing.with_only_columns(Certificate.structure_id, maintain_column_froms=True),
            standing.with_only_columns(Certificate.id, maintain_column_froms=True),
        )

    def is_signatory(self):
        return Structure.id.in_(self.signatories)

    def is_labelled(self):
        return Structure.id.in_(self.labelled)


# --- the figures ------------------------------------------------------------------------------


def totals(filters: Filters, population: Population) -> dict[str, int]:
    """The headline counts, in one statement: structures known, signatories, labelled,
    applications submitted and follow-ups due in the period, follow-ups overdue, labels ending
    within ENDING_MONTHS."""
    where = filters.structures()
    ending = add_months(population.today, ENDING_MONTHS)

    def count(stmt):
        return stmt.scalar_subquery()

    structures = db.select(func.count(Structure.id)).filter(*where)
    row = db.session.execute(
        db.select(
            count(structures).label("known"),
            count(structures.filter(population.is_signatory())).label("signatories"),
            count(structures.filter(population.is_labelled())).label("labelled"),
            count(
                db.select(func.count(Application.id))
                .join(Structure, Structure.id == Application.structure_id)
                .filter(Application.submitted_at.isnot(None), *where)
                .filter(*filters.period(Application.submitted_at))
            ).label("applications"),
            count(
                db.select(func.count(FollowUp.id))
                .join(Structure, Structure.id == FollowUp.structure_id)
                .filter(*where, *filters.period(FollowUp.anniversary))
            ).label("followups"),
            count(
                db.select(func.count(FollowUp.id))
                .join(Structure, Structure.id == FollowUp.structure_id)
                .filter(FollowUp.state == FollowUpState.overdue, *where)
            ).label("overdue"),
            count(
                db.select(func.count(Certificate.id))
                .join(Structure, Structure.id == Certificate.structure_id)
                .filter(
                    Certificate.id.in_(population.standing),
                    Certificate.valid_until >= population.today,
                    Certificate.valid_until < ending,
                    *where,
                )
            ).label("ending"),
        )
    ).one()
    return dict(row._mapping)


@dataclass(frozen=True)
class GroupRow:
    key: str
    known: int = 0
    signatories: int = 0
    labelled: int = 0
    signed_only: int = 0  # signatories not labelled
    applications: int = 0
    followups: int = 0

    @property
    def others(self) -> int:
        """Structures known neither labelled nor signatories."""
        return self.known - self.labelled - self.signed_only

    @property
    def share(self) -> float | None:
        """Labelled structures among the structures known, in %."""
        return 100 * self.labelled / self.known if self.known else None


def by_group(column, filters: Filters, population: Population) -> list[GroupRow]:
    """Per value of `column` (`Structure.family` or `Structure.epci_code`): structures known,
    signatories, labelled, signatories not labelled; applications submitted and follow-ups due in
    the period. Three statements."""
    where = filters.structures()
    one = literal(1)
    stocks = db.session.execute(
        db.select(
            column,
            func.count(Structure.id),
            func.coalesce(func.sum(case((population.is_signatory(), one), else_=0)), 0),
            func.coalesce(func.sum(case((population.is_labelled(), one), else_=0)), 0),
            func.coalesce(
                func.sum(
                    case(
                        (and_(population.is_signatory(), ~population.is_labelled()), one),
                        else_=0,
                    )
                ),
                0,
            ),
        )
        .filter(*where)
        .group_by(column)
    ).all()
    submitted = db.session.execute(
        db.select(column, func.count(Application.id))
        .join(Structure, Structure.id == Application.structure_id)
        .filter(Application.submitted_at.isnot(None), *where)
        .filter(*filters.period(Application.submitted_at))
        .group_by(column)
    ).all()
    followups = db.session.execute(
        db.select(column, func.count(FollowUp.id))
        .join(Structure, Structure.id == FollowUp.structure_id)
        .filter(*where, *filters.period(FollowUp.anniversary))
        .group_by(column)
    ).all()
    rows: dict[str, dict] = {}
    for key, known, signed, labelled, signed_only in stocks:
        rows[_key(key)] = {
            "known": known,
            "signatories": signed,
            "labelled": labelled,
            "signed_only": signed_only,
        }
    for key, n in submitted:
        rows.setdefault(_key(key), {})["applications"] = n
    for key, n in followups:
        rows.setdefault(_key(key), {})["followups"] = n
    return [GroupRow(key, **values) for key, values in rows.items()]


def _key(value) -> str:
    return value.value if isinstance(value, Family) else (value or "")


def by_family(filters: Filters, population: Population) -> list[GroupRow]:
    """`by_group` per ESS family, in the families' order, every family shown."""
    found = {row.key: row for row in by_group(Structure.family, filters, population)}
    return [found.get(f.value, GroupRow(f.value)) for f in Family]


def by_epci(filters: Filters, population: Population) -> list[GroupRow]:
    """`by_group` per EPCI of the territory file, by name, every EPCI shown; structures
    without an EPCI last (key "")."""
    found = {row.key: row for row in by_group(Structure.epci_code, filters, population)}
    epcis = territories.epcis()
    rows = [found.pop(e.code, GroupRow(e.code)) for e in epcis]
    if filters.epci:
        rows = [row for row in rows if row.key == filters.epci]
    return rows + [found[key] for key in sorted(found)]  # no EPCI, or one the file lacks


# What `per_year` counts, in its columns' order.
YEARLY = ("structures", "signatures", "submissions", "granted", "followups")


def per_year(filters: Filters) -> list[dict]:
    """Per year, in one statement: structures recorded, charter signatures, files submitted,
    labels granted by the council, follow-ups due. Years without anything left out."""
    where = filters.structures()

    def yearly(name: str, column, stmt):
        year = _year_of(column)
        return (
            stmt.add_columns(literal(name).label("kind"), year.label("year"), func.count())
            .filter(column.isnot(None), *where, *filters.period(column))
            .group_by(year)
        )

    parts = [
        yearly("structures", Structure.created_at, db.select().select_from(Structure)),
        yearly(
            "signatures",
            CharterSignature.signed_at,
            db.select().select_from(CharterSignature).join(Structure),
        ),
        yearly(
            "submissions",
            Application.submitted_at,
            db.select().select_from(Application).join(Structure),
        ),
        yearly(
            "granted",
            CouncilSession.starts_at,
            _closed_votes().filter(AgendaItem.result["outcome"].as_string() == "granted"),
        ),
        yearly(
            "followups", FollowUp.anniversary, db.select().select_from(FollowUp).join(Structure)
        ),
    ]
    table: dict[int, dict] = {}
    for kind, year, n in db.session.execute(union_all(*parts)).all():
        table.setdefault(int(year), dict.fromkeys(YEARLY, 0))[kind] = n
    return [{"year": year, **table[year]} for year in sorted(table)]


def _closed_votes():
    """The closed votes on label files, with their session and structure (no columns yet)."""
    return (
        db.select()
        .select_from(AgendaItem)
        .join(CouncilSession, CouncilSession.id == AgendaItem.session_id)
        .join(Application, Application.id == AgendaItem.application_id)
        .join(Structure, Structure.id == Application.structure_id)
        .filter(
            AgendaItem.kind == ItemKind.application,
            AgendaItem.vote_status == VoteStatus.closed,
            CouncilSession.status != SessionStatus.cancelled,
        )
    )


def outcomes_per_session(filters: Filters) -> list[dict]:
    """Per session (oldest first, within the period): its day and id, files granted, refused,
    deferred by its votes, and files declared not admissible before it. Three statements (two
    when there is none)."""
    where = filters.structures()
    outcome = AgendaItem.result["outcome"].as_string()
    voted = db.session.execute(
        _closed_votes()
        .add_columns(CouncilSession.starts_at, outcome, func.count())
        .filter(*where, *filters.period(CouncilSession.starts_at))
        .group_by(CouncilSession.starts_at, outcome)
    ).all()
    heading_for = (
        db.select(func.min(CouncilSession.starts_at))
        .filter(
            CouncilSession.starts_at >= AuditEntry.at,
            CouncilSession.status != SessionStatus.cancelled,
        )
        .correlate(AuditEntry)
        .scalar_subquery()
    )
    refused = (
        db.select(heading_for.label("day"))
        .select_from(AuditEntry)
        .join(Application, Application.id == AuditEntry.subject_id)
        .join(Structure, Structure.id == Application.structure_id)
        .filter(
            AuditEntry.subject_kind == Application.__audit_kind__,
            AuditEntry.to_state == State.not_admissible.value,
            *where,
        )
        .subquery()
    )
    not_admissible = db.session.execute(
        db.select(refused.c.day, func.count())
        .filter(refused.c.day.isnot(None), *filters.period(refused.c.day))
        .group_by(refused.c.day)
    ).all()
    table: dict[datetime, dict] = {}
    for day, name, n in voted:
        if name in OUTCOMES:
            table.setdefault(_as_datetime(day), dict.fromkeys(OUTCOMES, 0))[name] += n
    for day, n in not_admissible:
        table.setdefault(_as_datetime(day), dict.fromkeys(OUTCOMES, 0))["not_admissible"] += n
    ids = (
        {
            _as_datetime(day): session_id
            for session_id, day in db.session.execute(
                db.select(CouncilSession.id, CouncilSession.starts_at).filter(
                    CouncilSession.starts_at.in_(list(table)),
                    CouncilSession.status != SessionStatus.cancelled,
                )
            )
        }
        if table
        else {}
    )
    return [{"day": day, "id": ids.get(day), **table[day]} for day in sorted(table)]


def _as_datetime(value) -> datetime:
    """SQLite gives a subquery's time back as text."""
    return datetime.fromisoformat(value) if isinstance(value, str) else value


def _decided_files(filters: Filters):
    return (
        db.select()
        .select_from(Application)
        .join(CouncilSession, CouncilSession.id == Application.session_id)
        .join(Structure, Structure.id == Application.structure_id)
        .filter(
            Application.state.in_(DECIDED),
            Application.verified_result.isnot(None),
            *filters.structures(),
            *filters.period(CouncilSession.starts_at),
        )
    )


def _principle_slots() -> int:
    """The most principles a charter version has (the positions to read in a result)."""
    per_version = (
        db.select(func.count(Principle.id).label("n")).group_by(Principle.version_id).subquery()
    )
    return db.session.execute(db.select(func.max(per_version.c.n))).scalar() or 0


def principle_scores(filters: Filters) -> tuple[list[dict], list[dict]]:
    """The average verified score per principle (code, title, average, files), in the
    charter's order, and per year (year, code, average); three statements."""
    slots = _principle_slots()
    if not slots:
        return [], []
    result = Application.verified_result
    parts = [
        _decided_files(filters).add_columns(
            literal(i).label("slot"),
            result[("principles", i, "code")].as_string().label("code"),
            result[("principles", i, "title")].as_string().label("title"),
            result[("principles", i, "score")].as_float().label("score"),
            _year_of(CouncilSession.starts_at).label("year"),
        )
        for i in range(slots)
    ]
    scores = union_all(*parts).subquery()
    kept = scores.c.code.isnot(None)
    overall = db.session.execute(
        db.select(
            scores.c.code,
            func.min(scores.c.title),
            func.avg(scores.c.score),
            func.count(scores.c.score),
            func.min(scores.c.slot),
        )
        .filter(kept)
        .group_by(scores.c.code)
        .order_by(func.min(scores.c.slot), scores.c.code)
    ).all()
    yearly = db.session.execute(
        db.select(scores.c.year, scores.c.code, func.avg(scores.c.score))
        .filter(kept, scores.c.score.isnot(None))
        .group_by(scores.c.year, scores.c.code)
        .order_by(scores.c.year, scores.c.code)
    ).all()
    return (
        [
            {"code": code, "title": title, "average": _float(avg), "files": n}
            for code, title, avg, n, _slot in overall
        ],
        [{"year": int(year), "code": code, "average": _float(avg)} for year, code, avg in yearly],
    )


def _float(value) -> float | None:
    return None if value is None else float(value)


def _days(later, earlier):
    """Days between two times, as the database computes them."""
    if db.session.get_bind().dialect.name == "postgresql":
        return func.extract("epoch", later - earlier) / 86400.0
    return func.julianday(later) - func.julianday(earlier)


def time_to_decision(filters: Filters) -> dict:
    """Days from submission to the first decision (granted, refused, not admissible) of the
    files decided in the period: how many, first quartile, median, third quartile, shortest and
    longest (nearest rank). One statement."""
    first = (
        db.select(
            AuditEntry.subject_id.label("application_id"), func.min(AuditEntry.at).label("at")
        )
        .filter(
            AuditEntry.subject_kind == Application.__audit_kind__,
            AuditEntry.to_state.in_(DECISIONS),
        )
        .group_by(AuditEntry.subject_id)
        .subquery()
    )
    durations = (
        db.select(_days(first.c.at, Application.submitted_at).label("days"))
        .select_from(first)
        .join(Application, Application.id == first.c.application_id)
        .join(Structure, Structure.id == Application.structure_id)
        .filter(Application.submitted_at.isnot(None), *filters.structures())
        .filter(*filters.period(first.c.at))
        .subquery()
    )
    ranked = db.select(
        durations.c.days,
        func.row_number().over(order_by=durations.c.days).label("rank"),
        func.count().over().label("n"),
    ).subquery()

    def quantile(p: float):
        return func.min(case((ranked.c.rank >= ranked.c.n * p, ranked.c.days)))

    row = db.session.execute(
        db.select(
            func.count().label("files"),
            quantile(0.25).label("q1"),
            quantile(0.5).label("median"),
            quantile(0.75).label("q3"),
            func.min(ranked.c.days).label("shortest"),
            func.max(ranked.c.days).label("longest"),
        )
    ).one()
    values = dict(row._mapping)
    return {k: (v if k == "files" else _round_days(v)) for k, v in values.items()}


def _round_days(value) -> float | None:
    return None if value is None else round(float(value), 1)


def followups_per_year(filters: Filters) -> list[dict]:
    """Per year of their anniversary: follow-ups by state (one statement)."""
    year = _year_of(FollowUp.anniversary)
    rows = db.session.execute(
        db.select(year, FollowUp.state, func.count(FollowUp.id))
        .join(Structure, Structure.id == FollowUp.structure_id)
        .filter(*filters.structures(), *filters.period(FollowUp.anniversary))
        .group_by(year, FollowUp.state)
    ).all()
    table: dict[int, dict] = {}
    for y, state, n in rows:
        table.setdefault(int(y), {s.value: 0 for s in FollowUpState})[state.value] = n
    return [{"year": y, **table[y]} for y in sorted(table)]


def labels_ending(filters: Filters, population: Population) -> list[dict]:
    """Standing labels ending within ENDING_MONTHS, per month (year, month, count); one
    statement."""
    end = add_months(population.today, ENDING_MONTHS)
    year, month = (
        _year_of(Certificate.valid_until),
        cast(extract("month", Certificate.valid_until), Integer),
    )
    rows = db.session.execute(
        db.select(year, month, func.count(Certificate.id))
        .join(Structure, Structure.id == Certificate.structure_id)
        .filter(
            Certificate.id.in_(population.standing),
            Certificate.valid_until >= population.today,
            Certificate.valid_until < end,
            *filters.structures(),
        )
        .group_by(year, month)
        .order_by(year, month)
    ).all()
    return [{"year": int(y), "month": int(m), "count": n} for y, m, n in rows]


# --- what needs action first ----------------------------------------------------------------

OPEN_SESSIONS = (SessionStatus.planned, SessionStatus.convened, SessionStatus.open)


def priorities(rapporteur_id: int | None = None) -> dict[str, int]:
    """What waits, in one statement: files waiting for admissibility, rapporteurs' reports not
    written on the agenda of sessions to come (only this rapporteur's when given), follow-ups
    overdue, granted labels whose certificate is not issued."""

    def count(model, *conditions):
        return db.select(func.count(model.id)).filter(*conditions).scalar_subquery()

    reports = (
        db.select(func.count(AgendaItem.id))
        .join(CouncilSession, CouncilSession.id == AgendaItem.session_id)
        .filter(
            CouncilSession.status.in_(OPEN_SESSIONS),
            AgendaItem.kind.in_((ItemKind.application, ItemKind.proposal)),
            AgendaItem.rapporteur_id.isnot(None),
            AgendaItem.vote_status == VoteStatus.pending,
            or_(AgendaItem.report == "", AgendaItem.opinion.is_(None)),
        )
    )
    if rapporteur_id is not None:
        reports = reports.filter(AgendaItem.rapporteur_id == rapporteur_id)
    row = db.session.execute(
        db.select(
            count(Application, Application.state == State.submitted).label("admissibility"),
            reports.scalar_subquery().label("reports"),
            count(FollowUp, FollowUp.state == FollowUpState.overdue).label("overdue"),
            count(Application, Application.state == State.granted).label("certificates"),
        )
    ).one()
    return dict(row._mapping)


def months_ahead(today: date, count: int = ENDING_MONTHS) -> list[tuple[int, int]]:
    """The (year, month) of this month and the next ones, `count` + 1 in all (a label ending on
    the 20th of the sixth month ahead still counts)."""
    first = today.replace(day=1)
    return [(d.year, d.month) for d in (add_months(first, n) for n in range(count + 1))]
