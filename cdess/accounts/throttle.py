"""Failed logins counted per account, whatever the address they come from.

The counts live in the rate limiter's storage (RATELIMIT_STORAGE_URL: memory for one process,
redis shared by every gunicorn worker), under a hash of the email address, known or not (the
answer must not tell which addresses have an account).

Where the standard is silent, decided here:
- LOGIN_ACCOUNT_LIMIT (« 10 per 15 minutes ») failures within the window, counted from the
  first, lock the address for the window's length from the failure that locked it;
- while locked, every attempt is refused before the password is checked, the right one too;
- a successful login forgets the failures; a password reset lifts the lock;
- off when the rate limiter is (RATELIMIT_ENABLED false, as in most tests).
"""

import hashlib

from flask import current_app
from limits import RateLimitItem, parse

from cdess.extensions import limiter


def _limits() -> tuple[RateLimitItem, RateLimitItem]:
    """The failures allowed in the window, and the lock: one hit lasting the window."""
    failures = parse(current_app.config["LOGIN_ACCOUNT_LIMIT"])
    lock = type(failures)(1, failures.multiples, namespace="LOCK")
    return failures, lock


def _key(email: str) -> str:
    return "login-account/" + hashlib.sha256(email.strip().lower().encode()).hexdigest()


def lock_minutes() -> int:
    """How long a locked address stays locked, in whole minutes (at least one)."""
    return max(1, _limits()[1].get_expiry() // 60)


def is_locked(email: str) -> bool:
    """Whether logins with this address are refused for now."""
    return limiter.enabled and not limiter.limiter.test(_limits()[1], _key(email))


def count_failure(email: str) -> bool:
    """Count a failed login with this address; True when this failure locks it."""
    if not limiter.enabled:
        return False
    failures, lock = _limits()
    if limiter.limiter.hit(failures, _key(email)) and limiter.limiter.test(failures, _key(email)):
        return False
    limiter.limiter.clear(failures, _key(email))
    limiter.limiter.hit(lock, _key(email))
    return True


def forget(email: str) -> None:
    """Forget the failures and lift the lock of this address (login succeeded, password reset)."""
    if limiter.enabled:
        for item in _limits():
            limiter.limiter.clear(item, _key(email))
