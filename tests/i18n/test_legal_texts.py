"""Legal texts stay French whoever produces them: the minutes of a session (the certificate's
case is in test_certificate_translation.py)."""

import io
from datetime import datetime

from pypdf import PdfReader

from cdess.extensions import db
from cdess.sessions import minutes
from tests.factories import past_session


def test_the_minutes_are_french_when_the_secretariat_browses_in_english(app, people):
    session = past_session(datetime(2026, 5, 20, 14))
    db.session.flush()
    with app.test_request_context(headers={"Accept-Language": "en"}):
        pdf = minutes.write(session)
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    assert "Procès-verbal de la séance du 20 mai 2026" in text
    assert "Minutes of the session" not in text and "May" not in text
