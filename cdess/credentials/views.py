"""The public keys (JWKS), the signed status lists, and a certificate's credential for its
structure: all read by machines, none changes anything."""

from flask import Blueprint, abort, current_app, jsonify
from flask_login import current_user

from cdess.certificates import services as certificates
from cdess.certificates.permissions import can_download
from cdess.credentials import services, statuslist
from cdess.extensions import db
from cdess.web.permissions import authenticated, permission_required, require

bp = Blueprint("credentials", __name__)

JWT_TYPE = "application/vc+jwt"


def _public(response, seconds: int):
    """Readable from any site (verifiers run in browsers too), kept briefly by caches."""
    response.headers["Access-Control-Allow-Origin"] = "*"
    response.headers["Cache-Control"] = f"public, max-age={seconds}"
    return response


@bp.get("/.well-known/jwks.json")
def jwks():
    """The council's public keys: the one that signs and the retired ones (not the revoked)."""
    services.ensure_key()
    db.session.commit()  # the first key, made on first use
    return _public(jsonify(services.jwks()), 300)


@bp.get("/credentials/status/<purpose>")
def status_list(purpose: str):
    """The BitstringStatusListCredential of « revocation » or « suspension », as a VC-JWT."""
    if purpose not in statuslist.PURPOSES:
        abort(404)
    token = services.status_list(purpose)
    db.session.commit()
    response = current_app.response_class(token, mimetype=JWT_TYPE)
    return _public(response, services.STATUS_SECONDS)


@bp.get("/certificats/<number>/credential.jwt")
@permission_required(authenticated)
def download(number: str):
    """The certificate's Open Badges credential, for its structure's people and the
    secretariat (who may download its PDF): the bytes embedded in the PDF."""
    certificate = certificates.by_number(number)
    if certificate is None:
        abort(404)
    require(can_download(current_user, certificate))
    issued = services.credential_of(certificate)
    db.session.commit()  # a certificate older than credentials gets its own, once
    response = current_app.response_class(issued.token, mimetype=JWT_TYPE)
    response.headers["Content-Disposition"] = (
        f'attachment; filename="{certificate.number}-open-badge.jwt"'
    )
    return response
