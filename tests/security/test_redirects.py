"""After login, only a path on this site: the address is judged as the browser will read it
(control characters refused first), and a line break in it is never a 500."""

import pytest

from tests.factories import PASSWORD


@pytest.mark.parametrize(
    ("target", "expected"),
    [
        ("/%09/evil.example/", "/"),  # the browser drops the tab: //evil.example/
        ("/%0A/evil.example/", "/"),
        ("/%0D%0ASet-Cookie:%20x=1", "/"),  # was a 500
        ("%09//evil.example", "/"),
        ("/%7F/evil.example", "/"),
        ("https:/evil.example", "/"),
        ("/candidatures/1?onglet=pieces", "/candidatures/1?onglet=pieces"),
    ],
)
def test_login_sends_back_only_to_a_path_of_this_site(client, create_user, target, expected):
    user = create_user()
    response = client.post(
        f"/compte/connexion?next={target}", data={"email": user.email, "password": PASSWORD}
    )
    assert response.status_code == 302 and response.headers["Location"] == expected


def test_production_tells_browsers_to_stay_on_https(app, client):
    assert "Strict-Transport-Security" not in client.get("/sante").headers
    app.config["PRODUCTION"] = True
    header = client.get("/sante").headers["Strict-Transport-Security"]
    assert header == "max-age=31536000; includeSubDomains"
