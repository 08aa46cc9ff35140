"""A certificate granted at a council's session, and the API's description as served, with the
validator of each answer against it."""

import json
from datetime import datetime

import pytest
from openapi_core import OpenAPI
from openapi_core.contrib.werkzeug import WerkzeugOpenAPIRequest, WerkzeugOpenAPIResponse

from cdess.applications.models import State
from cdess.certificates import services as certificates
from cdess.extensions import db
from cdess.sessions.models import AgendaItem
from tests.factories import past_session

SITE = "http://cdess.test"  # the tests' BASE_URL: the description's server
_SPECS: dict[str, OpenAPI] = {}  # built once a run (checking a description costs ~0.1 s)


@pytest.fixture
def granted_at_session(grant):
    """A granted application whose label the session of 20 May 2026 voted, and that session."""

    def make(**structure_fields):
        application = grant(**structure_fields)
        start = datetime(2026, 5, 20, 14)
        session = past_session(start)
        db.session.add(
            AgendaItem(
                session=session,
                application=application,
                position=1,
                result={"outcome": State.granted.value},
                vote_closed_at=start.replace(minute=30),
            )
        )
        db.session.commit()
        return application, session

    return make


@pytest.fixture
def certificate(granted_at_session, people):
    """A valid certificate of the Recyclerie du Ternois (SIREN of its fixture), issued."""
    application, _session = granted_at_session(name="Recyclerie du Ternois")
    issued = certificates.issue(application, people["secretariat"])
    db.session.commit()
    return issued


@pytest.fixture
def api(client):
    """GET an address of the site; the answer, checked against the served description."""
    served = client.get(SITE + "/api/v1/openapi.json").get_data(as_text=True)
    if served not in _SPECS:
        _SPECS[served] = OpenAPI.from_dict(json.loads(served))
    spec = _SPECS[served]

    def get(path: str, **kwargs):
        response = client.get(SITE + path, **kwargs)
        if response.status_code != 304:
            spec.validate_response(
                WerkzeugOpenAPIRequest(response.request), WerkzeugOpenAPIResponse(response)
            )
        return response

    get.app = client.application
    return get
