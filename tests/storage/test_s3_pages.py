"""The application with its files on S3 (a real SeaweedFS server): an applicant's evidence
uploaded and downloaded back through the pages, the secretariat's download, the health check,
`flask init-db` creating the bucket, `flask storage check`, a backup of the objects."""

import io
import json

import pytest
from botocore.exceptions import ClientError

from cdess.applications import evidence, services
from cdess.applications.models import Document
from cdess.extensions import db
from cdess.ops import backup as backups
from cdess.storage import storage
from tests.factories import PDF
from tests.s3server import s3_settings

BUCKET = "cdess-pages"


@pytest.fixture
def app_config(s3_endpoint):
    return s3_settings(s3_endpoint, BUCKET)


@pytest.fixture
def bucket(app):
    """The bucket, emptied (it outlives a test, unlike a test's UPLOAD_DIR)."""
    files = storage()
    files.prepare()
    for page in files.client.get_paginator("list_objects_v2").paginate(Bucket=BUCKET):
        for item in page.get("Contents", []):
            files.client.delete_object(Bucket=BUCKET, Key=item["Key"])
    return files


@pytest.fixture
def draft(bucket, ready, people, client, login):
    structure, assessment = ready
    application = services.create(structure, people["applicant"])
    services.attach_assessment(application, assessment)
    db.session.commit()
    login(people["applicant"])
    return application


def upload(client, application, content: bytes = PDF, name: str = "Statuts signés.pdf"):
    response = client.post(
        f"/candidatures/{application.id}/pieces",
        data={"slot": "statutes", "file": (io.BytesIO(content), name)},
    )
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    db.session.expire_all()
    return db.session.execute(db.select(Document)).scalar_one()


def test_evidence_goes_to_the_bucket_and_comes_back(app, client, draft, bucket, tmp_path):
    content = PDF + b"%" + bytes(range(256)) * 40  # binary bytes, kept as they are
    document = upload(client, draft, content)
    assert bucket.exists(document.stored_name)
    assert not (tmp_path / "uploads").exists()  # nothing on this server's disk

    response = client.get(f"/candidatures/{draft.id}/pieces/{document.id}")
    assert response.status_code == 200
    assert response.data == content
    assert response.headers["Content-Type"] == "application/pdf"
    assert response.headers["Content-Length"] == str(len(content))
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith("attachment;") and "Statuts%20sign%C3%A9s.pdf" in disposition
    assert "no-cache" in response.headers["Cache-Control"]
    response.close()


def test_the_secretariat_downloads_it_too_and_a_lost_object_is_404(
    app, client, draft, bucket, people, login
):
    document = upload(client, draft)
    login(people["secretariat"])
    url = f"/candidatures/{draft.id}/pieces/{document.id}"
    response = client.get(url)
    assert response.status_code == 200 and response.data == PDF
    response.close()
    bucket.delete(document.stored_name)
    assert client.get(url).status_code == 404


def test_a_replaced_file_is_deleted_from_the_bucket(app, client, draft, bucket):
    first = upload(client, draft).stored_name
    second = upload(client, draft, PDF + b"% v2").stored_name
    assert second != first
    assert bucket.exists(second) and not bucket.exists(first)


def test_the_health_check_heads_the_bucket(app, client, bucket):
    assert client.get("/healthz").json["checks"]["storage"] == "ok"
    app.config["S3_SECRET_ACCESS_KEY"] = "not-the-secret"
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json["checks"]["storage"] == "failed"


def test_init_db_creates_the_bucket_or_says_why_not(app, s3_endpoint):
    app.config["S3_BUCKET"] = "cdess-created-by-init-db"
    with pytest.raises(ClientError, match="NoSuchBucket"):
        storage().keys("")
    storage().prepare()
    storage().client.head_bucket(Bucket="cdess-created-by-init-db")

    app.config["S3_ENDPOINT_URL"] = "http://127.0.0.1:9"  # nothing listens there
    result = app.test_cli_runner().invoke(args=["init-db"])
    assert result.exit_code == 1
    assert "Stockage S3 inutilisable (http://127.0.0.1:9" in result.output


def test_storage_check_on_the_bucket(app, client, draft, bucket):
    document = upload(client, draft)
    orphan = "ab" * 16
    bucket.put(orphan, io.BytesIO(b"orphan"))
    bucket.put("suivis/" + "cd" * 16, io.BytesIO(b"orphan of a follow-up"))
    report = evidence.check_storage()
    assert report["orphan_files"] == [orphan] and report["missing_files"] == []
    assert evidence.check_storage(fix=True)["removed"] == [orphan]
    assert bucket.exists(document.stored_name) and not bucket.exists(orphan)

    bucket.delete(document.stored_name)
    result = app.test_cli_runner().invoke(args=["storage", "check", "--fix"])
    assert result.exit_code == 1  # a row without its file is left to see to
    assert document.stored_name in result.output
    assert not bucket.keys("suivis")


def test_a_backup_copies_the_objects(app, client, draft, bucket, tmp_path):
    document = upload(client, draft)
    bucket.put("signalements/" + "ef" * 16, io.BytesIO(b"%PDF- report"))
    manifest = backups.backup(tmp_path / "sauvegarde")
    assert (tmp_path / "sauvegarde/uploads" / document.stored_name).read_bytes() == PDF
    assert f"uploads/signalements/{'ef' * 16}" in manifest["files"]
    assert json.loads((tmp_path / "sauvegarde/manifest.json").read_text()) == manifest
