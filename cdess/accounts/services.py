"""Account operations shared by the views, the command line and the tests."""

from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from werkzeug.security import generate_password_hash

from cdess.accounts import throttle
from cdess.accounts.models import College, Role, User, check_decoy_password
from cdess.accounts.tokens import make_token
from cdess.audit import services as audit
from cdess.clock import utcnow
from cdess.extensions import db
from cdess.notifications.services import notify
from cdess.web.urls import external_url

DEFAULT_COLLEGES = (
    "Collège 1 — État et collectivités territoriales",
    "Collège 2 — Département du Pas-de-Calais (élus)",
    "Collège 3 — Associations",
    "Collège 4 — Coopératives",
    "Collège 5 — Mutuelles",
    "Collège 6 — Fondations",
    "Collège 7 — Réseaux et têtes de réseau de l'ESS",
    "Collège 8 — Partenaires économiques et financeurs solidaires",
    "Collège 9 — Personnalités qualifiées",
)


class AccountError(ValueError):
    """A refused account operation; the message is for the user."""


class AccountLocked(AccountError):
    """Too many failed logins with this address: refused for a while, whatever the password."""


def ensure_default_colleges() -> None:
    """Create the nine default collèges when none exist (they are editable afterwards)."""
    if db.session.execute(db.select(College.id).limit(1)).first() is None:
        for position, name in enumerate(DEFAULT_COLLEGES, start=1):
            db.session.add(College(name=name, position=position))
        db.session.flush()


def find_user(email: str) -> User | None:
    """The account with this address (trimmed and lowercased, as stored), or None."""
    return db.session.execute(
        db.select(User).where(User.email == User.normalize_email(email))
    ).scalar_one_or_none()


def create_user(
    email: str,
    display_name: str,
    roles,
    password: str | None = None,
    confirmed: bool = False,
    actor: User | None = None,
    **fields,
) -> User:
    """Create an account (no email sent), by `actor` (None: the person registering, or the
    command line). Raises AccountError when the email is taken."""
    if find_user(email) is not None:
        raise AccountError(_("Un compte existe déjà avec cette adresse."))
    user = User(
        email=User.normalize_email(email),
        display_name=display_name.strip(),
        email_confirmed_at=utcnow() if confirmed else None,
        **fields,
    )
    user.set_roles(roles)
    if password:
        user.set_password(password)
    db.session.add(user)
    db.session.flush()
    audit.record(user, "account_created", actor or user, detail=_account(user))
    return user


def _account(user: User) -> dict:
    """What the journal keeps of an account's rights."""
    return {
        "email": user.email,
        "roles": sorted(r.value for r in user.roles),
        "active": user.active,
        "college": user.college.name if user.college else "",
        "voting_right": user.voting_right,
    }


def register_applicant(email: str, display_name: str, password: str) -> User | None:
    """Self-registration: an applicant account waiting for its email to be confirmed, and the
    link that confirms it sent. When the address has an account already, nothing is created
    (None), its owner is told by email instead, and the password is hashed all the same: the
    caller answers alike, so that registering tells nobody which addresses have an account."""
    existing = find_user(email)
    if existing is not None:
        generate_password_hash(password, method=current_app.config["PASSWORD_HASH_METHOD"])
        notify(
            existing.email,
            _l("Tentative de création d'un compte avec votre adresse"),
            "account_exists",
            existing.locale,
            user=existing,
            login_link=external_url("accounts.login"),
            reset_link=external_url("accounts.forgot_password"),
        )
        return None
    user = create_user(email, display_name, {Role.applicant}, password=password)
    send_confirmation(user)
    return user


def authenticate(email: str, password: str) -> User | None:
    """The active account this address and password open, else None, with the same hashing
    work whether the address has an account or not. Raises AccountLocked, before any check,
    while the address is locked (`throttle`); the failure that locks it emails the owner, once."""
    if throttle.is_locked(email):
        raise AccountLocked(
            _(
                "Trop de tentatives de connexion ont échoué pour cette adresse : par sécurité, "
                "la connexion y est suspendue pendant %(minutes)s minutes. Réessayez plus tard, "
                "ou choisissez un nouveau mot de passe (« Mot de passe oublié ? »).",
                minutes=throttle.lock_minutes(),
            )
        )
    user = find_user(email)
    if user is None:
        check_decoy_password(password)
    elif user.check_password(password) and user.active:
        throttle.forget(email)
        return user
    if throttle.count_failure(email) and user is not None and user.active:
        notify(
            user.email,
            _l("Connexion à votre compte suspendue"),
            "account_locked",
            user.locale,
            user=user,
            minutes=throttle.lock_minutes(),
            reset_link=external_url("accounts.forgot_password"),
        )
    return None


def record_login(user: User) -> None:
    """Keep the time of a login: an inactive account's retention counts from it, and a login
    clears the warning sent before its erasure (`privacy.retention`). Flushes; the caller
    commits."""
    user.last_login_at = utcnow()
    user.inactivity_warned_at = None
    db.session.flush()


def end_sessions(user: User) -> None:
    """Bump the account's session version: every session and remember-me cookie issued until
    now stops working, on every device (password changed or reset, « se déconnecter
    partout »). Flushes; the caller commits, and logs the current browser in again if it is to
    stay."""
    user.session_version = db.session.execute(
        db.update(User)
        .where(User.id == user.id)
        .values(session_version=User.session_version + 1)
        .returning(User.session_version)
    ).scalar_one()
    db.session.flush()


def change_password(user: User, current: str, new: str) -> None:
    """Change the password of a logged-in person who gave their current one, ending their
    other sessions. Raises AccountError when `current` is wrong. Flushes; the caller commits."""
    if not user.check_password(current):
        raise AccountError(_("Mot de passe actuel incorrect."))
    user.set_password(new)
    end_sessions(user)


def send_confirmation(user: User) -> None:
    """Email the link that confirms the account's address; it leaves once the caller commits (at
    once when the session has written nothing)."""
    link = external_url("accounts.confirm", token=make_token(user, "confirm"))
    notify(
        user.email,
        _l("Confirmez votre adresse électronique"),
        "confirm",
        user.locale,
        user=user,
        link=link,
    )


def confirm_email(user: User) -> None:
    """Mark the address confirmed, keeping the first confirmation's time. Flushes; no journal
    entry, the caller commits."""
    if user.email_confirmed_at is None:
        user.email_confirmed_at = utcnow()
        db.session.flush()


def invite(email: str, display_name: str, roles, inviter: User, **fields) -> User:
    """An account created by the secretariat; the person sets a password from the emailed link."""
    user = create_user(email, display_name, roles, actor=inviter, **fields)
    send_invitation(user, inviter)
    return user


def send_invitation(user: User, inviter: User) -> None:
    """Email the link from which the invited person sets a password, naming the inviter; it
    leaves once the caller commits (at once when the session has written nothing)."""
    link = external_url("accounts.accept_invitation", token=make_token(user, "invite"))
    notify(
        user.email,
        _l("Invitation à rejoindre l'espace du CDESS"),
        "invitation",
        user.locale,
        user=user,
        inviter=inviter,
        link=link,
    )


def accept_invitation(user: User, password: str) -> None:
    """Set the invited person's password; following the emailed link confirms the address too
    (the link's token is the caller's to check). Flushes; no journal entry of its own, the caller
    commits."""
    user.set_password(password)
    user.email_confirmed_at = user.email_confirmed_at or utcnow()
    db.session.flush()


def send_password_reset(email: str) -> None:
    """Email a reset link if the account exists; say nothing either way (no account probing)."""
    user = find_user(email)
    if user is None or not user.active:
        return
    link = external_url("accounts.reset_password", token=make_token(user, "reset"))
    notify(
        user.email,
        _l("Réinitialisation de votre mot de passe"),
        "reset",
        user.locale,
        user=user,
        link=link,
    )


def reset_password(user: User, password: str) -> None:
    """Set a new password from the emailed link, which confirms the address too, end every
    session of the account, lift a login lock, and journal it (the link's token is the caller's
    to check). Flushes; the caller commits."""
    user.set_password(password)
    # Following the emailed link proves the address too.
    user.email_confirmed_at = user.email_confirmed_at or utcnow()
    end_sessions(user)  # whoever knew the old password is logged out everywhere
    throttle.forget(user.email)
    audit.record(user, "password_reset", user)


def update_user(
    user: User,
    actor: User,
    roles,
    active: bool,
    college: College | None,
    voting_right: bool,
) -> None:
    """Change roles, collège, voting right and active flag; an agent cannot lock themselves out."""
    roles = set(roles)
    if user.id == actor.id:
        if not active:
            raise AccountError(_("Vous ne pouvez pas désactiver votre propre compte."))
        if not roles & {Role.secretariat, Role.admin} and actor.has_role(
            Role.secretariat, Role.admin
        ):
            raise AccountError(_("Vous ne pouvez pas retirer vos propres droits de gestion."))
    before = _account(user)
    user.set_roles(roles)
    user.active = active
    user.college = college
    user.voting_right = voting_right and bool(roles & {Role.council_member, Role.president})
    db.session.flush()
    after = _account(user)
    if changed := {k: [before[k], v] for k, v in after.items() if before[k] != v}:
        audit.record(user, "account_changed", actor, detail=changed)


def save_college(college: College | None, name: str, position: int | None) -> College:
    """Create a collège (None) or rename and move one; refused when another collège has this
    name. Flushes; the caller commits."""
    clash = db.select(College.id).filter(College.name == name)
    if college is not None:
        clash = clash.filter(College.id != college.id)
    if db.session.execute(clash).first():
        raise AccountError(_("Un collège porte déjà ce nom."))
    if college is None:
        college = College()
        db.session.add(college)
    college.name, college.position = name, position or 0
    db.session.flush()
    return college
