"""The session pages through the test client: planning, the members' space, the live page
and its cheap refresh, votes from members' own sessions, crafted requests, the minutes."""

from datetime import date, datetime, time, timedelta

from cdess.applications.models import State
from cdess.extensions import db
from cdess.sessions.models import CouncilSession, SessionStatus, VoteStatus
from tests.factories import html


def as_user(client, login, user):
    client.post("/compte/deconnexion")
    login(user)


def test_planning_pages(app, client, login, council, files):
    login(council["secretariat"])
    assert "Aucune séance" in html(client.get("/seances"))
    day = date.today() + timedelta(days=40)
    bad = client.post(
        "/seances",
        data={
            "day": day.isoformat(),
            "start": "14:00",
            "deadline": (day + timedelta(1)).isoformat(),
        },
    )
    assert bad.status_code == 400 and "doit précéder la séance" in html(bad)
    bad = client.post("/seances", data={"day": "32/13/2027", "start": "9h", "deadline": ""})
    assert bad.status_code == 400 and "Saisissez une date valide." in html(bad)
    response = client.post(
        "/seances",
        data={
            "day": day.isoformat(),
            "start": "09:30",
            "deadline": (day - timedelta(20)).isoformat(),
            "place": "Arras",
        },
    )
    session = db.session.execute(db.select(CouncilSession)).scalar_one()
    assert response.headers["Location"].endswith(f"/seances/{session.id}")
    assert session.starts_at.hour == 9 and session.starts_at.minute == 30
    page = html(client.get(f"/seances/{session.id}"))
    assert "Candidatures recevables proposées" in page and files[0].structure.name in page
    client.post(f"/seances/{session.id}/ordre-du-jour", data={"application_id": files[0].id})
    db.session.expire_all()
    assert files[0].state is State.scheduled and len(session.items) == 1
    item = session.items[0]
    client.post(
        f"/seances/points/{item.id}/rapporteur", data={"rapporteur_id": council["members"][0].id}
    )
    client.post(f"/seances/points/{item.id}/scrutin", data={"secret": "1"})
    db.session.expire_all()
    assert item.rapporteur_id == council["members"][0].id and item.secret
    # The calendar adds the two sessions of a year once.
    client.post("/seances/calendrier", data={"year": "2031"})
    client.post("/seances/calendrier", data={"year": "2031"})
    assert db.session.execute(db.select(db.func.count(CouncilSession.id))).scalar() == 3
    # The rules: a bad quorum is refused next to its field.
    bad = client.post(
        "/secretariat/reglement", data={"quorum_percent": "150", "max_proxies_held": "1"}
    )
    assert bad.status_code == 400 and "Entre 1 et 100." in html(bad)
    client.post(
        "/secretariat/reglement",
        data={"quorum_percent": "60", "max_proxies_held": "1", "proxies_allowed": "y"},
    )
    assert "60" in html(client.get("/secretariat/reglement"))


def on_its_day(session):
    """The session takes place today: the fixture plans it a month ahead."""
    from cdess.sessions import live

    day = live.local_date()
    session.starts_at = datetime.combine(day, time(14))
    session.deadline = day - timedelta(days=20)
    db.session.commit()


def run_to_convened(client, login, council, files, planned):
    from cdess.sessions import services

    for application in files[:2]:
        services.add_item(planned, application, council["secretariat"])
    for item in planned.items:
        services.assign_rapporteur(item, council["members"][0])
    db.session.commit()
    login(council["secretariat"])
    client.post(f"/seances/{planned.id}/convocation")
    db.session.expire_all()
    assert planned.status is SessionStatus.convened
    return planned.items


def run_to_open(client, login, council, files, planned):
    items = run_to_convened(client, login, council, files, planned)
    on_its_day(planned)
    client.post(
        f"/seances/{planned.id}/ouverture", data={"secretary_id": council["secretariat"].id}
    )
    db.session.expire_all()
    assert planned.status is SessionStatus.open
    return items


def test_a_session_in_the_browsers_of_its_members(
    app, client, login, council, files, planned, outbox
):
    items = run_to_open(client, login, council, files, planned)
    assert any(m["Subject"].startswith("Convocation") for m in outbox())
    members, president = council["members"], council["president"]
    # Members read the file (and its evidence) and declare conflicts in their space.
    as_user(client, login, members[3])
    page = html(client.get(f"/conseil/seances/{planned.id}"))
    assert files[0].structure.name in page and "Déclarer un conflit d'intérêts" in page
    item_page = html(client.get(f"/conseil/points/{items[0].id}"))
    document = files[0].documents[0]
    assert f"/candidatures/{files[0].id}/pieces/{document.id}" in item_page
    download = client.get(f"/candidatures/{files[0].id}/pieces/{document.id}")
    assert download.status_code == 200
    download.close()
    client.post(f"/conseil/points/{items[1].id}/conflit", data={"reason": "Bénévole"})
    # A member cannot give a proxy to themself.
    client.post(f"/conseil/seances/{planned.id}/pouvoir", data={"holder_id": members[3].id})
    db.session.expire_all()
    assert planned.proxies == []
    # Members check themselves in; the president opens the vote.
    for member in (members[0], members[1], members[2], members[3]):
        as_user(client, login, member)
        client.post(f"/seances/{planned.id}/presence")
    as_user(client, login, president)
    live_page = html(client.get(f"/seances/{planned.id}/direct"))
    assert "Quorum atteint." in live_page
    client.post(f"/seances/points/{items[0].id}/ouverture-vote")
    db.session.expire_all()
    assert items[0].vote_status is VoteStatus.open
    # Each member votes from their own session.
    for member, choice in zip(members[:4], ["pour", "pour", "contre", "abstention"], strict=True):
        as_user(client, login, member)
        page = html(client.get(f"/seances/{planned.id}/direct"))
        assert "Mon vote" in page
        client.post(f"/seances/points/{items[0].id}/vote", data={"choice": choice})
    # Crafted: voting for someone else, voting twice into a closed vote, a bad choice.
    response = client.post(
        f"/seances/points/{items[0].id}/vote", data={"choice": "pour", "member_id": members[0].id}
    )
    assert "ne pouvez pas voter pour ce membre" in html(client.get(f"/seances/{planned.id}/direct"))
    assert (
        client.post(f"/seances/points/{items[0].id}/vote", data={"choice": "oui"}).status_code
        == 400
    )
    as_user(client, login, council["consultative"])
    assert (
        client.post(f"/seances/points/{items[0].id}/vote", data={"choice": "pour"}).status_code
        == 403
    )
    # Deciding from the application page is not possible: the council votes.
    as_user(client, login, council["secretariat"])
    assert client.post(f"/candidatures/{files[0].id}/actions/grant").status_code == 403
    client.post(f"/seances/points/{items[0].id}/cloture-vote")
    db.session.expire_all()
    assert items[0].vote_status is VoteStatus.closed and files[0].state is State.granted
    assert items[0].result["counts"] == {"pour": 2, "contre": 1, "abstention": 1}
    decision = [m for m in outbox() if m["Subject"].startswith("Décision du conseil")]
    assert len(decision) == 1
    # The second item: member 3 is recused; vote closed with nobody voting → deferred.
    client.post(f"/seances/points/{items[1].id}/ouverture-vote")
    client.post(f"/seances/points/{items[1].id}/cloture-vote", data={"confirm": "1"})
    client.post(f"/seances/{planned.id}/cloture")
    db.session.expire_all()
    assert planned.status is SessionStatus.closed and files[1].state is State.deferred
    pdf = client.get(f"/seances/{planned.id}/proces-verbal.pdf")
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF-")
    assert pdf.data == planned.minutes_pdf
    del response


def test_live_refresh_is_a_cheap_304(app, client, login, council, files, planned):
    items = run_to_open(client, login, council, files, planned)
    url = f"/seances/{planned.id}/direct/etat"
    first = client.get(url)
    assert first.status_code == 200 and first.headers["ETag"]
    again = client.get(url, headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304 and again.data == b""
    client.post(f"/seances/{planned.id}/presence", data={"member_id": council["members"][0].id})
    changed = client.get(url, headers={"If-None-Match": first.headers["ETag"]})
    assert changed.status_code == 200 and "1 membre(s) présent(s)" in html(changed)
    assert 'data-live-summary="Séance ouverte, 1 présent(s).' in html(changed)  # screen readers
    del items


def test_proxies_and_conflicts_reach_the_live_screens(app, client, login, council, files, planned):
    """A proxy or a conflict changes quorum and ballots: the live panel must not answer 304."""
    items = run_to_open(client, login, council, files, planned)
    url = f"/seances/{planned.id}/direct/etat"
    giver, holder = council["members"][1], council["members"][2]
    # The session is open: a proxy goes only to a member present.
    client.post(f"/seances/{planned.id}/presence", data={"member_id": holder.id})
    as_user(client, login, giver)
    steps = [
        (f"/conseil/seances/{planned.id}/pouvoir", {"holder_id": holder.id}),
        (f"/conseil/seances/{planned.id}/pouvoir", {"withdraw": "1"}),
        (f"/conseil/points/{items[0].id}/conflit", {"reason": "Je siège à son bureau."}),
        (f"/conseil/points/{items[0].id}/conflit", {"withdraw": "1"}),
    ]
    etag = client.get(url).headers["ETag"]
    for action, form in steps:
        assert client.post(action, data=form).status_code == 302
        response = client.get(url, headers={"If-None-Match": etag})
        assert response.status_code == 200, action
        etag = response.headers["ETag"]


# --- files that leave the agenda, and other crafted requests ------------------------------------


def test_a_scheduled_file_withdrawn_before_the_session_leaves_the_agenda(
    app, client, login, council, files, planned, people
):
    from cdess.sessions import services

    for application in files[:2]:
        services.add_item(planned, application, council["secretariat"])
    db.session.commit()
    login(people["applicant"])
    client.post(f"/candidatures/{files[0].id}/actions/withdraw")
    db.session.expire_all()
    assert files[0].state is State.withdrawn
    assert [(i.position, i.application_id) for i in planned.items] == [(1, files[1].id)]
    # The session can still be cancelled: its remaining file is proposed again.
    as_user(client, login, council["secretariat"])
    client.post(f"/seances/{planned.id}/annulation")
    db.session.expire_all()
    assert planned.status is SessionStatus.cancelled and files[1].state is State.admissible


def test_once_the_session_is_open_a_file_cannot_be_withdrawn(
    app, client, login, council, files, planned, people
):
    items = run_to_open(client, login, council, files, planned)
    as_user(client, login, people["applicant"])
    page = html(client.post(f"/candidatures/{files[0].id}/actions/withdraw", follow_redirects=True))
    assert "La séance a commencé : le dossier ne peut plus être retiré." in page
    db.session.expire_all()
    assert files[0].state is State.scheduled and items[0] in planned.items


def test_the_agenda_is_changed_only_from_the_session(app, client, login, council, files, planned):
    from cdess.sessions import services

    services.add_item(planned, files[0], council["secretariat"])
    db.session.commit()
    login(council["secretariat"])
    page = html(client.get(f"/candidatures/{files[0].id}"))
    assert "Retirer de l'ordre du jour" not in page
    assert "Inscrire à l'ordre du jour" not in html(client.get(f"/candidatures/{files[1].id}"))
    for application, action in ((files[0], "unschedule"), (files[1], "schedule")):
        response = client.post(
            f"/candidatures/{application.id}/actions/{action}", data={"comment": "x"}
        )
        assert response.status_code == 403
    db.session.expire_all()
    assert files[0].state is State.scheduled and files[1].state is State.admissible


def test_a_deciding_vote_without_a_tie_is_not_recorded(app, client, login, council, files, planned):
    items = run_to_open(client, login, council, files, planned)
    for member in council["members"][:4]:
        client.post(f"/seances/{planned.id}/presence", data={"member_id": member.id})
    client.post(f"/seances/{planned.id}/presence", data={"member_id": council["president"].id})
    client.post(f"/seances/points/{items[0].id}/ouverture-vote")
    for member, choice in zip(council["members"][:3], ["pour", "pour", "contre"], strict=True):
        as_user(client, login, member)
        client.post(f"/seances/points/{items[0].id}/vote", data={"choice": choice})
    as_user(client, login, council["president"])
    client.post(
        f"/seances/points/{items[0].id}/cloture-vote", data={"casting": "contre", "confirm": "1"}
    )
    db.session.expire_all()
    assert items[0].vote_status is VoteStatus.closed and files[0].state is State.granted
    assert items[0].casting_vote is None


def test_nul_characters_and_long_links_are_refused_cleanly(
    app, client, login, council, files, planned
):
    from cdess.sessions import services

    services.add_item(planned, files[0], council["secretariat"])
    db.session.commit()
    login(council["members"][1])
    item = planned.items[0]
    client.post(f"/conseil/points/{item.id}/conflit", data={"reason": "a\x00b"})
    db.session.expire_all()
    assert [c.reason for c in item.conflicts if c.user_id == council["members"][1].id] == ["ab"]
    assert client.get("/verification/AB%00CD").status_code == 404
    assert client.get("/certificats/AB%00CD.pdf").status_code == 404
    as_user(client, login, council["secretariat"])
    day = date.today() + timedelta(days=40)
    response = client.post(
        "/seances",
        data={
            "day": day.isoformat(),
            "start": "14:00",
            "deadline": (day - timedelta(days=20)).isoformat(),
            "video_link": "https://visio.example.fr/" + "a" * 600,
        },
    )
    assert response.status_code == 400
    assert "L'adresse ne doit pas dépasser 500 caractères." in html(response)


# --- the live session's refusals, in French ---------------------------------------------------


def flashed(client, response) -> str:
    """The page a refused (or done) action redirects to, with its message."""
    assert response.status_code == 302, response.status_code
    return html(client.get(response.headers["Location"]))


def test_a_session_opens_on_its_day_with_its_secretary(app, client, login, council, files, planned):
    run_to_convened(client, login, council, files, planned)
    secretariat, president = council["secretariat"], council["president"]
    url = f"/seances/{planned.id}/ouverture"
    page = html(client.get(f"/seances/{planned.id}/direct"))
    assert '<label for="secretary_id">Secrétaire de séance</label>' in page
    assert f'<option value="{secretariat.id}" selected>' in page  # the agent opening it
    assert f'<option value="{president.id}"' not in page
    # A month ahead: refused, and the message says the day.
    page = flashed(client, client.post(url, data={"secretary_id": secretariat.id}))
    day = planned.starts_at.strftime("%d/%m/%Y")
    assert f"Cette séance ne s'ouvre que le jour prévu, le {day} : nous sommes le " in page
    on_its_day(planned)
    page = flashed(client, client.post(url, data={"secretary_id": ""}))
    assert "Choisissez le secrétaire de séance." in page
    page = flashed(client, client.post(url, data={"secretary_id": president.id}))
    assert "autre que le président" in page
    assert client.post(url, data={"secretary_id": 999999}).status_code == 400
    db.session.expire_all()
    assert planned.status is SessionStatus.convened
    page = flashed(client, client.post(url, data={"secretary_id": council["members"][1].id}))
    assert "Séance ouverte." in page
    assert f"secrétaire de séance : {council['members'][1].display_name}" in page
    db.session.expire_all()
    assert planned.secretary_id == council["members"][1].id


def test_a_vote_without_quorum_is_not_closed_but_annulled(
    app, client, login, council, files, planned
):
    items = run_to_open(client, login, council, files, planned)
    members = council["members"]
    presence = f"/seances/{planned.id}/presence"
    for member in members[:3]:
        client.post(presence, data={"member_id": member.id})
    client.post(f"/seances/points/{items[0].id}/ouverture-vote")
    as_user(client, login, members[0])
    client.post(f"/seances/points/{items[0].id}/vote", data={"choice": "pour"})
    as_user(client, login, council["president"])
    annul = f"/seances/points/{items[0].id}/annulation-vote"
    page = flashed(client, client.post(annul))
    assert "Le quorum est atteint : clôturez le vote." in page
    assert "Annuler le vote" not in page
    client.post(presence, data={"member_id": members[1].id, "leave": "1"})
    page = html(client.get(f"/seances/{planned.id}/direct"))
    assert "Quorum perdu depuis l'ouverture du vote : le vote ne peut pas être clos." in page
    assert f"Ont quitté la séance : {members[1].display_name}." in page
    assert "À l'ouverture du vote : 3 présents ou représentés, 3 requis." in page
    page = flashed(client, client.post(f"/seances/points/{items[0].id}/cloture-vote"))
    assert "Quorum perdu : le vote ne peut pas être clos." in page
    assert f"depuis l'ouverture du vote : {members[1].display_name}." in page
    db.session.expire_all()
    assert items[0].vote_status is VoteStatus.open and files[0].state is State.scheduled
    page = flashed(client, client.post(annul))
    assert "Vote annulé, faute de quorum" in page
    assert f"Ouvrir le vote sur « {files[0].structure.name} »" in page
    db.session.expire_all()
    assert items[0].vote_status is VoteStatus.pending and items[0].votes == []
    assert [a.by_id for a in items[0].annulments] == [council["president"].id]


def test_proxies_in_an_open_session_and_inactive_ones(app, client, login, council, files, planned):
    members = council["members"]
    run_to_convened(client, login, council, files, planned)
    # Given beforehand to a member who will not come.
    as_user(client, login, members[4])
    client.post(f"/conseil/seances/{planned.id}/pouvoir", data={"holder_id": members[3].id})
    page = html(client.get(f"/conseil/seances/{planned.id}"))
    assert f"Vous avez donné pouvoir à {members[3].display_name}." in page
    assert "inactif" not in page  # not before the session opens
    as_user(client, login, council["secretariat"])
    on_its_day(planned)
    client.post(
        f"/seances/{planned.id}/ouverture", data={"secretary_id": council["secretariat"].id}
    )
    client.post(f"/seances/{planned.id}/presence", data={"member_id": members[1].id})
    panel = html(client.get(f"/seances/{planned.id}/direct"))
    assert "Pouvoirs donnés pour la séance et leur état" in panel
    assert f"inactif</strong> — {members[3].display_name} n'est pas venu(e) à la séance" in panel
    # Its giver sees it inactive; in the open session a proxy goes to a member present only.
    as_user(client, login, members[4])
    page = html(client.get(f"/conseil/seances/{planned.id}"))
    assert f"Pouvoir inactif : {members[3].display_name} n'est pas venu(e)" in page
    as_user(client, login, members[2])
    page = html(client.get(f"/conseil/seances/{planned.id}"))
    assert "La séance est ouverte : un pouvoir ne se donne qu'à un membre présent." in page
    assert f'<option value="{members[1].id}">' in page
    assert f'<option value="{members[3].id}">' not in page
    page = flashed(
        client,
        client.post(f"/conseil/seances/{planned.id}/pouvoir", data={"holder_id": members[3].id}),
    )
    assert "La séance est ouverte : un pouvoir ne se donne qu'à un membre présent" in page
    page = flashed(
        client,
        client.post(f"/conseil/seances/{planned.id}/pouvoir", data={"holder_id": members[1].id}),
    )
    assert f"Pouvoir donné à {members[1].display_name}." in page
    db.session.expire_all()
    assert {p.giver_id: p.holder_id for p in planned.proxies} == {
        members[4].id: members[3].id,
        members[2].id: members[1].id,
    }
