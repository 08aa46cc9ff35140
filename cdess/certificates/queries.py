"""What pages read about certificates: the secretariat's list and what awaits issuing, the
public registry of labelled structures and its open data."""

from collections.abc import Iterator
from datetime import date

from flask_babel import gettext as _
from sqlalchemy.orm import contains_eager, joinedload, selectinload, undefer

from cdess import territories
from cdess.applications.models import Application, State
from cdess.certificates import services
from cdess.certificates.models import Certificate
from cdess.certificates.models import CertificateStatus as Status
from cdess.clock import add_months
from cdess.extensions import db
from cdess.sessions.models import AgendaItem, CouncilSession, ItemKind
from cdess.structures.models import Family, Structure
from cdess.web import spreadsheet
from cdess.web.queries import paginate, parse_month
from cdess.web.typography import collation_key
from cdess.web.urls import external_url

RECENT_SESSIONS = 6  # how far back the secretariat's list looks for certificates to issue

# The open data's columns, in order (the published schema lists the same names).
FIELDS = (
    "numero",
    "structure",
    "siren",
    "siret",
    "rna",
    "code_commune",
    "commune",
    "code_epci",
    "epci",
    "famille",
    "date_debut",
    "date_fin",
    "statut",
    "url_verification",
)


# --- the secretariat ---------------------------------------------------------------------------


def certificates_list(filters: dict[str, str]):
    """The certificates, newest first, of the status `statut` when it is one (any otherwise),
    matching the free text `q` (`services.search`), ending in the month `echeance` (`YYYY-MM`:
    the dashboard's labels ending open it), with their structure and snapshot; runs nothing."""
    status = filters.get("statut", "")
    stmt = (
        db.select(Certificate)
        .join(Structure)
        .options(contains_eager(Certificate.structure), undefer(Certificate.snapshot))
        .order_by(Certificate.id.desc())
    )
    if status in {s.value for s in Status}:
        stmt = stmt.filter(Certificate.status == Status(status))
    if month := parse_month(filters.get("echeance")):
        first = date(*month, 1)
        stmt = stmt.filter(
            Certificate.valid_until >= first, Certificate.valid_until < add_months(first, 1)
        )
    return services.search(stmt, filters.get("q", ""))


def certificates_page(filters: dict[str, str]):
    """One page of the secretariat's list (`certificates_list`)."""
    return paginate(certificates_list(filters))


def _day(text: str | None) -> date | None:
    try:
        return date.fromisoformat(text or "")
    except ValueError:
        return None


def certificates_export(filters: dict[str, str]) -> tuple[list[str], Iterator[list]]:
    """The secretariat's list as a spreadsheet: its header, and every certificate the filters
    keep (`certificates_list`), newest first, read lazily. The structure's name and scores are
    the certificate's (as issued), its identifiers and territory the structure's today."""
    header = [
        _("Numéro"),
        _("Structure"),
        _("SIRET"),
        _("SIREN"),
        _("RNA"),
        _("Famille"),
        _("Code EPCI"),
        _("EPCI"),
        _("Décision du"),
        _("Valable du"),
        _("Valable jusqu'au"),
        _("Statut"),
        _("Motif du statut"),
        _("Statut depuis le"),
        _("Délivré le"),
        _("Score global vérifié"),
        _("Version de la charte"),
    ]

    def rows() -> Iterator[list]:
        for c in spreadsheet.each(certificates_list(filters), Certificate.id):
            structure, snapshot = c.structure, c.snapshot or {}
            epci = structure.epci
            yield [
                c.number,
                snapshot.get("structure", structure.name),
                structure.siret,
                structure.siren,
                structure.rna,
                structure.family.label,
                structure.epci_code,
                epci.name if epci else "",
                _day(snapshot.get("decision_date")),
                c.valid_from,
                c.valid_until,
                c.status.label,
                c.status_reason,
                c.status_date,
                spreadsheet.day(c.issued_at),
                snapshot.get("overall"),
                snapshot.get("charter_version"),
            ]

    return header, rows()


def awaiting_issue() -> list[tuple[Application, date]]:
    """The granted applications without a certificate yet, the longest waiting first, each
    with the day the label was granted; in three statements however many they are."""
    waiting = (
        db.session.execute(
            db.select(Application)
            .filter(Application.state == State.granted)
            .options(joinedload(Application.structure), selectinload(Application.audit))
            .order_by(Application.updated_at, Application.id)
        )
        .scalars()
        .all()
    )
    decided = services.decisions(waiting)
    return [(application, decided[application.id][1]) for application in waiting]


def sessions_to_issue() -> list[CouncilSession]:
    """Among the latest sessions, newest first, those that granted a label not issued yet."""
    sessions = db.session.execute(
        db.select(CouncilSession)
        .order_by(CouncilSession.starts_at.desc())
        .limit(RECENT_SESSIONS)
        .options(selectinload(CouncilSession.items).joinedload(AgendaItem.application))
    ).scalars()
    return [
        s
        for s in sessions
        if any(
            i.kind is ItemKind.application and i.application.state is State.granted for i in s.items
        )
    ]


def _session_files(session: CouncilSession) -> list[int]:
    """The ids of the applications the session voted on (not the files of its proposals to
    suspend or revoke a label: their certificates come from an earlier session)."""
    return [i.application_id for i in session.items if i.kind is ItemKind.application]


def session_certificates(session: CouncilSession) -> list[Certificate]:
    """The current certificates (superseded editions left out) of the applications the session
    voted on, in the order they were numbered, with their structure (their PDFs read only when
    used: the archive)."""
    return (
        db.session.execute(
            db.select(Certificate)
            .filter(
                Certificate.application_id.in_(_session_files(session)),
                Certificate.status != Status.superseded,
            )
            .options(joinedload(Certificate.structure))
            .order_by(Certificate.year, Certificate.sequence)
        )
        .scalars()
        .all()
    )


# --- the public registry -----------------------------------------------------------------------


def registry(filters: dict[str, str]):
    """The standing labels narrowed by the registry's filters (q, epci, commune, famille; an
    unknown family is ignored), by structure name; runs nothing."""
    family = Family(filters["famille"]) if filters["famille"] in {f.value for f in Family} else None
    return services.search(
        services.labelled(), filters["q"], filters["epci"], filters["commune"], family
    ).order_by(Structure.sort_key, Structure.name, Certificate.id)


def registry_page(filters: dict[str, str]):
    """One page of the registry (`registry`)."""
    return paginate(registry(filters))


def registry_communes() -> list[territories.Commune]:
    """The communes where a labelled structure is, by name (codes the territory file does not
    know are left out)."""
    communes = services.labelled_communes()
    found = (c for c in map(territories.commune, communes) if c)
    return sorted(found, key=lambda c: (collation_key(c.name), c.code))


OPEN_DATA_BATCH = 2_000  # rows fetched from the database at a time while an export streams


def open_data_select(filters: dict[str, str]):
    """The registry (`registry`) as the open data reads it: only the columns published, as
    plain rows (no object per row, no structure loaded); runs nothing."""
    return registry(filters).with_only_columns(
        Certificate.number,
        Structure.name,
        Structure.siren,
        Structure.siret,
        Structure.rna,
        Structure.commune_code,
        Structure.epci_code,
        Structure.family,
        Certificate.valid_from,
        Certificate.valid_until,
    )


def open_data_rows(filters: dict[str, str]) -> Iterator[tuple[str, ...]]:
    """The registry's rows as published in open data, one tuple of `FIELDS` (all text, in
    their order) per standing label, in the registry's order; read `OPEN_DATA_BATCH` rows at a
    time (a server-side cursor on PostgreSQL), in one statement whatever their number."""
    # Numbers are letters, digits and dashes: the address is built once, not once a row.
    verification = external_url("certificates.verify", number="N").removesuffix("N")
    communes: dict[str | None, str] = {}  # names looked up once per code, not once per row
    epcis: dict[str | None, str] = {}
    # Core rows on the session's connection (its transaction): no ORM work per row.
    result = db.session.connection().execute(
        open_data_select(filters), execution_options={"yield_per": OPEN_DATA_BATCH}
    )
    try:
        for rows in result.partitions():
            for row in rows:
                number, name, siren, siret, rna, commune_code, epci_code, family, start, end = row
                if commune_code not in communes:
                    commune = territories.commune(commune_code)
                    communes[commune_code] = commune.name if commune else ""
                if epci_code not in epcis:
                    epci = territories.epci(epci_code) if epci_code else None
                    epcis[epci_code] = epci.name if epci else ""
                yield (
                    number,
                    name,
                    siren or "",
                    siret or "",
                    rna or "",
                    commune_code,
                    communes[commune_code],
                    epci_code or "",
                    epcis[epci_code],
                    family.value,
                    start.isoformat(),
                    end.isoformat(),
                    "valide",
                    verification + number,
                )
    finally:
        result.close()  # a download broken off: the cursor closed now, not when collected
