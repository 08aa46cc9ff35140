"""The journal: what `verify` detects (an edited, removed or inserted row, a cut end, a
rewritten tail), the migration that carried the old entries over, the entries of the
domains without a council (charter, signatures, accounts, structures, documents, checks),
refusals that leave no entry, and emails that leave only after the commit."""

import hashlib
import json
from datetime import datetime
from pathlib import Path

import pytest
from flask_migrate import upgrade

from cdess.accounts import services as accounts
from cdess.accounts.models import Role
from cdess.applications import evidence, services, verification, workflow
from cdess.applications.models import DocumentKind, State
from cdess.audit import services as audit
from cdess.audit.models import AuditAnchor, AuditEntry
from cdess.charter import services as charters
from cdess.extensions import db
from cdess.structures import services as structures
from tests.factories import fresh_database, html, make_app, new_application, upload


def entries(action: str | None = None) -> list[AuditEntry]:
    query = db.select(AuditEntry).order_by(AuditEntry.id)
    if action:
        query = query.filter_by(action=action)
    return list(db.session.execute(query).scalars())


def count() -> int:
    return db.session.execute(db.select(db.func.count(AuditEntry.id))).scalar_one()


@pytest.fixture
def chain(app, ready, people):
    """The journal of a structure ready to apply, and five changes by the secretariat."""
    structure, _assessment = ready
    for n in range(5):
        audit.record(structure, "structure_changed", people["secretariat"], detail={"n": n})
    db.session.commit()
    return entries()


def tamper(statement) -> None:
    """Change the table behind the application's back, as someone with database access."""
    with db.engine.begin() as connection:
        connection.execute(statement)
    db.session.expire_all()


def test_each_entry_follows_the_previous_one(app, chain):
    assert [e.prev_hash for e in chain] == [audit.GENESIS] + [e.hash for e in chain[:-1]]
    assert all(e.hash == audit.entry_hash(e) for e in chain)
    report = audit.verify()
    assert report.intact and report.count == len(entries()) and report.head == chain[-1].hash


def test_an_edited_row_is_detected(app, chain):
    table = AuditEntry.__table__
    tamper(table.update().where(table.c.id == chain[2].id).values(reason="Rien à signaler"))
    assert audit.verify().problems == [f"entrée {chain[2].id} : contenu modifié après coup"]
    result = app.test_cli_runner().invoke(args=["audit", "verify"])
    assert result.exit_code == 1 and "Journal altéré : 1 problème(s)" in result.output


def test_a_removed_row_is_detected(app, chain):
    table = AuditEntry.__table__
    tamper(table.delete().where(table.c.id == chain[2].id))
    assert audit.verify().problems == [
        f"entrée {chain[3].id} : ne suit pas l'entrée précédente "
        "(une entrée a été supprimée ou insérée)"
    ]


def test_an_inserted_row_is_detected(app, chain):
    """A forged row, hashed correctly, slipped in after the head: it cannot claim to follow
    the last entry (that link is taken), so it follows another one."""
    forged = AuditEntry(
        scheme=2,
        subject_kind="certificate",
        subject_id=1,
        action="status_changed",
        from_state="",
        to_state="",
        actor_name="Quelqu'un",
        reason="",
        detail={},
        at=datetime(2026, 1, 1),
        prev_hash=chain[1].hash,
    )
    forged.hash = audit.entry_hash(forged)
    values = {
        c.name: getattr(forged, c.name) for c in AuditEntry.__table__.columns if c.name != "id"
    }
    with pytest.raises(Exception):  # noqa: B017 — the unique link refuses a fork outright
        tamper(AuditEntry.__table__.insert().values(**values))
    values["prev_hash"] = "f" * 64  # so it follows nothing
    values["hash"] = hashlib.sha256(b"forged").hexdigest()
    tamper(AuditEntry.__table__.insert().values(**values))
    problems = audit.verify().problems
    forged_id = entries()[-1].id
    assert len(problems) == 2 and all(p.startswith(f"entrée {forged_id} :") for p in problems)


def test_a_cut_end_is_detected_against_the_anchors(app, chain):
    audit.publish()  # the head read on /journal: five entries
    db.session.commit()
    assert audit.verify().anchors_checked == 1
    table = AuditEntry.__table__
    tamper(table.delete().where(table.c.id.in_([e.id for e in chain[-3:]])))
    report = audit.verify()
    day = audit.anchors()[0].reference
    assert report.count == len(chain) - 3 and report.problems == [
        f"tête publiée le {day} : le journal comptait {len(chain)} entrées, il n'en a plus que "
        f"{len(chain) - 3} (fin du journal coupée)"
    ]
    result = app.test_cli_runner().invoke(args=["audit", "verify"])
    assert result.exit_code == 1 and "fin du journal coupée" in result.output


def test_a_rewritten_tail_is_detected_against_an_anchor_held_elsewhere(app, chain, ready, people):
    """Whoever removes the last rows, the published anchors with them, and writes a new
    tail that chains well, is caught by a head kept outside the database."""
    kept = (len(chain), chain[-1].hash)
    table = AuditEntry.__table__
    tamper(table.delete().where(table.c.id == chain[-1].id))
    audit.record(ready[0], "structure_changed", people["applicant"], detail={"n": "autre"})
    db.session.commit()
    assert audit.verify().intact  # the chain alone looks sound
    report = audit.verify([kept])
    assert report.problems == [
        f"ancre fournie ({len(chain)} entrées) : l'entrée n° {len(chain)} n'est plus celle qui "
        "a été ancrée (journal réécrit)"
    ]
    result = app.test_cli_runner().invoke(
        args=["audit", "verify", "--anchor", f"{kept[0]}:{kept[1]}"]
    )
    assert result.exit_code == 1 and "journal réécrit" in result.output
    bad = app.test_cli_runner().invoke(args=["audit", "verify", "--anchor", "cinq:abc"])
    assert bad.exit_code == 2 and "N:EMPREINTE" in bad.output


def test_the_public_page_publishes_each_new_head_once(app, chain, ready, client, people):
    page = html(client.get("/journal"))
    assert chain[-1].hash in page
    client.get("/journal")
    assert db.session.execute(db.select(db.func.count(AuditAnchor.id))).scalar_one() == 1
    audit.record(ready[0], "structure_changed", people["applicant"])
    db.session.commit()
    client.get("/journal")
    anchors = audit.anchors()
    assert [a.count for a in anchors] == [len(chain) + 1, len(chain)]


def test_the_secretariat_reads_filters_exports_and_checks_the_journal(
    app, chain, client, login, people
):
    login(people["secretariat"])
    page = html(client.get("/secretariat/journal?sujet=structure&acteur=secr"))
    assert "5 entrées correspondent" in page and "Identité de la structure modifiée" in page
    assert "0 entrées correspondent" in html(
        client.get("/secretariat/journal?acteur=personne-inconnue")
    )
    # Bad input is ignored, never an error: huge numbers, unknown actions, broken dates, NUL.
    for query in ("id=99999999999999999999", "action=drop", "du=2026-13-45", "acteur=%00x"):
        assert client.get(f"/secretariat/journal?{query}").status_code == 200
    export = client.get("/secretariat/journal.csv?sujet=structure&acteur=secr")
    csv_text = export.get_data(as_text=True)
    lines = csv_text.lstrip("\ufeff").splitlines()
    assert lines[0].startswith("numero;date_utc;sujet") and len(lines) == 6
    assert chain[-1].hash in lines[1]  # newest first
    assert "Journal intact" in html(client.get("/secretariat/journal/verification"))
    table = AuditEntry.__table__
    tamper(table.update().where(table.c.id == chain[0].id).values(actor_name="Autre"))
    page = html(client.get("/secretariat/journal/verification"))
    assert "Journal altéré : 1 problème." in page and "contenu modifié après coup" in page


# --- the migration ------------------------------------------------------------------------------


def legacy_hash(application_id, actor_id, actor_name, at, from_state, to_state, comment, prev):
    """The hash of an entry as written before the journal covered every subject."""
    payload = json.dumps(
        [application_id, actor_id, actor_name, at.isoformat(), from_state, to_state, comment, prev],
        ensure_ascii=False,
        separators=(",", ":"),
    )
    return hashlib.sha256(payload.encode()).hexdigest()


@pytest.fixture
def database_at_0011(tmp_path):
    """A new, empty database migrated to revision 0011 (before the journal)."""
    with fresh_database(tmp_path / "old.db", "cdess_mig") as url:
        app = make_app(url, tmp_path / "instance")
        with app.app_context():
            upgrade(directory=app.extensions["migrate"].directory, revision="0011")
            yield app
            db.session.remove()
            db.engine.dispose()


def test_the_migration_keeps_the_existing_chain(database_at_0011):
    app = database_at_0011
    rows, previous = [], audit.GENESIS
    steps = [("draft", "submitted", ""), ("submitted", "incomplete", "Statuts « signés »")]
    steps += [("incomplete", "submitted", ""), ("submitted", "admissible", "")]
    for n, (source, target, comment) in enumerate(steps):
        at = datetime(2026, 11, 22, 10, n, 5, 123456)
        digest = legacy_hash(7, None, "Camille Martin", at, source, target, comment, previous)
        rows.append(
            {
                "application_id": 7,
                "actor_id": None,
                "actor_name": "Camille Martin",
                "at": at,
                "from_state": source,
                "to_state": target,
                "comment": comment,
                "prev_hash": previous,
                "hash": digest,
            }
        )
        previous = digest
    with db.engine.begin() as connection:  # the old entries point to no real file: no checks
        if connection.dialect.name == "sqlite":
            connection.exec_driver_sql("PRAGMA foreign_keys=OFF")
        else:
            connection.exec_driver_sql("SET session_replication_role = replica")
        table = db.Table("audit_entry", db.MetaData(), autoload_with=connection)
        connection.execute(table.insert(), rows)
    upgrade(directory=app.extensions["migrate"].directory)
    migrated = entries()
    assert [(e.subject_kind, e.subject_id, e.scheme) for e in migrated] == [
        ("application", 7, 1)
    ] * 4
    assert [e.action for e in migrated] == [
        "submit",
        "request_complements",
        "resubmit",
        "declare_admissible",
    ]
    assert migrated[1].reason == "Statuts « signés »" and migrated[0].detail == {}
    report = audit.verify()
    assert report.intact and report.count == 4 and report.head == previous
    # New entries chain on after the old ones.
    from cdess.accounts.models import User

    user = User(email="agent@exemple.fr", display_name="Agent")
    db.session.add(user)
    db.session.flush()
    entry = audit.record(user, "account_created", user)
    db.session.commit()
    assert entry.prev_hash == previous and audit.verify().intact


# --- what each domain journals --------------------------------------------------------------------


def test_charter_signatures_accounts_structures_documents_and_checks(app, ready, people, charter):
    structure, assessment = ready
    agent, applicant = people["secretariat"], people["applicant"]
    signature = charters.active_signature(structure)
    charters.suspend_signature(signature, "Statuts non conformes", agent)
    charters.lift_suspension(signature, agent)
    charters.withdraw_signature(signature, "La structure se retire", applicant)
    member = accounts.invite("benevole@exemple.fr", "Léa Petit", {Role.council_member}, agent)
    accounts.update_user(member, agent, {Role.council_member}, True, None, voting_right=True)
    structures.update_structure(structure, {"name": "Nouveau nom", "employees": 7}, applicant)
    structures.add_member(structure, people["other"], applicant)
    structures.remove_member(structure, people["other"], applicant)
    application = new_application(structure, assessment, State.submitted, verified=False)
    document, _replaced = evidence.store(
        application, upload(), applicant, DocumentKind.other, "", "Budget"
    )
    evidence.remove(application, document, applicant)
    verification.correct(application, "GOV-07", agent, "25", "Liste du CA jointe.")
    services.set_checklist(application, set(), agent)
    db.session.commit()

    def one(action):
        (entry,) = entries(action)
        return entry

    assert one("charter_published").actor_name == "cdess"  # loaded by the application
    assert one("charter_published").detail["number"] == charter.number
    suspended, lifted, withdrawn = entries("signature_status")
    assert (suspended.to_state, suspended.reason, suspended.actor_id) == (
        "suspended",
        "Statuts non conformes",
        agent.id,
    )
    assert (lifted.from_state, lifted.to_state) == ("suspended", "active")
    assert (withdrawn.reason, withdrawn.actor_id) == ("La structure se retire", applicant.id)
    created = entries("account_created")[-1]
    assert created.actor_id == agent.id and created.detail["roles"] == ["council_member"]
    assert one("account_changed").detail == {"voting_right": [False, True]}
    assert one("structure_changed").detail == {"name": "Nouveau nom", "employees": 7}
    assert one("member_added").detail == {"member": people["other"].display_name}
    assert one("member_removed").actor_id == applicant.id
    assert one("document_added").detail["name"] == "piece.pdf"
    assert (one("document_removed").subject_id, one("document_removed").actor_id) == (
        document.id,
        applicant.id,
    )
    correction = one("answer_corrected")
    assert correction.reason == "Liste du CA jointe." and correction.detail["criterion"] == "GOV-07"
    assert one("checklist").detail == {"ticked": []}
    assert audit.verify().intact


@pytest.mark.parametrize(
    "attempt",
    [
        "transition_not_allowed",
        "transition_without_reason",
        "signature_not_active",
        "lockout",
        "structure_last_member",
    ],
)
def test_a_refused_change_leaves_no_entry(app, ready, people, attempt):
    structure, assessment = ready
    application = new_application(structure, assessment, State.submitted)
    before = count()
    calls = {
        "transition_not_allowed": lambda: services.transition(
            application, "declare_admissible", people["applicant"]
        ),
        "transition_without_reason": lambda: services.transition(
            application, "request_complements", people["secretariat"], " \x00 "
        ),
        "signature_not_active": lambda: charters.lift_suspension(
            charters.active_signature(structure), people["secretariat"]
        ),
        "lockout": lambda: accounts.update_user(
            people["secretariat"], people["secretariat"], {Role.applicant}, True, None, False
        ),
        "structure_last_member": lambda: structures.remove_member(
            structure, people["applicant"], people["applicant"]
        ),
    }
    with pytest.raises((workflow.TransitionError, ValueError)):
        calls[attempt]()
    db.session.rollback()
    assert count() == before


# --- emails after the commit ----------------------------------------------------------------------


def test_a_transition_s_emails_leave_only_once_it_is_committed(app, ready, people, outbox):
    structure, assessment = ready
    application = new_application(structure, assessment, State.submitted)
    services.transition(application, "request_complements", people["secretariat"], "PV signé")
    assert outbox() == []
    db.session.rollback()  # the change did not happen: nor did its email
    db.session.commit()
    assert outbox() == [] and application.state is State.submitted
    services.transition(application, "request_complements", people["secretariat"], "PV signé")
    db.session.commit()
    assert [m["To"] for m in outbox()] == [people["applicant"].email]


def test_a_failing_mail_server_never_undoes_a_committed_change(app, ready, people, login, client):
    structure, assessment = ready
    application = new_application(structure, assessment, State.submitted)
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=9)  # nothing listens there
    login(people["secretariat"])
    response = client.post(
        f"/candidatures/{application.id}/actions/request_complements",
        data={"comment": "PV signé"},
    )
    assert response.status_code == 302
    db.session.expire_all()
    assert application.state is State.incomplete
    kept = list((Path(app.config["OUTBOX_DIR"]) / "non-envoyes").glob("*.eml"))
    assert len(kept) == 1


def test_the_export_reads_the_journal_in_batches(app, chain):
    newest_first = [e.id for e in reversed(chain)]
    assert [e.id for e in audit.each(audit.Filters(), batch=2)] == newest_first
    assert [e.id for e in audit.each(audit.Filters(), batch=len(chain))] == newest_first
