"""The room's speed (issue 20): the live panel costs a bounded number of SQL statements whatever
the agenda's length, and a member's version (ETag) changes only when what that member sees
changes — not on each ballot of the others, which only the presiding view counts."""

from cdess.applications.models import Application, State
from cdess.extensions import db
from cdess.sessions import live
from cdess.sessions.models import AgendaItem, VoteStatus
from tests.factories import html, statements
from tests.sessions.test_views import as_user, run_to_open

PANEL_STATEMENTS = 12  # a member's or the president's panel, a vote open, any agenda (6 and 11)
BALLOT_STATEMENTS = 12  # a member's ballot answered with its form (11 on SQLite, 12 on PostgreSQL)


def lengthen_agenda(session, create_structure, owner, to: int) -> None:
    """Files up to `to` items, written straight to the agenda (its rules are not the point)."""
    position = max(i.position for i in session.items)
    while len(session.items) < to:
        position += 1
        structure = create_structure(owner=owner, name=f"Structure {position}")
        application = Application(structure_id=structure.id, state=State.scheduled)
        db.session.add(application)
        db.session.flush()
        session.items.append(AgendaItem(application_id=application.id, position=position))
    db.session.commit()


def panel_cost(app, client, url: str) -> int:
    """The statements of one panel, read in its own application context: a request of the
    test client would otherwise share the test's session and find its objects already loaded."""
    with app.app_context(), statements() as seen:
        response = client.get(url)
    assert response.status_code == 200
    return len(seen)


def test_the_panel_costs_the_same_for_3_and_30_items(
    app, client, login, council, files, planned, create_structure, people
):
    items = run_to_open(client, login, council, files, planned)
    members, president = council["members"], council["president"]
    for member in members:
        client.post(f"/seances/{planned.id}/presence", data={"member_id": member.id})
    as_user(client, login, president)
    client.post(f"/seances/points/{items[0].id}/ouverture-vote")
    as_user(client, login, members[0])
    client.post(f"/seances/points/{items[0].id}/vote", data={"choice": "pour"})
    url = f"/seances/{planned.id}/direct/etat"
    costs = {}
    db.session.expire_all()
    for length in (3, 30):
        lengthen_agenda(planned, create_structure, people["other"], length)
        for user in (members[0], president):
            as_user(client, login, user)
            costs[length, user.id] = panel_cost(app, client, url)
    for user in (members[0], president):
        short, long = costs[3, user.id], costs[30, user.id]
        assert long == short, f"the panel grows with the agenda: {short} → {long} statements"
        assert short <= PANEL_STATEMENTS, f"{short} statements for one panel"
    page = html(client.get(url))
    assert "Structure 30" in page and "Bulletins reçus : 1." in page


def test_a_members_version_changes_only_with_what_they_see(
    app, client, login, council, files, planned
):
    items = run_to_open(client, login, council, files, planned)
    members, president = council["members"], council["president"]
    for member in members:
        client.post(f"/seances/{planned.id}/presence", data={"member_id": member.id})
    url = f"/seances/{planned.id}/direct/etat"
    watcher, other = members[0], members[1]

    def version(user) -> str:
        as_user(client, login, user)
        return client.get(url).headers["ETag"]

    def vote(user, item, choice="pour"):
        as_user(client, login, user)
        response = client.post(f"/seances/points/{item.id}/vote", data={"choice": choice})
        assert response.status_code == 302

    before = version(watcher)
    as_user(client, login, president)
    client.post(f"/seances/points/{items[0].id}/ouverture-vote")
    opened, presiding = version(watcher), version(president)
    assert opened != before, "the vote's opening is seen"
    vote(other, items[0])
    assert version(watcher) == opened, "another member's ballot changes nothing for a member"
    counted = version(president)
    assert counted != presiding, "the presiding view counts the ballots"
    vote(other, items[0], "contre")  # a change of mind: the count stays, the tally moves
    assert version(watcher) == opened and version(president) != counted
    vote(watcher, items[0])
    own = version(watcher)
    assert own != opened, "one's own ballot is seen"
    as_user(client, login, watcher)
    assert client.get(url, headers={"If-None-Match": own}).status_code == 304
    assert "Vote enregistré : pour." in html(client.get(url))
    as_user(client, login, president)
    # Ballots are missing: the close is confirmed (the president's screen asks first).
    client.post(f"/seances/points/{items[0].id}/cloture-vote", data={"confirm": "1"})
    db.session.expire_all()
    assert items[0].vote_status is VoteStatus.closed
    assert version(watcher) != own, "the vote's close is seen"


def open_with_a_proxy(client, login, council, files, planned):
    """Everyone present but the second member, who gave their proxy to the third; the first
    item's vote open; signed in as the holder. (items, giver, holder)."""
    items = run_to_open(client, login, council, files, planned)
    members, president = council["members"], council["president"]
    giver, holder = members[1], members[2]
    for member in [m for m in members if m is not giver]:
        client.post(f"/seances/{planned.id}/presence", data={"member_id": member.id})
    as_user(client, login, giver)
    given = client.post(f"/conseil/seances/{planned.id}/pouvoir", data={"holder_id": holder.id})
    assert given.status_code == 302
    as_user(client, login, president)
    client.post(f"/seances/points/{items[0].id}/ouverture-vote")
    as_user(client, login, holder)
    return items, giver, holder


def test_a_proxy_holders_version_follows_the_ballot_they_hold(
    app, client, login, council, files, planned
):
    """The member whose ballot one holds: cast, it changes the holder's panel."""
    items, giver, holder = open_with_a_proxy(client, login, council, files, planned)
    url = f"/seances/{planned.id}/direct/etat"
    first = client.get(url).headers["ETag"]
    assert giver.id in live.ballots_of(items[0], holder)
    client.post(
        f"/seances/points/{items[0].id}/vote", data={"choice": "contre", "member_id": giver.id}
    )
    assert client.get(url, headers={"If-None-Match": first}).status_code == 200


def test_a_ballot_from_a_script_answers_with_the_panel(app, client, login, council, files, planned):
    """fetch() asks for the panel fragment: no redirect, no whole page; without it, as before."""
    items = run_to_open(client, login, council, files, planned)
    members, president = council["members"], council["president"]
    for member in members:
        client.post(f"/seances/{planned.id}/presence", data={"member_id": member.id})
    as_user(client, login, president)
    client.post(f"/seances/points/{items[0].id}/ouverture-vote")
    as_user(client, login, members[0])
    response = client.post(
        f"/seances/points/{items[0].id}/vote",
        data={"choice": "pour"},
        headers={"X-Requested-With": "fetch"},
    )
    assert response.status_code == 200 and response.headers["ETag"]
    panel = html(response)
    assert "<html" not in panel and "Vote enregistré : pour." in panel
    assert 'aria-pressed="true"' in panel
    refused = client.post(
        f"/seances/points/{items[0].id}/vote",
        data={"choice": "pour", "member_id": members[1].id},
        headers={"X-Requested-With": "fetch"},
    )
    assert refused.status_code == 409 and "ne pouvez pas voter pour ce membre" in html(refused)
    plain = client.post(f"/seances/points/{items[0].id}/vote", data={"choice": "contre"})
    assert plain.status_code == 302 and plain.headers["Location"].endswith("#vote-titre")


def open_with_everyone_present(client, login, council, files, planned):
    items = run_to_open(client, login, council, files, planned)
    for member in council["members"]:
        client.post(f"/seances/{planned.id}/presence", data={"member_id": member.id})
    as_user(client, login, council["president"])
    client.post(f"/seances/points/{items[0].id}/ouverture-vote")
    return items


def scripted_ballot(client, item, choice: str, shown: str, **form):
    return client.post(
        f"/seances/points/{item.id}/vote",
        data={"choice": choice, **form},
        headers={"X-Requested-With": "fetch", "X-Live-Version": shown.strip('W/"')},
    )


def test_a_ballot_is_answered_with_its_form_when_nothing_else_changed(
    app, client, login, council, files, planned
):
    """The answer is the ballot's form alone, exactly as the panel of the version it names draws
    it: swapped into the panel shown, the panel is that version's, and the next refresh is a
    304. In a bounded number of statements."""
    items = open_with_everyone_present(client, login, council, files, planned)
    member = council["members"][0]
    as_user(client, login, member)
    url = f"/seances/{planned.id}/direct/etat"
    shown = client.get(url).headers["ETag"]
    with app.app_context(), statements() as seen:
        answer = scripted_ballot(client, items[0], "contre", shown)
    assert answer.status_code == 200
    assert len(seen) <= BALLOT_STATEMENTS, f"{len(seen)} statements for one ballot"
    fragment = html(answer)
    assert "data-live-summary" not in fragment, "not the whole panel"
    assert f'data-live-ballot="{member.id}"' in fragment
    assert "Vote enregistré : contre." in fragment and 'aria-pressed="true"' in fragment
    version = answer.headers["ETag"]
    assert version != shown
    assert client.get(url, headers={"If-None-Match": version}).status_code == 304
    panel = client.get(url)
    assert panel.headers["ETag"] == version
    form = fragment[fragment.index("<form") : fragment.index("</form>") + 7]
    assert form in html(panel), "the form answered is the one the panel draws"
    # A change of mind: the same, with the new choice pressed.
    again = scripted_ballot(client, items[0], "pour", version)
    assert "data-live-summary" not in html(again) and "Vote enregistré : pour." in html(again)


def test_a_ballot_is_answered_with_the_whole_panel_when_more_changed(
    app, client, login, council, files, planned
):
    """Something else changed since the panel shown (a member left: the revision moved), the
    script sent no version, or the voter presides: the whole panel, with its version."""
    items = open_with_everyone_present(client, login, council, files, planned)
    members = council["members"]
    as_user(client, login, members[0])
    url = f"/seances/{planned.id}/direct/etat"
    shown = client.get(url).headers["ETag"]
    as_user(client, login, members[3])
    client.post(f"/seances/{planned.id}/presence", data={"leave": "1"})
    as_user(client, login, members[0])
    moved = scripted_ballot(client, items[0], "pour", shown)
    assert moved.status_code == 200 and "data-live-summary" in html(moved)
    assert "Vote enregistré : pour." in html(moved)
    assert client.get(url, headers={"If-None-Match": moved.headers["ETag"]}).status_code == 304
    as_user(client, login, members[1])
    unnamed = scripted_ballot(client, items[0], "pour", "")
    assert "data-live-summary" in html(unnamed)
    as_user(client, login, council["president"])
    shown = client.get(url).headers["ETag"]
    presiding = scripted_ballot(client, items[0], "pour", shown)
    assert "data-live-summary" in html(presiding) and "Bulletins reçus" in html(presiding)


def test_a_proxy_holder_gets_the_whole_panel(app, client, login, council, files, planned):
    """Holding a proxy, one's panel has two ballot forms: the answer is the whole panel."""
    items, _giver, _holder = open_with_a_proxy(client, login, council, files, planned)
    shown = client.get(f"/seances/{planned.id}/direct/etat").headers["ETag"]
    answer = scripted_ballot(client, items[0], "pour", shown)
    assert "data-live-summary" in html(answer)
    assert html(answer).count("data-live-ballot=") == 2
