"""The demo dataset: a Pas-de-Calais-shaped ESS, fictitious but plausible, and its accounts.

3,445 employer structures as in the département's figures (81 % associations, 15 %
coopératives, 4 % fondations), seated in real communes drawn by population, with valid
SIRET and RNA numbers; 70 council members in 9 collèges, a president, two agents, and
applicant accounts for the first structures. Deterministic: the same seed gives the same data.
"""

import random
from collections.abc import Iterator
from datetime import date, timedelta

from flask import current_app
from sqlalchemy import func, insert
from stdnum import luhn
from werkzeug.security import generate_password_hash

from cdess import territories
from cdess.accounts.models import College, Role, User
from cdess.clock import utcnow
from cdess.extensions import db
from cdess.structures.models import Family, Membership, Structure

DEMO_DOMAIN = "demo.cdess.test"
STRUCTURE_COUNT = 3445
SHARES = ((Family.association, 0.81), (Family.cooperative, 0.15), (Family.fondation, 0.04))
MEMBER_COUNT = 70
APPLICANT_COUNT = 40

FIRST_NAMES = [
    "Camille",
    "Léa",
    "Manon",
    "Chloé",
    "Inès",
    "Jade",
    "Louise",
    "Emma",
    "Sarah",
    "Julie",
    "Claire",
    "Nadia",
    "Sophie",
    "Aurélie",
    "Hélène",
    "Martine",
    "Sylvie",
    "Fatima",
    "Amina",
    "Lucas",
    "Hugo",
    "Louis",
    "Thomas",
    "Nicolas",
    "Julien",
    "Mathieu",
    "Karim",
    "Antoine",
    "Pierre",
    "Jean",
    "Michel",
    "Philippe",
    "Olivier",
    "Bruno",
    "Rachid",
    "Yannick",
    "Benoît",
    "Damien",
    "Gaëtan",
]
LAST_NAMES = [
    "Lefebvre",
    "Dupont",
    "Leroy",
    "Lemaire",
    "Delattre",
    "Delporte",
    "Carpentier",
    "Dubois",
    "Lecomte",
    "Vasseur",
    "Delcroix",
    "Caron",
    "Lambert",
    "Fontaine",
    "Bernard",
    "Petit",
    "Martin",
    "Duhamel",
    "Deprez",
    "Wallet",
    "Dumont",
    "Leclercq",
    "Roussel",
    "Boulanger",
    "Hennebelle",
    "Descamps",
    "Lesage",
    "Bouchez",
    "Merlin",
    "Dufour",
    "Benali",
    "Haddad",
    "Kaci",
    "Lenoir",
    "Prévost",
]
ASSOCIATION_KINDS = (
    "Association d'aide à domicile",
    "Association intermédiaire",
    "Amicale laïque",
    "Centre social",
    "Foyer rural",
    "Maison des jeunes et de la culture",
    "Comité des fêtes",
    "Jardins partagés",
    "Épicerie solidaire",
    "Recyclerie",
    "Atelier vélo solidaire",
    "Association sportive",
    "Harmonie municipale",
    "Association des parents",
    "Chantier d'insertion",
    "Régie de quartier",
    "Entraide et solidarité",
    "Accueil de jour",
    "Université populaire",
    "Théâtre associatif",
)
COOPERATIVE_KINDS = (
    ("SCOP", "5458", None),
    ("SCOP", "5558", None),
    ("Coopérative agricole", "6317", None),
    ("CUMA", "6316", None),
    ("SCIC", "5460", Family.cooperative),
    ("SCIC", "5710", Family.cooperative),
)
COOPERATIVE_TRADES = (
    "Bâtiment",
    "Menuiserie",
    "Énergies citoyennes",
    "Mobilité",
    "Imprimerie",
    "Maraîchage",
    "Boulangerie",
    "Informatique libre",
    "Services à la personne",
    "Transport",
    "Restauration",
    "Conseil",
    "Habitat",
    "Circuits courts",
    "Cinéma",
    "Librairie",
)
FOUNDATION_CAUSES = (
    "pour l'insertion",
    "pour l'enfance",
    "pour le logement",
    "de la mer",
    "pour l'autonomie",
    "pour la culture",
    "pour la santé",
    "des mineurs",
    "pour la formation",
    "du littoral",
)
STREETS = (
    "rue de la République",
    "rue Jean Jaurès",
    "place du Général de Gaulle",
    "rue Victor Hugo",
    "rue Pasteur",
    "avenue de la Gare",
    "rue du Moulin",
    "rue de l'Église",
    "chemin des Prés",
    "rue Émile Zola",
    "rue Salengro",
    "boulevard Basly",
    "rue des Écoles",
    "rue Principale",
)


def database_state() -> str:
    """'empty', 'demo' (only demo accounts) or 'real' (anything else)."""
    users = db.session.execute(db.select(func.count(User.id))).scalar_one()
    if users == 0:
        structures = db.session.execute(db.select(func.count(Structure.id))).scalar_one()
        return "empty" if structures == 0 else "real"
    others = db.session.execute(
        db.select(func.count(User.id)).where(~User.email.endswith("@" + DEMO_DOMAIN))
    ).scalar_one()
    return "real" if others else "demo"


def _siren(rng: random.Random, used: set[str]) -> str:
    while True:
        body = str(rng.randint(10_000_000, 99_999_999))
        siren = body + luhn.calc_check_digit(body)
        if siren not in used and siren != "356000000":
            used.add(siren)
            return siren


def _siret(rng: random.Random, siren: str) -> str:
    head = f"{siren}000{rng.randint(1, 5)}"
    return head + luhn.calc_check_digit(head)


def _person(rng: random.Random) -> str:
    return f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}"


def _people(rng: random.Random) -> Iterator[str]:
    """Distinct names, so that no two demo accounts (two voters on a screen) look alike."""
    seen: set[str] = set()
    while True:
        name = _person(rng)
        if name not in seen:
            seen.add(name)
            yield name


def _families(rng: random.Random) -> list[Family]:
    counts = [round(STRUCTURE_COUNT * share) for _, share in SHARES]
    counts[0] += STRUCTURE_COUNT - sum(counts)
    families = [family for (family, _), n in zip(SHARES, counts, strict=True) for _ in range(n)]
    rng.shuffle(families)
    return families


def structure_rows(seed: int = 62) -> Iterator[dict]:
    """The demo structures as plain rows, ready for a bulk insert."""
    rng = random.Random(seed)
    communes = territories.communes()
    weights = [max(c.population, 1) for c in communes]
    used_siren: set[str] = set()
    used_names: set[str] = set()
    rna_numbers = iter(rng.sample(range(1_000_000, 9_999_999), STRUCTURE_COUNT))
    now = utcnow()
    for family in _families(rng):
        commune = rng.choices(communes, weights=weights)[0]
        siren = siret = rna = None
        declared = None
        if family is Family.association:
            name = f"{rng.choice(ASSOCIATION_KINDS)} de {commune.name}"
            legal_form = rng.choices(["9220", "9230", "9221", "9222"], [85, 3, 8, 4])[0]
            rna = f"W62{next(rna_numbers)}"
            if rng.random() < 0.85:  # employers; the others have only their RNA number
                siren = _siren(rng, used_siren)
                siret = _siret(rng, siren)
            employees = int(rng.paretovariate(1.6) * 2)
        elif family is Family.cooperative:
            kind, legal_form, declared = rng.choice(COOPERATIVE_KINDS)
            name = f"{kind} {rng.choice(COOPERATIVE_TRADES)} {commune.name}"
            siren = _siren(rng, used_siren)
            siret = _siret(rng, siren)
            employees = int(rng.paretovariate(1.4) * 4)
        else:
            name = f"Fondation {rng.choice(LAST_NAMES)} {rng.choice(FOUNDATION_CAUSES)}"
            legal_form = "9300"
            siren = _siren(rng, used_siren)
            siret = _siret(rng, siren)
            employees = int(rng.paretovariate(1.2) * 10)
        base, n = name, 2
        while name in used_names:
            name, n = f"{base} ({n})", n + 1
        used_names.add(name)
        yield {
            "name": name,
            "siren": siren,
            "siret": siret,
            "rna": rna,
            "legal_form": legal_form,
            "family": declared or family,
            "address": f"{rng.randint(1, 180)} {rng.choice(STREETS)}",
            "commune_code": commune.code,
            "epci_code": commune.epci_code,
            "employees": min(employees, 5000),
            "year_founded": rng.choice(
                [rng.randint(1901, 1980), rng.randint(1981, 2010), rng.randint(2011, 2025)]
            ),
            "website": f"https://structure-{len(used_names):04d}.exemple.fr"
            if rng.random() < 0.4
            else None,
            "created_at": now,
        }


class DemoIntegrityError(RuntimeError):
    """The demo data would break a rule of the label: it is not loaded."""

    def __init__(self, problems: list[str]):
        super().__init__("\n".join(problems))
        self.problems = problems


def load(seed: int = 62) -> list[str]:
    """Insert the whole demo dataset in the current transaction; returns a summary."""
    from cdess.accounts.services import ensure_default_colleges
    from cdess.audit import services as audit
    from cdess.charter.services import ensure_default_charter

    rng = random.Random(seed)
    ensure_default_colleges()
    ensure_default_charter()
    password_hash = generate_password_hash(
        current_app.config["DEMO_PASSWORD"], method=current_app.config["PASSWORD_HASH_METHOD"]
    )
    db.session.execute(insert(Structure), list(structure_rows(seed)))

    def account(email: str, name: str, roles: set[Role], **fields) -> User:
        user = User(
            email=f"{email}@{DEMO_DOMAIN}",
            display_name=name,
            password_hash=password_hash,
            email_confirmed_at=utcnow(),
            **fields,
        )
        user.set_roles(roles)
        db.session.add(user)
        return user

    colleges = db.session.execute(db.select(College).order_by(College.position)).scalars().all()
    agent = account(
        "secretariat", "Isabelle Delattre (secrétariat ESS)", {Role.secretariat, Role.admin}
    )
    account("secretariat2", "Mehdi Carpentier (secrétariat ESS)", {Role.secretariat})
    account(
        "president",
        "Jean-Claude Leroy (président du CDESS)",
        {Role.president, Role.council_member},
        college=colleges[1],
        voting_right=True,
    )
    people = _people(rng)
    for i in range(1, MEMBER_COUNT + 1):
        account(
            f"membre{i:02d}",
            next(people),
            {Role.council_member},
            college=colleges[(i - 1) % len(colleges)],
            # Representatives of the State sit with a consultative voice only.
            voting_right=(i - 1) % len(colleges) != 0 or i > 36,
        )
    applicants = [
        account(f"structure{i:04d}", next(people), {Role.applicant})
        for i in range(1, APPLICANT_COUNT + 1)
    ]
    db.session.flush()
    first = db.session.execute(
        db.select(Structure.id).order_by(Structure.id).limit(APPLICANT_COUNT)
    ).scalars()
    for user, structure_id in zip(applicants, first, strict=True):
        db.session.add(Membership(user_id=user.id, structure_id=structure_id))
    db.session.flush()
    signed, assessed = _charter_activity(rng, applicants)
    filed = _applications(applicants, agent)
    if problems := check_demo_integrity():
        raise DemoIntegrityError(problems)
    audit.publish()  # the head as /journal would publish it: the demo's last anchor
    return [
        f"{signed} structures signataires de la charte, {assessed} auto-évaluations, "
        f"{filed} candidatures.",
        f"{STRUCTURE_COUNT} structures, {MEMBER_COUNT} membres du conseil en "
        f"{len(colleges)} collèges, 1 président, 2 agents du secrétariat, "
        f"{APPLICANT_COUNT} comptes de structures.",
        f"Comptes : secretariat@{DEMO_DOMAIN}, president@{DEMO_DOMAIN}, "
        f"membre01@{DEMO_DOMAIN} … membre{MEMBER_COUNT}@{DEMO_DOMAIN}, "
        f"structure0001@{DEMO_DOMAIN} … structure{APPLICANT_COUNT:04d}@{DEMO_DOMAIN}.",
    ]


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


def _assessment(structure: Structure, actor: User, rng: random.Random, eligible: bool):
    """A finished assessment of the structure that meets the charter (or, when `eligible` is
    false, fails two of its eliminatory criteria), drawn until scoring agrees."""
    from cdess.assessments import services as assessment_services
    from cdess.charter import scoring
    from cdess.charter import services as charter_services

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
        answers = _random_answers(random.Random(0), charter, 1)
    if not eligible:
        answers.update({"TER-01": False, "LUC-01": False})
    assessment = assessment_services.start(structure, actor)
    assessment_services.fill(
        assessment,
        [
            (criterion, assessment_services.form_value(criterion, answers[criterion.code]))
            for criterion in version.criteria
            if criterion.code in answers and criterion.applies_to(family)
        ],
    )
    assessment_services.finish(assessment)
    return assessment


def _charter_activity(rng: random.Random, applicants: list[User]) -> tuple[int, int]:
    """Signatures for a share of the structures; assessments at various scores."""
    from cdess.assessments import services as assessment_services
    from cdess.charter import services as charter_services
    from cdess.charter.models import CharterSignature

    version = charter_services.published_version()
    if version is None:
        return 0, 0
    charter = charter_services.scoring_charter(version)
    rows = db.session.execute(
        db.select(Structure.id, Structure.name).order_by(Structure.id).limit(600)
    ).all()
    now = utcnow()
    db.session.execute(
        insert(CharterSignature),
        [
            {
                "structure_id": structure_id,
                "version_id": version.id,
                "signer_name": _person(rng),
                "signer_role": rng.choice(["Président", "Présidente", "Gérant", "Directrice"]),
                "signed_at": now,
                "status": "active",
            }
            for structure_id, _name in rows
            if structure_id <= rows[0][0] + 39 or rng.random() < 0.5
        ],
    )
    assessed = 0
    owners = {m.structure_id: user for user in applicants for m in user.memberships}
    for structure_id, _name in rows[:120]:
        structure = db.session.get(Structure, structure_id)
        actor = owners.get(structure_id) or applicants[0]
        # One assessment in three was done twice: the history shows progress.
        rounds = 2 if structure_id % 3 == 0 else 1
        for round_ in range(rounds):
            quality = min(0.95, rng.uniform(0.35, 0.9) + 0.1 * round_)
            assessment = assessment_services.start(structure, actor)
            by_code = {c.code: c for c in version.criteria}
            assessment_services.fill(
                assessment,
                [
                    (by_code[code], assessment_services.form_value(by_code[code], value))
                    for code, value in _random_answers(rng, charter, quality).items()
                    if by_code[code].applies_to(structure.family.value)
                ],
            )
            assessment_services.finish(assessment)
            assessed += 1
    db.session.flush()
    signed = db.session.execute(db.select(func.count(CharterSignature.id))).scalar_one()
    return signed, assessed


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
# The transitions after submission that lead to each state (secretariat, then council).
_PATHS = {
    "incomplete": ["request_complements"],
    "admissible": ["declare_admissible"],
    # Scheduled files go on the upcoming session's agenda; decided ones were voted on at the
    # past session (see _sessions); the ending label predates the sessions kept here.
    "scheduled": ["declare_admissible"],
    "granted": ["declare_admissible"],
    "refused": ["declare_admissible"],
    "deferred": ["declare_admissible"],
    "certified": ["declare_admissible"],
    "certified-ending": ["declare_admissible", "schedule", "grant"],
    "certified-suspended": ["declare_admissible", "schedule", "grant"],
    "withdrawn": ["withdraw"],
    "not_admissible": ["declare_not_admissible"],
}
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
    import io

    from werkzeug.datastructures import FileStorage

    from cdess.applications import evidence

    names = {"statutes": "statuts", "minutes": "pv-assemblee-generale", "accounts": "comptes"}
    for slot in evidence.slots(application):
        name = names.get(slot.key) or f"justificatif-{slot.key.lower()}"
        content = demo_pdf(slot.label[:60], application.structure.name)
        storage = FileStorage(io.BytesIO(content), filename=f"{name}.pdf")
        evidence.store(application, storage, user, slot.kind, slot.criterion_code)


def _objectives(application, today: date) -> None:
    from cdess.applications import services

    for i, criterion in enumerate(services.unmet_criteria(application)[:2]):
        services.add_objective(
            application,
            criterion["code"],
            services.add_months(today, 12 * (i + 1)),
            "Inscrire ce point à l'ordre du jour de la prochaine assemblée générale et "
            "désigner un référent.",
            today=today,
        )


def _applications(applicants: list[User], agent: User) -> int:
    """Applications in every state of their life, made through the workflow."""
    from cdess.applications import review, services
    from cdess.certificates import services as certificates
    from cdess.charter import services as charter_services

    today = date.today()
    president = db.session.execute(
        db.select(User).filter_by(email=f"president@{DEMO_DOMAIN}")
    ).scalar_one()
    filed = 0
    by_state: dict[str, list] = {}
    rng = random.Random(2026)
    if charter_services.published_version() is None:  # no charter: no applications
        return 0
    for user, state in zip(applicants[2:], DEMO_APPLICATION_STATES, strict=False):
        structure = user.memberships[0].structure
        eligible = not (state == "draft" and len(by_state.get("draft", [])) == NOT_ELIGIBLE_DRAFT)
        assessment = _assessment(structure, user, rng, eligible)
        application = services.create(structure, user)
        filed += 1
        by_state.setdefault(state, []).append(application)
        services.attach_assessment(application, assessment, user)
        _documents(application, user)
        _objectives(application, today)
        if state == "draft":
            continue
        services.transition(application, "submit", user)
        _verify(application, agent, state, len(by_state[state]) - 1)
        for action in _PATHS.get(state, []):
            if action == "declare_admissible":
                services.set_checklist(application, set(review.MANUAL), agent)
            actor = {"withdraw": user, "grant": president, "refuse": president}.get(action, agent)
            services.transition(application, action, actor, _COMMENTS.get(action, ""))
        if state == "certified-ending":
            # Issued 21 months ago: its renewal is open.
            certificates.issue(application, agent, today=services.add_months(today, -21))
        if state == "certified-suspended":
            # Issued 12 months ago; the past session suspended it (see _sessions).
            certificates.issue(application, agent, today=services.add_months(today, -12))
        if state == "submitted":
            services.add_note(
                application,
                agent,
                "Vérifier au répertoire SIRENE que le siège n'a pas changé depuis la signature.",
            )
    db.session.flush()
    if by_state:
        _sessions(by_state, agent, president, today)
    return filed


def _verify(application, agent: User, state: str, rank: int) -> None:
    """The secretariat's check of the answers against the evidence: complete for the files
    it declared admissible, begun on the first submitted one; one correction on the granted
    file (it stays eligible), one that fails the charter on the file declared not
    admissible."""
    from cdess.applications import verification

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


def check_demo_integrity() -> list[str]:
    """What in the demo would break a rule of the label (empty when all holds): no file is
    granted or certified, and no certificate issued, on a result that fails the charter."""
    from cdess.applications.models import Application, State
    from cdess.certificates.models import Certificate

    problems = []
    labelled = db.session.execute(
        db.select(Application).filter(Application.state.in_([State.granted, State.certified]))
    ).scalars()
    for application in labelled:
        verified = application.verified_result or {}
        if not verified.get("eligible") or not (application.snapshot or {}).get("result", {}).get(
            "eligible"
        ):
            problems.append(
                f"{application.structure.name} : label attribué sur un résultat non éligible."
            )
    for certificate in db.session.execute(db.select(Certificate)).scalars():
        if not (certificate.application.verified_result or {}).get("eligible"):
            problems.append(f"certificat {certificate.number} : résultat vérifié non éligible.")
    return problems


def _utc(day: date, at):
    """A wall-clock time of the département as the naive UTC time events are stored in."""
    from datetime import UTC, datetime
    from zoneinfo import ZoneInfo

    local = datetime.combine(day, at, tzinfo=ZoneInfo(current_app.config["BABEL_DEFAULT_TIMEZONE"]))
    return local.astimezone(UTC).replace(tzinfo=None)


def _sessions(by_state: dict[str, list], agent: User, president: User, today: date) -> None:
    """A past session, closed with its votes and minutes, and the upcoming one, convened
    with its agenda, rapporteurs and reports; a planned one after it, to be prepared."""
    from datetime import datetime, time

    from cdess.applications import services as applications
    from cdess.certificates import services as certificates
    from cdess.certificates.models import ProposalAction
    from cdess.sessions import live
    from cdess.sessions import services as sessions
    from cdess.sessions.models import Choice, Opinion

    members = [m for m in sessions.voting_members() if m.id != president.id]
    place = sessions.DEFAULT_PLACE

    reports = {
        Opinion.favourable: "Le résultat vérifié respecte la charte ; la gouvernance associe "
        "les membres et les excédents restent dans le projet. Points d'attention : voir les "
        "objectifs de progrès.",
        Opinion.reserved: "Le résultat vérifié respecte la charte, mais les comptes de "
        "l'exercice clos manquent pour apprécier la lucrativité limitée.",
        Opinion.unfavourable: "Le résultat vérifié atteint les seuils de la charte, mais "
        "l'activité et les emplois dans le département restent très réduits : avis "
        "défavorable en l'attente de l'établissement local annoncé.",
    }

    def report(item, rapporteur, opinion):
        sessions.assign_rapporteur(item, rapporteur, agent)
        sessions.write_report(item, rapporteur, reports[opinion], opinion)

    # The past session: four files voted on, one of them by secret ballot.
    day = applications.add_months(today, -6)
    past = sessions.create_session(
        datetime.combine(day, time(14)), applications.add_months(day, -2), place, actor=agent
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
    item = sessions.add_proposal_item(past, proposal, agent)
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
        applications.add_months(upcoming_day, -2),
        place,
        actor=agent,
    )
    for n, application in enumerate(by_state["scheduled"]):
        item = sessions.add_item(upcoming, application, agent)
        report(item, members[10 + n], (Opinion.favourable, Opinion.reserved)[n % 2])
    live.convene(upcoming, agent)
    following = applications.next_session(upcoming_day + timedelta(days=1))
    sessions.create_session(
        datetime.combine(following, time(14)),
        applications.add_months(following, -2),
        place,
        actor=agent,
    )
    db.session.flush()
