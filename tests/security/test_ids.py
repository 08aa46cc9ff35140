"""Every route that takes an id answers a number too large for the database with a 404 (a
405 where another route has that address), never a 500 from an overflow in the driver. The
routes are read from the application: a new one is covered without a new line here."""

import pytest

from cdess.web.urls import MAX_ID

HUGE = "99999999999999999999"


def int_routes(app):
    from cdess.web.urls import RowId

    for rule in app.url_map.iter_rules():
        names = [n for n, converter in rule._converters.items() if isinstance(converter, RowId)]
        if names:
            for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
                yield method, rule, names


def test_every_id_route_refuses_a_huge_number_cleanly(app, client, login, people):
    login(people["secretariat"])
    routes = list(int_routes(app))
    assert len(routes) > 50  # the routes of every domain are here
    for method, rule, names in routes:
        for value in (HUGE, str(MAX_ID + 1)):
            path = rule.rule
            for name in names:
                path = path.replace(f"<int:{name}>", value)
            response = client.open(path, method=method)
            assert response.status_code in (404, 405), (method, path, response.status_code)


@pytest.mark.parametrize("path", ["/candidatures/2147483647", "/seances/2147483647"])
def test_the_largest_id_is_an_ordinary_unknown_one(client, login, people, path):
    login(people["secretariat"])
    assert client.get(path).status_code == 404
