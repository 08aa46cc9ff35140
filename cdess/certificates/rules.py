"""A certificate's own rules, without the database: its number, how long a label lasts, what
the public is told of it, the reminders before its end, and which changes of status may be
decided, by whom.

- a number is « CDESS-<département>-<year>-<sequence> », the sequence on four digits at least
  and counted per year from 1 (the counter itself is in the database: `services.next_number`);
- a label runs from the day it is certified for `LABEL_VALIDITY_YEARS`, to the eve of the
  same day (`clock.label_period`: the applications set it when certifying);
- the public sees a valid certificate past its last day as expired, even before the nightly
  `flask reminders` marks it so — unless a renewal filed in time is being examined: the label
  then stays valid, « renouvellement en cours », until the council's decision on it;
- a renewal is filed in time when it was first submitted on or before the label's last day
  (the day of its first submission: complements asked and sent later do not move it);
- the structure is reminded 90 days and 30 days before the end, once each; a label that a
  later one takes over is not reminded (that is the caller's query);
- only the council decides a status: suspend (a valid label), reinstate (a suspended one),
  revoke (a valid or suspended one); between sessions the president may suspend urgently,
  and nothing else; every decision has a reason and is not dated in the future.
"""

import enum
import re
from datetime import date

from cdess.labels import N_


class CertificateError(Exception):
    """A certificate cannot be issued or changed so; the message is for the user."""


class CertificateStatus(enum.Enum):
    valid = "valid"
    suspended = "suspended"
    revoked = "revoked"
    superseded = "superseded"
    expired = "expired"

    @property
    def is_suspended(self) -> bool:
        """Suspended: the label may be reinstated or revoked."""
        return self is CertificateStatus.suspended

    @property
    def changed_by_decision(self) -> bool:
        """Suspended, revoked or superseded: a dated decision with its reason."""
        return self in (
            CertificateStatus.suspended,
            CertificateStatus.revoked,
            CertificateStatus.superseded,
        )


Status = CertificateStatus

# --- the number -------------------------------------------------------------------------------

NUMBER = re.compile(r"CDESS-(\d{2,3}|2A|2B)-(\d{4})-(\d{4,})")


def number(departement: str, year: int, sequence: int) -> str:
    """The certificate number of the year's `sequence`-th certificate."""
    if sequence < 1:
        raise CertificateError("La numérotation des certificats commence à 1.")
    text = f"CDESS-{departement}-{year}-{sequence:04d}"
    if NUMBER.fullmatch(text) is None:
        raise CertificateError(f"« {text} » n'est pas un numéro de certificat.")
    return text


def number_year(text: str) -> int | None:
    """The year a certificate number was given in, or None when the text is not a number."""
    found = NUMBER.fullmatch(text)
    return int(found.group(2)) if found else None


# --- validity ---------------------------------------------------------------------------------


def filed_in_time(valid_until: date, filed_on: date | None) -> bool:
    """Whether a renewal first submitted on `filed_on` (None: not submitted) keeps the label
    valid while it is examined: submitted on the label's last day at the latest."""
    return filed_on is not None and filed_on <= valid_until


def public_status(status: Status, valid_until: date, today: date, renewing: bool = False) -> Status:
    """What the public sees: a valid certificate past its last day is expired, unless a
    renewal filed in time is being examined (`renewing`)."""
    if status is Status.valid and valid_until < today and not renewing:
        return Status.expired
    return status


REMINDER_DAYS = (90, 30)


def reminder(days_left: int, reminded_90: bool, reminded_30: bool) -> int | None:
    """The reminder due with `days_left` days of label left (90 or 30), or None: each is sent
    once; within 30 days only the 30-day one, even if the 90-day one was missed."""
    if days_left < 0:
        return None
    if days_left <= 30:
        return None if reminded_30 else 30
    if days_left <= 90:
        return None if reminded_90 else 90
    return None


# --- decisions on the status ------------------------------------------------------------------

# name → (the statuses it applies to, the status it gives)
CHANGES = {
    "suspend": (frozenset({Status.valid}), Status.suspended),
    "reinstate": (frozenset({Status.suspended}), Status.valid),
    "revoke": (frozenset({Status.valid, Status.suspended}), Status.revoked),
}


def decided_status(
    status: Status,
    name: str,
    reason: str,
    *,
    on: date | None,
    today: date,
    by_council: bool,
    urgent: bool = False,
) -> Status:
    """The status a decision `name` gives a label now in `status`, or CertificateError with the
    reason it cannot be taken: a council's vote (`by_council`) decides any change, the
    president's urgency only a suspension."""
    if name not in CHANGES:
        raise CertificateError(N_("Ce changement n'existe pas."))
    if not by_council and not (urgent and name == "suspend"):
        raise CertificateError(
            N_("Seul le conseil décide du statut d'un label : proposez-le à une séance.")
        )
    sources, target = CHANGES[name]
    if status not in sources:
        raise CertificateError(N_("Ce changement n'est pas possible pour ce certificat."))
    if not reason.strip():
        raise CertificateError(N_("Indiquez le motif de la décision."))
    if on is not None and on > today:
        raise CertificateError(N_("La date de la décision ne peut pas être dans le futur."))
    return target
