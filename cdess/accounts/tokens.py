"""Signed, time-limited links for email confirmation, password reset and invitations."""

import hashlib
from datetime import timedelta

from flask import current_app
from itsdangerous import BadSignature, URLSafeTimedSerializer

from cdess.accounts.models import User
from cdess.extensions import db

PURPOSES = {
    "confirm": "CONFIRM_TOKEN_MAX_AGE",
    "reset": "RESET_TOKEN_MAX_AGE",
    "invite": "INVITATION_TOKEN_MAX_AGE",
}


def _serializer(purpose: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=f"cdess-{purpose}")


def _state(user: User) -> str:
    """Changes when the password or email changes, so that a used link stops working."""
    seed = f"{user.email}|{user.password_hash or ''}|{user.email_confirmed_at or ''}"
    return hashlib.sha256(seed.encode()).hexdigest()[:16]


def make_token(user: User, purpose: str) -> str:
    return _serializer(purpose).dumps({"u": user.id, "s": _state(user)})


def read_token(token: str, purpose: str) -> User | None:
    """The user a valid, unexpired, unused link was made for; None otherwise."""
    max_age: timedelta = current_app.config[PURPOSES[purpose]]
    try:
        data = _serializer(purpose).loads(token, max_age=int(max_age.total_seconds()))
    except BadSignature:
        return None
    if not isinstance(data, dict):
        return None
    user = db.session.get(User, data.get("u")) if isinstance(data.get("u"), int) else None
    if user is None or _state(user) != data.get("s"):
        return None
    return user
