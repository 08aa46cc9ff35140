"""The demo's story, told through the services the site itself calls: the accounts, the
charter's signatories and their self-assessments, applications in every state of their life,
a past session closed with its votes and minutes, the upcoming one convened, and the
certificates. Each step goes through the rules and the journal as a person's action would:
`transition` changes a file's state, the checklist, the verification, the agenda, the
votes and the certificates are the secretariat's, the rapporteurs', the members' and the
president's services.

Decided here:

- every account shares one password hash (hashing it 113 times would take seconds); the
  first agent is created as the command line creates one, the other agent and the council
  by that agent, the applicants as people registering themselves: each journalled;
- the first 40 structures sign through `charter.services.sign` by their account; the
  other signatories have no account in the demo, so their signatures are inserted directly
  (`_insert_signatures_without_account`);
- two labels predate the past session (one ends within six months, so that its renewal is
  open; the past session suspends the other): they were granted at a session of the
  history (`demo.history`, through `_granted_before_the_sessions_kept`) and certified 21 and
  12 months ago;
- the past session meets six months ago, the upcoming one today (a session opens only on
  its day: the demo's can be run live at once), a planned one after it; the votes of the
  past session, run today by the services, are dated on its day (`history.on_its_day`).
"""

import io
import random
from datetime import date, datetime, time, timedelta

from flask import current_app
from sqlalchemy import func, insert
from werkzeug.datastructures import FileStorage
from werkzeug.security import generate_password_hash

from cdess.accounts import services as accounts
from cdess.accounts.models import College, Role, User
from cdess.applications import evidence, review, verification
from cdess.applications import services as applications
from cdess.assessments import services as assessments
from cdess.certificates import services as certificates
from cdess.certificates.models import ProposalAction
from cdess.charter import scoring
from cdess.charter import services as charter_services
from cdess.charter.models import CharterSignature
from cdess.clock import add_months, next_session, utcnow
from cdess.demo import history
from cdess.demo.data import APPLICANT_COUNT, DEMO_DOMAIN, MEMBER_COUNT, SIGNER_ROLES
from cdess.demo.structures import people, person
from cdess.extensions import db
from cdess.sessions import live
from cdess.sessions import services as sessions
from cdess.sessions.models import Choice, Opinion
from cdess.structures import services as structures
from cdess.structures.models import Structure

# States of the demo applications, in order, for the structures of structure0003… accounts:
# every state of the life of a file (structure0020's label ends within six months: renewable).
DEMO_APPLICATION_STATES = (
    ["submitted"] * 4
    + ["incomplete"] * 3
    + ["admissible"] * 3
    + ["draft"] * 2
    + ["scheduled"] * 2
    + ["granted", "refused", "deferred", "certified-ending", "certified", "withdrawn"]
    + ["not_admissible", "certified-suspended"]
)
# The second draft's assessment fails the charter: its page says what stands in the way.
NOT_ELIGIBLE_DRAFT = 1
# The transitions after submission that lead to each state (secretariat, applicant). The
# council's decisions are votes of the past session (see _sessions); the labels granted before
# it, at a session of the history (_granted_before_the_sessions_kept).
_PATHS = {
    "incomplete": ["request_complements"],
    "admissible": ["declare_admissible"],
    "scheduled": ["declare_admissible"],
    "granted": ["declare_admissible"],
    "refused": ["declare_admissible"],
    "deferred": ["declare_admissible"],
    "certified": ["declare_admissible"],
    "certified-ending": ["declare_admissible"],
    "certified-suspended": ["declare_admissible"],
    "withdrawn": ["withdraw"],
    "not_admissible": ["declare_not_admissible"],
}
# Issued so many months ago: the label ending within six months, the label later suspended.
_GRANTED_EARLIER = {"certified-ending": -21, "certified-suspended": -12}
_COMMENTS = {
    "request_complements": "Merci de joindre le procès-verbal signé de la dernière assemblée "
    "générale.",
    "refuse": "Le conseil estime que l'activité et les emplois dans le département restent "
    "trop réduits pour le label ; il invite la structure à candidater de nouveau une fois son "
    "établissement local ouvert.",
    "declare_not_admissible": "L'avis de situation SIRENE joint montre un siège et un "
    "établissement hors du département (TER-01, critère éliminatoire) : le résultat vérifié "
    "ne respecte pas la charte.",
    "defer": "Le conseil attend les comptes de l'exercice clos pour se prononcer.",
}


# --- the accounts ------------------------------------------------------------------------------


def create_accounts(rng: random.Random) -> tuple[User, list[User]]:
    """Two agents, the president, the council's members in the nine collèges and an applicant
    account acting for each of the first structures; returns the first agent and the
    applicants. Through `accounts.services.create_user` (journalled), sharing one hash."""
    password_hash = generate_password_hash(
        current_app.config["DEMO_PASSWORD"], method=current_app.config["PASSWORD_HASH_METHOD"]
    )

    def account(email: str, name: str, roles: set[Role], actor=None, **fields) -> User:
        return accounts.create_user(
            f"{email}@{DEMO_DOMAIN}",
            name,
            roles,
            confirmed=True,
            actor=actor,
            password_hash=password_hash,
            **fields,
        )

    colleges = db.session.execute(db.select(College).order_by(College.position)).scalars().all()
    # The first agent is created from the command line; the secretariat creates the others.
    agent = account(
        "secretariat", "Isabelle Delattre (secrétariat ESS)", {Role.secretariat, Role.admin}
    )
    account("secretariat2", "Mehdi Carpentier (secrétariat ESS)", {Role.secretariat}, agent)
    account(
        "president",
        "Jean-Claude Leroy (président du CDESS)",
        {Role.president, Role.council_member},
        agent,
        college=colleges[1],
        voting_right=True,
    )
    names = people(rng)
    for i in range(1, MEMBER_COUNT + 1):
        account(
            f"membre{i:02d}",
            next(names),
            {Role.council_member},
            agent,
            college=colleges[(i - 1) % len(colleges)],
            # Representatives of the State sit with a consultative voice only.
            voting_right=(i - 1) % len(colleges) != 0 or i > 36,
        )
    # Applicants register themselves; the secretariat lets each act for its structure.
    applicants = [
        account(f"structure{i:04d}", next(names), {Role.applicant})
        for i in range(1, APPLICANT_COUNT + 1)
    ]
    first = db.session.execute(
        db.select(Structure).order_by(Structure.id).limit(APPLICANT_COUNT)
    ).scalars()
    for user, structure in zip(applicants, first, strict=True):
        structures.add_member(structure, user, agent)
    return agent, applicants


# --- signatures and self-assessments -----------------------------------------------------------


def _random_answers(rng: random.Random, charter, quality: float) -> dict[str, object]:
    """Answers drawn so that a higher quality (0–1) tends to earn more points."""
    return {
        c.code: _answer(rng, c, rng.random() < quality)
        for principle in charter.principles
        for c in principle.criteria
    }


def _answer(rng: random.Random, c, good: bool) -> object:
    """The criterion's best answer when `good`, else one drawn at random."""
    if c.answer_type == "yes_no":
        return good
    if c.answer_type == "choice":
        ranked = sorted(c.options, key=lambda o: o.points)
        return (ranked[-1] if good else rng.choice(ranked)).key
    if c.answer_type == "number":
        best = max(c.bands, key=lambda b: b.points)
        band = best if good else rng.choice(c.bands)
        low = band.min if band.min is not None else (c.min_value or 0)
        high = band.max if band.max is not None else low + 10
        return round(low + (high - low) * 0.4, 1)
    return "Réponse de démonstration."


def _fill(structure: Structure, actor: User, version, answers: dict[str, object]):
    """A finished self-assessment of the structure with these answers (those that apply)."""
    family = structure.family.value
    assessment = assessments.start(structure, actor)
    assessments.fill(
        assessment,
        [
            (criterion, assessments.form_value(criterion, answers[criterion.code]))
            for criterion in version.criteria
            if criterion.code in answers and criterion.applies_to(family)
        ],
    )
    assessments.finish(assessment)
    return assessment


def _assessment(structure: Structure, actor: User, rng: random.Random, eligible: bool):
    """A finished assessment of the structure that meets the charter (or, when `eligible` is
    false, fails two of its eliminatory criteria), drawn until scoring agrees."""
    version = charter_services.published_version()
    charter = charter_services.scoring_charter(version)
    family = structure.family.value
    for _attempt in range(50):
        answers = _random_answers(rng, charter, 0.8)
        for c in charter.criteria:  # the eliminatory criteria met: their best answer
            if c.eliminatory:
                answers[c.code] = _answer(rng, c, True)
        if scoring.score(charter, family, answers).eligible:
            break
    else:
        answers = _random_answers(random.Random(0), charter, 1)  # nosec B311  # demo data
    if not eligible:
        answers.update({"TER-01": False, "LUC-01": False})
    return _fill(structure, actor, version, answers)


def _insert_signatures_without_account(rows: list[dict]) -> None:
    """Direct write, kept: `charter.services.sign` records the account that signs, and these
    signatories have no account in the demo (only the first 40 structures do). They make the
    public list of signatories as long as a département's; one bulk insert, not journalled."""
    db.session.execute(insert(CharterSignature), rows)


def charter_activity(rng: random.Random, applicants: list[User]) -> tuple[int, int]:
    """Signatures for a share of the structures; assessments at various scores."""
    version = charter_services.published_version()
    if version is None:
        return 0, 0
    charter = charter_services.scoring_charter(version)
    rows = db.session.execute(
        db.select(Structure.id, Structure.name).order_by(Structure.id).limit(600)
    ).all()
    owners = {m.structure_id: user for user in applicants for m in user.memberships}
    now = utcnow()
    without_account = []
    for structure_id, _name in rows:
        if not (structure_id <= rows[0][0] + 39 or rng.random() < 0.5):
            continue
        signer, role = person(rng), rng.choice(SIGNER_ROLES)
        if owner := owners.get(structure_id):
            charter_services.sign(db.session.get(Structure, structure_id), signer, role, owner)
            continue
        without_account.append(
            {
                "structure_id": structure_id,
                "version_id": version.id,
                "signer_name": signer,
                "signer_role": role,
                "signed_at": now,
                "status": "active",
            }
        )
    _insert_signatures_without_account(without_account)
    assessed = 0
    for structure_id, _name in rows[:120]:
        structure = db.session.get(Structure, structure_id)
        actor = owners.get(structure_id) or applicants[0]
        # One assessment in three was done twice: the history shows progress.
        rounds = 2 if structure_id % 3 == 0 else 1
        for round_ in range(rounds):
            quality = min(0.95, rng.uniform(0.35, 0.9) + 0.1 * round_)
            _fill(structure, actor, version, _random_answers(rng, charter, quality))
            assessed += 1
    db.session.flush()
    signed = db.session.execute(db.select(func.count(CharterSignature.id))).scalar_one()
    return signed, assessed


# --- the applications --------------------------------------------------------------------------


def demo_pdf(title: str, subtitle: str) -> bytes:
    """A small, valid one-page PDF standing for a document the structure would upload."""

    def text(value: str) -> str:
        raw = value.encode("cp1252", "replace").decode("latin-1")
        return raw.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")

    stream = (
        f"BT /F1 20 Tf 72 760 Td ({text(title)}) Tj ET\n"
        f"BT /F1 12 Tf 72 730 Td ({text(subtitle)}) Tj ET\n"
        "BT /F1 10 Tf 72 700 Td (Document de démonstration - cdess) Tj ET"
    ).encode("latin-1")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] "
        b"/Resources << /Font << /F1 5 0 R >> >> /Contents 4 0 R >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return bytes(out)


def _documents(application, user: User) -> None:
    """A file in every required slot, named as a structure would name it."""
    names = {"statutes": "statuts", "minutes": "pv-assemblee-generale", "accounts": "comptes"}
    for slot in evidence.slots(application):
        name = names.get(slot.key) or f"justificatif-{slot.key.lower()}"
        content = demo_pdf(slot.label[:60], application.structure.name)
        storage = FileStorage(io.BytesIO(content), filename=f"{name}.pdf")
        evidence.store(application, storage, user, slot.kind, slot.criterion_code)


def _objectives(application, today: date) -> None:
    for i, criterion in enumerate(applications.unmet_criteria(application)[:2]):
        applications.add_objective(
            application,
            criterion["code"],
            add_months(today, 12 * (i + 1)),
            "Inscrire ce point à l'ordre du jour de la prochaine assemblée générale et "
            "désigner un référent.",
            today=today,
        )


def _verify(application, agent: User, state: str, rank: int) -> None:
    """The secretariat's check of the answers against the evidence: complete for the files
    it declared admissible, begun on the first submitted one; one correction on the granted
    file (it stays eligible), one that fails the charter on the file declared not
    admissible."""
    if state in ("submitted", "incomplete", "withdrawn") and not (
        state == "submitted" and rank == 0
    ):
        return
    if state == "granted":
        verification.correct(
            application,
            "GOV-07",
            agent,
            "25",
            "La liste des administrateurs jointe compte 3 femmes sur 12 membres, soit 25 %.",
        )
    if state == "not_admissible":
        verification.correct(
            application, "TER-01", agent, "non", _COMMENTS["declare_not_admissible"]
        )
    if state == "submitted":
        for code in verification.unverified(application)[:5]:
            verification.confirm(application, code, agent)
        return
    verification.confirm_remaining(application, agent)


def _granted_before_the_sessions_kept(application, agent: User, president: User, start: date):
    """A label still valid today that the council granted before the demo's past session: at
    the last session of the history before `start`, its certificate's first day
    (`history.decide_at_a_past_session`: the transitions by the secretariat and the president,
    the vote counted by the council's rules). The certificate then takes its day from `start`."""
    history.decide_at_a_past_session(application, agent, president, start)


def create_applications(applicants: list[User], agent: User) -> int:
    """Applications in every state of their life, made through the workflow; returns their
    number."""
    today = date.today()
    president = db.session.execute(
        db.select(User).filter_by(email=f"president@{DEMO_DOMAIN}")
    ).scalar_one()
    filed = 0
    by_state: dict[str, list] = {}
    rng = random.Random(2026)  # nosec B311  # repeatable demo data, no secret
    if charter_services.published_version() is None:  # no charter: no applications
        return 0
    for user, state in zip(applicants[2:], DEMO_APPLICATION_STATES, strict=False):
        structure = user.memberships[0].structure
        eligible = not (state == "draft" and len(by_state.get("draft", [])) == NOT_ELIGIBLE_DRAFT)
        assessment = _assessment(structure, user, rng, eligible)
        application = applications.create(structure, user)
        filed += 1
        by_state.setdefault(state, []).append(application)
        applications.attach_assessment(application, assessment, user)
        _documents(application, user)
        _objectives(application, today)
        if state == "draft":
            continue
        applications.transition(application, "submit", user)
        _verify(application, agent, state, len(by_state[state]) - 1)
        for action in _PATHS.get(state, []):
            if action == "declare_admissible":
                applications.set_checklist(application, set(review.MANUAL), agent)
            actor = user if action == "withdraw" else agent
            applications.transition(application, action, actor, _COMMENTS.get(action, ""))
        if state in _GRANTED_EARLIER:
            start = add_months(today, _GRANTED_EARLIER[state])
            _granted_before_the_sessions_kept(application, agent, president, start)
            certificates.issue(application, agent, today=start)
        if state == "submitted":
            applications.add_note(
                application,
                agent,
                "Vérifier au répertoire SIRENE que le siège n'a pas changé depuis la signature.",
            )
    db.session.flush()
    if by_state:
        _sessions(by_state, agent, president, today)
    return filed


# --- the sessions ------------------------------------------------------------------------------


_utc = history.local_time  # a wall-clock time of the département, stored as naive UTC


_REPORTS = {
    Opinion.favourable: "Le résultat vérifié respecte la charte ; la gouvernance associe "
    "les membres et les excédents restent dans le projet. Points d'attention : voir les "
    "objectifs de progrès.",
    Opinion.reserved: "Le résultat vérifié respecte la charte, mais les comptes de "
    "l'exercice clos manquent pour apprécier la lucrativité limitée.",
    Opinion.unfavourable: "Le résultat vérifié atteint les seuils de la charte, mais "
    "l'activité et les emplois dans le département restent très réduits : avis "
    "défavorable en l'attente de l'établissement local annoncé.",
}


def _sessions(by_state: dict[str, list], agent: User, president: User, today: date) -> None:
    """A past session, closed with its votes and minutes, and the upcoming one, convened
    with its agenda, rapporteurs and reports; a planned one after it, to be prepared."""
    members = [m for m in sessions.voting_members() if m.id != president.id]
    place = sessions.DEFAULT_PLACE

    def report(item, rapporteur, opinion):
        sessions.assign_rapporteur(item, rapporteur, agent)
        sessions.write_report(item, rapporteur, _REPORTS[opinion], opinion)

    # The past session: four files voted on, one of them by secret ballot.
    day = add_months(today, -6)
    past = sessions.create_session(
        datetime.combine(day, time(14)), add_months(day, -2), place, actor=agent
    )
    decided = [
        (by_state["granted"][0], Opinion.favourable, False, "pour"),
        (by_state["refused"][0], Opinion.unfavourable, False, "contre"),
        (by_state["deferred"][0], Opinion.reserved, True, "tie"),
        (by_state["certified"][0], Opinion.favourable, False, "pour"),
    ]
    for n, (application, opinion, secret, _result) in enumerate(decided):
        item = sessions.add_item(past, application, agent)
        sessions.set_ballot(item, secret, agent)
        report(item, members[n], opinion)
    # And a proposal to suspend a label, answered by the structure: the council suspends it.
    suspended = by_state["certified-suspended"][0]
    proposal = certificates.propose(
        certificates.current(suspended),
        ProposalAction.suspend,
        agent,
        "Le procès-verbal de l'assemblée générale annuelle n'a pas été transmis et le conseil "
        "d'administration ne s'est pas réuni depuis quatorze mois (GOV-03, GOV-04) : le "
        "secrétariat propose de suspendre le label jusqu'à la tenue de l'assemblée.",
    )
    certificates.answer(
        proposal,
        suspended.structure.memberships[0].user,
        "Notre assemblée générale a dû être reportée après le départ de notre présidente ; "
        "elle est convoquée pour le mois prochain et nous transmettrons son procès-verbal.",
    )
    item = certificates.schedule(past, proposal, agent)
    sessions.assign_rapporteur(item, members[4], agent)
    sessions.write_report(
        item,
        members[4],
        "Les pièces confirment l'absence d'assemblée générale depuis plus d'un an ; la "
        "suspension est proportionnée et pourra être levée dès la transmission du "
        "procès-verbal.",
        Opinion.favourable,
    )
    decided.append((suspended, Opinion.favourable, False, "pour"))
    live.convene(past, agent)
    live.open_session(past, agent, at=_utc(day, time(14, 5)))
    present = [president, *members[:40]]
    for giver, holder in zip(members[50:54], members[:4], strict=True):
        sessions.give_proxy(past, giver, holder)
    for member in present:
        live.check_in(past, member, agent)
    for item, (_application, _opinion, _secret, result) in zip(past.items, decided, strict=True):
        live.open_vote(item, president)
        for n, ballot in enumerate(live.ballots_of_all(item)):
            if result == "tie":
                choice = (Choice.pour, Choice.contre)[n % 2] if n < 20 else Choice.abstention
            else:
                majority = Choice(result)
                other = Choice.contre if majority is Choice.pour else Choice.pour
                choice = majority if n % 5 else (other if n % 10 else Choice.abstention)
            live.cast(item, db.session.get(User, ballot.holder), ballot.member, choice)
        live.close_vote(item, president)
    history.on_its_day(past)  # before the minutes print the votes' times
    live.close_session(past, agent, at=_utc(day, time(16, 30)))
    certificates.issue(
        by_state["certified"][0],
        agent,
        today=day,
        recommendations="Ouvrir le conseil d'administration aux salariés d'ici au renouvellement.",
    )

    # The upcoming session, convened, meets today — a session opens only on its day, so that
    # the demo's can be run live at once — and the one after, planned.
    upcoming_day = live.local_date()
    upcoming = sessions.create_session(
        datetime.combine(upcoming_day, time(14)),
        add_months(upcoming_day, -2),
        place,
        actor=agent,
    )
    for n, application in enumerate(by_state["scheduled"]):
        item = sessions.add_item(upcoming, application, agent)
        report(item, members[10 + n], (Opinion.favourable, Opinion.reserved)[n % 2])
    live.convene(upcoming, agent)
    following = next_session(upcoming_day + timedelta(days=1))
    sessions.create_session(
        datetime.combine(following, time(14)),
        add_months(following, -2),
        place,
        actor=agent,
    )
    db.session.flush()
