"""Retention periods, enforced by `flask retention` (daily): nothing personal is kept longer
than it serves.

- An account whose address was never confirmed (self-registered, or invited and never
  activated) is deleted RETENTION_UNCONFIRMED_DAYS after its creation (default 30).
- A draft application untouched for RETENTION_DRAFT_YEARS (default 2) is deleted with its
  files (after the commit).
- An account inactive for RETENTION_INACTIVE_YEARS (default 3: no login since, or since its
  confirmation) is erased, once its owner was warned by email RETENTION_WARNING_DAYS before
  (default 30) and did not log in since: a login clears the warning and starts the count again.

An account of a council member or of the secretariat, or one that is a legal record (an
application it created, a vote, a signature, a journal entry it wrote…, `accounts.privacy`), is
pseudonymised (`services.erase`) and keeps its row; any other is erased, then deleted. Every
purge is in the journal, without what was erased. An erasure refused (an open session, the
last person of a structure whose file runs) waits for a later day and is reported.

Where the issue is silent, decided here:
- the warning is sent once: `inactivity_warned_at` remembers it, and the erasure waits at least
  RETENTION_WARNING_DAYS after it, even when the command did not run for a while;
- « untouched » is the application's `updated_at` (every change of the file sets it);
- `--dry-run` says what would be done, and writes nothing, sends nothing;
- the same day run twice does nothing more: each step selects only what is still due."""

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from flask import current_app
from flask_babel import lazy_gettext as _l

from cdess.accounts import privacy as account_privacy
from cdess.accounts.models import User
from cdess.applications import evidence
from cdess.applications.models import Application, State
from cdess.audit import services as audit
from cdess.clock import add_months
from cdess.extensions import db
from cdess.notifications.services import notify
from cdess.privacy.services import BY_RETENTION, ErasureRefused, erase, refusals
from cdess.web.urls import external_url


@dataclass
class Report:
    """What a run did (or, dry, would do): ids of accounts and applications."""

    dry_run: bool = False
    unconfirmed: list[int] = field(default_factory=list)
    warned: list[int] = field(default_factory=list)
    inactive: list[int] = field(default_factory=list)
    drafts: list[int] = field(default_factory=list)
    waiting: list[tuple[int, str]] = field(default_factory=list)  # (account, why)
    deleted: list[int] = field(default_factory=list)  # accounts deleted, not only erased

    def lines(self) -> list[str]:
        verb = "à supprimer" if self.dry_run else "supprimés"
        lines = [
            f"Comptes jamais confirmés {verb} : {len(self.unconfirmed)}",
            f"Comptes inactifs avertis{' (à avertir)' if self.dry_run else ''} : "
            f"{len(self.warned)}",
            f"Comptes inactifs {verb} : {len(self.inactive)}",
            f"Brouillons de candidature {verb} : {len(self.drafts)}",
        ]
        lines += [f"  compte {user_id} : attend ({why})" for user_id, why in self.waiting]
        return lines


def _years_before(now: datetime, years: int) -> datetime:
    day = add_months(now.date(), -12 * years)
    return datetime.combine(day, now.time())


def run(now: datetime, dry_run: bool = False) -> Report:
    """One day's run (module docstring), at `now` (naive UTC). Flushes; the caller commits
    (or, dry, rolls back: nothing is changed anyway)."""
    config = current_app.config
    report = Report(dry_run=dry_run)
    _unconfirmed(now - timedelta(days=config["RETENTION_UNCONFIRMED_DAYS"]), report)
    inactive_since = _years_before(now, config["RETENTION_INACTIVE_YEARS"])
    warning = timedelta(days=config["RETENTION_WARNING_DAYS"])
    _inactive(now, inactive_since, warning, report)
    _drafts(_years_before(now, config["RETENTION_DRAFT_YEARS"]), report)
    return report


def _active_accounts():
    return db.select(User).filter(User.erased_at.is_(None)).order_by(User.id)


def _unconfirmed(before: datetime, report: Report) -> None:
    users = db.session.execute(
        _active_accounts().filter(User.email_confirmed_at.is_(None), User.created_at < before)
    ).scalars()
    for user in list(users):
        if _purge(user, "unconfirmed", report):
            report.unconfirmed.append(user.id)


def _last_seen():
    return db.func.coalesce(User.last_login_at, User.email_confirmed_at, User.created_at)


def _inactive(now: datetime, since: datetime, warning: timedelta, report: Report) -> None:
    confirmed = _active_accounts().filter(User.email_confirmed_at.is_not(None))
    due = db.session.execute(
        confirmed.filter(
            _last_seen() < since,
            User.inactivity_warned_at.is_not(None),
            User.inactivity_warned_at <= now - warning,
        )
    ).scalars()
    for user in list(due):
        if _purge(user, "inactive", report):
            report.inactive.append(user.id)
    to_warn = db.session.execute(
        confirmed.filter(_last_seen() < since + warning, User.inactivity_warned_at.is_(None))
    ).scalars()
    for user in list(to_warn):
        report.warned.append(user.id)
        if not report.dry_run:
            _warn(user, now, warning)


def _warn(user: User, now: datetime, warning: timedelta) -> None:
    """Email the owner once that the account will be erased unless they log in."""
    user.inactivity_warned_at = now
    db.session.flush()
    audit.record(user, "inactivity_warned", None)
    notify(
        user.email,
        _l("Votre compte sera supprimé faute d'utilisation"),
        "inactivity_warning",
        locale=user.locale,
        user=user,
        days=warning.days,
        deadline=(now + warning).date(),
        login_link=external_url("accounts.login"),
    )


def _purge(user: User, why: str, report: Report) -> bool:
    """Erase `user` (and delete the row when nothing keeps it); False when it must wait."""
    keep = user.is_staff or user.sits_on_council or account_privacy.has_legal_record(user)
    if report.dry_run:
        refused = _refused(user)
        if refused:
            report.waiting.append((user.id, refused))
        elif not keep:
            report.deleted.append(user.id)
        return not refused
    try:
        erase(user, None, BY_RETENTION, reason=why)
    except ErasureRefused as refusal:
        report.waiting.append((user.id, str(refusal)))
        return False
    if not keep:
        audit.record(user, "account_purged", None, reason=why)
        db.session.delete(user)
        db.session.flush()
        report.deleted.append(user.id)
    return True


def _refused(user: User) -> str:
    return "; ".join(r.message for r in refusals(user))


def _drafts(before: datetime, report: Report) -> None:
    drafts = db.session.execute(
        db.select(Application)
        .filter(Application.state == State.draft, Application.updated_at < before)
        .order_by(Application.id)
    ).scalars()
    files = []
    for application in list(drafts):
        report.drafts.append(application.id)
        if report.dry_run:
            continue
        stored = [document.stored_name for document in application.documents]
        files += stored
        audit.record(
            application,
            "draft_purged",
            None,
            detail={"structure": application.structure_id, "documents": len(stored)},
        )
        db.session.delete(application)
    db.session.flush()
    if files:
        _discard_after_commit(files)


def _discard_after_commit(stored_names: list[str]) -> None:
    """The files go once their rows are gone for good: after the caller's commit."""
    from sqlalchemy import event

    session = db.session()

    @event.listens_for(session, "after_commit", once=True)
    def _gone(_session):
        evidence.discard(stored_names)
