"""Who may read the journal: the secretariat (and administrators). The public sees only its
head, on /journal."""

from cdess.accounts.permissions import is_staff


def can_read_journal(user) -> bool:
    return is_staff(user)
