"""The council's signing keys, the Open Badges 3.0 credential of each certificate, the signed
status lists, the public keys (JWKS), and the verification of a credential.

Decided here:
- Proof: VC-JWT (OB 3.0 §8.2), a compact JWS signed EdDSA with an Ed25519 key: any JOSE
  library checks it (the tests use PyJWT), where a Data Integrity proof needs JSON-LD
  canonicalisation that few libraries do. The JWT's payload is the credential itself, with
  `iss` (issuer id), `jti` (credential id), `nbf` (validFrom) and `exp` (validUntil).
- The JOSE header's `kid` is a URL: the JWKS address with the key's thumbprint as fragment; the
  JWKS lists each key under that same `kid`. Revoked keys are left out of the JWKS, so that no
  verifier accepts what a compromised key signed; our own verification still knows them and
  answers « clé révoquée ».
- `credentialStatus` is one BitstringStatusListEntry, of the revocation list (the OB 3.0 schema
  allows one status object); the certificate has the same index in the suspension list, published
  beside it (statuslist.py). A credential is signed once, at issue, and kept: the PDF embeds it
  and the structure downloads the same bytes; a certificate issued before credentials existed
  gets its credential the first time it is asked for.
"""

import json
import time
from dataclasses import dataclass, field
from datetime import UTC, date, datetime

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import func

from cdess.audit import services as audit
from cdess.certificates.models import Certificate
from cdess.certificates.rules import CertificateStatus
from cdess.clock import utcnow
from cdess.credentials import keys, statuslist
from cdess.credentials.models import IssuedCredential, IssuerKey
from cdess.extensions import db
from cdess.web.urls import external_url

VC_CONTEXT = "https://www.w3.org/ns/credentials/v2"
OB_CONTEXT = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"
OB_SCHEMA = (
    "https://purl.imsglobal.org/spec/ob/v3p0/schema/json/ob_v3p0_achievementcredential_schema.json"
)
ACHIEVEMENT_NAME = "Label ESS — Charte départementale"
JWT_CLAIMS = ("iss", "jti", "nbf", "exp", "iat", "sub")
STATUS_SECONDS = 60  # how long a published status list may be kept by those who read it


class CredentialError(Exception):
    """A key command that cannot be done (unknown key, revoked key made current…)."""


# --- keys -------------------------------------------------------------------------------------


def _secret() -> str:
    return current_app.config["SECRET_KEY"]


def all_keys() -> list[IssuerKey]:
    return list(db.session.execute(db.select(IssuerKey).order_by(IssuerKey.id)).scalars())


def current_key() -> IssuerKey | None:
    return db.session.execute(db.select(IssuerKey).filter_by(is_current=True)).scalar_one_or_none()


def key_by_kid(kid: str) -> IssuerKey | None:
    """A key by its kid, or by the URL that ends with it (a JOSE header's `kid`)."""
    short = kid.rpartition("#")[2].strip()
    if not short or len(short) > 64:
        return None
    return db.session.execute(db.select(IssuerKey).filter_by(kid=short)).scalar_one_or_none()


def new_key(actor=None, *, make_current: bool = False) -> IssuerKey:
    """A new Ed25519 key, its private half sealed; made current at once if asked."""
    private = keys.generate()
    jwk = keys.public_jwk(private)
    kid = keys.thumbprint(jwk)
    key = IssuerKey(
        kid=kid, public_jwk=jwk, private_sealed=keys.seal(private, _secret(), kid), is_current=False
    )
    db.session.add(key)
    db.session.flush()
    audit.record(key, "key_created", actor, detail={"kid": kid})
    if make_current:
        use_key(kid, actor)
    return key


def ensure_key() -> IssuerKey:
    """The current key, made on first use when there is none."""
    return current_key() or new_key(make_current=True)


def use_key(kid: str, actor=None) -> IssuerKey:
    """Make a key the one that signs; the previous one is retired (what it signed still
    verifies)."""
    key = key_by_kid(kid)
    if key is None:
        raise CredentialError(f"Clé inconnue : {kid}")
    if key.revoked_at is not None:
        raise CredentialError(f"La clé {key.kid} est révoquée : elle ne peut plus signer.")
    previous = current_key()
    if previous is key:
        return key
    now = utcnow()
    if previous is not None:
        previous.is_current, previous.retired_at = False, now
        db.session.flush()  # one current key at a time, for the unique index
    key.is_current, key.made_current_at, key.retired_at = True, now, None
    db.session.flush()
    audit.record(key, "key_made_current", actor, detail={"previous": previous and previous.kid})
    return key


def revoke_key(kid: str, reason: str, actor=None) -> IssuerKey:
    """A compromised key: never signs again, left out of the JWKS, and the credentials it signed
    say « clé révoquée ». The current key cannot be revoked before another takes its place."""
    reason = reason.strip()
    if not reason:
        raise CredentialError("Indiquez le motif de la révocation.")
    key = key_by_kid(kid)
    if key is None:
        raise CredentialError(f"Clé inconnue : {kid}")
    if key.is_current:
        raise CredentialError(
            "C'est la clé en service : mettez d'abord une autre clé en service (keys use)."
        )
    if key.revoked_at is None:
        key.revoked_at, key.revoked_reason = utcnow(), reason
        db.session.flush()
        audit.record(key, "key_revoked", actor, reason=reason, detail={"kid": key.kid})
    return key


def key_url(key: IssuerKey) -> str:
    return f"{external_url('credentials.jwks')}#{key.kid}"


def jwks() -> dict:
    """The public keys that verify our credentials: the current one and the retired ones."""
    return {
        "keys": [
            {**key.public_jwk, "kid": key_url(key), "alg": keys.ALGORITHM, "use": "sig"}
            for key in all_keys()
            if key.revoked_at is None
        ]
    }


def _sign(payload: dict) -> tuple[str, IssuerKey]:
    key = ensure_key()
    private = keys.unseal(key.private_sealed, _secret(), key.kid)
    return keys.sign(payload, private, key_url(key)), key


# --- the credential ---------------------------------------------------------------------------


def issuer_id() -> str:
    """The council, as issuer: the application's base address."""
    return current_app.config["BASE_URL"].rstrip("/") + "/"


def issuer_profile() -> dict:
    return {
        "id": issuer_id(),
        "type": ["Profile"],
        "name": current_app.config["COUNCIL_NAME"],
        "url": issuer_id(),
        "description": current_app.config["DEPARTEMENT_NAME"],
    }


def status_list_url(purpose: str) -> str:
    return external_url("credentials.status_list", purpose=purpose)


def _instant(day: str, end: bool = False) -> str:
    return f"{day}T23:59:59Z" if end else f"{day}T00:00:00Z"


def _timestamp(instant: str) -> int:
    return int(datetime.fromisoformat(instant.replace("Z", "+00:00")).timestamp())


def _identifiers(data: dict) -> list[dict]:
    found = [("name", data["structure"])]
    found += [(f"ext:{name.upper()}", data[name]) for name in ("siren", "rna", "siret")]
    return [
        {"type": "IdentityObject", "hashed": False, "identityHash": value, "identityType": kind}
        for kind, value in found
        if value
    ]


def build(data: dict, index: int) -> dict:
    """The unsigned credential of a certificate's snapshot (plain data, as the PDF), its status
    at `index` of the status lists, with the JWT claims that VC-JWT adds."""
    version = data.get("charter_version")
    charter = f"version {version}" if version else "version en vigueur"
    decided = data.get("session_date") or data["decision_date"]
    issuer = issuer_profile()
    list_url = status_list_url("revocation")
    credential = {
        "@context": [VC_CONTEXT, OB_CONTEXT],
        "id": data["verification_url"],
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "name": f"{ACHIEVEMENT_NAME} — {data['structure']}",
        "description": f"Certificat n° {data['number']} du label de l'économie sociale et "
        f"solidaire, délivré par le {data['council']} ({data['departement']}).",
        "issuer": issuer,
        "validFrom": _instant(data["valid_from"]),
        "validUntil": _instant(data["valid_until"], end=True),
        "awardedDate": data["issued_at"] + "Z",
        "credentialSubject": {
            "type": ["AchievementSubject"],
            "identifier": _identifiers(data),
            "achievement": {
                "id": external_url("charter.show") + "#label",
                "type": ["Achievement"],
                "achievementType": "Certification",
                "name": ACHIEVEMENT_NAME,
                "description": "Label attribué par le conseil départemental de l'économie "
                "sociale et solidaire aux structures qui respectent sa charte.",
                "criteria": {
                    "id": external_url("charter.show"),
                    "narrative": f"Respect de la Charte départementale de l'ESS ({charter}) : "
                    "gouvernance démocratique, lucrativité limitée, ancrage territorial, libre "
                    "adhésion, utilité sociale. Auto-évaluation vérifiée sur pièces, score "
                    f"global {data['overall']}/100, décision du conseil du {decided}.",
                },
                "version": str(version or ""),
                "inLanguage": "fr",
                "creator": issuer,
            },
        },
        "credentialStatus": {
            "id": f"{list_url}#{index}",
            "type": "BitstringStatusListEntry",
            "statusPurpose": "revocation",
            "statusListIndex": str(index),
            "statusListCredential": list_url,
        },
        "credentialSchema": [{"id": OB_SCHEMA, "type": "1EdTechJsonSchemaValidator2019"}],
    }
    return {
        **credential,
        "iss": issuer["id"],
        "jti": credential["id"],
        "nbf": _timestamp(credential["validFrom"]),
        "exp": _timestamp(credential["validUntil"]),
    }


def without_claims(payload: dict) -> dict:
    """The credential a VC-JWT's payload carries, without the JWT's own claims."""
    return {k: v for k, v in payload.items() if k not in JWT_CLAIMS}


@dataclass
class Draft:
    """A certificate's credential signed before its PDF is drawn (the PDF embeds it)."""

    index: int
    token: str
    key: IssuerKey

    @property
    def attachment(self) -> tuple[str, bytes, str]:
        """(file name, bytes, description) for the PDF's embedded files."""
        return (
            "open-badge-credential.jwt",
            self.token.encode("ascii"),
            "Open Badges 3.0 credential (VC-JWT)",
        )


def _used_indexes() -> set[int]:
    return set(
        db.session.execute(
            db.select(Certificate.status_index).filter(Certificate.status_index.isnot(None))
        ).scalars()
    )


def prepare_many(snapshots: list[dict]) -> list[Draft]:
    """Draw a free status index for each snapshot and sign its credential."""
    used, drafts = _used_indexes(), []
    for data in snapshots:
        index = statuslist.free_index(used)
        used.add(index)
        token, key = _sign(build(data, index))
        drafts.append(Draft(index, token, key))
    return drafts


def prepare(snapshot: dict) -> Draft:
    return prepare_many([snapshot])[0]


def record(certificate: Certificate, draft: Draft) -> IssuedCredential:
    """Keep a stored certificate's credential (its status index is set on it at issue)."""
    certificate.status_index = draft.index
    issued = IssuedCredential(certificate=certificate, key=draft.key, token=draft.token)
    db.session.add(issued)
    return issued


def credential_of(certificate: Certificate) -> IssuedCredential:
    """The certificate's credential; one issued before credentials existed gets it now."""
    issued = db.session.execute(
        db.select(IssuedCredential).filter_by(certificate_id=certificate.id)
    ).scalar_one_or_none()
    if issued is None:
        issued = record(certificate, prepare(certificate.snapshot))
        db.session.flush()
    return issued


# --- status lists -----------------------------------------------------------------------------


def _statuses() -> dict[int, str]:
    rows = db.session.execute(
        db.select(Certificate.status_index, Certificate.status).filter(
            Certificate.status_index.isnot(None)
        )
    )
    return {index: status.value for index, status in rows}


def _version() -> tuple:
    """What the lists depend on: the certificates' last issue and last change (two index
    lookups), and the key that signs."""
    last_id, last_change = db.session.execute(
        db.select(func.max(Certificate.id), func.max(Certificate.updated_at))
    ).one()
    key = current_key()
    return last_id, last_change, key.id if key else None


def status_list(purpose: str) -> str:
    """The signed BitstringStatusListCredential of a purpose, drawn from the certificates'
    statuses when they last changed (kept per process under their version, read at each
    request: a suspension or revocation shows at the next request; readers may keep it
    STATUS_SECONDS). Drawn again after STATUS_SECONDS whatever the version says: two
    transactions may commit in the other order than their `updated_at` (or two servers'
    clocks differ), and the later change would hide behind the version of the earlier one."""
    ensure_key()
    version = _version()
    cache = current_app.extensions.setdefault("credential_status_lists", {})
    now_monotonic = time.monotonic()
    if cache.get("version") != version or now_monotonic - cache["drawn"] > STATUS_SECONDS:
        cache.clear()  # only the latest version's lists are worth keeping
        cache["version"], cache["drawn"] = version, now_monotonic
    token = cache.get(purpose)
    if token is None:
        url = status_list_url(purpose)
        now = utcnow().replace(microsecond=0)
        credential = {
            "@context": [VC_CONTEXT],
            "id": url,
            "type": ["VerifiableCredential", "BitstringStatusListCredential"],
            "issuer": issuer_id(),
            "validFrom": now.isoformat() + "Z",
            "credentialSubject": {
                "id": f"{url}#list",
                "type": "BitstringStatusList",
                "statusPurpose": purpose,
                "encodedList": statuslist.encode(statuslist.bits(_statuses(), purpose)),
            },
        }
        payload = {
            **credential,
            "iss": issuer_id(),
            "jti": url,
            "nbf": int(now.replace(tzinfo=UTC).timestamp()),
        }
        token = cache[purpose] = _sign(payload)[0]
    return token


def status_bits(purpose: str) -> bytes:
    """The bits of the published list of a purpose."""
    token = status_list(purpose)
    payload = json.loads(keys.unb64url(token.split(".")[1]))
    return statuslist.decode(payload["credentialSubject"]["encodedList"])


# --- verification -----------------------------------------------------------------------------

MESSAGES = {
    "valid": _l("Credential authentique : le label est en vigueur."),
    "malformed": _l("Ce texte n'est pas un credential Open Badges signé (VC-JWT)."),
    "unknown": _l("Ce credential n'a pas été délivré par le conseil."),
    "unknown_key": _l("La clé qui l'a signé n'est pas une clé du conseil."),
    "bad_signature": _l("Signature invalide : le credential a été modifié ou n'est pas le nôtre."),
    "altered": _l("Le credential a été modifié : ses champs ne sont plus ceux délivrés."),
    "key_revoked": _l("Clé révoquée : la clé qui a signé ce credential a été révoquée."),
    "revoked": _l("Signature valide, mais le label a été retiré ou remplacé."),
    "suspended": _l("Signature valide, mais le label est suspendu."),
    "expired": _l("Signature valide, mais la validité du label est échue."),
    "not_yet_valid": _l("Signature valide, mais le label n'est pas encore en vigueur."),
}


@dataclass
class Verification:
    """What `verify_credential` found: `code` (a key of MESSAGES), the credential's content
    when it could be read, its certificate's number and the key that signed it."""

    code: str
    credential: dict = field(default_factory=dict)
    number: str = ""
    kid: str = ""

    @property
    def ok(self) -> bool:
        return self.code == "valid"

    @property
    def message(self) -> str:
        return str(MESSAGES[self.code])


def _parse(value: str | dict) -> tuple[str | None, dict | None]:
    """(a compact JWS, None) or (None, a credential as JSON), or (None, None)."""
    if isinstance(value, dict):
        return None, value
    text = value.strip()
    if text.startswith("{"):
        try:
            parsed = json.loads(text)
        except ValueError:
            return None, None
        return None, parsed if isinstance(parsed, dict) else None
    return (text, None) if text.count(".") == 2 else (None, None)


def verify_credential(value: str | dict, today: date | None = None) -> Verification:
    """Check a credential — its VC-JWT, or its JSON — as a verifier would, and more: the
    signature with the key its `kid` names (a JWT), the fields against those we issued, the key
    not revoked, the status lists' bits, the validity dates."""
    token, given = _parse(value)
    if token is None and given is None:
        return Verification("malformed")
    if token is not None:
        try:
            header = keys.header(token)
        except keys.SignatureError:
            return Verification("malformed")
        key = key_by_kid(str(header.get("kid", "")))
        if key is None:
            return Verification("unknown_key")
        try:
            payload = keys.verify(token, key.public_jwk)
        except keys.SignatureError:
            return Verification("bad_signature", kid=key.kid)
        given = without_claims(payload)
    credential = without_claims(given)
    issued = db.session.execute(
        db.select(IssuedCredential)
        .join(IssuedCredential.certificate)
        .filter(Certificate.number == _number_of(credential))
    ).scalar_one_or_none()
    if issued is None:
        return Verification("unknown", credential)
    found = Verification("valid", credential, issued.certificate.number, issued.key.kid)
    ours = without_claims(json.loads(keys.unb64url(issued.token.split(".")[1])))
    if credential != ours:
        found.code = "altered"
    elif issued.key.revoked_at is not None:
        found.code = "key_revoked"
    else:
        found.code = _status_code(issued.certificate, credential, today or date.today())
    return found


def _number_of(credential: dict) -> str:
    """The certificate number in a credential's id (its public verification address)."""
    identifier = str(credential.get("id", ""))
    return identifier.rstrip("/").rpartition("/")[2][:40]


def _status_code(certificate: Certificate, credential: dict, today: date) -> str:
    index = certificate.status_index
    if index is not None and statuslist.bit(status_bits("revocation"), index):
        return "revoked"
    if index is not None and statuslist.bit(status_bits("suspension"), index):
        return "suspended"
    if certificate.status is CertificateStatus.expired:
        return "expired"
    if today > date.fromisoformat(credential["validUntil"][:10]):
        return "expired"
    if today < date.fromisoformat(credential["validFrom"][:10]):
        return "not_yet_valid"
    return "valid"
