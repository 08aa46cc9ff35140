"""`flask reminders` runs the follow-ups' calendar and says what it did: twice the same day,
or after a missed week, nothing is sent twice. The queue's query count does not grow with it."""

from datetime import timedelta

from cdess.extensions import db
from cdess.followups import services
from tests.factories import statements
from tests.followups.conftest import ANNIVERSARY


def _remind(app, day):
    result = app.test_cli_runner().invoke(args=["reminders", "--today", day.isoformat()])
    assert result.exit_code == 0, result.output
    return result.output


def test_the_command_twice_a_day_then_after_a_missed_week(app, label, outbox):
    label()
    day = ANNIVERSARY - timedelta(days=60)
    first = _remind(app, day)
    assert (
        "Suivis annuels ouverts : 1 ; rappels envoyés : 1 ; en retard : 0 ; "
        "signalés au secrétariat : 0." in first
    )
    again = _remind(app, day)
    assert "Suivis annuels ouverts : 0 ; rappels envoyés : 0" in again
    assert len(outbox()) == 1
    # A week without the command around the 30-day reminder: it is sent once, late.
    assert "rappels envoyés : 1" in _remind(app, ANNIVERSARY - timedelta(days=23))
    assert "rappels envoyés : 0" in _remind(app, ANNIVERSARY - timedelta(days=22))
    assert len(outbox()) == 2


def test_the_queue_reads_a_bounded_number_of_statements(app, client, login, label, people):
    login(people["secretariat"])

    def count() -> int:
        db.session.commit()  # each page read as a new request reads it: nothing kept
        with statements() as seen:
            assert client.get("/secretariat/suivis").status_code == 200
        return len(seen)

    for n in range(2):
        label(name=f"Structure suivie {n}")
    services.run(ANNIVERSARY)
    count()  # the tests' session keeps what a first page loaded of the signed-in user
    few = count()
    for n in range(2, 8):
        label(name=f"Structure suivie {n}")
    services.run(ANNIVERSARY)
    more = count()
    assert more == few, (few, more)
