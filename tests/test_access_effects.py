"""What an allowed POST changes: the access matrix's other half.

`tests/test_access.py` checks (method, URL, role) → status with empty forms; a 302 there may
be a polite refusal (a flash message and a redirect) that changed nothing. Here each POST that
should change something is sent by a role the matrix allows, with a real, valid form, and the
database must show the change (`EFFECTS`). The same request (same preparation, same form) by
`other_applicant`, who acts for the second structure, and by `council_member`, a council
member who is also one of the second structure's people, must get the status the matrix
gives them and change nothing, wherever the matrix refuses them (`test_intruder_changes_nothing`).

The world is `tests/test_access.py`'s, restored before each test; a row's `setup` prepares
what its effect needs (a second member to remove, a convened session to open…) and may name
new objects for its URL and form.
"""

import io
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from pathlib import Path

import pytest

from cdess.accounts.models import College, Role, User
from cdess.applications import review
from cdess.applications.models import (
    AnswerCheck,
    Application,
    Document,
    InternalNote,
    Objective,
    State,
)
from cdess.applications.services import OPEN_STATES
from cdess.assessments.models import Answer, Assessment, AssessmentStatus
from cdess.certificates.models import (
    Certificate,
    CertificateProposal,
    CertificateStatus,
    ProposalState,
)
from cdess.charter.models import (
    CharterSignature,
    CharterStatus,
    CharterVersion,
    Criterion,
    Principle,
    SignatureStatus,
)
from cdess.extensions import db
from cdess.followups import services as followups
from cdess.followups.models import FollowUp, FollowUpState, SampleDraw
from cdess.jobs.models import Job
from cdess.reports import services as reports
from cdess.reports.models import Report, ReportState
from cdess.sessions import services as session_services
from cdess.sessions.models import (
    AgendaItem,
    Attendance,
    BallotReceipt,
    Conflict,
    CouncilSession,
    Proxy,
    SessionStatus,
    Vote,
    VoteStatus,
)
from cdess.structures.models import Membership, Structure
from tests import test_access as access
from tests.factories import (
    GRANTED_RESULT,
    PASSWORD,
    PDF,
    STRUCTURE_FORM,
    add_documents,
    best_answer,
    restore,
    upload,
)

# The matrix's world, built once for this module: pytest finds the fixture by this name.
world_rows = access.world_rows

pytestmark = pytest.mark.keep_database


# --- the world, restored before each test (every test here posts) ----------------------------


@pytest.fixture
def world(app, world_rows):
    """The users and ids of `tests/test_access.py`'s world, restored (its files too)."""
    rows, users, ids = world_rows
    restore(app, rows)
    uploads = Path(app.config["UPLOAD_DIR"])  # a folder per test
    uploads.mkdir(parents=True, exist_ok=True)
    for document in rows["application_document"]:
        (uploads / document["stored_name"]).write_bytes(PDF)
    return users, ids


def snapshot(app) -> dict[str, list[tuple]]:
    """Every row of every table, as the database stores it: `tests.factories.snapshot`'s
    comparison, read through the driver without converting each value (twice a refusal)."""
    with app.app_context(), db.engine.connect() as conn:
        cursor = conn.connection.driver_connection.cursor()
        try:
            rows = {}
            for table in db.metadata.sorted_tables:
                # Names come from our own metadata, never from input.
                cursor.execute(f'SELECT * FROM "{table.name}"')
                rows[table.name] = cursor.fetchall()
            return rows
        finally:
            cursor.close()


INTRUDERS = ("other_applicant", "council_member")
CODES = {(method, url): codes for method, url, codes in access.MATRIX}


# --- reading the database ----------------------------------------------------------------------


def user(role: str) -> User:
    return db.session.execute(db.select(User).filter_by(email=f"{role}@exemple.fr")).scalar_one()


def get(model, row_id):
    return db.session.get(model, row_id)


def rows(model, **filters) -> list:
    """The rows in the order they were written (PostgreSQL's own order is its plan's: after an
    ANALYZE of the test database an effect's check read the documents the other way round)."""
    key = model.__table__.primary_key.columns
    return list(db.session.execute(db.select(model).filter_by(**filters).order_by(*key)).scalars())


def count(model, **filters) -> int:
    return len(rows(model, **filters))


def emails_to(address: str) -> int:
    """How many emails the outbox holds for `address`."""
    import email
    import email.policy
    from pathlib import Path

    from flask import current_app

    folder = Path(current_app.config["OUTBOX_DIR"])
    messages = [
        email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
        for path in (folder.glob("*.eml") if folder.exists() else [])
    ]
    return sum(address in str(message["To"]) for message in messages)


def password_is(row_id: int, password: str) -> bool:
    from werkzeug.security import check_password_hash

    hashed = get(User, row_id).password_hash
    return hashed is not None and check_password_hash(hashed, password)


NEW_PASSWORD = "Un mot de passe bien long 62"


def finished_assessment_of(ids) -> Assessment:
    """The world's finished assessment of the first structure (attached to its submitted
    file)."""
    return get(Application, ids["submitted_id"]).assessment


def granted_application(ids) -> Application:
    return get(Certificate, certificate(ids).id).application


def certificate(ids) -> Certificate:
    return db.session.execute(db.select(Certificate).filter_by(number=ids["number"])).scalar_one()


# --- preparations (run before the request, committed) ------------------------------------------


def add_colleague(ids):
    """A second person acting for the first structure (the last one cannot be removed)."""
    from cdess.accounts import services as accounts
    from cdess.structures import services as structures

    colleague = accounts.create_user(
        "colleague@exemple.fr", "Collègue", {Role.applicant}, password=PASSWORD, confirmed=True
    )
    structures.add_member(get(Structure, ids["structure_id"]), colleague, user("applicant"))
    db.session.flush()
    return {"colleague_id": colleague.id}


def invite_other_applicant(ids):
    """The first structure's applicant invites `other_applicant` to act for it: its link."""
    from cdess.accounts.tokens import make_token
    from cdess.structures import invitations

    token = make_token(
        user("other_applicant"),
        invitations.PURPOSE,
        structure=ids["structure_id"],
        inviter=ids["applicant_id"],
    )
    return {"token": token}


def invited_account(ids):
    """An account invited by the secretariat that has not set its password yet, and the link
    of its invitation."""
    from cdess.accounts import services as accounts
    from cdess.accounts.tokens import make_token

    invited = accounts.create_user(
        "invitee@exemple.fr", "Invitée", {Role.council_member}, password=None, confirmed=False
    )
    db.session.flush()
    return {"invited_id": invited.id, "token": make_token(invited, "invite")}


def reset_link(ids):
    from cdess.accounts.tokens import make_token

    return {"token": make_token(user("applicant"), "reset")}


def session_closed(ids):
    """The session closed, its file granted by the council's vote."""
    from cdess.sessions import live

    all_voted(ids)
    live.close_session(get(CouncilSession, ids["session_id"]), user("president"))


def withdraw_signature(ids):
    from cdess.charter import services as charters

    charters.withdraw_signature(get(CharterSignature, ids["signature_id"]), "", user("applicant"))


def suspend_signature(ids):
    from cdess.charter import services as charters

    signature = get(CharterSignature, ids["signature_id"])
    charters.suspend_signature(signature, "Statuts non conformes.", user("secretariat"))


def publish_draft(ids):
    """No draft left: starting one copies the published version."""
    draft = get(CharterVersion, ids["draft_id"])
    draft.criteria[0].question = "Question reformulée ?"
    from cdess.charter import services as charters

    charters.publish(draft, user("secretariat"), kind="minor")


def reword_draft(ids):
    get(CharterVersion, ids["draft_id"]).criteria[0].question = "Question reformulée ?"


def drop_current_assessment(ids):
    """No assessment in progress: a new one can start."""
    db.session.delete(get(Assessment, ids["assessment_id"]))


def answer_everything(ids):
    from cdess.assessments import services as assessments

    assessment = get(Assessment, ids["assessment_id"])
    for criterion in assessment.version.criteria:
        if criterion.applies_to(assessment.family.value):
            assessments.save_answer(assessment, criterion, best_answer(criterion))


def close_open_files(ids):
    """The first structure's files all closed but the granted one: it may apply again."""
    for application in get(Structure, ids["structure_id"]).applications:
        if application.state is State.granted:  # its certificate is issued
            application.state = State.certified
        elif application.state in OPEN_STATES:
            application.state = State.withdrawn


def complete_draft(ids):
    """The draft file complete: a finished, eligible assessment attached, every document."""
    from tests.factories import finished_assessment

    structure = get(Structure, ids["structure_id"])
    applicant = user("applicant")
    assessment = finished_assessment(structure, applicant)
    application = get(Application, ids["application_id"])
    application.assessment_id = assessment.id
    db.session.flush()
    add_documents(application, applicant)


def attach_assessment_missing_gov01(ids):
    """A finished assessment attached whose GOV-01 is not met: an objective may target it."""
    from tests.factories import finished_assessment, worst_answer

    structure = get(Structure, ids["structure_id"])
    worst = worst_answer(first_gov_criterion(ids))
    assessment = finished_assessment(structure, user("applicant"), GOV_01=worst)
    get(Application, ids["application_id"]).assessment_id = assessment.id


def renewing(ids):
    """The draft renews the granted label, whose objective is to be reported on."""
    application = get(Application, ids["application_id"])
    previous = granted_application(ids)
    application.previous_id = previous.id
    objective = Objective(
        application_id=previous.id,
        criterion_code="GOV-02",
        target_date=date(2026, 6, 30),
        text="Ouvrir le conseil d'administration aux salariés.",
    )
    db.session.add(objective)
    db.session.flush()
    return {"previous_objective_id": objective.id}


def certified(ids):
    """The label certified and still valid, no other file open: it may be renewed."""
    close_open_files(ids)
    previous = granted_application(ids)
    previous.label_valid_from = date.today() - timedelta(days=700)
    previous.label_valid_until = date.today() + timedelta(days=30)
    return {"granted_id": previous.id}


def ready_to_admit(ids):
    """The submitted file with an eligible assessment, its documents, its checklist ticked and
    every answer confirmed."""
    from tests.factories import confirm_all, finished_assessment, freeze, tick_checklist

    structure = get(Structure, ids["structure_id"])
    application = get(Application, ids["submitted_id"])
    application.assessment_id = finished_assessment(structure, user("applicant")).id
    db.session.flush()
    db.session.refresh(application)
    freeze(application)
    add_documents(application, user("applicant"))
    tick_checklist(application)
    confirm_all(application)


def information_item(ids):
    from cdess.sessions import services as sessions

    item = sessions.add_information_item(
        get(CouncilSession, ids["session_id"]), "Bilan annuel", user("secretariat")
    )
    db.session.flush()
    return {"information_id": item.id}


def convened(ids):
    """The session convened, and moved to today (a session opens only on its day: the
    département's day, which is not the machine's between 23:00 and midnight UTC)."""
    from cdess.sessions import live

    session = get(CouncilSession, ids["session_id"])
    today = live.local_date()
    session.starts_at = datetime.combine(today, time(14))
    session.deadline = today - timedelta(days=30)
    live.convene(get(CouncilSession, ids["session_id"]), user("secretariat"))


def opened(ids):
    from cdess.sessions import live

    convened(ids)
    session = get(CouncilSession, ids["session_id"])
    live.open_session(session, user("president"), secretary=user("secretariat"))


def quorate(ids):
    """The session open, both voting members checked in."""
    from cdess.sessions import live

    opened(ids)
    session = get(CouncilSession, ids["session_id"])
    for role in ("president", "council_member"):
        live.check_in(session, user(role), user(role))


def vote_open(ids):
    from cdess.sessions import live

    quorate(ids)
    live.open_vote(get(AgendaItem, ids["item_id"]), user("president"))


def votes_cast(ids):
    from cdess.sessions import live
    from cdess.sessions.models import Choice

    vote_open(ids)
    item = get(AgendaItem, ids["item_id"])
    for role in ("president", "council_member"):
        member = user(role)
        live.cast(item, member, member.id, Choice("pour"))


def all_voted(ids):
    from cdess.sessions import live

    votes_cast(ids)
    live.close_vote(get(AgendaItem, ids["item_id"]), user("president"))


def quorum_lost(ids):
    from cdess.sessions import live

    vote_open(ids)
    session = get(CouncilSession, ids["session_id"])
    for role in ("president", "council_member"):
        live.check_out(session, user(role), user(role))


def proposal_withdrawn(ids):
    get(CertificateProposal, ids["proposal_id"]).state = ProposalState.withdrawn


def granted_without_certificate(ids):
    structure = get(Structure, ids["structure_id"])
    application = Application(
        structure_id=structure.id,
        state=State.granted,
        assessment_id=finished_assessment_of(ids).id,
        snapshot={"charter_version": 1, "result": GRANTED_RESULT},
        verified_result=GRANTED_RESULT,
    )
    db.session.add(application)
    db.session.flush()
    return {"granted_id": application.id}


# --- forms -----------------------------------------------------------------------------------


def structure_form(ids) -> dict:
    from cdess.structures.forms import StructureForm

    values = StructureForm.data_of(get(Structure, ids["structure_id"]))
    values = {k: "" if v is None else str(v) for k, v in values.items()}
    return {**values, "name": "Jardins partagés d'Arras"}


def principle_answers(ids) -> dict:
    assessment = get(Assessment, ids["assessment_id"])
    principle = next(p for p in assessment.version.principles if p.code == "GOV")
    return {
        f"c-{c.code}": best_answer(c)
        for c in principle.criteria
        if c.applies_to(assessment.family.value)
    }


def first_gov_criterion(ids) -> Criterion:
    assessment = get(Assessment, ids["assessment_id"])
    return next(c for c in assessment.version.criteria if c.code == "GOV-01")


def criterion_form(ids, **changes) -> dict:
    from cdess.charter.forms import _criterion_data

    values = _criterion_data(get(Criterion, ids["criterion_id"]))
    form = {
        k: ("y" if v else "") if isinstance(v, bool) else "" if v is None else str(v)
        for k, v in values.items()
        if k != "families"
    }
    form = {k: v for k, v in form.items() if v != ""}
    return {**form, **changes}


IN_A_YEAR = (date.today() + timedelta(days=365)).isoformat()


# --- the effects -----------------------------------------------------------------------------


@dataclass
class Effect:
    """`role` POSTs `form` (a dict, or a function of the ids) to `url`; `check(ids)` asserts
    on the database what must have changed. `matrix` is the row of `MATRIX` whose statuses
    the intruders get (by default `url` itself); `refused` adds refusals the matrix cannot
    tell (a polite 302 that must change nothing)."""

    name: str
    role: str
    url: str
    form: dict | Callable[[dict], dict]
    check: Callable[[dict], object]
    setup: Callable[[dict], dict | None] | None = None
    status: int = 302
    matrix: str | None = None
    refused: dict[str, int] = field(default_factory=dict)
    files: bool = False
    # a link's page: the matrix sends a fake link, refused to everyone; a real one works here
    real_link: bool = False

    def key(self) -> tuple[str, str]:
        return ("POST", self.matrix or self.url)


def both(name, roles, url, form, check, **options) -> list[Effect]:
    """The same effect for several roles (a structure's applicant and the secretariat…)."""
    return [Effect(f"{name} [{role}]", role, url, form, check, **options) for role in roles]


def _signature_state(ids):
    return get(CharterSignature, ids["signature_id"]).status


def _active_signatures(ids):
    return [s for s in rows(CharterSignature, structure_id=ids["structure_id"]) if s.is_active]


def followup(ids) -> FollowUp:
    return get(FollowUp, ids["followup_id"])


def report(ids) -> Report:
    return get(Report, ids["report_id"])


def followup_form(ids) -> dict:
    """The follow-up's filing form as a browser sends it: every criterion held, every file."""
    filed = followup(ids)
    form = {f"crit-{c.code}": "oui" for c in followups.eliminatory_criteria(filed)}
    for kind in filed.kinds:
        form[f"doc-{kind.value}"] = (io.BytesIO(PDF), f"{kind.value}.pdf")
    return form


def followup_filed(ids):
    filed = followup(ids)
    filed.state, filed.submitted_at = FollowUpState.submitted, datetime(2027, 5, 2, 9)
    filed.submitted_by_id = ids["applicant_id"]


def followup_flagged(ids):
    proposal_withdrawn(ids)
    followup(ids).flagged_at = datetime(2027, 7, 1)


def report_received(ids):
    """A second report on the world's label, just received (the world's is already asked)."""
    certificate = rows(Certificate, number=ids["number"])[0]
    fresh = reports.file_report(certificate, text="Aucun bilan publié.", sender="192.0.2.9")
    db.session.flush()
    return {"report_id": fresh.id}


EFFECTS: list[Effect] = [
    # --- accounts ---
    Effect(
        "register",
        "anonymous",
        "/compte/inscription",
        {
            "display_name": "Nouvelle Personne",
            "email": "nouvelle@exemple.fr",
            "password": "Un mot de passe bien long 62",
            "confirm": "Un mot de passe bien long 62",
        },
        lambda ids: count(User, email="nouvelle@exemple.fr") == 1,
    ),
    Effect(
        "profile",
        "applicant",
        "/compte/",
        {"profile-display_name": "Camille Martin-Durand", "profile-locale": "fr"},
        lambda ids: get(User, ids["applicant_id"]).display_name == "Camille Martin-Durand",
    ),
    Effect(
        "switch the interface to English",
        "applicant",
        "/langue",
        {"langue": "en", "next": "/compte/"},
        lambda ids: get(User, ids["applicant_id"]).locale == "en",
        status=303,
    ),
    Effect(
        "change one's password",
        "council_member",
        "/compte/",
        {
            "password-current_password": PASSWORD,
            "password-password": NEW_PASSWORD,
            "password-confirm": NEW_PASSWORD,
        },
        lambda ids: password_is(user("council_member").id, NEW_PASSWORD),
    ),
    Effect(
        "forgotten password",
        "anonymous",
        "/compte/mot-de-passe-oublie",
        {"email": "applicant@exemple.fr"},
        lambda ids: emails_to("applicant@exemple.fr") == 1,
    ),
    Effect(
        "reset the password",
        "anonymous",
        "/compte/reinitialiser/{token}",
        {"password": NEW_PASSWORD, "confirm": NEW_PASSWORD},
        lambda ids: password_is(ids["applicant_id"], NEW_PASSWORD),
        setup=reset_link,
        matrix="/compte/reinitialiser/faux-jeton",
        real_link=True,
    ),
    Effect(
        "accept an account invitation",
        "anonymous",
        "/compte/invitation/{token}",
        {"password": NEW_PASSWORD, "confirm": NEW_PASSWORD},
        lambda ids: password_is(ids["invited_id"], NEW_PASSWORD),
        setup=invited_account,
        matrix="/compte/invitation/faux-jeton",
        real_link=True,
    ),
    Effect(
        "resend an invitation",
        "secretariat",
        "/admin/utilisateurs/{invited_id}/renvoyer-invitation",
        {},
        lambda ids: emails_to("invitee@exemple.fr") == 1,
        setup=invited_account,
        matrix="/admin/utilisateurs/{applicant_id}/renvoyer-invitation",
    ),
    Effect(
        "log out everywhere",
        "applicant",
        "/compte/deconnexion-partout",
        {},
        lambda ids: get(User, ids["applicant_id"]).session_version == 2,
    ),
    Effect(
        "erase one's account",
        "applicant",
        "/compte/supprimer",
        {"password": PASSWORD, "understood": "y"},
        lambda ids: (
            get(User, ids["applicant_id"]).erased_at is not None
            and count(User, email="applicant@exemple.fr") == 0
        ),
        setup=add_colleague,  # not the last person of its structure, whose file runs
    ),
    *both(
        "erase an account on request",
        ("secretariat", "admin"),
        "/admin/utilisateurs/{applicant_id}/supprimer",
        {"erase-reason": "Demande écrite de la personne."},
        lambda ids: (
            get(User, ids["applicant_id"]).display_name
            == f"Compte supprimé n° {ids['applicant_id']}"
        ),
        setup=add_colleague,
    ),
    *both(
        "edit a user",
        ("secretariat", "admin"),
        "/admin/utilisateurs/{applicant_id}",
        {"roles": ["applicant", "council_member"], "college_id": "", "active": "y"},
        lambda ids: get(User, ids["applicant_id"]).has_role(Role.council_member),
    ),
    Effect(
        "deactivate a user",
        "admin",
        "/admin/utilisateurs/{applicant_id}",
        {"roles": ["applicant"], "college_id": ""},
        lambda ids: get(User, ids["applicant_id"]).active is False,
    ),
    Effect(
        "invite a user",
        "secretariat",
        "/admin/utilisateurs/inviter",
        {
            "display_name": "Nouveau Membre",
            "email": "membre@exemple.fr",
            "roles": ["council_member"],
            "college_id": "{college_id}",
            "voting_right": "y",
            "active": "y",
        },
        lambda ids: rows(User, email="membre@exemple.fr")[0].has_role(Role.council_member),
        status=302,
        matrix="/admin/utilisateurs/inviter",
    ),
    Effect(
        "create a collège",
        "secretariat",
        "/admin/colleges",
        {"name": "Collège des financeurs", "position": "7"},
        lambda ids: count(College, name="Collège des financeurs") == 1,
    ),
    Effect(
        "edit a collège",
        "admin",
        "/admin/colleges/{college_id}",
        {"name": "Collège renommé", "position": "3"},
        lambda ids: get(College, ids["college_id"]).name == "Collège renommé",
    ),
    # --- structures ---
    *[
        Effect(
            f"register a structure [{role}]",
            role,
            "/structures/nouvelle",
            STRUCTURE_FORM,
            lambda ids, role=role: (
                [m.user.email for m in rows(Structure, name="Recyclerie du Ternois")[0].memberships]
                == [f"{role}@exemple.fr"]
            ),
        )
        for role in ("applicant", "other_applicant")
    ],
    *both(
        "edit a structure",
        ("applicant", "secretariat"),
        "/structures/{structure_id}/modifier",
        structure_form,
        lambda ids: get(Structure, ids["structure_id"]).name == "Jardins partagés d'Arras",
    ),
    *both(
        "invite a person to act for the structure",
        ("applicant", "secretariat"),
        "/structures/{structure_id}/membres",
        {"email": "other_applicant@exemple.fr"},
        lambda ids: emails_to("other_applicant@exemple.fr") == 1,
    ),
    *both(
        "remove a member",
        ("applicant", "admin"),
        "/structures/{structure_id}/membres/{colleague_id}/retirer",
        {},
        lambda ids: (
            count(Membership, structure_id=ids["structure_id"]) == 1
            and count(Membership, user_id=ids["colleague_id"]) == 0
        ),
        setup=add_colleague,
        matrix="/structures/{structure_id}/membres/{applicant_id}/retirer",
    ),
    Effect(
        "accept an invitation",
        "other_applicant",
        "/structures/rejoindre/{token}",
        {},
        lambda ids: (
            count(Membership, structure_id=ids["structure_id"], user_id=user("other_applicant").id)
            == 1
        ),
        setup=invite_other_applicant,
        matrix="/structures/rejoindre/faux-jeton",
        real_link=True,
        # another person's link: a polite refusal that must change nothing
        refused={"council_member": 302},
    ),
    # --- the charter ---
    Effect(
        "sign the charter",
        "applicant",
        "/structures/{structure_id}/charte",
        {"signer_name": "Jeanne Dupont", "signer_role": "Présidente", "accept": "y"},
        lambda ids: [s.signer_name for s in _active_signatures(ids)] == ["Jeanne Dupont"],
        setup=withdraw_signature,
    ),
    Effect(
        "withdraw the signature",
        "applicant",
        "/structures/{structure_id}/charte/retrait",
        {"reason": "Nous quittons la démarche."},
        lambda ids: _signature_state(ids) is SignatureStatus.withdrawn,
    ),
    *both(
        "suspend a signature",
        ("secretariat", "admin"),
        "/secretariat/signatures/{signature_id}/suspendre",
        {"reason": "Statuts non conformes."},
        lambda ids: _signature_state(ids) is SignatureStatus.suspended,
    ),
    Effect(
        "lift a suspension",
        "secretariat",
        "/secretariat/signatures/{signature_id}/retablir",
        {},
        lambda ids: _signature_state(ids) is SignatureStatus.active,
        setup=suspend_signature,
    ),
    Effect(
        "start a draft",
        "secretariat",
        "/secretariat/charte/brouillon",
        {},
        lambda ids: (
            count(CharterVersion, status=CharterStatus.draft) == 1
            and get(CharterVersion, ids["draft_id"]).status is CharterStatus.published
        ),
        setup=publish_draft,
    ),
    Effect(
        "edit the draft's settings",
        "secretariat",
        "/secretariat/charte/{draft_id}",
        {
            "title": "Charte révisée",
            "threshold": "65",
            "principle_floor": "40",
            "commitments": "Gouvernance démocratique\nLucrativité limitée",
        },
        lambda ids: (
            (v := get(CharterVersion, ids["draft_id"])).title == "Charte révisée"
            and v.threshold == 65
        ),
    ),
    Effect(
        "publish the draft",
        "secretariat",
        "/secretariat/charte/{draft_id}/publier",
        {"kind": "minor"},
        lambda ids: get(CharterVersion, ids["draft_id"]).status is CharterStatus.published,
        setup=reword_draft,
    ),
    Effect(
        "add a principle",
        "secretariat",
        "/secretariat/charte/{draft_id}/principes/nouveau",
        {"code": "eco", "title": "Écologie", "description": "", "weight": "1,5"},
        lambda ids: (
            [p.weight for p in rows(Principle, version_id=ids["draft_id"], code="ECO")] == [1.5]
        ),
        matrix="/secretariat/charte/{draft_id}/principes/nouveau",
    ),
    Effect(
        "edit a principle",
        "admin",
        "/secretariat/charte/{draft_id}/principes/{principle_id}",
        lambda ids: {
            "code": get(Principle, ids["principle_id"]).code,
            "title": "Gouvernance partagée",
            "weight": "2",
        },
        lambda ids: get(Principle, ids["principle_id"]).title == "Gouvernance partagée",
    ),
    Effect(
        "delete a principle",
        "secretariat",
        "/secretariat/charte/{draft_id}/principes/{principle_id}/supprimer",
        {},
        lambda ids: get(Principle, ids["principle_id"]) is None,
    ),
    Effect(
        "add a criterion",
        "secretariat",
        "/secretariat/charte/{draft_id}/principes/{principle_id}/criteres/nouveau",
        {
            "code": "gov-99",
            "question": "Les salariés élisent-ils un représentant ?",
            "answer_type": "yes_no",
            "points": "5",
        },
        lambda ids: (
            [c.question for c in rows(Criterion, version_id=ids["draft_id"], code="GOV-99")]
            == ["Les salariés élisent-ils un représentant ?"]
        ),
    ),
    Effect(
        "edit a criterion",
        "secretariat",
        "/secretariat/charte/{draft_id}/criteres/{criterion_id}",
        lambda ids: criterion_form(ids, question="Question reformulée ?"),
        lambda ids: get(Criterion, ids["criterion_id"]).question == "Question reformulée ?",
    ),
    Effect(
        "delete a criterion",
        "admin",
        "/secretariat/charte/{draft_id}/criteres/{criterion_id}/supprimer",
        {},
        lambda ids: get(Criterion, ids["criterion_id"]) is None,
    ),
    # --- self-assessment ---
    Effect(
        "start an assessment",
        "applicant",
        "/structures/{structure_id}/auto-evaluations",
        {},
        lambda ids: (
            [a.status for a in rows(Assessment, structure_id=ids["structure_id"])].count(
                AssessmentStatus.in_progress
            )
            == 1
            and get(Assessment, ids["assessment_id"]) is None
        ),
        setup=drop_current_assessment,
    ),
    Effect(
        "answer a principle",
        "applicant",
        "/auto-evaluations/{assessment_id}/principes/GOV",
        principle_answers,
        lambda ids: (
            count(Answer, assessment_id=ids["assessment_id"]) == len(principle_answers(ids)) > 0
        ),
    ),
    Effect(
        "save one answer",
        "applicant",
        "/auto-evaluations/{assessment_id}/reponse",
        lambda ids: {"code": "GOV-01", "value": best_answer(first_gov_criterion(ids))},
        lambda ids: (
            [a.criterion_id for a in rows(Answer, assessment_id=ids["assessment_id"])]
            == [first_gov_criterion(ids).id]
        ),
        status=200,
    ),
    Effect(
        "finish the assessment",
        "applicant",
        "/auto-evaluations/{assessment_id}/terminer",
        {},
        lambda ids: get(Assessment, ids["assessment_id"]).status is AssessmentStatus.finished,
        setup=answer_everything,
    ),
    # --- applications ---
    Effect(
        "apply",
        "applicant",
        "/structures/{structure_id}/candidatures",
        {},
        lambda ids: (
            [
                a.state
                for a in rows(Application, structure_id=ids["structure_id"])
                if a.state is State.draft
            ]
            == [State.draft]
        ),
        setup=close_open_files,
    ),
    Effect(
        "attach an assessment",
        "applicant",
        "/candidatures/{application_id}/auto-evaluation",
        lambda ids: {"assessment_id": str(finished_assessment_of(ids).id)},
        lambda ids: (
            get(Application, ids["application_id"]).assessment_id == finished_assessment_of(ids).id
        ),
    ),
    Effect(
        "submit",
        "applicant",
        "/candidatures/{application_id}/actions/submit",
        {"comment": ""},
        lambda ids: get(Application, ids["application_id"]).state is State.submitted,
        setup=complete_draft,
    ),
    *both(
        "declare admissible",
        ("secretariat", "admin"),
        "/candidatures/{submitted_id}/actions/declare_admissible",
        {"comment": "Dossier complet."},
        lambda ids: get(Application, ids["submitted_id"]).state is State.admissible,
        setup=ready_to_admit,
        matrix="/candidatures/{application_id}/actions/declare_admissible",
    ),
    Effect(
        "upload a document",
        "applicant",
        "/candidatures/{application_id}/pieces",
        lambda ids: {"slot": "other", "title": "Rapport d'activité", "file": upload()},
        lambda ids: (
            [d.title for d in rows(Document, application_id=ids["application_id"])]
            == ["", "Rapport d'activité"]
        ),
        files=True,
    ),
    Effect(
        "remove a document",
        "applicant",
        "/candidatures/{application_id}/pieces/{document_id}/suppression",
        {},
        lambda ids: get(Document, ids["document_id"]) is None,
    ),
    Effect(
        "add an objective",
        "applicant",
        "/candidatures/{application_id}/objectifs",
        {
            "objectif-criterion": "GOV-01",
            "objectif-target_date": IN_A_YEAR,
            "objectif-text": "Réunir l'assemblée deux fois l'an.",
        },
        lambda ids: (
            [o.criterion_code for o in rows(Objective, application_id=ids["application_id"])]
            == ["GOV-03", "GOV-01"]
        ),
        setup=attach_assessment_missing_gov01,
    ),
    Effect(
        "remove an objective",
        "applicant",
        "/candidatures/{application_id}/objectifs/{objective_id}/suppression",
        {},
        lambda ids: get(Objective, ids["objective_id"]) is None,
    ),
    Effect(
        "report on an objective",
        "applicant",
        "/candidatures/{application_id}/objectifs/{previous_objective_id}/bilan",
        {"outcome": "Deux salariés siègent au conseil depuis mars."},
        lambda ids: (
            get(Objective, ids["previous_objective_id"]).outcome
            == "Deux salariés siègent au conseil depuis mars."
        ),
        setup=renewing,
        matrix="/candidatures/{application_id}/objectifs/{objective_id}/bilan",
    ),
    Effect(
        "renew",
        "applicant",
        "/candidatures/{granted_id}/renouvellement",
        {},
        lambda ids: count(Application, previous_id=ids["granted_id"]) == 1,
        setup=certified,
        matrix="/candidatures/{application_id}/renouvellement",
    ),
    *both(
        "add a note",
        ("secretariat", "admin"),
        "/candidatures/{application_id}/notes",
        {"note-text": "Relancer pour les statuts."},
        lambda ids: (
            [n.text for n in rows(InternalNote, application_id=ids["application_id"])]
            == ["Relancer pour les statuts."]
        ),
    ),
    Effect(
        "tick the checklist",
        "secretariat",
        "/candidatures/{submitted_id}/verification",
        {"items": sorted(review.MANUAL)},
        lambda ids: set(get(Application, ids["submitted_id"]).checklist) == set(review.MANUAL),
        matrix="/candidatures/{application_id}/verification",
    ),
    Effect(
        "confirm an answer",
        "secretariat",
        "/candidatures/{submitted_id}/reponses/GOV-01",
        {"decision": "confirm"},
        lambda ids: (
            [c.criterion_code for c in rows(AnswerCheck, application_id=ids["submitted_id"])]
            == ["GOV-01"]
        ),
    ),
    Effect(
        "confirm the remaining answers",
        "admin",
        "/candidatures/{submitted_id}/reponses",
        {},
        lambda ids: count(AnswerCheck, application_id=ids["submitted_id"]) > 0,
    ),
    # --- sessions: planning ---
    Effect(
        "create a session",
        "secretariat",
        "/seances",
        {"day": "2027-09-16", "start": "14:30", "deadline": "2027-07-01", "place": "Béthune"},
        lambda ids: count(CouncilSession, place="Béthune") == 1,
    ),
    Effect(
        "a year's calendar",
        "secretariat",
        "/seances/calendrier",
        {"year": "2028"},
        lambda ids: len([s for s in rows(CouncilSession) if s.starts_at.year == 2028]) > 0,
    ),
    Effect(
        "edit a session",
        "secretariat",
        "/seances/{session_id}",
        {"day": "2027-05-20", "start": "14:00", "deadline": "2027-03-31", "place": "Lens"},
        lambda ids: get(CouncilSession, ids["session_id"]).place == "Lens",
    ),
    Effect(
        "cancel a session",
        "admin",
        "/seances/{session_id}/annulation",
        {"reason": "Salle indisponible."},
        lambda ids: get(CouncilSession, ids["session_id"]).status is SessionStatus.cancelled,
    ),
    Effect(
        "add an agenda item",
        "secretariat",
        "/seances/{session_id}/ordre-du-jour",
        {"kind": "information", "title": "Point sur le budget"},
        lambda ids: (
            count(AgendaItem, session_id=ids["session_id"], title="Point sur le budget") == 1
        ),
    ),
    Effect(
        "move an agenda item",
        "secretariat",
        "/seances/points/{item_id}/deplacer",
        {"direction": "bas"},
        lambda ids: (
            get(AgendaItem, ids["item_id"]).position
            > get(AgendaItem, ids["information_id"]).position
        ),
        setup=information_item,
    ),
    Effect(
        "name the rapporteur",
        "secretariat",
        "/seances/points/{item_id}/rapporteur",
        lambda ids: {"rapporteur_id": str(user("president").id)},
        lambda ids: get(AgendaItem, ids["item_id"]).rapporteur_id == user("president").id,
    ),
    Effect(
        "secret ballot",
        "secretariat",
        "/seances/points/{item_id}/scrutin",
        {"secret": "1"},
        lambda ids: get(AgendaItem, ids["item_id"]).secret is True,
    ),
    Effect(
        "withdraw an agenda item",
        "secretariat",
        "/seances/points/{item_id}/retrait",
        {"reason": "Pièces manquantes."},
        lambda ids: get(AgendaItem, ids["item_id"]) is None,
    ),
    Effect(
        "convene",
        "secretariat",
        "/seances/{session_id}/convocation",
        {},
        lambda ids: get(CouncilSession, ids["session_id"]).status is SessionStatus.convened,
    ),
    Effect(
        "the council's rules",
        "secretariat",
        "/secretariat/reglement",
        {"quorum_percent": "75", "proxies_allowed": "y", "max_proxies_held": "2"},
        lambda ids: session_services.current_rules().max_proxies_held == 2,
    ),
    # --- sessions: the members ---
    Effect(
        "write the report",
        "council_member",
        "/conseil/points/{item_id}/rapport",
        {"report": "Dossier solide.", "opinion": "favourable"},
        lambda ids: get(AgendaItem, ids["item_id"]).report == "Dossier solide.",
    ),
    Effect(
        "declare a conflict",
        "president",
        "/conseil/points/{item_id}/conflit",
        {"reason": "Je siège à son conseil d'administration."},
        lambda ids: (
            [c.user_id for c in rows(Conflict, item_id=ids["item_id"])] == [user("president").id]
        ),
    ),
    Effect(
        "give a proxy",
        "council_member",
        "/conseil/seances/{session_id}/pouvoir",
        lambda ids: {"holder_id": str(user("president").id)},
        lambda ids: (
            [(p.giver_id, p.holder_id) for p in rows(Proxy, session_id=ids["session_id"])]
            == [(user("council_member").id, user("president").id)]
        ),
    ),
    # --- the live session ---
    *both(
        "open the session",
        ("president", "secretariat"),
        "/seances/{session_id}/ouverture",
        lambda ids: {"secretary_id": str(user("council_member").id)},
        lambda ids: get(CouncilSession, ids["session_id"]).status is SessionStatus.open,
        setup=convened,
    ),
    Effect(
        "check in",
        "council_member",
        "/seances/{session_id}/presence",
        {},
        lambda ids: (
            [a.user_id for a in rows(Attendance, session_id=ids["session_id"])]
            == [user("council_member").id]
        ),
        setup=opened,
    ),
    Effect(
        "open the vote",
        "president",
        "/seances/points/{item_id}/ouverture-vote",
        {},
        lambda ids: get(AgendaItem, ids["item_id"]).vote_status is VoteStatus.open,
        setup=quorate,
    ),
    *both(
        "vote",
        ("council_member", "president"),
        "/seances/points/{item_id}/vote",
        {"choice": "pour"},
        lambda ids: (
            count(Vote, item_id=ids["item_id"]) + count(BallotReceipt, item_id=ids["item_id"]) >= 1
        ),
        setup=vote_open,
    ),
    Effect(
        "close the vote",
        "president",
        "/seances/points/{item_id}/cloture-vote",
        {},
        lambda ids: get(AgendaItem, ids["item_id"]).vote_status is VoteStatus.closed,
        setup=votes_cast,
    ),
    Effect(
        "annul a vote without quorum",
        "president",
        "/seances/points/{item_id}/annulation-vote",
        {},
        lambda ids: (
            get(AgendaItem, ids["item_id"]).vote_status is VoteStatus.pending
            and len(get(AgendaItem, ids["item_id"]).annulments) == 1
        ),
        setup=quorum_lost,
    ),
    Effect(
        "close the session",
        "president",
        "/seances/{session_id}/cloture",
        {},
        lambda ids: get(CouncilSession, ids["session_id"]).status is SessionStatus.closed,
        setup=all_voted,
    ),
    # --- certificates ---
    Effect(
        "issue a certificate",
        "secretariat",
        "/candidatures/{granted_id}/certificat",
        {"recommendations": "Ouvrir le conseil aux usagers."},
        lambda ids: count(Certificate, application_id=ids["granted_id"]) == 1,
        setup=granted_without_certificate,
        matrix="/candidatures/{application_id}/certificat",
    ),
    Effect(
        "issue a session's certificates",
        "secretariat",
        "/seances/{session_id}/certificats",
        {},
        lambda ids: count(Certificate) == 2,
        setup=session_closed,
    ),
    Effect(
        "retry a failed job",
        "president",
        "/travaux/{job_id}/relancer",
        {},
        lambda ids: get(Job, ids["job_id"]).attempts == 2,
    ),
    Effect(
        "propose a suspension",
        "secretariat",
        "/certificats/{number}/proposition",
        {"action": "suspend", "report": "Assemblée générale non tenue."},
        lambda ids: (
            [
                p.report
                for p in rows(CertificateProposal, certificate_id=certificate(ids).id)
                if p.state is ProposalState.open
            ]
            == ["Assemblée générale non tenue."]
        ),
        setup=proposal_withdrawn,
    ),
    Effect(
        "suspend urgently",
        "president",
        "/certificats/{number}/suspension-urgente",
        {"reason": "Fraude avérée."},
        lambda ids: certificate(ids).status is CertificateStatus.suspended,
        setup=proposal_withdrawn,
    ),
    Effect(
        "answer a proposal",
        "applicant",
        "/propositions/{proposal_id}/reponse",
        {"answer": "L'assemblée se tiendra en juin."},
        lambda ids: (
            get(CertificateProposal, ids["proposal_id"]).answer == "L'assemblée se tiendra en juin."
        ),
    ),
    Effect(
        "put a proposal on the agenda",
        "secretariat",
        "/seances/{session_id}/propositions/{proposal_id}",
        {},
        lambda ids: (
            count(AgendaItem, session_id=ids["session_id"], proposal_id=ids["proposal_id"]) == 1
        ),
    ),
    Effect(
        "reissue a certificate",
        "admin",
        "/certificats/{number}/reedition",
        {"reason": "Adresse corrigée."},
        lambda ids: certificate(ids).superseded_by_id is not None,
    ),
    # --- reports from the public ---
    Effect(
        "file a report",
        "anonymous",
        "/signalements/{number}",
        {"text": "L'assemblée générale ne s'est pas tenue depuis deux ans."},
        lambda ids: count(Report) == 2,
    ),
    Effect(
        "ask the structure about a report",
        "secretariat",
        "/secretariat/signalements/{report_id}/question",
        {"question": "Quand s'est tenue votre dernière AG ?"},
        lambda ids: report(ids).state is ReportState.asked,
        setup=report_received,
    ),
    Effect(
        "answer a report",
        "applicant",
        "/signalements/{report_id}/reponse",
        {"answer": "Le 28 novembre : procès-verbal joint."},
        lambda ids: report(ids).state is ReportState.answered,
    ),
    Effect(
        "dismiss a report",
        "secretariat",
        "/secretariat/signalements/{report_id}/classement",
        {"reason": "L'AG s'est tenue."},
        lambda ids: report(ids).state is ReportState.dismissed,
    ),
    Effect(
        "propose a suspension from a report",
        "secretariat",
        "/secretariat/signalements/{report_id}/suspension",
        {"report": "Aucune AG depuis 2024 : suspension proposée."},
        lambda ids: report(ids).state is ReportState.proposed,
        setup=proposal_withdrawn,
    ),
    # --- annual follow-ups ---
    Effect(
        "draw the verification sample",
        "secretariat",
        "/secretariat/suivis/echantillon",
        {},
        lambda ids: count(SampleDraw) == 1,
    ),
    Effect(
        "file a follow-up",
        "applicant",
        "/suivis/{followup_id}",
        followup_form,
        lambda ids: followup(ids).state is FollowUpState.submitted,
        files=True,
    ),
    Effect(
        "accept a follow-up",
        "secretariat",
        "/suivis/{followup_id}/acceptation",
        {},
        lambda ids: followup(ids).state is FollowUpState.accepted,
        setup=followup_filed,
    ),
    Effect(
        "ask for a follow-up's complements",
        "secretariat",
        "/suivis/{followup_id}/complements",
        {"reason": "Les comptes signés."},
        lambda ids: followup(ids).state is FollowUpState.incomplete,
        setup=followup_filed,
    ),
    Effect(
        "propose a suspension from a follow-up",
        "secretariat",
        "/suivis/{followup_id}/suspension",
        {"report": "Suivi non déposé malgré trois rappels."},
        lambda ids: followup(ids).proposal_id is not None,
        setup=followup_flagged,
    ),
]


def _refusals() -> list[tuple[Effect, str, int]]:
    """(effect, intruder, status) wherever the matrix refuses the intruder (403) or the row
    says so; once per request (rows differing only by the allowed role share it)."""
    cases, seen = [], set()
    for effect in EFFECTS:
        codes = CODES[effect.key()]
        for role in INTRUDERS:
            if role == effect.role or (effect.url, effect.setup, role) in seen:
                continue
            seen.add((effect.url, effect.setup, role))
            if role in effect.refused:
                cases.append((effect, role, effect.refused[role]))
            elif codes[role] == 403:
                cases.append((effect, role, codes[role]))
    return cases


def _prepare(effect: Effect, ids: dict) -> dict:
    """The row's preparation, committed; the ids it names added to the world's."""
    ids = dict(ids)
    if effect.setup is not None:
        ids.update(effect.setup(ids) or {})
        db.session.commit()
    db.session.remove()
    return ids


def _post(client, effect: Effect, ids: dict):
    if callable(effect.form):  # its values are final
        form = effect.form(ids)
    else:  # a written form: "{college_id}" stands for the id
        form = {k: v.format(**ids) if isinstance(v, str) else v for k, v in effect.form.items()}
    response = client.post(
        effect.url.format(**ids),
        data=form,
        content_type="multipart/form-data" if effect.files else None,
    )
    response.close()
    return response


def _allowed(codes: dict[str, int], role: str) -> bool:
    return codes[role] != 403 and not (role == "anonymous" and codes[role] == 302)


def test_every_effect_row_is_allowed_by_the_matrix():
    for effect in EFFECTS:
        assert effect.real_link or _allowed(CODES[effect.key()], effect.role), effect.name


@pytest.mark.parametrize("effect", EFFECTS, ids=[e.name for e in EFFECTS])
def test_allowed_post_changes_what_it_should(client, login, world, effect):
    users, ids = world
    ids = _prepare(effect, ids)
    if effect.role != "anonymous":
        login(users[effect.role])
    response = _post(client, effect, ids)
    assert response.status_code == effect.status, _errors(response) + str(_flashes(client))
    db.session.remove()
    assert effect.check(ids), _flashes(client)


def _flashes(client) -> list:
    """What the response told the person (a polite refusal says why)."""
    with client.session_transaction() as session:
        return session.get("_flashes", [])


REFUSALS = _refusals()


@pytest.mark.parametrize(
    ("effect", "role", "status"), REFUSALS, ids=[f"{e.name} by {r}" for e, r, _ in REFUSALS]
)
def test_intruder_changes_nothing(client, login, world, effect, role, status):
    users, ids = world
    ids = _prepare(effect, ids)
    login(users[role])
    before = snapshot(client.application)
    response = _post(client, effect, ids)
    assert response.status_code == status, response.get_data(as_text=True)[:500]
    db.session.remove()
    assert snapshot(client.application) == before


def _errors(response) -> str:
    """A form's messages, from the page that came back."""
    import re

    text = response.get_data(as_text=True)
    found = re.findall(r'class="[^"]*(?:error|invalid)[^"]*"[^>]*>(.*?)<', text, re.S)
    return " | ".join(m.strip() for m in found if m.strip()) or text[:500]
