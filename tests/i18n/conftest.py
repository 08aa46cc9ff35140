"""Each request of these tests chooses its locale afresh; English comes from the real
catalogue (cdess/translations/en), as a deployment reads it."""

import pytest
from flask_babel import refresh


@pytest.fixture(autouse=True)
def locale_per_request(app):
    """Each request chooses its locale afresh. A server pushes an application context per
    request; the tests' requests share the test's one, where Flask-Babel keeps the first
    request's locale (`g`): forgotten before each request here, as a new context would."""
    hooks = app.before_request_funcs.setdefault(None, [])
    if refresh not in hooks:
        hooks.insert(0, refresh)
