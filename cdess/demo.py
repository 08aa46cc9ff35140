"""The demo dataset: a Pas-de-Calais-shaped ESS, fictitious but plausible, and its accounts.

3,445 employer structures as in the département's figures (81 % associations, 15 %
coopératives, 4 % fondations), seated in real communes drawn by population, with valid
SIRET and RNA numbers; 70 council members in 9 collèges, a president, two agents, and
applicant accounts for the first structures. Deterministic: the same seed gives the same data.
"""

import random
from collections.abc import Iterator
from datetime import date

from flask import current_app
from sqlalchemy import func, insert
from stdnum import luhn
from werkzeug.security import generate_password_hash

from cdess import territories
from cdess.accounts.models import College, Role, User, utcnow
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


def load(seed: int = 62) -> list[str]:
    """Insert the whole demo dataset in the current transaction; returns a summary."""
    from cdess.accounts.services import ensure_default_colleges

    rng = random.Random(seed)
    ensure_default_colleges()
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
    for i in range(1, MEMBER_COUNT + 1):
        account(
            f"membre{i:02d}",
            _person(rng),
            {Role.council_member},
            college=colleges[(i - 1) % len(colleges)],
            # Representatives of the State sit with a consultative voice only.
            voting_right=(i - 1) % len(colleges) != 0 or i > 36,
        )
    applicants = [
        account(f"structure{i:04d}", _person(rng), {Role.applicant})
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
    answers: dict[str, object] = {}
    for principle in charter.principles:
        for c in principle.criteria:
            good = rng.random() < quality
            if c.answer_type == "yes_no":
                answers[c.code] = good
            elif c.answer_type == "choice":
                ranked = sorted(c.options, key=lambda o: o.points)
                answers[c.code] = (ranked[-1] if good else rng.choice(ranked)).key
            elif c.answer_type == "number":
                best = max(c.bands, key=lambda b: b.points)
                band = best if good else rng.choice(c.bands)
                low = band.min if band.min is not None else (c.min_value or 0)
                high = band.max if band.max is not None else low + 10
                answers[c.code] = round(low + (high - low) * 0.4, 1)
            else:
                answers[c.code] = "Réponse de démonstration."
    return answers


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
            for code, value in _random_answers(rng, charter, quality).items():
                criterion = by_code[code]
                if criterion.families and structure.family.value not in criterion.families:
                    continue
                assessment_services.save_answer(
                    assessment, criterion, assessment_services.form_value(criterion, value)
                )
            assessment_services.finish(assessment)
            assessed += 1
    db.session.flush()
    signed = db.session.execute(db.select(func.count(CharterSignature.id))).scalar_one()
    return signed, assessed


# States of the demo applications, in order, for the structures of structure0003… accounts.
DEMO_APPLICATION_STATES = (
    ["submitted"] * 4 + ["incomplete"] * 3 + ["admissible"] * 3 + ["draft"] * 2
)


def _applications(applicants: list[User], agent: User) -> int:
    """Applications in the first states of their life, made through the workflow."""
    from cdess.applications import services, workflow
    from cdess.assessments.models import Assessment, AssessmentStatus

    today = date.today()
    filed = 0
    for user, state in zip(applicants[2:], DEMO_APPLICATION_STATES, strict=False):
        structure = user.memberships[0].structure
        assessment = db.session.execute(
            db.select(Assessment)
            .filter_by(structure_id=structure.id, status=AssessmentStatus.finished)
            .order_by(Assessment.id.desc())
            .limit(1)
        ).scalar_one_or_none()
        if assessment is None:  # no charter loaded: no assessments, no applications
            continue
        application = services.create(structure, user)
        filed += 1
        services.attach_assessment(application, assessment)
        if state == "draft":
            continue
        services.submit(application, user, today)
        if state == "incomplete":
            workflow.apply(
                application,
                "request_complements",
                agent,
                "Merci de joindre le procès-verbal de la dernière assemblée générale.",
            )
        elif state == "admissible":
            workflow.apply(application, "declare_admissible", agent)
    db.session.flush()
    return filed
