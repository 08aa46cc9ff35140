"""Signals: how a lower domain lets a higher one act without importing it (as Indico's
`indico.core.signals`). Applications stand below sessions, sessions below certificates: when
something of theirs concerns a domain above, they send a signal its module connected to at
import (`create_app` imports every domain). The sender is the object the event is about; a
receiver that refuses raises the sender's own error, and the sender's transaction is rolled
back with everything else."""

from blinker import Namespace

_signals = Namespace()

application_withdrawn = _signals.signal(
    "application-withdrawn",
    doc="""A scheduled application was withdrawn by its structure (sender: the application,
    already in its new state). The sessions take it off the agenda, or refuse by raising
    `applications.workflow.TransitionError` once the session has opened.""",
)

proposal_voted = _signals.signal(
    "proposal-voted",
    doc="""The council's vote on a proposal about a label's status closed (sender: the agenda
    item; `outcome`: the tally's outcome value; `actor`: who closed it). The certificates apply
    it; exactly one receiver must answer.""",
)

session_preparation = _signals.signal(
    "session-preparation",
    doc="""The secretariat's page preparing a session is drawn (sender: the session). Each
    receiver returns a dict of what it adds to the page (the certificates: the proposals on
    labels waiting for an agenda).""",
)

structure_page = _signals.signal(
    "structure-page",
    doc="""A structure's page is drawn (sender: the structure). Each receiver returns a dict of
    what it adds: the charter its signature and standing, the applications its files.""",
)

application_page = _signals.signal(
    "application-page",
    doc="""An application's page is drawn (sender: the application). Each receiver returns a
    dict of what it adds (the certificates: the label's certificate, status and proposal).""",
)

assessment_result = _signals.signal(
    "assessment-result",
    doc="""A self-assessment's result page is drawn (sender: the assessment). Each receiver
    returns a dict of what it adds (the open data: `peer_groups`, the scores of the labelled
    structures of the same family and of the same EPCI, for `assessments.peers`).""",
)


def gathered(signal, sender, **kwargs) -> dict:
    """The receivers' dicts merged: what a page adds from the domains above it."""
    merged: dict = {}
    for _receiver, value in signal.send(sender, **kwargs):
        merged.update(value or {})
    return merged
