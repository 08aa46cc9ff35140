"""Signed, time-limited links for email confirmation, password reset and invitations (to an
account, or to act for a structure)."""

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from itsdangerous import BadSignature, URLSafeTimedSerializer

from cdess.accounts.models import User
from cdess.extensions import db

PURPOSES = {
    "confirm": "CONFIRM_TOKEN_MAX_AGE",
    "reset": "RESET_TOKEN_MAX_AGE",
    "invite": "INVITATION_TOKEN_MAX_AGE",
    # to act for a structure: the structure and who invites ride in the link (`claims`)
    "membership": "MEMBERSHIP_INVITATION_MAX_AGE",
}


def max_age(purpose: str) -> timedelta:
    """How long a link of this kind works; a kind whose own setting is not configured lasts as
    long as an account invitation."""
    config = current_app.config
    return config.get(PURPOSES[purpose], config["INVITATION_TOKEN_MAX_AGE"])


def _serializer(purpose: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=f"cdess-{purpose}")


def _state(user: User) -> str:
    """Changes when the password or email changes, so that a used link stops working."""
    seed = f"{user.email}|{user.password_hash or ''}|{user.email_confirmed_at or ''}"
    return hashlib.sha256(seed.encode()).hexdigest()[:16]


def make_token(user: User, purpose: str, **claims: int) -> str:
    """A link's token for this account; `claims` ride along, signed (read back by `read_link`)."""
    return _serializer(purpose).dumps({**claims, "u": user.id, "s": _state(user)})


@dataclass(frozen=True)
class Link:
    """What a valid link says: for whom, when it was made (naive UTC), and its claims."""

    user: User
    issued_at: datetime
    claims: dict


def read_link(token: str, purpose: str) -> Link | None:
    """A valid, unexpired, unused link; None otherwise (tampered, expired, of another kind, or
    its account changed its password or address since)."""
    seconds = int(max_age(purpose).total_seconds())
    try:
        data, issued = _serializer(purpose).loads(token, max_age=seconds, return_timestamp=True)
    except BadSignature:
        return None
    if not isinstance(data, dict):
        return None
    user = db.session.get(User, data.get("u")) if isinstance(data.get("u"), int) else None
    if user is None or _state(user) != data.get("s"):
        return None
    claims = {k: v for k, v in data.items() if k not in {"u", "s"}}
    return Link(user, issued.replace(tzinfo=None), claims)


def read_token(token: str, purpose: str) -> User | None:
    """The user a valid, unexpired, unused link was made for; None otherwise."""
    link = read_link(token, purpose)
    return link.user if link else None
