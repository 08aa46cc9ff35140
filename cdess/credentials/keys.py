"""The issuer's Ed25519 keys as plain values: making one, its public JWK, its private half
sealed for the database, and the compact JWS (a VC-JWT) it signs. No app, no database.

Where the specs leave a choice, decided here:
- EdDSA over Ed25519 (RFC 8037): small keys, deterministic signatures, supported by every JOSE
  library; the JOSE header carries `alg`, `typ` « JWT » and `kid` (OB 3.0 §8.2.3).
- The private key is kept encrypted at rest with AES-256-GCM, its key derived from the
  application's SECRET_KEY by HKDF-SHA256 (info « cdess issuer key »); the kid is the
  associated data, so a sealed key copied onto another row does not open. Changing SECRET_KEY
  makes the stored keys unreadable: make a new key then (`flask keys new`).
- The kid is the key's RFC 7638 thumbprint: the same key always has the same name.
"""

import base64
import hashlib
import json
import os

from cryptography.exceptions import InvalidSignature, InvalidTag
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

ALGORITHM = "EdDSA"
NONCE_BYTES = 12


class SignatureError(Exception):
    """A key that cannot be opened, or a token that does not verify (its message says why)."""


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def unb64url(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def generate() -> Ed25519PrivateKey:
    return Ed25519PrivateKey.generate()


def public_jwk(key: Ed25519PrivateKey | Ed25519PublicKey) -> dict:
    """The public half as an OKP JWK (RFC 8037), without kid."""
    public = key.public_key() if isinstance(key, Ed25519PrivateKey) else key
    raw = public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return {"kty": "OKP", "crv": "Ed25519", "x": b64url(raw)}


def thumbprint(jwk: dict) -> str:
    """RFC 7638: SHA-256 of the required members, sorted, without whitespace."""
    members = {name: jwk[name] for name in ("crv", "kty", "x")}
    canonical = json.dumps(members, separators=(",", ":"), sort_keys=True).encode()
    return b64url(hashlib.sha256(canonical).digest())


def public_key(jwk: dict) -> Ed25519PublicKey:
    if jwk.get("kty") != "OKP" or jwk.get("crv") != "Ed25519":
        raise SignatureError("not an Ed25519 key")
    return Ed25519PublicKey.from_public_bytes(unb64url(jwk["x"]))


def _wrapping_key(secret: str | bytes) -> bytes:
    material = secret.encode() if isinstance(secret, str) else secret
    hkdf = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=b"cdess issuer key")
    return hkdf.derive(material)


def seal(key: Ed25519PrivateKey, secret: str | bytes, kid: str) -> bytes:
    """The private key's raw 32 bytes, encrypted: nonce followed by ciphertext and tag."""
    raw = key.private_bytes(
        serialization.Encoding.Raw,
        serialization.PrivateFormat.Raw,
        serialization.NoEncryption(),
    )
    nonce = os.urandom(NONCE_BYTES)
    return nonce + AESGCM(_wrapping_key(secret)).encrypt(nonce, raw, kid.encode())


def unseal(sealed: bytes, secret: str | bytes, kid: str) -> Ed25519PrivateKey:
    nonce, body = sealed[:NONCE_BYTES], sealed[NONCE_BYTES:]
    try:
        raw = AESGCM(_wrapping_key(secret)).decrypt(nonce, body, kid.encode())
    except InvalidTag as error:
        raise SignatureError("the key cannot be opened with this SECRET_KEY") from error
    return Ed25519PrivateKey.from_private_bytes(raw)


def _json(value: dict) -> bytes:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode()


def sign(payload: dict, key: Ed25519PrivateKey, kid: str) -> str:
    """A compact JWS of the payload (the credential with its JWT claims)."""
    header = {"alg": ALGORITHM, "typ": "JWT", "kid": kid}
    signing_input = f"{b64url(_json(header))}.{b64url(_json(payload))}".encode("ascii")
    return f"{signing_input.decode('ascii')}.{b64url(key.sign(signing_input))}"


def header(token: str) -> dict:
    """The JOSE header, read before any check (to find the key)."""
    try:
        value = json.loads(unb64url(token.split(".")[0]))
    except (ValueError, IndexError) as error:
        raise SignatureError("not a compact JWS") from error
    if not isinstance(value, dict):
        raise SignatureError("not a compact JWS")
    return value


def verify(token: str, jwk: dict) -> dict:
    """The payload of a token signed by this key, or SignatureError."""
    parts = token.strip().split(".")
    if len(parts) != 3:
        raise SignatureError("not a compact JWS")
    if header(token).get("alg") != ALGORITHM:
        raise SignatureError("unexpected algorithm")
    try:
        signature = unb64url(parts[2])
        public_key(jwk).verify(signature, f"{parts[0]}.{parts[1]}".encode("ascii"))
        payload = json.loads(unb64url(parts[1]))
    except (InvalidSignature, ValueError) as error:
        raise SignatureError("bad signature") from error
    if not isinstance(payload, dict):
        raise SignatureError("not a credential")
    return payload
