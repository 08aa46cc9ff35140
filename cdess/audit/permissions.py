"""Who may read the journal: the secretariat (and administrators). The public sees only its
head, on /journal."""


def can_read_journal(user) -> bool:
    return bool(user) and user.is_authenticated and user.is_staff
