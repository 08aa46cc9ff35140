"""Every value a person reads has a French name, given one way (`cdess.labels.labelled`)."""

import enum

import pytest

from cdess.accounts.models import Role
from cdess.applications.models import CheckStatus, Kind, State
from cdess.certificates.models import CertificateStatus
from cdess.charter.models import SignatureStatus
from cdess.labels import labelled
from cdess.sessions.models import Choice, Opinion, SessionStatus, VoteStatus
from cdess.structures.models import Family

SHOWN = (
    Role,
    Family,
    State,
    Kind,
    CheckStatus,
    SignatureStatus,
    CertificateStatus,
    SessionStatus,
    Opinion,
    VoteStatus,
    Choice,
)


@pytest.mark.parametrize("kind", SHOWN, ids=lambda kind: kind.__name__)
def test_every_member_has_its_own_french_name(app, kind):
    with app.test_request_context():
        names = [member.label for member in kind]
    assert all(name and name.strip() == name for name in names)
    assert len(set(names)) == len(names)  # two values never read the same


def test_a_missing_name_is_refused_at_import():
    class Colour(enum.Enum):
        red = "red"
        blue = "blue"

    with pytest.raises(ValueError, match="Colour: no label for blue"):
        labelled(Colour, {Colour.red: "rouge"})


def test_names_as_the_pages_print_them(app):
    with app.test_request_context():
        assert State.not_admissible.label == "non recevable"
        assert Choice.abstention.label == "abstention"
        assert SessionStatus.convened.label == "convoquée"
        assert Kind.renewal.label == "renouvellement"


def test_the_journal_names_each_domains_states(app):
    from cdess.audit.labels import state_label

    with app.test_request_context():
        assert state_label("application", "not_admissible") == "non recevable"
        assert state_label("certificate", "suspended") == "suspendu"
        assert state_label("session", "convened") == "convoquée"
        assert state_label("signature", "withdrawn") == "retirée"
        assert state_label("charter_version", "published") == "publiée"
        assert state_label("agenda_item", "pending") == "à venir"
        assert state_label("agenda_item", "refused") == "rejetée"
        assert state_label("application", "") == "—"
        assert state_label("unknown", "x") == "x"  # never an error on an old entry
