"""A certificate's Open Badges 3.0 credential: issued with it, embedded in its PDF, valid
against the OB 3.0 schema, verified by a second library (PyJWT) with the published keys, its
status in the published lists, and what our own verification says of a changed, revoked or
suspended one, and of one signed by a revoked key."""

import io
import json
from datetime import date
from pathlib import Path

import jsonschema
import jwt
import pytest
from pypdf import PdfReader

import cdess.credentials
from cdess.certificates import services as certificates
from cdess.certificates.models import CertificateStatus as Status
from cdess.credentials import keys, services, statuslist
from cdess.extensions import db
from tests.factories import council_vote

SCHEMA = json.loads(
    (
        Path(cdess.credentials.__file__).parent
        / "schemas"
        / "ob_v3p0_achievementcredential_schema.json"
    ).read_text()
)
VALIDATOR = jsonschema.Draft201909Validator(
    SCHEMA, format_checker=jsonschema.Draft201909Validator.FORMAT_CHECKER
)


def _token(certificate) -> str:
    return services.credential_of(certificate).token


def _payload(token: str) -> dict:
    return json.loads(keys.unb64url(token.split(".")[1]))


def _with_payload(token: str, payload: dict) -> str:
    head, _body, signature = token.split(".")
    return f"{head}.{keys.b64url(json.dumps(payload).encode())}.{signature}"


def test_an_issued_certificate_carries_a_credential_any_verifier_accepts(
    app, certificate, published, client, login, people
):
    token = _token(certificate)
    # Embedded in the PDF (PDF/A-3 allows attached files): the same bytes.
    attached = PdfReader(io.BytesIO(certificate.pdf)).attachments
    assert attached["open-badge-credential.jwt"] == [token.encode()]
    # A second, well-known library verifies it with the key the JWKS publishes under its kid.
    issuer = app.config["BASE_URL"] + "/"
    payload = jwt.decode(token, published.key_of(token), algorithms=["EdDSA"], issuer=issuer)
    assert not [error.message for error in VALIDATOR.iter_errors(payload)]
    assert payload["type"] == ["VerifiableCredential", "OpenBadgeCredential"]
    assert payload["@context"][0] == "https://www.w3.org/ns/credentials/v2"
    assert payload["issuer"]["id"] == issuer and payload["issuer"]["type"] == ["Profile"]
    assert payload["id"] == payload["jti"] == certificate.snapshot["verification_url"]
    subject = payload["credentialSubject"]
    assert subject["type"] == ["AchievementSubject"]
    identities = {i["identityType"]: i["identityHash"] for i in subject["identifier"]}
    assert identities["name"] == "Recyclerie du Ternois"
    assert identities["ext:SIREN"] == certificate.structure.siren
    achievement = subject["achievement"]
    assert achievement["name"] == "Label ESS — Charte départementale"
    assert "(version 1)" in achievement["criteria"]["narrative"] and achievement["version"] == "1"
    assert payload["validFrom"] == f"{certificate.valid_from}T00:00:00Z"
    assert payload["validUntil"] == f"{certificate.valid_until}T23:59:59Z"
    status = payload["credentialStatus"]
    assert status["type"] == "BitstringStatusListEntry"
    assert status["statusPurpose"] == "revocation"
    assert int(status["statusListIndex"]) == certificate.status_index
    assert (
        status["statusListCredential"] == f"{app.config['BASE_URL']}/credentials/status/revocation"
    )
    found = services.verify_credential(token)
    assert found.ok and found.number == certificate.number, found.message
    # The structure downloads the same bytes, from « Mon label ».
    login(people["applicant"])
    page = client.get("/structures/mon-label", follow_redirects=True).get_data(as_text=True)
    assert f'href="/certificats/{certificate.number}/credential.jwt"' in page
    response = client.get(f"/certificats/{certificate.number}/credential.jwt")
    assert response.status_code == 200 and response.mimetype == "application/vc+jwt"
    assert response.get_data(as_text=True) == token


def test_the_schema_refuses_a_credential_that_is_not_an_open_badge(certificate):
    payload = _payload(_token(certificate))
    assert VALIDATOR.is_valid(payload)
    assert not VALIDATOR.is_valid({**payload, "type": ["VerifiableCredential"]})
    subject = {**payload["credentialSubject"], "achievement": {"name": "x"}}
    assert not VALIDATOR.is_valid({**payload, "credentialSubject": subject})
    assert not VALIDATOR.is_valid({k: v for k, v in payload.items() if k != "validFrom"})


def test_a_changed_field_is_detected(certificate, published):
    token = _token(certificate)
    payload = _payload(token)
    longer = {**payload, "validUntil": "2099-12-31T23:59:59Z"}
    forged = _with_payload(token, longer)
    with pytest.raises(jwt.InvalidSignatureError):
        jwt.decode(forged, published.key_of(token), algorithms=["EdDSA"])
    assert services.verify_credential(forged).code == "bad_signature"
    # As JSON (no signature to check), it is compared with what was issued.
    assert services.verify_credential(json.dumps(payload)).code == "valid"
    assert services.verify_credential(json.dumps(longer)).code == "altered"
    # Signed by another key under our kid; not a token; a kid that is not ours.
    other = keys.sign(payload, keys.generate(), jwt.get_unverified_header(token)["kid"])
    assert services.verify_credential(other).code == "bad_signature"
    assert services.verify_credential("n'importe quoi").code == "malformed"
    assert services.verify_credential(keys.sign(payload, keys.generate(), "x")).code == (
        "unknown_key"
    )
    unknown = {**payload, "id": "https://ailleurs.example/verification/CDESS-62-1999-0001"}
    assert services.verify_credential(unknown).code == "unknown"


def test_suspension_and_revocation_flip_the_published_bits(certificate, published, people):
    index = certificate.status_index
    assert statuslist.bit(published.bits("revocation"), index) == 0
    assert statuslist.bit(published.bits("suspension"), index) == 0
    secretariat = people["secretariat"]
    certificates.change_status(
        certificate, "suspend", secretariat, "Comptes non déposés", item=council_vote(certificate)
    )
    db.session.commit()
    assert statuslist.bit(published.bits("suspension"), index) == 1
    assert statuslist.bit(published.bits("revocation"), index) == 0
    assert services.verify_credential(_token(certificate)).code == "suspended"
    certificates.change_status(
        certificate, "revoke", secretariat, "Manquement", item=council_vote(certificate)
    )
    db.session.commit()
    assert certificate.status is Status.revoked
    assert statuslist.bit(published.bits("revocation"), index) == 1
    assert statuslist.bit(published.bits("suspension"), index) == 0
    assert services.verify_credential(_token(certificate)).code == "revoked"
    # Only this certificate's bit: the list says nothing of the others.
    assert sum(bin(byte).count("1") for byte in published.bits("revocation")) == 1


def test_a_change_hidden_behind_the_version_shows_within_the_minute(
    certificate, published, monkeypatch
):
    """Two transactions committing in the other order than their `updated_at`: the later
    change keeps the version the lists were drawn under. They are drawn again after
    STATUS_SECONDS all the same."""
    from cdess.certificates.models import Certificate

    index = certificate.status_index
    assert statuslist.bit(published.bits("suspension"), index) == 0
    db.session.execute(  # the status changed, `updated_at` (the version) as it was
        db.update(Certificate)
        .filter_by(id=certificate.id)
        .values(status=Status.suspended, updated_at=certificate.updated_at)
    )
    db.session.commit()
    assert statuslist.bit(published.bits("suspension"), index) == 0  # hidden, for now
    later = services.time.monotonic() + services.STATUS_SECONDS + 1
    monkeypatch.setattr(services.time, "monotonic", lambda: later)
    assert statuslist.bit(published.bits("suspension"), index) == 1


def test_the_status_lists_are_public_signed_and_kept_briefly(client, certificate):
    response = client.get("/credentials/status/revocation")
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert response.headers["Cache-Control"] == "public, max-age=60"
    assert response.mimetype == "application/vc+jwt"
    assert client.get("/credentials/status/message").status_code == 404


def test_key_rotation_keeps_old_credentials_and_a_revoked_key_says_so(
    app, certificate, published, people
):
    old_token = _token(certificate)
    old_kid = services.current_key().kid
    new = services.new_key(make_current=True)
    db.session.commit()
    assert services.current_key() is new
    # The JWKS has both, under the kid each credential names; the old credential verifies.
    kids = {key.key_id for key in published.keys().keys}
    assert {services.key_url(new), f"{app.config['BASE_URL']}/.well-known/jwks.json#{old_kid}"} == (
        kids
    )
    jwt.decode(old_token, published.key_of(old_token), algorithms=["EdDSA"])
    assert services.verify_credential(old_token).ok
    # A new certificate is signed by the new key.
    renewed = certificates.reissue(certificate, people["secretariat"], "Nouveau nom")
    db.session.commit()
    assert jwt.get_unverified_header(_token(renewed))["kid"].endswith("#" + new.kid)
    assert services.verify_credential(_token(renewed)).ok
    assert services.verify_credential(old_token).code == "revoked"  # superseded
    # The current key cannot be revoked; the old one can: out of the JWKS, its credentials
    # say « clé révoquée ».
    with pytest.raises(services.CredentialError):
        services.revoke_key(new.kid, "Essai")
    services.revoke_key(old_kid, "Clé compromise")
    db.session.commit()
    assert {key.key_id for key in published.keys().keys} == {services.key_url(new)}
    found = services.verify_credential(old_token)
    assert found.code == "key_revoked" and "Clé révoquée" in found.message
    with pytest.raises(services.CredentialError):
        services.use_key(old_kid)


def test_the_keys_commands(app, certificate):
    runner = app.test_cli_runner()
    first = services.current_key().kid
    result = runner.invoke(args=["keys", "new"])
    assert result.exit_code == 0, result.output
    second = next(key.kid for key in services.all_keys() if key.kid != first)
    assert services.current_key().kid == first  # published first, used later
    assert runner.invoke(args=["keys", "use", second]).exit_code == 0
    assert services.current_key().kid == second
    revoked = runner.invoke(args=["keys", "revoke", first, "--reason", "Fuite"])
    assert revoked.exit_code == 0, revoked.output
    listing = runner.invoke(args=["keys", "list"]).output
    assert f"{first}  revoked" in listing and "Fuite" in listing
    assert f"{second}  current" in listing
    refused = runner.invoke(args=["keys", "revoke", second, "--reason", "x"])
    assert refused.exit_code == 1 and "en service" in refused.output
    assert runner.invoke(args=["keys", "use", "inconnue"]).exit_code == 1


def test_the_private_keys_are_sealed_and_a_certificate_older_than_credentials_gets_one(
    app, certificate
):
    key = services.current_key()
    opened = keys.unseal(key.private_sealed, app.config["SECRET_KEY"], key.kid)
    assert keys.public_jwk(opened) == key.public_jwk
    # Issued before credentials existed: no index, no credential; asked for, it gets both.
    db.session.delete(services.credential_of(certificate))
    certificate.status_index = None
    db.session.commit()
    token = _token(certificate)
    db.session.commit()
    assert certificate.status_index is not None
    assert services.verify_credential(token).ok
    assert _payload(token)["credentialStatus"]["statusListIndex"] == str(certificate.status_index)


def test_an_expired_label_says_so(certificate):
    later = date(certificate.valid_until.year + 1, 1, 1)
    assert services.verify_credential(_token(certificate), today=later).code == "expired"
