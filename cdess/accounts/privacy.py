"""An account's own part of the personal-data rights (RGPD): what it holds about the person,
whether it is a legal record, and erasing its personal fields. The rest — what the domains
above hold, the refusals, the pages, the retention command — is `cdess.privacy`, which reads
every domain.

Where the issue is silent, decided here:
- an erased account keeps its row and its id (the legal records point at it) with a pseudonym
  for a name (« Compte supprimé n° 12 »), an address that cannot receive mail and keeps the
  unique constraint (« supprime-12@invalid », RFC 2606), no password, no role, no collège, no
  voting right, inactive, every session ended (`session_version` bumped);
- a pending invitation dies with it: every link carries the account's address and password
  state (`tokens._state`), and a structure's invitation also needs its inviter to act for it;
- a legal record is any row of another table pointing at the account (an application it
  created, a document, a signature, a vote, an attendance…) or a journal entry it wrote about
  anything but its own account: such an account is pseudonymised, never deleted."""

from sqlalchemy import exists

from cdess.accounts import throttle
from cdess.accounts.models import User
from cdess.accounts.services import end_sessions
from cdess.audit import services as audit
from cdess.audit.models import AuditEntry
from cdess.clock import utcnow
from cdess.extensions import db

# The account's own tables: they go with it, and make no legal record.
OWN_TABLES = frozenset({"user_role", "membership"})


def erased_email(user_id: int) -> str:
    """The address an erased account keeps: unique, never deliverable (« .invalid »)."""
    return f"supprime-{user_id}@invalid"


def account_data(user: User) -> dict:
    """What the account itself holds about the person (the export's first part)."""
    return {
        "id": user.id,
        "email": user.email,
        "display_name": user.display_name,
        "roles": sorted(role.value for role in user.roles),
        "active": user.active,
        "locale": user.locale,
        "college": user.college.name if user.college else None,
        "voting_right": user.voting_right,
        "created_at": _iso(user.created_at),
        "email_confirmed_at": _iso(user.email_confirmed_at),
        "last_login_at": _iso(user.last_login_at),
        "inactivity_warned_at": _iso(user.inactivity_warned_at),
    }


def _iso(moment) -> str | None:
    return moment.isoformat(timespec="seconds") if moment else None


def has_legal_record(user: User) -> bool:
    """Whether anything but the account's own rows points at it (module docstring): any foreign
    key to the account from another table, or a journal entry it wrote on another subject."""
    for table in db.metadata.sorted_tables:
        if table.name in OWN_TABLES:
            continue
        for column in table.columns:
            points = any(fk.column.table.name == User.__tablename__ for fk in column.foreign_keys)
            if points and db.session.execute(db.select(exists().where(column == user.id))).scalar():
                return True
    acted = db.select(AuditEntry.id).filter(
        AuditEntry.actor_id == user.id,
        ~((AuditEntry.subject_kind == User.__audit_kind__) & (AuditEntry.subject_id == user.id)),
    )
    return db.session.execute(acted.limit(1)).first() is not None


def pseudonymise(user: User) -> None:
    """Erase the account's personal fields (module docstring) and scrub its name and address
    from the journal's sealed entries (`audit.erase_person`). Flushes; no journal entry of its
    own (the caller writes it), the caller commits."""
    name, email = user.display_name, user.email
    pseudonym = audit.pseudonym(user.id)
    user.email = erased_email(user.id)
    user.display_name = pseudonym
    user.password_hash = None
    user.active = False
    user.college = None
    user.voting_right = False
    user.set_roles(())
    user.memberships.clear()
    user.last_login_at = None
    user.inactivity_warned_at = None
    user.erased_at = utcnow()
    db.session.flush()
    end_sessions(user)
    throttle.forget(email)
    audit.erase_person(user.id, {name, email}, pseudonym)
