"""A session's votes exported (CSV and Excel) by whoever presides: an open vote gives who voted
what, a secret ballot only its totals — no row, no cell links a member to a secret choice."""

import codecs
import contextvars
import csv
import io
from datetime import datetime, time, timedelta

import openpyxl

from cdess.extensions import db
from cdess.sessions import live, services
from cdess.sessions.models import Choice
from tests.factories import html

HEADER = [
    "N° du point",
    "Objet",
    "Scrutin",
    "Membre",
    "Voté par",
    "Choix",
    "Voix",
    "Bulletin",
    "Décision",
]


def voted_session(planned, files, council):
    """Two files on the agenda of a session held today, the second by secret ballot. The open
    vote: three members from their device, one for the member whose proxy they hold, one
    ballot entered by the secretariat (3 pour, 1 contre, 1 abstention). The secret ballot: the
    president, who did not vote on the first, and three members (2 pour, 1 contre,
    1 abstention)."""
    president, members, agent = council["president"], council["members"], council["secretariat"]
    for application in files[:2]:
        services.add_item(planned, application, agent)
    for item in planned.items:
        services.assign_rapporteur(item, council["consultative"])
    services.set_ballot(planned.items[1], True)
    live.convene(planned, agent)
    day = live.local_date()
    planned.starts_at = datetime.combine(day, time(14))
    planned.deadline = day - timedelta(days=20)
    services.give_proxy(planned, members[4], members[3])
    live.open_session(planned, agent)
    for member in (president, *members[:4]):
        live.check_in(planned, member)
    db.session.commit()
    first, second = planned.items
    live.open_vote(first, agent)
    live.cast(first, members[0], members[0].id, Choice.pour)
    live.cast(first, members[1], members[1].id, Choice.contre)
    live.cast(first, members[3], members[3].id, Choice.pour)
    live.cast(first, members[3], members[4].id, Choice.pour)  # with the proxy
    live.enter_ballot(first, members[2].id, Choice.abstention, agent)
    live.close_vote(first, agent)
    db.session.commit()
    live.open_vote(second, agent)
    for voter, choice in zip(
        (president, *members[:3]),
        (Choice.pour, Choice.contre, Choice.pour, Choice.abstention),
        strict=True,
    ):
        live.cast(second, voter, voter.id, choice)
        db.session.commit()
    live.close_vote(second, agent)
    db.session.commit()
    return first, second


def test_open_votes_say_who_voted_what_secret_ballots_only_totals(
    app, client, login, planned, files, council
):
    first, second = voted_session(planned, files, council)
    members, president = council["members"], council["president"]
    name = {m.id: m.display_name for m in members}
    open_rows = sorted(
        [
            [name[members[0].id], "", "pour", "1", ""],
            [name[members[1].id], "", "contre", "1", ""],
            [name[members[2].id], "", "abstention", "1", "saisi par le secrétariat"],
            [name[members[3].id], "", "pour", "1", ""],
            [name[members[4].id], name[members[3].id], "pour", "1", ""],
        ]
    )
    expected = [HEADER]
    for cells in open_rows:
        member, by, choice, votes, entered = cells
        expected.append(
            ["1", first.subject, "public", member, by, choice, votes, entered, "label attribué"]
        )
    for choice, votes in (("pour", "2"), ("contre", "1"), ("abstention", "1")):
        expected.append(
            ["2", second.subject, "secret", "", "", choice, votes, "", "label attribué"]
        )

    login(president)
    response = client.get(f"/seances/{planned.id}/votes.csv")
    assert response.status_code == 200 and response.data.startswith(codecs.BOM_UTF8)
    text = response.data.decode("utf-8-sig")
    assert list(csv.reader(io.StringIO(text, newline=""), delimiter=";")) == expected
    # The president voted only by secret ballot: their name is nowhere.
    assert president.display_name not in text

    response = client.get(f"/seances/{planned.id}/votes.xlsx")
    assert response.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(response.data)).active
    rows = [["" if v is None else str(v) for v in row] for row in sheet.iter_rows(values_only=True)]
    assert rows == expected
    assert president.display_name not in str(rows)
    assert (
        f'filename="votes-seance-{planned.starts_at:%Y-%m-%d}-'
        in response.headers["Content-Disposition"]
    )


def test_a_secret_ballot_export_never_reads_its_choices(
    app, client, login, planned, files, council
):
    """Even if a member's choice were (wrongly) kept with a secret ballot's result, the export
    would not show it: it reads a secret ballot's totals only."""
    _first, second = voted_session(planned, files, council)
    second.result = {
        **second.result,
        "votes": [{"member": "Fuite", "cast_by": "Fuite", "choice": "pour"}],
    }
    db.session.commit()
    login(council["secretariat"])
    assert "Fuite" not in client.get(f"/seances/{planned.id}/votes.csv").data.decode("utf-8-sig")


def test_only_closed_votes_are_exported_and_the_pages_link_to_them(
    app, client, login, planned, files, council
):
    login(council["secretariat"])
    page = html(client.get(f"/seances/{planned.id}"))
    assert "votes.csv" not in page  # nothing voted yet: no link
    text = client.get(f"/seances/{planned.id}/votes.csv").data.decode("utf-8-sig")
    assert text == ";".join(HEADER) + "\r\n"

    voted_session(planned, files, council)
    for url in (f"/seances/{planned.id}", f"/conseil/seances/{planned.id}"):
        page = html(client.get(url))
        assert f'href="/seances/{planned.id}/votes.csv" download>Exporter (CSV)' in page, url
        assert f'href="/seances/{planned.id}/votes.xlsx" download>Exporter (Excel)' in page, url
    # A member reads the session's page, without the link (and cannot export).
    client.post("/compte/deconnexion")
    login(council["members"][0])
    assert "votes.csv" not in html(client.get(f"/conseil/seances/{planned.id}"))
    assert client.get(f"/seances/{planned.id}/votes.csv").status_code == 403


def test_the_streamed_export_reads_after_the_request_ended(
    app, client, login, planned, files, council
):
    """As a server runs it: no application context around the request (the test's own is left
    aside), so that its end removes the database session before the streamed body is read."""
    voted_session(planned, files, council)
    login(council["secretariat"])
    url = f"/seances/{planned.id}/votes.csv"
    body = contextvars.Context().run(lambda: client.get(url).get_data())
    assert body.decode("utf-8-sig").count("\r\n") == 1 + 5 + 3
