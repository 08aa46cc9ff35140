"""The live page on a phone (issue 20), 390×844: a member votes from their phone in the demo's
session (opened, everyone present, the first vote open — set up through the services on this
file's own server, so that the other journeys find the demo as it was). The page has no
horizontal scroll, the results table is stacked, the chosen choice is pressed and said in
words after the vote, and voting does not send the page back to its top; axe-core clean at
that width."""

import subprocess
import sys

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import LIVE_POLL_MS

PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}
LIVE = 8_000  # ms: the live page asks for news every two seconds

# Open the demo's session of today, everyone present, the first vote open (by the president).
OPEN_ROOM = """
from cdess import create_app
from cdess.accounts.models import User
from cdess.extensions import db
from cdess.sessions import live, services
from cdess.sessions.models import CouncilSession, SessionStatus

app = create_app()
with app.app_context():
    session = db.session.execute(
        db.select(CouncilSession).filter_by(status=SessionStatus.convened)
        .order_by(CouncilSession.starts_at)
    ).scalars().first()
    president = services.president()
    secretary = db.session.execute(
        db.select(User).filter_by(email="secretariat@demo.cdess.test")
    ).scalar_one()
    live.open_session(session, president, secretary=secretary)
    for member in services.voting_members():
        live.check_in(session, member, president)
    item = next(i for i in session.items if i.kind.voted and not i.secret)
    live.open_vote(item, president)
    db.session.commit()
    print(session.id)
"""


@pytest.fixture(scope="module")
def server(own_server):
    """This file's own demo server: the room it opens is not the one test_council.py runs."""
    return own_server


def open_room(server) -> int:
    result = subprocess.run(
        [sys.executable, "-c", OPEN_ROOM],
        env=server.env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return int(result.stdout.strip().splitlines()[-1])


def no_horizontal_scroll(page) -> None:
    widths = page.evaluate(
        "() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]"
    )
    assert widths[0] <= widths[1], f"the page scrolls sideways: {widths}"


def test_a_member_votes_from_a_phone(journey, server):
    session_id = open_room(server)
    j = journey("live-phone", **PHONE)
    page = j.page
    j.login("membre02@demo.cdess.test")
    j.goto(f"/seances/{session_id}/direct")
    expect(page.get_by_role("heading", name="Vote en cours — point 1", exact=False)).to_be_visible()
    no_horizontal_scroll(page)
    results = page.get_by_role("table", name="Points de l'ordre du jour et résultats des votes")
    assert results.bounding_box()["width"] <= 390
    j.check("direct telephone")

    # The member scrolls to the vote and votes: the page stays where it is.
    ballot = page.get_by_role("group", name="Mon vote")
    ballot.scroll_into_view_if_needed()
    before = page.evaluate("window.scrollY")
    assert before > 0
    ballot.get_by_role("button", name="Pour", exact=True).click()
    expect(ballot.get_by_text("Vote enregistré : pour.")).to_be_visible()
    chosen = ballot.get_by_role("button", name="Pour", exact=True)
    expect(chosen).to_have_attribute("aria-pressed", "true")
    expect(ballot.get_by_role("button", name="Contre", exact=True)).to_have_attribute(
        "aria-pressed", "false"
    )
    expect(chosen).to_be_focused()  # the keyboard's place is kept
    assert abs(page.evaluate("window.scrollY") - before) < 50, "the page jumped"
    assert "#" not in page.url, "no reload: the ballot was sent by the page's script"
    expect(page.locator("#direct-annonce")).to_have_text("Vote enregistré : pour.")
    no_horizontal_scroll(page)
    j.check("direct telephone apres vote")

    # A change of mind, then the refresh keeps the choice shown (its version is the ballot's).
    ballot.get_by_role("button", name="Contre", exact=True).click()
    expect(ballot.get_by_text("Vote enregistré : contre.")).to_be_visible()
    page.wait_for_timeout(LIVE_POLL_MS + 500)  # a refresh passes: nothing to replace
    expect(ballot.get_by_role("button", name="Contre", exact=True)).to_have_attribute(
        "aria-pressed", "true"
    )
    j.check("direct telephone vote change")
