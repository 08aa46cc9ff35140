"""A certificate's own rules, expectations written out: its number, what the public sees, the
reminders before the end, and who decides which change of status."""

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cdess.certificates.rules import (
    CHANGES,
    CertificateError,
    CertificateStatus,
    decided_status,
    filed_in_time,
    number,
    number_year,
    public_status,
    reminder,
)

VALID, SUSPENDED, REVOKED, SUPERSEDED, EXPIRED = (
    CertificateStatus.valid,
    CertificateStatus.suspended,
    CertificateStatus.revoked,
    CertificateStatus.superseded,
    CertificateStatus.expired,
)

# --- the number -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("departement", "year", "sequence", "expected"),
    [
        ("62", 2026, 1, "CDESS-62-2026-0001"),
        ("62", 2026, 42, "CDESS-62-2026-0042"),
        ("62", 2026, 9999, "CDESS-62-2026-9999"),
        ("62", 2027, 10000, "CDESS-62-2027-10000"),  # a fifth digit, never a wrap
        ("2A", 2026, 7, "CDESS-2A-2026-0007"),  # Corse-du-Sud
        ("974", 2026, 12, "CDESS-974-2026-0012"),  # La Réunion
    ],
)
def test_number(departement, year, sequence, expected):
    assert number(departement, year, sequence) == expected
    assert number_year(expected) == year


@pytest.mark.parametrize(
    ("departement", "year", "sequence", "message"),
    [
        ("62", 2026, 0, "La numérotation des certificats commence à 1."),
        ("62", 2026, -3, "La numérotation des certificats commence à 1."),
        ("6", 2026, 1, "« CDESS-6-2026-0001 » n'est pas un numéro de certificat."),
        ("62", 926, 1, "« CDESS-62-926-0001 » n'est pas un numéro de certificat."),
        ("62", 20260, 1, "« CDESS-62-20260-0001 » n'est pas un numéro de certificat."),
        ("2C", 2026, 1, "« CDESS-2C-2026-0001 » n'est pas un numéro de certificat."),
    ],
)
def test_number_refused(departement, year, sequence, message):
    with pytest.raises(CertificateError) as refused:
        number(departement, year, sequence)
    assert str(refused.value) == message


@pytest.mark.parametrize(
    "text",
    [
        "",
        "CDESS-62-2026",
        "CDESS-62-2026-001",  # three digits
        "cdess-62-2026-0001",  # the search upper-cases first
        "CDESS-62-2026-0001 ",
        " CDESS-62-2026-0001",
        "XCDESS-62-2026-0001",
        "CDESS-62-2026-0001-2",
        "CDESS-62-26-0001",
        "CDESS-620-2026-0001X",
    ],
)
def test_not_a_number(text):
    assert number_year(text) is None


@given(st.sampled_from(["62", "59", "2B", "971"]), st.integers(1000, 9999), st.integers(1, 10**6))
def test_every_number_reads_back(departement, year, sequence):
    text = number(departement, year, sequence)
    assert number_year(text) == year
    assert text.startswith(f"CDESS-{departement}-{year}-")
    assert int(text.rsplit("-", 1)[1]) == sequence


# --- what the public sees ---------------------------------------------------------------------

END = date(2028, 5, 9)


@pytest.mark.parametrize(
    ("status", "today", "expected"),
    [
        (VALID, date(2028, 5, 8), VALID),
        (VALID, END, VALID),  # its last day, included
        (VALID, date(2028, 5, 10), EXPIRED),  # the day after, before the nightly command
        (SUSPENDED, date(2028, 5, 10), SUSPENDED),  # a decision stays what it was
        (REVOKED, date(2028, 5, 10), REVOKED),
        (SUPERSEDED, date(2028, 5, 10), SUPERSEDED),
        (EXPIRED, date(2028, 5, 1), EXPIRED),
        (SUSPENDED, date(2027, 1, 1), SUSPENDED),
    ],
)
def test_public_status(status, today, expected):
    assert public_status(status, END, today) is expected
    assert public_status(status, END, today, renewing=False) is expected


@pytest.mark.parametrize(
    ("status", "today", "expected"),
    [
        (VALID, date(2028, 5, 8), VALID),
        (VALID, END, VALID),
        (VALID, date(2028, 5, 10), VALID),  # past its end: kept while the renewal is examined
        (VALID, date(2029, 1, 1), VALID),  # however long the council takes
        (SUSPENDED, date(2028, 5, 10), SUSPENDED),  # a renewal lifts no decision
        (REVOKED, date(2028, 5, 1), REVOKED),
        (SUPERSEDED, date(2028, 5, 10), SUPERSEDED),
        (EXPIRED, date(2028, 5, 10), EXPIRED),  # ended before the renewal: stays ended
    ],
)
def test_public_status_while_a_renewal_filed_in_time_is_examined(status, today, expected):
    assert public_status(status, END, today, renewing=True) is expected


@pytest.mark.parametrize(
    ("filed_on", "expected"),
    [
        (date(2027, 11, 9), True),  # six months before the end
        (date(2028, 5, 8), True),  # the day before the end
        (END, True),  # on the last day
        (date(2028, 5, 10), False),  # the day after: too late, the label ends
        (date(2029, 5, 9), False),
        (None, False),  # not submitted (a draft)
    ],
)
def test_filed_in_time(filed_on, expected):
    assert filed_in_time(END, filed_on) is expected


# --- reminders --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("days_left", "reminded_90", "reminded_30", "expected"),
    [
        (120, False, False, None),
        (91, False, False, None),
        (90, False, False, 90),
        (60, False, False, 90),
        (31, False, False, 90),
        (31, True, False, None),  # sent once
        (30, False, False, 30),  # within 30 days: the 30-day one, even if the 90 was missed
        (30, True, False, 30),
        (30, True, True, None),
        (30, False, True, None),
        (1, True, False, 30),
        (0, True, False, 30),  # the last day
        (0, True, True, None),
        (-1, False, False, None),  # ended: nothing to remind
        (-40, False, False, None),
    ],
)
def test_reminder(days_left, reminded_90, reminded_30, expected):
    assert reminder(days_left, reminded_90, reminded_30) == expected


# --- decisions on the status ------------------------------------------------------------------

TODAY = date(2026, 12, 2)
ALLOWED = {
    ("suspend", VALID): SUSPENDED,
    ("reinstate", SUSPENDED): VALID,
    ("revoke", VALID): REVOKED,
    ("revoke", SUSPENDED): REVOKED,
}


def test_changes_table():
    assert {
        (name, status): target for name, (sources, target) in CHANGES.items() for status in sources
    } == ALLOWED


@pytest.mark.parametrize("status", list(CertificateStatus))
@pytest.mark.parametrize("name", ["suspend", "reinstate", "revoke"])
def test_council_decides_every_change_it_may(name, status):
    decide = lambda: decided_status(  # noqa: E731
        status, name, "AG non tenue.", on=None, today=TODAY, by_council=True
    )
    if (name, status) in ALLOWED:
        assert decide() is ALLOWED[name, status]
    else:
        with pytest.raises(CertificateError) as refused:
            decide()
        assert str(refused.value) == "Ce changement n'est pas possible pour ce certificat."


COUNCIL_ONLY = "Seul le conseil décide du statut d'un label : proposez-le à une séance."


@pytest.mark.parametrize(
    ("name", "status", "by_council", "urgent", "expected"),
    [
        ("suspend", VALID, False, True, SUSPENDED),  # the president's urgent suspension
        ("suspend", VALID, False, False, COUNCIL_ONLY),  # a click is no decision
        ("revoke", VALID, False, True, COUNCIL_ONLY),  # urgency suspends, never revokes
        ("reinstate", SUSPENDED, False, True, COUNCIL_ONLY),
        ("revoke", SUSPENDED, False, False, COUNCIL_ONLY),
        ("suspend", VALID, True, True, SUSPENDED),
        ("revoke", VALID, True, False, REVOKED),
    ],
)
def test_who_decides(name, status, by_council, urgent, expected):
    decide = lambda: decided_status(  # noqa: E731
        status, name, "Motif.", on=None, today=TODAY, by_council=by_council, urgent=urgent
    )
    if isinstance(expected, CertificateStatus):
        assert decide() is expected
    else:
        with pytest.raises(CertificateError) as refused:
            decide()
        assert str(refused.value) == expected


@pytest.mark.parametrize(
    ("name", "reason", "on", "expected"),
    [
        ("unknown", "Motif.", None, "Ce changement n'existe pas."),
        ("suspend", "", None, "Indiquez le motif de la décision."),
        ("suspend", "  \n ", None, "Indiquez le motif de la décision."),
        (
            "suspend",
            "Motif.",
            date(2026, 12, 3),
            "La date de la décision ne peut pas être dans le futur.",
        ),
        ("suspend", "Motif.", TODAY, SUSPENDED),  # today is not the future
        ("suspend", "Motif.", date(2026, 6, 1), SUSPENDED),  # decided earlier, recorded now
        ("suspend", " x ", None, SUSPENDED),
    ],
)
def test_reason_and_date(name, reason, on, expected):
    decide = lambda: decided_status(  # noqa: E731
        VALID, name, reason, on=on, today=TODAY, by_council=True
    )
    if isinstance(expected, CertificateStatus):
        assert decide() is expected
    else:
        with pytest.raises(CertificateError) as refused:
            decide()
        assert str(refused.value) == expected


def test_the_council_is_checked_before_the_status():
    # A click on a revoked label is told that only the council decides, not that the change
    # does not apply: the first question is who decides.
    with pytest.raises(CertificateError, match="Seul le conseil"):
        decided_status(REVOKED, "suspend", "", on=None, today=TODAY, by_council=False)


@pytest.mark.parametrize(
    ("status", "suspended", "by_decision"),
    [
        (VALID, False, False),
        (SUSPENDED, True, True),
        (REVOKED, False, True),
        (SUPERSEDED, False, True),
        (EXPIRED, False, False),
    ],
)
def test_status_properties(status, suspended, by_decision):
    assert status.is_suspended is suspended
    assert status.changed_by_decision is by_decision
