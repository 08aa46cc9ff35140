"""A certificate issued with its credential, and the published JWKS and status lists read as
an outside verifier reads them."""

import jwt
import pytest

from cdess.certificates import services as certificates
from cdess.extensions import db


@pytest.fixture(autouse=True)
def _fresh_status_lists(app):
    """The lists kept by the process belong to the previous test's database."""
    app.extensions.pop("credential_status_lists", None)
    yield
    app.extensions.pop("credential_status_lists", None)


@pytest.fixture
def certificate(app, grant, people):
    """A valid certificate of the Recyclerie du Ternois, issued by the secretariat."""
    issued = certificates.issue(grant(name="Recyclerie du Ternois"), people["secretariat"])
    db.session.commit()
    return issued


@pytest.fixture
def published(client):
    """What a verifier fetches: the JWKS as PyJWT reads it, and a status list's bits."""
    from cdess.credentials import statuslist

    class Published:
        def keys(self) -> jwt.PyJWKSet:
            response = client.get("/.well-known/jwks.json")
            assert response.status_code == 200
            return jwt.PyJWKSet.from_dict(response.get_json())

        def key_of(self, token: str):
            kid = jwt.get_unverified_header(token)["kid"]
            return self.keys()[kid].key

        def bits(self, purpose: str) -> bytes:
            response = client.get(f"/credentials/status/{purpose}")
            assert response.status_code == 200
            token = response.get_data(as_text=True)
            payload = jwt.decode(token, self.key_of(token), algorithms=["EdDSA"])
            assert payload["type"] == ["VerifiableCredential", "BitstringStatusListCredential"]
            assert payload["credentialSubject"]["statusPurpose"] == purpose
            return statuslist.decode(payload["credentialSubject"]["encodedList"])

    return Published()
