"""Batch issue of a session's certificates (issue 20): the click issues them, then a page (post/
redirect/get) says how many, lists their numbers and structures, links the ZIP and shows the
« à délivrer » list as it now is; clicking again issues nothing and says why."""

import io
import re
import zipfile
from datetime import date

from cdess.accounts.models import Role
from cdess.certificates.models import Certificate
from cdess.extensions import db
from tests.factories import html


def _issued() -> list[Certificate]:
    return list(db.session.execute(db.select(Certificate).order_by(Certificate.id)).scalars())


def test_the_click_issues_then_the_page_lists_them_with_the_archive(
    client, login, closed_session, grant, people
):
    waiting_elsewhere = grant(name="Épicerie solidaire de Lens")  # granted outside the session
    login(people["secretariat"])
    url = f"/seances/{closed_session.id}/certificats"
    response = client.post(url)
    assert response.status_code == 302
    certificates = _issued()
    assert len(certificates) == 2
    batch = ",".join(str(c.id) for c in certificates)
    assert response.location.endswith(f"{url}?lot={batch}")
    page = html(client.get(response.location))
    year = date.today().year
    assert "2 certificats viennent d'être délivrés</h2>" in page  # this batch
    assert "2 certificats délivrés pour cette séance</h2>" in page  # all of the session's
    for position, certificate in enumerate(certificates, 1):
        assert certificate.number == f"CDESS-62-{year}-{position:04d}"
        assert f"{certificate.number}</a> — Structure votée {position}</li>" in page
        row = re.search(rf"{certificate.number}</a></th>\s*<td>([^<]+)</td>", page)
        assert row and row.group(1) == f"Structure votée {position}"
    assert page.count("ce lot</strong>") == 2
    # Without the batch in the address (a later visit), the same list, no batch announced.
    later = html(client.get(url))
    assert "viennent d'être délivrés" not in later and "ce lot</strong>" not in later
    assert "2 certificats délivrés pour cette séance</h2>" in later
    # A hand-made address shows only certificates of this session, whatever else it says.
    odd = client.get(f"{url}?lot={certificates[0].id},x,-1,{'9' * 5000}")
    assert odd.status_code == 200
    assert "1 certificat vient d'être délivré</h2>" in html(odd)
    assert f'href="{url}.zip"' in page and "Télécharger les 2 certificats" in page
    archive = zipfile.ZipFile(io.BytesIO(client.get(f"{url}.zip").data))
    assert archive.namelist() == [f"{c.number}.pdf" for c in certificates]
    # The « à délivrer » list as it is now: the session's files gone, the other one still there.
    assert "Délivrer tous les certificats de la séance" not in page
    assert "Structure votée 1</a></th>" not in page
    assert f'/candidatures/{waiting_elsewhere.id}">Épicerie solidaire de Lens</a></th>' in page


def test_a_second_click_issues_nothing_and_says_so(client, login, closed_session, people, outbox):
    login(people["secretariat"])
    url = f"/seances/{closed_session.id}/certificats"
    client.post(url)
    numbers, mails = [c.number for c in _issued()], len(outbox())
    again = client.post(url)
    assert again.status_code == 302 and again.location.endswith(url)
    page = html(client.get(url))
    assert "Aucun dossier de cette séance n'attend son certificat." in page
    assert "vient d'être délivré" not in page and "viennent d'être délivrés" not in page
    assert [c.number for c in _issued()] == numbers and len(outbox()) == mails
    assert all(number in page for number in numbers)  # what was issued the first time


def test_before_any_issue_the_page_says_none_and_offers_the_batch(
    client, login, closed_session, people
):
    login(people["secretariat"])
    page = html(client.get(f"/seances/{closed_session.id}/certificats"))
    assert "Aucun certificat n'a encore été délivré pour cette séance." in page
    assert ".zip" not in page
    assert "Délivrer tous les certificats de la séance du 20 mai 2026" in page


def test_the_page_is_the_secretariats(client, login, closed_session, people):
    url = f"/seances/{closed_session.id}/certificats"
    for role in ("applicant", "member", "president"):
        login(people[role])
        assert client.get(url).status_code == 403
        assert client.post(url).status_code == 403
    assert _issued() == []


def test_the_certificate_page_forms_have_distinct_ids(client, login, certificate, create_user):
    # A president who also works at the secretariat sees both forms with a reason box.
    both = create_user(Role.secretariat, roles={Role.secretariat, Role.president})
    login(both)
    page = html(client.get(f"/certificats/{certificate.number}"))
    assert 'for="urgent-reason"' in page and 'for="reissue-reason"' in page
    ids = re.findall(r'\bid="([^"]+)"', page)
    assert len(ids) == len(set(ids)), sorted(i for i in ids if ids.count(i) > 1)


def test_a_refused_reissue_shows_its_error_next_to_its_own_box(client, login, certificate, people):
    login(people["secretariat"])
    response = client.post(f"/certificats/{certificate.number}/reedition", data={"reason": ""})
    page = html(response)
    assert response.status_code == 400
    assert 'id="reissue-reason-erreur"' in page and 'for="reissue-reason"' in page
    assert len(re.findall(r'\bid="reissue-reason"', page)) == 1
