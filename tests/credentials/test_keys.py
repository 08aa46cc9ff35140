"""Keys and VC-JWTs without the app: sealing, signing, and a second library's verdict."""

import json

import jwt
import pytest

from cdess.credentials import keys
from cdess.credentials.keys import SignatureError

SECRET = "a-secret-key-for-these-tests-0123456789"


@pytest.fixture(scope="module")
def key():
    return keys.generate()


def test_a_sealed_key_opens_only_with_its_secret_and_its_kid(key):
    jwk = keys.public_jwk(key)
    kid = keys.thumbprint(jwk)
    sealed = keys.seal(key, SECRET, kid)
    assert keys.public_jwk(keys.unseal(sealed, SECRET, kid)) == jwk
    assert key.private_bytes_raw() not in sealed
    with pytest.raises(SignatureError):
        keys.unseal(sealed, SECRET + "x", kid)
    with pytest.raises(SignatureError):
        keys.unseal(sealed, SECRET, "another-kid")


def test_the_kid_is_the_rfc_7638_thumbprint():
    # RFC 8037, appendix A.3: the thumbprint of its example key.
    jwk = {"kty": "OKP", "crv": "Ed25519", "x": "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"}
    assert keys.thumbprint(jwk) == "kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k"


def test_pyjwt_verifies_what_we_sign_and_refuses_a_changed_payload(key):
    payload = {"iss": "https://example.org/", "name": "Label ESS"}
    token = keys.sign(payload, key, "https://example.org/.well-known/jwks.json#k1")
    public = jwt.PyJWK({**keys.public_jwk(key), "kid": "k1"})
    assert jwt.decode(token, public.key, algorithms=["EdDSA"]) == payload
    assert jwt.get_unverified_header(token) == {
        "alg": "EdDSA",
        "typ": "JWT",
        "kid": "https://example.org/.well-known/jwks.json#k1",
    }
    head, _body, signature = token.split(".")
    changed = keys.b64url(json.dumps({**payload, "name": "Autre"}).encode())
    with pytest.raises(jwt.InvalidSignatureError):
        jwt.decode(f"{head}.{changed}.{signature}", public.key, algorithms=["EdDSA"])
    with pytest.raises(SignatureError):
        keys.verify(f"{head}.{changed}.{signature}", keys.public_jwk(key))
    assert keys.verify(token, keys.public_jwk(key)) == payload


def test_a_token_from_another_key_or_not_a_token_is_refused(key):
    token = keys.sign({"a": 1}, keys.generate(), "k")
    with pytest.raises(SignatureError):
        keys.verify(token, keys.public_jwk(key))
    for text in ("", "a.b", "not.a.token", "e30.e30."):
        with pytest.raises(SignatureError):
            keys.verify(text, keys.public_jwk(key))
    with pytest.raises(SignatureError):
        keys.public_key({"kty": "RSA"})
