"""Who may do what with a report. Anyone files one on a standing label; only the secretariat
reads reports and handles them; the structure's own people answer the question put to them,
and nothing else of the report."""

from cdess.accounts.permissions import is_staff
from cdess.reports.rules import ReportState
from cdess.structures.permissions import can_act_for


def can_file_report(user, certificate=None) -> bool:
    """The public form: anyone, signed in or not (whether the label stands is the service's)."""
    return True


def can_handle_reports(user, report=None) -> bool:
    """The queue, a report's page, its file and its actions: the secretariat."""
    return is_staff(user)


def can_answer_report(user, report, check_state: bool = False) -> bool:
    """The answer page: the people of the reported structure, once the secretariat has put a
    question to them (before, they do not know of the report); with `check_state`, only while
    the answer is awaited."""
    if report.asked_at is None or not can_act_for(user, report.certificate.structure):
        return False
    return not check_state or report.state is ReportState.asked
