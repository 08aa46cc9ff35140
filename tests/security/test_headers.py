"""Every response names no server software nor version (it used to say `Werkzeug/… Python/…`):
pages, redirects, error pages, files, downloads."""

import pytest

from cdess.web import SERVER


@pytest.mark.parametrize(
    ("path", "status"),
    [
        ("/", 200),
        ("/registre", 200),
        ("/registre.csv", 200),
        ("/static/css/cdess.css", 200),
        ("/secretariat/candidatures", 302),  # to the login page
        ("/nulle-part", 404),
        ("/candidatures/99999999999999999999", 404),
    ],
)
def test_the_server_header_names_no_software(client, path, status):
    with client.get(path) as response:  # a file's response holds it open until closed
        assert response.status_code == status
        assert response.headers.getlist("Server") == [SERVER]
    assert not any(c.isdigit() for c in SERVER) and "werkzeug" not in SERVER.lower()


def test_the_development_server_names_no_version(app):
    """`flask run` sends its own Server line: the product's name only."""
    import threading
    import urllib.request

    from werkzeug.serving import make_server

    server = make_server("127.0.0.1", 0, app)
    thread = threading.Thread(target=server.handle_request)
    thread.start()
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{server.port}/sante") as response:
            lines = response.headers.get_all("Server")
    finally:
        thread.join(5)
        server.server_close()
    assert lines and all(line.strip() == SERVER for line in lines)
