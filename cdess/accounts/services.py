"""Account operations shared by the views, the command line and the tests."""

from flask_babel import gettext as _

from cdess.accounts.models import College, Role, User
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


def register_applicant(email: str, display_name: str, password: str) -> User:
    """Self-registration: an applicant account waiting for its email to be confirmed."""
    user = create_user(email, display_name, {Role.applicant}, password=password)
    send_confirmation(user)
    return user


def send_confirmation(user: User) -> None:
    """Email the link that confirms the account's address; it leaves once the caller commits (at
    once when the session has written nothing)."""
    link = external_url("accounts.confirm", token=make_token(user, "confirm"))
    notify(user.email, _("Confirmez votre adresse électronique"), "confirm", user=user, link=link)


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
        _("Invitation à rejoindre l'espace du CDESS"),
        "invitation",
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
    notify(user.email, _("Réinitialisation de votre mot de passe"), "reset", user=user, link=link)


def reset_password(user: User, password: str) -> None:
    """Set a new password from the emailed link, which confirms the address too, and journal it
    (the link's token is the caller's to check). Flushes; the caller commits."""
    user.set_password(password)
    # Following the emailed link proves the address too.
    user.email_confirmed_at = user.email_confirmed_at or utcnow()
    db.session.flush()
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
