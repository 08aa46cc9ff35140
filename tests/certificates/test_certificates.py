"""Issuing, numbering, the PDF/A, statuses, verification by hash, the registry's query and
the expiry reminders."""

import hashlib
import io
import threading
from datetime import date, timedelta

import pytest
from pypdf import PdfReader
from sqlalchemy.exc import IntegrityError

from cdess.applications.models import Application, State
from cdess.certificates import document, services
from cdess.certificates.models import Certificate, CertificateCounter
from cdess.certificates.models import CertificateStatus as Status
from cdess.clock import add_months
from cdess.extensions import db
from cdess.web import seal
from tests.factories import audit_count, council_vote, embedded_files


def test_issuing_numbers_certifies_and_freezes_the_certificate(app, grant, people):
    application = grant(name="Les Jardins d'Arras")
    certificate = services.issue(
        application, people["secretariat"], recommendations="Ouvrir le CA."
    )
    db.session.commit()
    year = date.today().year
    assert certificate.number == f"CDESS-62-{year}-0001"
    assert (
        application.state is State.certified and application.transitions[-1].to_state == "certified"
    )
    assert certificate.valid_from == application.label_valid_from == date.today()
    # Two years less a day, the label's validity setting.
    assert certificate.valid_until == add_months(date.today(), 24) - timedelta(days=1)
    data = certificate.snapshot
    assert data["structure"] == "Les Jardins d'Arras" and data["commune"] == "Arras"
    assert data["principles"] == [
        {"title": "Gouvernance démocratique", "score": 90},
        {"title": "Lucrativité limitée", "score": 72},
    ]
    assert data["overall"] == 82 and data["recommendations"] == "Ouvrir le CA."
    base = app.config["BASE_URL"]
    assert data["verification_url"] == f"{base}/verification/{certificate.number}"
    assert certificate.sha256 == hashlib.sha256(certificate.pdf).hexdigest()


def test_the_pdf_is_one_a4_landscape_pdfa_page_with_fonts_embedded_and_the_link(app, grant, people):
    certificate = services.issue(grant(name="Les Jardins d'Arras"), people["secretariat"])
    reader = PdfReader(io.BytesIO(certificate.pdf))
    assert len(reader.pages) == 1
    box = reader.pages[0].mediabox
    assert (round(float(box.width)), round(float(box.height))) == (842, 595)  # A4 landscape
    metadata = reader.xmp_metadata
    assert metadata is not None
    xmp = reader.trailer["/Root"]["/Metadata"].get_object().get_data().decode()
    assert 'pdfaid:part="3" pdfaid:conformance="B"' in xmp  # PDF/A-3b
    fonts = reader.pages[0]["/Resources"]["/Font"]
    for font in fonts.values():
        descendant = font.get_object()["/DescendantFonts"][0].get_object()
        assert "/FontFile2" in descendant["/FontDescriptor"].get_object()  # embedded
    text = reader.pages[0].extract_text()
    for expected in ("Les Jardins d'Arras", certificate.number, "Gouvernance démocratique"):
        assert expected in text
    assert f"/verification/{certificate.number}" in text.replace("\n", "")


def test_rendering_the_snapshot_again_gives_the_same_bytes(app, grant, people):
    certificate = services.issue(grant(), people["secretariat"])
    db.session.commit()
    # The sealed PDF is the PDF/A rendered from the snapshot, then the seal's update.
    files = embedded_files(certificate.pdf)
    again = document.render(dict(certificate.snapshot), files, sealed=False)
    assert certificate.pdf.startswith(again)


def test_the_qr_code_encodes_the_verification_url():
    import segno

    svg = document.qr_svg("https://cdess.example/verification/CDESS-62-2026-0042")
    expected = segno.make("https://cdess.example/verification/CDESS-62-2026-0042", error="m")
    assert svg.startswith("data:image/svg+xml;base64,")
    assert expected.designator.endswith("-M")  # medium error correction, readable when framed


def test_numbers_follow_each_other_within_a_year_and_restart_the_next(app, grant, people):
    issued = [services.issue(grant(), people["secretariat"]) for _ in range(3)]
    assert [c.sequence for c in issued] == [1, 2, 3]
    next_year = date(date.today().year + 1, 1, 5)
    later = services.issue(grant(), people["secretariat"], today=next_year)
    assert later.number == f"CDESS-62-{next_year.year}-0001"
    db.session.commit()


def test_a_failed_issue_gives_its_number_back(app, grant, people, monkeypatch):
    application = grant()
    db.session.commit()
    before = audit_count()
    monkeypatch.setattr(document, "render", lambda data, **_: 1 / 0)
    with pytest.raises(ZeroDivisionError):
        services.issue(application, people["secretariat"])
    db.session.rollback()
    monkeypatch.undo()
    assert db.session.get(Application, application.id).state is State.granted
    assert audit_count() == before  # nothing journalled of what did not happen
    certificate = services.issue(application, people["secretariat"])
    assert certificate.sequence == 1  # no gap


@pytest.mark.parametrize("state", [s for s in State if s is not State.granted])
def test_only_a_granted_application_gets_a_certificate(app, grant, people, state):
    application = grant()
    application.state = state
    db.session.commit()
    with pytest.raises(services.CertificateError):
        services.issue(application, people["secretariat"])
    db.session.rollback()
    assert db.session.execute(db.select(Certificate)).first() is None
    assert db.session.execute(db.select(CertificateCounter)).first() is None


def test_issuing_twice_for_the_same_decision_is_refused(app, grant, people):
    application = grant()
    services.issue(application, people["secretariat"])
    db.session.commit()
    with pytest.raises(services.CertificateError, match="déjà été délivré"):
        services.issue(application, people["secretariat"])
    db.session.rollback()
    assert db.session.execute(db.select(db.func.count(Certificate.id))).scalar_one() == 1


def test_the_database_keeps_one_standing_certificate_per_decision(app, grant, people):
    first = services.issue(grant(), people["secretariat"])
    db.session.commit()
    columns = {c.key: getattr(first, c.key) for c in Certificate.__table__.columns}
    del columns["id"]
    columns.update(number="CDESS-62-2000-0001", sha256="0" * 64, status_index=None)
    with pytest.raises(IntegrityError), db.engine.begin() as conn:  # behind the service's back
        conn.execute(Certificate.__table__.insert().values(**columns))
    columns["status"] = Status.superseded  # a superseded edition may sit beside it
    with db.engine.begin() as conn:
        conn.execute(Certificate.__table__.insert().values(**columns))


def test_two_agents_issuing_at_the_same_moment_get_two_numbers(app, grant, people):
    ids = [grant().id for _ in range(4)]
    agent_id = people["secretariat"].id
    barrier = threading.Barrier(len(ids))
    numbers, errors = [], []

    def issue(application_id):
        with app.app_context():
            from cdess.accounts.models import User

            application = db.session.get(Application, application_id)
            user = db.session.get(User, agent_id)
            application.structure, application.audit, user.roles  # noqa: B018 (loaded first)
            barrier.wait()
            try:
                numbers.append(services.issue(application, user).sequence)
                db.session.commit()
            except Exception as error:
                errors.append(repr(error))
                db.session.rollback()
            finally:
                db.session.remove()

    threads = [threading.Thread(target=issue, args=(i,)) for i in ids]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert sorted(numbers) == [1, 2, 3, 4]
    stored = db.session.execute(db.select(Certificate.sequence)).scalars().all()
    assert sorted(stored) == [1, 2, 3, 4]


def test_a_session_batch_issues_every_granted_file_in_agenda_order(app, closed_session, people):
    issued = services.issue_session(closed_session, people["secretariat"])
    db.session.commit()
    assert [c.snapshot["structure"] for c in issued] == ["Structure votée 1", "Structure votée 2"]
    assert [c.sequence for c in issued] == [1, 2]
    assert {c.snapshot["session_date"] for c in issued} == {"2026-05-20"}
    assert all(c.application.state is State.certified for c in issued)
    with pytest.raises(services.CertificateError, match="Aucun dossier"):
        services.issue_session(closed_session, people["secretariat"])


def test_a_batch_rendered_by_two_processes_gives_the_same_pdfs(app, closed_session, people):
    issued = services.issue_session(closed_session, people["secretariat"])
    snapshots = [dict(c.snapshot) for c in issued]
    files = [embedded_files(c.pdf) for c in issued]
    pdfs = document.render_many(snapshots, workers=2, attachments=files)  # sealed there
    for certificate, pdf, attached in zip(issued, pdfs, files, strict=True):
        unsealed = document.render(certificate.snapshot, attached, sealed=False)
        assert pdf.startswith(unsealed) and certificate.pdf.startswith(unsealed)
        assert seal.check(pdf).verdict is seal.Verdict.sealed


# --- status -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("steps", "final"),
    [
        (["suspend"], Status.suspended),
        (["suspend", "reinstate"], Status.valid),
        (["revoke"], Status.revoked),
        (["suspend", "revoke"], Status.revoked),
    ],
)
def test_status_changes_on_a_council_decision(certificate, people, steps, final):
    for step in steps:
        services.change_status(
            certificate,
            step,
            people["secretariat"],
            "Décision du 20 mai",
            item=council_vote(certificate),
        )
    assert certificate.status is final and certificate.status_reason == "Décision du 20 mai"
    assert certificate.status_date == date.today()


@pytest.mark.parametrize(
    ("steps", "refused"),
    [([], "reinstate"), (["revoke"], "suspend"), (["revoke"], "reinstate"), (["revoke"], "revoke")],
)
def test_impossible_status_changes_are_refused(certificate, people, steps, refused):
    for step in steps:
        services.change_status(
            certificate, step, people["secretariat"], "Décision", item=council_vote(certificate)
        )
    before = certificate.status
    with pytest.raises(services.CertificateError):
        services.change_status(
            certificate, refused, people["secretariat"], "Décision", item=council_vote(certificate)
        )
    assert certificate.status is before


def test_a_status_change_needs_a_reason_and_a_date_not_in_the_future(certificate, people):
    with pytest.raises(services.CertificateError, match="motif"):
        services.change_status(
            certificate, "revoke", people["secretariat"], "  ", item=council_vote(certificate)
        )
    with pytest.raises(services.CertificateError, match="futur"):
        services.change_status(
            certificate,
            "revoke",
            people["secretariat"],
            "Décision",
            date.today() + timedelta(1),
            item=council_vote(certificate),
        )
    assert certificate.status is Status.valid


def test_reissue_gives_a_new_number_and_supersedes_the_old(certificate, people):
    certificate.structure.name = "Recyclerie du Ternois (SCIC)"
    new = services.reissue(certificate, people["secretariat"], "Nom corrigé")
    db.session.commit()
    assert new.number != certificate.number and new.sequence == certificate.sequence + 1
    assert certificate.status is Status.superseded and certificate.superseded_by is new
    assert new.snapshot["structure"] == "Recyclerie du Ternois (SCIC)"
    assert (new.valid_from, new.valid_until) == (certificate.valid_from, certificate.valid_until)
    assert services.current(certificate.application) is new
    with pytest.raises(services.CertificateError):
        services.reissue(certificate, people["secretariat"], "Encore")


def test_public_status_shows_expiry_before_the_nightly_job(certificate):
    assert services.public_status(certificate) is Status.valid
    after = certificate.valid_until + timedelta(days=1)
    assert services.public_status(certificate, after) is Status.expired
    assert services.public_status(certificate, certificate.valid_until) is Status.valid


def test_verification_by_hash_recognises_only_the_exact_file(certificate):
    assert services.by_pdf(certificate.pdf) is certificate
    assert services.by_pdf(certificate.pdf + b"\n") is None
    middle = len(certificate.pdf) // 2
    altered = (
        certificate.pdf[:middle]
        + bytes([certificate.pdf[middle] ^ 1])
        + certificate.pdf[middle + 1 :]
    )
    assert services.by_pdf(altered) is None


@pytest.mark.parametrize("number", ["", "CDESS-62-2026-9999", "x" * 500, "'; DROP TABLE x; --"])
def test_unknown_or_malformed_numbers_find_nothing(certificate, number):
    assert services.by_number(number) is None


def test_numbers_are_found_whatever_the_case_and_spaces(certificate):
    assert services.by_number(f"  {certificate.number.lower()} ") is certificate


# --- registry ---------------------------------------------------------------------------------


def test_the_registry_lists_only_standing_labels(app, grant, people):
    from cdess.structures.models import Family

    issued = {
        name: services.issue(grant(name=name, **fields), people["secretariat"])
        for name, fields in [
            ("Valide", {}),
            ("Suspendue", {}),
            ("Révoquée", {}),
            ("Expirée", {}),
            ("Coopérative de Lens", {"family": Family.cooperative, "commune_code": "62498"}),
        ]
    }
    services.change_status(
        issued["Suspendue"],
        "suspend",
        people["secretariat"],
        "Enquête",
        item=council_vote(issued["Suspendue"]),
    )
    services.change_status(
        issued["Révoquée"],
        "revoke",
        people["secretariat"],
        "Décision",
        item=council_vote(issued["Révoquée"]),
    )
    issued["Expirée"].valid_until = date.today() - timedelta(days=1)
    db.session.commit()

    def names(**filters):
        query = services.search(services.labelled(), **filters)
        return sorted(c.structure.name for c in db.session.execute(query).scalars())

    assert names() == ["Coopérative de Lens", "Valide"]
    assert names(text="lens") == names(text="LENS") == ["Coopérative de Lens"]
    assert names(family=Family.cooperative) == ["Coopérative de Lens"]
    assert names(commune="62498") == ["Coopérative de Lens"]
    assert names(text=issued["Valide"].structure.siret) == ["Valide"]
    assert names(text=issued["Valide"].number.lower()) == ["Valide"]
    assert names(text="%") == names(text="_") == []  # LIKE wildcards match themselves
    assert names(text="' OR 1=1 --") == []
    assert sorted(services.labelled_communes()) == ["62041", "62498"]


def test_a_renewed_label_is_listed_once(app, certificate, people, grant):
    renewal = grant()
    renewal.structure_id = certificate.structure_id
    db.session.flush()
    new = services.issue(renewal, people["secretariat"])
    listed = db.session.execute(services.labelled()).scalars().all()
    assert listed == [new]


# --- reminders --------------------------------------------------------------------------------


def test_reminders_at_90_and_30_days_once_each_then_expiry(app, certificate, people, outbox):
    until = certificate.valid_until
    day = lambda before: until - timedelta(days=before)  # noqa: E731

    assert services.send_reminders(day(91)) == (0, 0)
    assert services.send_reminders(day(90)) == (1, 0)
    assert services.send_reminders(day(89)) == (0, 0)  # once
    assert services.send_reminders(day(31)) == (0, 0)
    assert services.send_reminders(day(30)) == (1, 0)
    assert services.send_reminders(day(10)) == (0, 0)
    assert services.send_reminders(until) == (0, 0)
    assert certificate.status is Status.valid
    assert services.send_reminders(until + timedelta(days=1)) == (0, 1)
    assert db.session.get(Certificate, certificate.id).status is Status.expired
    subjects = [m["Subject"] for m in outbox()]
    assert subjects[-2:] == [
        "Votre label prend fin dans 90 jours — Recyclerie du Ternois",
        "Votre label prend fin dans 30 jours — Recyclerie du Ternois",
    ]
    assert people["applicant"].email in outbox()[-1]["To"]


def test_a_late_first_run_sends_only_the_30_day_reminder(app, certificate):
    assert services.send_reminders(certificate.valid_until - timedelta(days=20)) == (1, 0)
    assert services.send_reminders(certificate.valid_until - timedelta(days=19)) == (0, 0)


def test_no_reminder_when_a_renewed_label_takes_over(app, certificate, people, grant):
    renewal = grant()
    renewal.structure_id = certificate.structure_id
    db.session.flush()
    renewed_on = certificate.valid_until - timedelta(days=60)  # two months before the end
    services.issue(renewal, people["secretariat"], today=renewed_on)
    assert services.send_reminders(certificate.valid_until - timedelta(days=30)) == (0, 0)


def test_reminders_command(app, certificate):
    when = (certificate.valid_until - timedelta(days=90)).isoformat()
    result = app.test_cli_runner().invoke(args=["reminders", "--today", when])
    assert result.exit_code == 0, result.output
    assert "Rappels envoyés : 1 ; labels arrivés à échéance : 0." in result.output
