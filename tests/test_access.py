"""Who gets what: (method, URL, role) → status for every endpoint of the application.

The world has two structures: the first one's objects are in the URLs; `other_applicant`
acts for the second one, with its own signature, assessment and application, and
`council_member` is also one of the second structure's people (a council member linked to a
structure), so that a rule loosened to « a member of any structure » lets either of them in
and fails here. A refused request (403, 404, 400, or the login page for a visitor) must leave
the database as it was. What an allowed POST changes is checked, with real forms, in
`tests/test_access_effects.py`, which reuses this world.

`test_matrix_covers_every_endpoint` fails when a route is added without its row here.
"""

from datetime import date, datetime
from pathlib import Path
from types import SimpleNamespace

import pytest

from cdess.accounts.models import College, Role
from cdess.extensions import db
from tests.factories import (
    PASSWORD,
    PDF,
    make_app,
    restore,
    snapshot,
    structure_values,
    upload,
    wipe,
)

ROLES = (
    "anonymous",
    "applicant",
    "other_applicant",
    "council_member",
    "president",
    "secretariat",
    "admin",
)
STAFF = {"secretariat", "admin"}


def expect(default: int, anonymous: int | None = None, **by_role: int) -> dict[str, int]:
    codes = {role: default for role in ROLES}
    if anonymous is not None:
        codes["anonymous"] = anonymous
    codes.update(by_role)
    return codes


def staff_only(ok: int = 200) -> dict[str, int]:
    return expect(403, anonymous=302, secretariat=ok, admin=ok)


def owner_or_staff(ok: int = 200) -> dict[str, int]:
    return expect(403, anonymous=302, applicant=ok, secretariat=ok, admin=ok)


def sitting(ok: int = 200) -> dict[str, int]:
    """Council members, the president and the secretariat."""
    return expect(403, anonymous=302, council_member=ok, president=ok, secretariat=ok, admin=ok)


def presiding(ok: int = 200) -> dict[str, int]:
    return expect(403, anonymous=302, president=ok, secretariat=ok, admin=ok)


LOGGED_IN_REDIRECTS = expect(302, anonymous=200)

MATRIX = [
    ("GET", "/", expect(200)),
    ("GET", "/sante", expect(200)),
    # The language switch: an empty form is refused with a message, back to the page (303).
    ("POST", "/langue", expect(303)),
    ("GET", "/healthz", expect(200)),
    ("GET", "/compte/inscription", LOGGED_IN_REDIRECTS),
    ("POST", "/compte/inscription", LOGGED_IN_REDIRECTS),
    ("GET", "/compte/connexion", LOGGED_IN_REDIRECTS),
    ("POST", "/compte/connexion", LOGGED_IN_REDIRECTS),
    ("GET", "/compte/confirmer/faux-jeton", expect(302)),
    ("POST", "/compte/deconnexion", expect(302)),
    ("POST", "/compte/deconnexion-partout", expect(302)),
    ("GET", "/compte/mot-de-passe-oublie", expect(200)),
    ("POST", "/compte/mot-de-passe-oublie", expect(200)),
    ("GET", "/compte/reinitialiser/faux-jeton", expect(302)),
    ("POST", "/compte/reinitialiser/faux-jeton", expect(302)),
    ("GET", "/compte/invitation/faux-jeton", expect(302)),
    ("POST", "/compte/invitation/faux-jeton", expect(302)),
    ("GET", "/compte/", expect(200, anonymous=302)),
    ("POST", "/compte/", expect(200, anonymous=302)),
    # Personal data: one's own (no id in the URL), the secretariat's on request. Erasing one's
    # account is refused (409) to the last person of a structure whose file runs (`applicant`;
    # the second structure has two) and to the last administrator; an empty form comes back.
    ("GET", "/compte/donnees", expect(200, anonymous=302)),
    ("GET", "/compte/donnees.json", expect(200, anonymous=302)),
    ("GET", "/compte/supprimer", expect(200, anonymous=302)),
    (
        "POST",
        "/compte/supprimer",
        expect(200, anonymous=302, applicant=409, admin=409),
    ),
    ("GET", "/admin/utilisateurs/{applicant_id}/donnees.json", staff_only()),
    ("GET", "/admin/utilisateurs/{admin_id}/donnees.json", expect(403, anonymous=302, admin=200)),
    ("GET", "/admin/utilisateurs/999999/donnees.json", staff_only(404)),
    ("POST", "/admin/utilisateurs/{applicant_id}/supprimer", staff_only(302)),
    ("POST", "/admin/utilisateurs/{admin_id}/supprimer", expect(403, anonymous=302, admin=302)),
    ("GET", "/admin/utilisateurs", staff_only()),
    ("GET", "/admin/utilisateurs/inviter", staff_only()),
    ("POST", "/admin/utilisateurs/inviter", staff_only()),
    ("GET", "/admin/utilisateurs/{applicant_id}", staff_only()),
    ("POST", "/admin/utilisateurs/{applicant_id}", staff_only(302)),
    ("GET", "/admin/utilisateurs/{admin_id}", expect(403, anonymous=302, admin=200)),
    ("POST", "/admin/utilisateurs/{applicant_id}/renvoyer-invitation", staff_only(302)),
    ("GET", "/admin/colleges", staff_only()),
    ("POST", "/admin/colleges", staff_only()),
    ("GET", "/admin/colleges/{college_id}", staff_only()),
    ("POST", "/admin/colleges/{college_id}", staff_only(302)),
    ("GET", "/structures/", staff_only()),
    # The secretariat's exports (CSV, Excel) of its lists, with the lists' filters.
    ("GET", "/structures/export.csv", staff_only()),
    ("GET", "/structures/export.xlsx?family=%00&epci=9" + "9" * 30, staff_only()),
    ("GET", "/structures/mes-structures", expect(200, anonymous=302)),
    ("GET", "/structures/nouvelle", expect(403, anonymous=302, applicant=200, other_applicant=200)),
    (
        "POST",
        "/structures/nouvelle",
        expect(403, anonymous=302, applicant=200, other_applicant=200),
    ),
    ("GET", "/structures/{structure_id}", owner_or_staff()),
    ("GET", "/structures/999999", expect(404, anonymous=302)),
    # « Mon label »: the menu's entry for the people of a structure (one each: redirected to
    # its label), a structure's label for its people and the secretariat (read-only).
    (
        "GET",
        "/structures/mon-label",
        expect(403, anonymous=302, applicant=302, other_applicant=302, council_member=302),
    ),
    ("GET", "/structures/{structure_id}/label", owner_or_staff()),
    ("GET", "/structures/999999/label", expect(404, anonymous=302)),
    ("GET", "/structures/{structure_id}/modifier", owner_or_staff()),
    ("POST", "/structures/{structure_id}/modifier", owner_or_staff(302)),
    ("POST", "/structures/{structure_id}/membres", owner_or_staff()),
    ("POST", "/structures/{structure_id}/membres/{applicant_id}/retirer", owner_or_staff(302)),
    # An invitation to act for a structure: its link, for the invited account only (refused).
    ("GET", "/structures/rejoindre/faux-jeton", expect(302)),
    ("POST", "/structures/rejoindre/faux-jeton", expect(302)),
    ("GET", "/territoires/communes?q=arras", expect(200)),
    # The charter: public pages, signing for one's structure, the secretariat's editor.
    ("GET", "/charte", expect(200)),
    ("GET", "/charte/signataires", expect(200)),
    ("GET", "/structures/{structure_id}/charte", expect(403, anonymous=302, applicant=200)),
    ("POST", "/structures/{structure_id}/charte", expect(403, anonymous=302, applicant=200)),
    (
        "POST",
        "/structures/{structure_id}/charte/retrait",
        expect(403, anonymous=302, applicant=302),
    ),
    ("GET", "/secretariat/signatures", staff_only()),
    ("GET", "/secretariat/signatures.csv", staff_only()),
    ("GET", "/secretariat/signatures.xlsx", staff_only()),
    ("POST", "/secretariat/signatures/{signature_id}/suspendre", staff_only(302)),
    ("POST", "/secretariat/signatures/{signature_id}/retablir", staff_only(302)),
    ("GET", "/secretariat/charte", staff_only()),
    ("POST", "/secretariat/charte/brouillon", staff_only(302)),
    ("GET", "/secretariat/charte/{draft_id}", staff_only()),
    ("POST", "/secretariat/charte/{draft_id}", staff_only()),
    ("GET", "/secretariat/charte/{published_id}", staff_only()),  # read-only view
    ("POST", "/secretariat/charte/{published_id}", staff_only(403)),
    ("GET", "/secretariat/charte/{draft_id}/apercu", staff_only()),
    ("GET", "/secretariat/charte/{draft_id}/differences", staff_only()),
    ("POST", "/secretariat/charte/{draft_id}/publier", staff_only(400)),  # kind not stated
    ("POST", "/secretariat/charte/{published_id}/publier", staff_only(403)),
    ("GET", "/secretariat/charte/{draft_id}/principes/nouveau", staff_only()),
    ("POST", "/secretariat/charte/{draft_id}/principes/nouveau", staff_only()),
    ("GET", "/secretariat/charte/{draft_id}/principes/{principle_id}", staff_only()),
    ("POST", "/secretariat/charte/{draft_id}/principes/{principle_id}", staff_only()),
    (
        "POST",
        "/secretariat/charte/{published_id}/principes/{published_principle_id}",
        staff_only(403),
    ),
    ("POST", "/secretariat/charte/{draft_id}/principes/{principle_id}/supprimer", staff_only(302)),
    (
        "GET",
        "/secretariat/charte/{draft_id}/principes/{principle_id}/criteres/nouveau",
        staff_only(),
    ),
    (
        "POST",
        "/secretariat/charte/{draft_id}/principes/{principle_id}/criteres/nouveau",
        staff_only(),
    ),
    ("GET", "/secretariat/charte/{draft_id}/criteres/{criterion_id}", staff_only()),
    # An empty POST keeps the criterion's current values: saved unchanged.
    ("POST", "/secretariat/charte/{draft_id}/criteres/{criterion_id}", staff_only(302)),
    (
        "POST",
        "/secretariat/charte/{published_id}/criteres/{published_criterion_id}",
        staff_only(403),
    ),
    ("POST", "/secretariat/charte/{draft_id}/criteres/{criterion_id}/supprimer", staff_only(302)),
    # Self-assessment: the structure's people fill it, staff read it, nobody else sees it.
    ("GET", "/structures/{structure_id}/auto-evaluations", owner_or_staff()),
    (
        "POST",
        "/structures/{structure_id}/auto-evaluations",
        expect(403, anonymous=302, applicant=302),
    ),
    ("GET", "/auto-evaluations/{assessment_id}/principes/GOV", owner_or_staff()),
    (
        "POST",
        "/auto-evaluations/{assessment_id}/principes/GOV",
        expect(403, anonymous=302, applicant=302),
    ),
    ("GET", "/auto-evaluations/{assessment_id}/principes/XYZ", owner_or_staff(404)),
    (
        "POST",
        "/auto-evaluations/{assessment_id}/reponse",
        expect(403, anonymous=302, applicant=404),
    ),
    ("GET", "/auto-evaluations/{assessment_id}", owner_or_staff()),
    (
        "POST",
        "/auto-evaluations/{assessment_id}/terminer",
        expect(403, anonymous=302, applicant=302),
    ),
    ("GET", "/auto-evaluations/{assessment_id}/rapport.pdf", owner_or_staff()),
    ("GET", "/auto-evaluations/999999", expect(404, anonymous=302)),
    # Applications: the structure's people apply; the workflow says who does what.
    ("POST", "/structures/{structure_id}/candidatures", expect(403, anonymous=302, applicant=302)),
    ("GET", "/candidatures/{application_id}", owner_or_staff()),
    ("GET", "/candidatures/999999", expect(404, anonymous=302)),
    (
        "POST",
        "/candidatures/{application_id}/auto-evaluation",
        expect(403, anonymous=302, applicant=302),
    ),
    (
        "POST",
        "/candidatures/{application_id}/actions/submit",
        expect(403, anonymous=302, applicant=302),
    ),
    ("POST", "/candidatures/{application_id}/actions/declare_admissible", staff_only(302)),
    ("POST", "/candidatures/{application_id}/actions/inconnue", owner_or_staff(404)),
    # Documents and objectives: the structure's people, while the file is editable.
    ("POST", "/candidatures/{application_id}/pieces", expect(403, anonymous=302, applicant=400)),
    ("GET", "/candidatures/{application_id}/pieces/{document_id}", owner_or_staff()),
    ("GET", "/candidatures/{application_id}/pieces/999999", owner_or_staff(404)),
    (
        "POST",
        "/candidatures/{application_id}/pieces/{document_id}/suppression",
        expect(403, anonymous=302, applicant=302),
    ),
    (
        "POST",
        "/candidatures/{application_id}/objectifs",
        expect(403, anonymous=302, applicant=400),
    ),
    (
        "POST",
        "/candidatures/{application_id}/objectifs/{objective_id}/suppression",
        expect(403, anonymous=302, applicant=302),
    ),
    # Not an objective of the label this file renews.
    (
        "POST",
        "/candidatures/{application_id}/objectifs/{objective_id}/bilan",
        expect(403, anonymous=302, applicant=404),
    ),
    (
        "POST",
        "/candidatures/{application_id}/renouvellement",
        expect(403, anonymous=302, applicant=302),
    ),
    # The secretariat's own: notes never shown to the applicant, the checklist.
    ("POST", "/candidatures/{application_id}/notes", staff_only(400)),
    ("POST", "/candidatures/{application_id}/verification", staff_only(302)),
    # Answers verified against the evidence: the file's readers see them, staff check them.
    ("GET", "/candidatures/{submitted_id}/reponses", owner_or_staff()),
    ("GET", "/candidatures/{application_id}/reponses", owner_or_staff(404)),  # a draft
    ("POST", "/candidatures/{submitted_id}/reponses/GOV-01", staff_only(400)),  # no decision
    ("POST", "/candidatures/{submitted_id}/reponses", staff_only(302)),
    ("GET", "/secretariat/candidatures", staff_only()),
    ("GET", "/secretariat/candidatures.csv?state=x&kind=%01&q=%25_", staff_only()),
    ("GET", "/secretariat/candidatures.xlsx", staff_only()),
    ("GET", "/autodiagnostic", expect(200)),
    ("POST", "/autodiagnostic", expect(422)),  # every question must be answered
    # Sessions: the secretariat plans; members sit; voting members vote; the president (or
    # the secretariat) runs the live session. The world's session is planned, not open.
    ("GET", "/seances", staff_only()),
    ("POST", "/seances", staff_only(400)),
    ("POST", "/seances/calendrier", staff_only(400)),
    ("GET", "/seances/{session_id}", staff_only()),
    ("GET", "/seances/999999", expect(403, anonymous=302, secretariat=404, admin=404)),
    ("POST", "/seances/{session_id}", staff_only(400)),
    ("POST", "/seances/{session_id}/annulation", staff_only(302)),
    ("POST", "/seances/{session_id}/ordre-du-jour", staff_only(400)),
    ("POST", "/seances/points/{item_id}/deplacer", staff_only(400)),
    ("POST", "/seances/points/{item_id}/rapporteur", staff_only(302)),
    ("POST", "/seances/points/{item_id}/scrutin", staff_only(302)),
    ("POST", "/seances/points/{item_id}/retrait", staff_only(302)),
    ("POST", "/seances/{session_id}/convocation", staff_only(302)),
    ("GET", "/secretariat/reglement", staff_only()),
    ("POST", "/secretariat/reglement", staff_only(400)),
    ("GET", "/conseil", sitting()),
    ("GET", "/conseil/seances/{session_id}", sitting()),
    ("GET", "/conseil/points/{item_id}", sitting()),
    # Only the item's rapporteur (the council member here) writes the report.
    ("POST", "/conseil/points/{item_id}/rapport", expect(403, anonymous=302, council_member=400)),
    ("POST", "/conseil/points/{item_id}/conflit", sitting(302)),
    (
        "POST",
        "/conseil/seances/{session_id}/pouvoir",
        expect(403, anonymous=302, council_member=302, president=302),
    ),
    ("GET", "/seances/{session_id}/direct", sitting(404)),  # not convened yet
    ("GET", "/seances/{session_id}/direct/etat", sitting()),
    ("POST", "/seances/{session_id}/ouverture", presiding(302)),
    ("POST", "/seances/{session_id}/presence", sitting(302)),
    ("POST", "/seances/points/{item_id}/ouverture-vote", presiding(302)),
    (
        "POST",
        "/seances/points/{item_id}/vote",
        expect(403, anonymous=302, council_member=400, president=400),
    ),
    ("POST", "/seances/points/{item_id}/cloture-vote", presiding(302)),
    ("POST", "/seances/points/{item_id}/annulation-vote", presiding(302)),  # refused: not open
    ("POST", "/seances/{session_id}/cloture", presiding(302)),
    ("GET", "/seances/{session_id}/proces-verbal.pdf", sitting(404)),  # no minutes yet
    ("GET", "/seances/{session_id}/votes.csv", presiding()),  # its closed votes: none yet
    ("GET", "/seances/{session_id}/votes.xlsx", presiding()),
    (
        "GET",
        "/seances/999999/votes.csv",
        expect(403, anonymous=302, president=404, secretariat=404, admin=404),
    ),
    # The room: the attendance sheet, the members' self check-in by the screen's code, the
    # screen, the president's paper ballots. The world's session is not open: 404 or 409.
    ("GET", "/seances/{session_id}/presences", presiding(404)),
    ("POST", "/seances/{session_id}/presences", presiding(404)),
    ("POST", "/seances/{session_id}/presences/college", presiding(404)),
    (
        "GET",
        "/seances/{session_id}/emargement",
        expect(403, anonymous=302, council_member=200, president=200),
    ),
    (
        "GET",
        "/seances/{session_id}/presence/ABCDEF",
        expect(403, anonymous=302, council_member=409, president=409),
    ),
    (
        "POST",
        "/seances/{session_id}/presence/ABCDEF",
        expect(403, anonymous=302, council_member=409, president=409),
    ),
    ("GET", "/seances/{session_id}/ecran", sitting(404)),
    ("GET", "/seances/{session_id}/ecran/etat", sitting(404)),
    ("GET", "/seances/points/{item_id}/bulletins", presiding(404)),
    ("POST", "/seances/points/{item_id}/bulletins", presiding(404)),
    # Certificates: the secretariat issues and manages; the structure downloads its own;
    # anyone verifies and reads the registry.
    ("GET", "/certificats", staff_only()),
    ("GET", "/certificats.csv?statut=%00&q=" + "9" * 200, staff_only()),
    ("GET", "/certificats.xlsx", staff_only()),
    ("POST", "/candidatures/{application_id}/certificat", staff_only(302)),  # not granted
    ("POST", "/seances/{session_id}/certificats", staff_only(302)),  # nothing granted
    ("GET", "/seances/{session_id}/certificats", staff_only()),  # what the batch issued
    ("GET", "/seances/{session_id}/certificats.zip", staff_only(404)),  # none issued
    ("GET", "/certificats/{number}", presiding()),
    ("GET", "/certificats/CDESS-62-1999-0001", presiding(404)),
    # A label's status: the secretariat proposes, the president may suspend urgently, the
    # structure answers; only the council's vote decides.
    ("POST", "/certificats/{number}/proposition", staff_only(400)),
    ("POST", "/certificats/{number}/suspension-urgente", expect(403, anonymous=302, president=400)),
    ("POST", "/propositions/{proposal_id}/reponse", expect(403, anonymous=302, applicant=302)),
    ("POST", "/propositions/999999/reponse", expect(404, anonymous=302)),
    ("POST", "/seances/{session_id}/propositions/{proposal_id}", staff_only(302)),
    ("POST", "/certificats/{number}/reedition", staff_only(400)),
    ("GET", "/certificats/{number}.pdf", owner_or_staff()),
    # Its translation, drawn on demand; French is the certificate itself, not a translation.
    ("GET", "/certificats/{number}/en.pdf", owner_or_staff()),
    ("GET", "/certificats/{number}/fr.pdf", owner_or_staff(404)),
    ("GET", "/certificats/{number}/de.pdf", owner_or_staff(404)),
    ("GET", "/certificats/{number}/credential.jwt", owner_or_staff()),
    ("GET", "/certificats/CDESS-62-1999-0001/credential.jwt", expect(404, anonymous=302)),
    ("GET", "/.well-known/jwks.json", expect(200)),
    ("GET", "/credentials/status/revocation", expect(200)),
    ("GET", "/credentials/status/suspension", expect(200)),
    ("GET", "/credentials/status/message", expect(404)),
    ("GET", "/verification", expect(200)),
    ("POST", "/verification", expect(400)),
    ("GET", "/verification/{number}", expect(200)),
    ("GET", "/verification/CDESS-62-1999-0001", expect(404)),
    # The public verification API (JSON), its description and its page; the label's badge.
    ("GET", "/api", expect(200)),
    ("GET", "/api/v1/openapi.json", expect(200)),
    ("GET", "/api/v1/certificats/{number}", expect(200)),
    ("GET", "/api/v1/certificats/CDESS-62-1999-0001", expect(404)),
    ("GET", "/api/v1/certificats/%00", expect(400)),
    ("GET", "/api/v1/certificats?siren=%00", expect(400)),
    ("GET", "/certificats/{number}/badge.svg", expect(200)),
    ("GET", "/certificats/CDESS-62-1999-0001/badge.svg", expect(404)),
    ("GET", "/registre", expect(200)),
    ("GET", "/registre.csv", expect(200)),
    ("GET", "/registre.json", expect(200)),
    # Open data: each Table Schema at the path it names, the public statistics.
    ("GET", "/registre.schema.json", expect(200)),
    ("GET", "/statistiques.schema.json", expect(200)),
    ("GET", "/inconnu.schema.json", expect(404)),
    ("GET", "/statistiques.csv", expect(200)),
    ("GET", "/statistiques.json", expect(200)),
    # The dashboard (secretariat, president, council members) and its charts' CSV; the public
    # statistics.
    ("GET", "/tableau-de-bord", sitting()),
    ("GET", "/tableau-de-bord?debut=2025&fin=2020&famille=x&epci=%00", sitting()),
    ("GET", "/tableau-de-bord/familles.csv", sitting()),
    ("GET", "/tableau-de-bord/inconnu.csv", sitting(404)),
    ("GET", "/statistiques", expect(200)),
    # Reports from the public: anyone files one; the secretariat handles them; the reported
    # structure's people answer the question put to them (the world's report is asked).
    ("GET", "/signalements/{number}", expect(200)),
    ("POST", "/signalements/{number}", expect(400)),  # no text
    ("GET", "/signalements/CDESS-62-1999-0001", expect(404)),
    ("GET", "/signalements/recu", expect(404)),  # nothing filed in this session
    ("GET", "/secretariat/signalements", staff_only()),
    ("GET", "/secretariat/signalements/{report_id}", staff_only()),
    ("GET", "/secretariat/signalements/999999", staff_only(404)),
    ("GET", "/secretariat/signalements/{report_id}/piece", staff_only(404)),  # no file
    ("POST", "/secretariat/signalements/{report_id}/question", staff_only(400)),
    ("POST", "/secretariat/signalements/{report_id}/classement", staff_only(400)),
    ("POST", "/secretariat/signalements/{report_id}/suspension", staff_only(400)),
    ("GET", "/signalements/{report_id}/reponse", expect(403, anonymous=302, applicant=200)),
    ("POST", "/signalements/{report_id}/reponse", expect(403, anonymous=302, applicant=400)),
    ("GET", "/signalements/999999/reponse", expect(404, anonymous=302)),
    # Annual follow-ups: the structure's people file theirs; the secretariat's queue, decisions,
    # suspension proposal and yearly sample (the world's follow-up is due: nothing to decide).
    ("GET", "/secretariat/suivis", staff_only()),
    ("GET", "/secretariat/suivis.csv", staff_only()),
    ("GET", "/secretariat/suivis.xlsx?etat=accepted&famille=x&epci=%00", staff_only()),
    ("GET", "/secretariat/suivis?etat=%00&famille=x&epci=99999999999&page=-1", staff_only()),
    ("POST", "/secretariat/suivis/echantillon", staff_only(302)),
    ("GET", "/suivis/{followup_id}", owner_or_staff()),
    ("GET", "/suivis/999999", expect(404, anonymous=302)),
    ("POST", "/suivis/{followup_id}", expect(403, anonymous=302, applicant=400)),  # empty
    ("GET", "/suivis/{followup_id}/pieces/999999", owner_or_staff(404)),
    ("POST", "/suivis/{followup_id}/acceptation", staff_only(400)),  # not filed
    ("POST", "/suivis/{followup_id}/complements", staff_only(400)),  # no reason
    ("POST", "/suivis/{followup_id}/suspension", staff_only(400)),  # no report
    # The journal: read by the secretariat; its head is public.
    ("GET", "/secretariat/journal", staff_only()),
    ("GET", "/secretariat/journal?sujet=application&id=99999999999&du=x", staff_only()),
    ("GET", "/secretariat/journal.csv", staff_only()),
    ("GET", "/secretariat/journal/verification", staff_only()),
    ("GET", "/journal", expect(200)),
    # A job's progress: who asked for it (the president, for the world's failed one) and the
    # secretariat see it and retry it.
    (
        "GET",
        "/travaux/{job_id}",
        expect(403, anonymous=302, president=200, secretariat=200, admin=200),
    ),
    (
        "GET",
        "/travaux/{job_id}/etat",
        expect(403, anonymous=302, president=200, secretariat=200, admin=200),
    ),
    ("GET", "/travaux/999999", expect(404, anonymous=302)),
    (
        "POST",
        "/travaux/{job_id}/relancer",
        expect(403, anonymous=302, president=302, secretariat=302, admin=302),
    ),
    # The legal pages of a public service, public (linked from every page's footer).
    ("GET", "/accessibilite", expect(200)),
    ("GET", "/mentions-legales", expect(200)),
    ("GET", "/donnees-personnelles", expect(200)),
    ("GET", "/plan-du-site", expect(200)),
]

IDS = (
    "submitted_id",
    "proposal_id",
    "applicant_id",
    "admin_id",
    "structure_id",
    "college_id",
    "signature_id",
    "draft_id",
    "published_id",
    "principle_id",
    "criterion_id",
    "published_principle_id",
    "published_criterion_id",
    "assessment_id",
    "application_id",
    "document_id",
    "objective_id",
    "session_id",
    "item_id",
    "number",
    "report_id",
    "followup_id",
    "job_id",
)


@pytest.fixture(scope="module")
def world_rows(database_url, tmp_path_factory):
    """One user per role, two structures (each with its people, signature, assessment and
    application; the council member acts for the second one), a charter draft, a planned
    session, a certificate with an open proposal: built once, then restored before each
    test."""
    from cdess.accounts import services as accounts
    from cdess.applications import evidence
    from cdess.applications import services as applications
    from cdess.applications.models import Application, DocumentKind, Objective, State
    from cdess.assessments import services as assessments
    from cdess.assessments.models import Assessment, AssessmentStatus
    from cdess.certificates import services as certificates
    from cdess.certificates.models import ProposalAction
    from cdess.charter import scoring
    from cdess.charter import services as charters
    from cdess.sessions import services as sessions
    from cdess.structures import services as structures
    from cdess.structures.models import Membership

    app = make_app(database_url, tmp_path_factory.mktemp("instance"))
    with app.app_context():
        wipe(app)
        accounts.ensure_default_colleges()
        charter = charters.ensure_default_charter() or charters.published_version()
        users = {}
        for role in ROLES[1:]:
            roles = {Role.applicant} if role == "other_applicant" else {Role(role)}
            if role == "president":
                roles |= {Role.council_member}
            users[role] = accounts.create_user(
                f"{role}@exemple.fr", role, roles, password=PASSWORD, confirmed=True
            )
        structure = structures.create_structure(
            structure_values(1, name="Association des Jardins"), users["applicant"]
        )
        signature = charters.sign(structure, "Camille Martin", "Présidente", users["applicant"])
        # The other applicant's own structure, with all a structure has: an intruder who acts
        # for a structure, not a stranger to every structure.
        other = structures.create_structure(
            structure_values(2, name="Coopérative du Littoral"), users["other_applicant"]
        )
        # A council member linked to a structure: one of the second structure's people (added
        # directly: `structures.add_member` takes only applicants' accounts), who must get
        # nothing of the first structure for it.
        db.session.add(Membership(user=users["council_member"], structure=other))
        charters.sign(other, "Louis Petit", "Gérant", users["other_applicant"])
        assessments.start(other, users["other_applicant"])
        other_application = applications.create(other, users["other_applicant"])
        evidence.store(other_application, upload(), users["other_applicant"], DocumentKind.statutes)
        draft = charters.start_draft(users["secretariat"])
        assessment = assessments.start(structure, users["applicant"])
        application = applications.create(structure, users["applicant"])
        document, _replaced = evidence.store(
            application, upload(), users["applicant"], DocumentKind.statutes
        )
        application.objectives.append(
            Objective(criterion_code="GOV-03", target_date=date(2027, 6, 30), text="AG ouverte")
        )
        college = db.session.execute(db.select(College)).scalars().first()
        users["council_member"].voting_right = users["president"].voting_right = True
        pure = charters.scoring_charter(charter)
        done = Assessment(
            structure_id=structure.id,
            version_id=charter.id,
            family=structure.family,
            status=AssessmentStatus.finished,
            finished_at=datetime(2026, 11, 2, 10),
            result=scoring.score(pure, structure.family.value, {}).as_dict(),
            overall_score=0.0,
            eligible=False,
        )
        submitted = Application(
            structure_id=structure.id,
            state=State.submitted,
            assessment=done,
            snapshot={"charter_version": charter.number, "result": done.result, "answers": {}},
        )
        db.session.add(submitted)
        eligible = {"overall": 80.0, "eligible": True, "principles": []}
        scheduled = Application(
            structure_id=structure.id, state=State.admissible, verified_result=eligible
        )
        db.session.add(scheduled)
        session = sessions.create_session(datetime(2027, 5, 20, 14), date(2027, 3, 31), "Arras")
        item = sessions.add_item(session, scheduled, users["secretariat"])
        item.rapporteur_id = users["council_member"].id
        granted = Application(
            structure_id=structure.id, state=State.granted, verified_result=eligible
        )
        db.session.add(granted)
        db.session.flush()
        certificate = certificates.issue(granted, users["secretariat"])
        proposal = certificates.propose(
            certificate, ProposalAction.suspend, users["secretariat"], "AG non tenue."
        )
        from cdess.reports import services as reports

        report = reports.file_report(certificate, text="Pas d'AG.", sender="192.0.2.1")
        reports.ask(report, users["secretariat"], "Votre dernière AG ?")
        from cdess.followups.models import FollowUp

        followup = FollowUp(
            certificate_id=certificate.id, structure_id=structure.id, anniversary=date(2027, 6, 1)
        )
        db.session.add(followup)
        from cdess.jobs.models import Job, JobKind, JobState

        job = Job(  # the minutes of a session not closed: it fails, and fails again if retried
            kind=JobKind.minutes,
            args={"session_id": session.id},
            requested_by_id=users["president"].id,
            state=JobState.failed,
            error="ValueError: the session is not closed",
            attempts=1,
            started_at=datetime(2026, 11, 2, 10),
            finished_at=datetime(2026, 11, 2, 10),
            key="minutes:world",
        )
        db.session.add(job)
        db.session.commit()
        ids = {
            "submitted_id": submitted.id,
            "proposal_id": proposal.id,
            "applicant_id": users["applicant"].id,
            "admin_id": users["admin"].id,
            "structure_id": structure.id,
            "college_id": college.id,
            "signature_id": signature.id,
            "draft_id": draft.id,
            "published_id": charter.id,
            "principle_id": draft.principles[0].id,
            "criterion_id": draft.criteria[0].id,
            "published_principle_id": charter.principles[0].id,
            "published_criterion_id": charter.criteria[0].id,
            "assessment_id": assessment.id,
            "application_id": application.id,
            "document_id": document.id,
            "objective_id": application.objectives[0].id,
            "session_id": session.id,
            "item_id": item.id,
            "number": certificate.number,
            "report_id": report.id,
            "followup_id": followup.id,
            "job_id": job.id,
        }
        emails = {role: SimpleNamespace(email=user.email) for role, user in users.items()}
        db.session.remove()
    rows = snapshot(app)
    wipe(app)
    _world_intact["yes"] = False
    yield rows, emails, ids
    wipe(app)  # the module's tests keep the database: empty it after the last one
    with app.app_context():
        db.engine.dispose()


# Restoring the world costs more than most requests: it is restored only after a test that
# may have changed it (a POST, or a test outside the matrix); GETs leave it as it was.
pytestmark = pytest.mark.keep_database
_world_intact = {"yes": False}


@pytest.fixture(autouse=True)
def _track_changes(request):
    yield
    callspec = getattr(request.node, "callspec", None)
    method = callspec.params.get("method") if callspec else None
    _world_intact["yes"] = method == "GET" and "world" in request.fixturenames


@pytest.fixture
def world(app, world_rows):
    rows, users, ids = world_rows
    if not _world_intact["yes"]:
        restore(app, rows)
    uploads = Path(app.config["UPLOAD_DIR"])  # a folder per test
    uploads.mkdir(parents=True, exist_ok=True)
    for document in rows["application_document"]:
        (uploads / document["stored_name"]).write_bytes(PDF)
    return users, ids


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(("method", "url", "codes"), MATRIX, ids=[f"{m} {u}" for m, u, _ in MATRIX])
def test_access(client, login, world, method, url, codes, role):
    users, ids = world
    if role != "anonymous":
        login(users[role])
    refused = codes[role] in (400, 403, 404) or (role == "anonymous" and codes[role] == 302)
    before = snapshot(client.application) if method == "POST" and refused else None
    response = client.open(url.format(**ids), method=method, data={})
    response.close()  # a file download is streamed
    assert response.status_code == codes[role], response.get_data(as_text=True)[:500]
    if before is not None:  # a refusal writes nothing
        assert snapshot(client.application) == before


def test_matrix_covers_every_endpoint(app):
    adapter = app.url_map.bind("localhost")
    covered: set[tuple[str, str]] = set()
    for method, url, _codes in MATRIX:
        path = url.split("?")[0].format(**dict.fromkeys(IDS, 1))
        endpoint, _args = adapter.match(path, method=method)
        covered.add((endpoint, method))
    missing = [
        (rule.endpoint, method, rule.rule)
        for rule in app.url_map.iter_rules()
        if rule.endpoint != "static"
        for method in rule.methods - {"HEAD", "OPTIONS"}
        if (rule.endpoint, method) not in covered
    ]
    assert missing == []


def test_every_form_post_needs_a_csrf_token(app, create_user, login):
    """With CSRF on, a POST without token is refused before any view runs."""
    app.config["WTF_CSRF_ENABLED"] = True
    client = app.test_client()
    posts = [(m, u) for m, u, _ in MATRIX if m == "POST"]
    for _method, url in posts:
        response = client.post(
            url.format(**dict.fromkeys(IDS, 1)),
            data={},
        )
        assert response.status_code == 400, url
        assert "Le formulaire a expiré" in response.get_data(as_text=True)
