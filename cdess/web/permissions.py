"""One decorator for every protected view; the predicates live in each domain's permissions."""

from collections.abc import Callable
from functools import wraps

from flask import abort
from flask_login import current_user

from cdess.extensions import login_manager


def permission_required(predicate: Callable[..., bool]):
    """Anonymous visitors go to the login page; signed-in users without the right get a 403."""

    def decorator(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            if not current_user.is_authenticated:
                return login_manager.unauthorized()
            if not predicate(current_user):
                abort(403)
            return view(*args, **kwargs)

        return wrapped

    return decorator


def authenticated(user) -> bool:
    return user.is_authenticated


def require(allowed: bool) -> None:
    """Object-level check inside a view: 403 when the predicate said no."""
    if not allowed:
        abort(403)
