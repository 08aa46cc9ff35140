"""/healthz: what the load balancer asks (the database, the upload folder, the mail outbox),
answered without a session or a login, never rate-limited."""

import pytest


def test_healthy_instance_answers_200_with_each_check(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json == {
        "status": "ok",
        "checks": {"database": "ok", "storage": "ok", "mail": "ok"},
    }
    assert "Set-Cookie" not in response.headers  # no session opened
    assert response.headers["Cache-Control"] == "no-store"


def test_the_probe_leaves_no_file_behind(app, client, tmp_path):
    assert client.get("/healthz").status_code == 200
    assert list((tmp_path / "uploads").iterdir()) == []
    assert list((tmp_path / "outbox").iterdir()) == []


def test_an_upload_folder_that_cannot_be_written_gives_503(app, client, tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    app.config["UPLOAD_DIR"] = str(blocker)
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json["status"] == "failed"
    assert response.json["checks"] == {"database": "ok", "storage": "failed", "mail": "ok"}
    assert "a-file" not in response.get_data(as_text=True)  # the reason goes to the log only


def test_an_outbox_that_cannot_be_written_gives_503(app, client, tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    app.config["OUTBOX_DIR"] = str(blocker / "outbox")
    assert client.get("/healthz").json["checks"]["mail"] == "failed"


@pytest.mark.parametrize(
    ("settings", "healthy"),
    [
        ({"MAIL_SERVER": "smtp.exemple.fr"}, True),
        ({"MAIL_SERVER": "smtp.exemple.fr", "MAIL_FROM": ""}, False),
        ({"MAIL_SERVER": "smtp.exemple.fr", "MAIL_USERNAME": "cdess"}, False),
        ({"MAIL_SERVER": "smtp.exemple.fr", "MAIL_USERNAME": "cdess", "MAIL_PASSWORD": "x"}, True),
    ],
)
def test_with_smtp_only_the_settings_are_checked(app, client, tmp_path, settings, healthy):
    # The outbox is not used with a server: an unwritable one does not matter.
    app.config["OUTBOX_DIR"] = str(tmp_path / "missing" / "\0")
    app.config.update(settings)
    response = client.get("/healthz")
    assert response.json["checks"]["mail"] == ("ok" if healthy else "failed")
    assert response.status_code == (200 if healthy else 503)


def test_an_unreachable_database_gives_503(app, client, monkeypatch):
    from cdess.extensions import db

    def broken():
        raise OSError("connection refused")

    monkeypatch.setattr(db.engine, "connect", broken)
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json["checks"]["database"] == "failed"


@pytest.mark.parametrize(
    "app_config", [{"RATELIMIT_ENABLED": True, "RATELIMIT_DEFAULT": "3 per minute"}]
)
def test_never_rate_limited(client):
    # Under a limit on every route that /sante runs into, /healthz still answers.
    assert [client.get("/sante").status_code for _ in range(4)][-1] == 429
    for _ in range(20):
        assert client.get("/healthz").status_code == 200
