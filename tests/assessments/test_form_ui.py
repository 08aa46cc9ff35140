"""The self-assessment's page: the principles' steps numbered apart from their titles, the
save status in a sticky status line, the criterion's code and references in its help."""

import re
from pathlib import Path

import pytest

from cdess.assessments.models import Assessment
from cdess.extensions import db
from tests.factories import html


@pytest.fixture
def page(client, charter, create_user, create_structure, login):
    owner = create_user()
    login(owner)
    structure = create_structure(owner=owner)
    client.post(f"/structures/{structure.id}/auto-evaluations")
    assessment = db.session.execute(db.select(Assessment)).scalar_one()
    return html(client.get(f"/auto-evaluations/{assessment.id}/principes/GOV"))


def test_steps_keep_numbers_apart_from_titles(page):
    steps = re.search(r'<ol class="steps-list">(.*?)</ol>', page, re.S).group(1)
    assert re.search(r'<span class="step-number"[^>]*>1\.</span> <a [^>]*>', steps)
    assert re.search(r'<span class="step-number"[^>]*>3\.</span> <a [^>]*>Ancrage', steps)
    assert 'class="step-result"' in steps


def test_save_status_is_a_sticky_live_region(page):
    bar = re.search(r'<div class="form-actions sticky-actions">(.*?)</div>', page, re.S).group(1)
    assert 'role="status"' in bar and 'aria-live="polite"' in bar
    assert "Enregistrer et continuer" in bar
    css = Path("static/css/cdess.css").read_text()
    assert re.search(r"\.sticky-actions\s*{[^}]*position:\s*sticky", css)


def test_code_and_references_are_help_not_question(page):
    legend = re.search(r'id="q-GOV-01".*?<legend>(.*?)</legend>', page, re.S).group(1)
    assert "GOV-01" not in legend and "Loi du 31 juillet" not in legend
    assert "Vos statuts organisent-ils" in legend
    hint = re.search(r'<p class="hint" id="c-GOV-01-aide">(.*?)</p>', page, re.S).group(1)
    assert "Loi du 31 juillet 2014" in hint and "Critère GOV-01" in hint
    assert re.search(r'<fieldset aria-describedby="c-GOV-01-aide"', page)
    label = re.search(r'<label for="c-GOV-07">(.*?)</label>', page, re.S).group(1)
    assert "GOV-07" not in label
