"""No user input gives a 500: the public and applicant forms fuzzed through the test client.

In testing mode an exception in a view propagates, so any crash fails the test."""

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cdess.accounts.models import Role
from cdess.extensions import db

FUZZ = settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
# Text including control characters, RTL marks, NUL, SQL and HTML fragments.
nasty = st.one_of(
    st.text(max_size=300),
    st.sampled_from(
        [
            "' OR 1=1 --",
            "<script>alert(1)</script>",
            "\x00",
            "é" * 5000,
            "%00",
            "../../etc/passwd",
            "W" + "9" * 9,
            "35600000000001",
            "-1",
            "1e309",
            "NaN",
            "62041",
            "Arras (62000)",
        ]
    ),
)
OK = {200, 302, 400, 413}


def form_data(fields):
    return st.fixed_dictionaries({name: nasty for name in fields})


@FUZZ
@given(data=form_data(["display_name", "email", "password", "confirm"]))
def test_register_never_crashes(client, data):
    assert client.post("/compte/inscription", data=data).status_code in OK


@FUZZ
@given(data=form_data(["email", "password", "remember"]), next_=nasty)
def test_login_never_crashes(client, data, next_):
    assert (
        client.post("/compte/connexion", query_string={"next": next_}, data=data).status_code in OK
    )


@FUZZ
@given(
    data=form_data(["email"]),
    token=st.text(
        alphabet=st.characters(blacklist_categories=["Cs"], blacklist_characters="/?#"),
        min_size=1,
        max_size=200,
    ),
)
def test_password_reset_never_crashes(client, data, token):
    assert client.post("/compte/mot-de-passe-oublie", data=data).status_code in OK
    assert client.get(f"/compte/reinitialiser/{token}").status_code in OK | {404}
    assert client.get(f"/compte/confirmer/{token}").status_code in OK | {404}


@FUZZ
@given(query=nasty)
def test_commune_search_never_crashes(client, query):
    assert client.get("/territoires/communes", query_string={"q": query}).status_code == 200


@pytest.fixture
def signed_in(app, client, create_user, login):
    user = create_user(Role.applicant, roles={Role.applicant, Role.secretariat})
    login(user)
    return user


@FUZZ
@given(
    data=form_data(
        [
            "name",
            "siret",
            "siren",
            "rna",
            "legal_form",
            "family",
            "address",
            "commune",
            "employees",
            "year_founded",
            "website",
        ]
    )
)
def test_structure_form_never_crashes(client, signed_in, data):
    response = client.post("/structures/nouvelle", data=data)
    assert response.status_code in OK
    db.session.rollback()


@FUZZ
@given(
    args=st.fixed_dictionaries(
        {"q": nasty, "epci": nasty, "family": nasty, "commune": nasty, "page": nasty}
    )
)
def test_structure_list_filters_never_crash(client, signed_in, args):
    assert client.get("/structures/", query_string=args).status_code == 200
