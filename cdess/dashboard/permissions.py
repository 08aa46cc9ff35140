"""Who reads the dashboard: the secretariat (and administrators), the president and the council
members. The public statistics (`/statistiques`) are everyone's: no check."""

from cdess.accounts.permissions import is_staff
from cdess.sessions.permissions import is_council_member


def can_view_dashboard(user) -> bool:
    """The secretariat, the president and the council's members (« évaluer les dispositifs »)."""
    return is_staff(user) or is_council_member(user)
