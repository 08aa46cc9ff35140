"""A session's life in the journal: planning, agenda, reports, conflicts, proxies,
convocation, attendance, votes (a secret one names no choice), the decisions they make,
the close with its minutes printing the journal's head."""

import io
from datetime import datetime, time, timedelta
from pathlib import Path

from pypdf import PdfReader

from cdess.audit import services as audit
from cdess.audit.models import AuditEntry
from cdess.extensions import db
from cdess.sessions import live, services
from cdess.sessions.models import Choice, Opinion


def journal() -> list[AuditEntry]:
    return list(db.session.execute(db.select(AuditEntry).order_by(AuditEntry.id)).scalars())


def test_a_session_s_life_is_journalled_with_who_and_why(app, planned, files, council):
    agent, president, members = council["secretariat"], council["president"], council["members"]
    before = len(journal())
    services.update_session(
        planned, planned.starts_at + timedelta(hours=1), planned.deadline, "Arras", "", agent
    )
    items = [services.add_item(planned, application, agent) for application in files[:2]]
    for item in items:
        services.assign_rapporteur(item, members[0], agent)
    services.write_report(items[0], members[0], "Dossier solide.", Opinion.favourable)
    services.set_ballot(items[1], True, agent)
    services.declare_conflict(items[0], members[4], "Salarié de la structure")
    services.withdraw_conflict(items[0], members[4])
    services.give_proxy(planned, members[4], members[3])
    live.convene(planned, agent)
    day = live.local_date()
    planned.starts_at = datetime.combine(day, time(14))
    planned.deadline = day - timedelta(days=20)
    live.open_session(planned, agent)
    for member in (president, *members[:4]):
        live.check_in(planned, member, agent)
    live.open_vote(items[0], president)
    live.cast(items[0], members[0], members[0].id, Choice.pour)
    live.cast(items[0], members[3], members[4].id, Choice.contre)  # the proxy's ballot
    live.cast(items[0], members[1], members[1].id, Choice.pour)
    live.close_vote(items[0], president)
    live.open_vote(items[1], president)
    for member in members[:3]:
        live.cast(items[1], member, member.id, Choice.pour)
    live.close_vote(items[1], president)
    live.check_out(planned, members[3], members[3])
    live.close_session(planned, president)
    db.session.commit()

    entries = journal()[before:]
    seen = [(e.subject_kind, e.action, e.actor_name) for e in entries]
    expected = [
        ("session", "session_changed", agent.display_name),
        ("application", "schedule", agent.display_name),
        ("agenda_item", "item_added", agent.display_name),
        ("agenda_item", "rapporteur_assigned", agent.display_name),
        ("agenda_item", "report_written", members[0].display_name),
        ("agenda_item", "ballot_mode", agent.display_name),
        ("agenda_item", "conflict_declared", members[4].display_name),
        ("agenda_item", "conflict_withdrawn", members[4].display_name),
        ("session", "proxy_given", members[4].display_name),
        ("session", "session_convened", agent.display_name),
        ("session", "session_opened", agent.display_name),
        ("session", "member_arrived", agent.display_name),
        ("agenda_item", "vote_opened", president.display_name),
        ("agenda_item", "ballot_cast", members[3].display_name),
        ("agenda_item", "vote_closed", president.display_name),
        ("application", "grant", president.display_name),
        ("session", "member_left", members[3].display_name),
        ("session", "session_closed", president.display_name),
    ]
    for row in expected:
        assert row in seen, row
    by_action = {}
    for entry in entries:
        by_action.setdefault(entry.action, []).append(entry)
    (conflict,) = by_action["conflict_declared"]
    assert conflict.reason == "Salarié de la structure"
    assert by_action["proxy_given"][0].detail == {"holder": members[3].display_name}
    assert by_action["session_opened"][0].detail["secretary"] == agent.display_name
    # Open ballots keep their choice; a secret one only says that the member voted.
    open_ballots = [e for e in by_action["ballot_cast"] if e.subject_id == items[0].id]
    assert {e.detail["member"]: e.detail["choice"] for e in open_ballots} == {
        members[0].display_name: "pour",
        members[4].display_name: "contre",
        members[1].display_name: "pour",
    }
    secret_ballots = [e for e in by_action["ballot_cast"] if e.subject_id == items[1].id]
    assert len(secret_ballots) == 3 and all(set(e.detail) == {"member"} for e in secret_ballots)
    closed = {e.subject_id: e for e in by_action["vote_closed"]}
    assert closed[items[0].id].detail["counts"] == {"pour": 2, "contre": 1, "abstention": 0}
    assert closed[items[0].id].reason == items[0].result["explanation"]
    (grant,) = [e for e in by_action["grant"] if e.subject_id == files[0].id]
    assert grant.reason == items[0].result["explanation"] and grant.to_state == "granted"
    # The minutes print the head after the close; it is an anchor that verify checks.
    text = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(planned.minutes_pdf)).pages)
    closing = by_action["session_closed"][0]
    assert closing.hash in text.replace("\n", "")
    (anchor,) = [a for a in audit.anchors() if a.source == "minutes"]
    assert anchor.reference == str(planned.id) and anchor.head == closing.hash
    report = audit.verify()
    assert report.intact and report.anchors_checked >= 1


def test_a_secret_vote_s_write_order_is_not_kept(app):
    """After a secret vote SQLite's write-ahead log is emptied into the database (and
    deleted pages are overwritten): the order of receipts and counters is gone."""
    if db.engine.dialect.name != "sqlite":
        return  # PostgreSQL's WAL: docs/journal.md
    with db.engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA secure_delete").scalar() == 1
    services.create_session(datetime(2030, 5, 20, 14), datetime(2030, 3, 31).date())
    db.session.commit()
    wal = Path(db.engine.url.database + "-wal")
    assert wal.stat().st_size > 0  # the writes wait in the log…
    live.forget_write_order()
    assert not wal.exists() or wal.stat().st_size == 0
