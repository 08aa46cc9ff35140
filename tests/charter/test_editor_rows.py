"""The criterion editor (issue 20): options and bands are rows posted as indexed fields (a blank
row ignored, the posted order kept), a wrong row gets its message next to it, and the fields of
each answer type are marked so that the page shows only the chosen type's (rows.js)."""

import re

import pytest

from cdess.accounts.models import Role
from cdess.charter.models import AnswerType, CharterStatus, CharterVersion, Criterion
from cdess.extensions import db
from tests.factories import html


@pytest.fixture
def draft(client, charter, create_user, login):
    """A draft of the published charter, its editor logged in."""
    login(create_user(Role.secretariat))
    client.post("/secretariat/charte/brouillon")
    return db.session.execute(
        db.select(CharterVersion).filter_by(status=CharterStatus.draft)
    ).scalar_one()


def _criterion(draft, answer_type: AnswerType) -> Criterion:
    return next(c for c in draft.criteria if c.answer_type is answer_type)


def _base(criterion: Criterion, answer_type: str) -> dict:
    return {"code": criterion.code, "question": criterion.question, "answer_type": answer_type}


def _rows(prefix: str, names: tuple[str, ...], *rows) -> dict:
    """Indexed fields: rows given as (index, values…)."""
    return {
        f"{prefix}-{index}-{name}": value
        for index, *values in rows
        for name, value in zip(names, values, strict=True)
    }


OPTION = ("key", "label", "points")
BAND = ("min", "max", "points")


def test_the_page_shows_the_options_as_rows_plus_a_blank_one(client, draft):
    criterion = _criterion(draft, AnswerType.choice)
    page = html(client.get(f"/secretariat/charte/{draft.id}/criteres/{criterion.id}"))
    assert "clé | libellé | points" not in page and "options_text" not in page
    for index, option in enumerate(criterion.options):
        assert f'name="options-{index}-key" type="text" value="{option.key}"' in page
        assert f'id="options-{index}-label"' in page and f'for="options-{index}-label"' in page
        assert f"<legend>Réponse {index + 1}</legend>" in page
    blank = len(criterion.options)
    assert f'name="options-{blank}-key" type="text" value=""' in page
    assert f'name="options-{blank + 1}-key"' not in page
    # Each type's fields are marked (shown alone with JavaScript) and say their type without.
    assert re.search(r'data-answer-types="choice">\s*<fieldset class="rows" id="options"', page)
    assert re.search(r'data-answer-types="number">\s*<fieldset class="rows" id="bands"', page)
    assert re.search(
        r'data-answer-types="yes_no">\s*<div class="field">\s*<label for="points">'
        r"Points \(oui / non\)",
        page,
    )
    assert "Réponses proposées (choix unique)" in page and "Tranches (nombre)" in page
    assert 'src="/static/js/rows.js"' in page


def test_rows_are_saved_in_the_posted_order_blank_ones_ignored(client, draft):
    criterion = _criterion(draft, AnswerType.choice)
    rows = _rows(
        "options",
        OPTION,
        (0, "jamais", "Jamais", "0"),
        (7, "", "", ""),  # a blank row (the one left for adding, without JavaScript)
        (3, "parfois", "Parfois", "2,5"),
        (12, " souvent ", "Souvent ", "5"),
    )
    response = client.post(
        f"/secretariat/charte/{draft.id}/criteres/{criterion.id}",
        data=_base(criterion, "choice") | rows,
    )
    assert response.status_code == 302
    db.session.expire_all()
    assert [(o.key, o.label, o.points, o.position) for o in criterion.options] == [
        ("jamais", "Jamais", 0, 0),
        ("parfois", "Parfois", 2.5, 1),
        ("souvent", "Souvent", 5, 2),
    ]


def test_a_wrong_row_gets_its_message_next_to_it_and_nothing_is_saved(client, draft):
    criterion = _criterion(draft, AnswerType.choice)
    before = [(o.key, o.label, o.points) for o in criterion.options]
    rows = _rows(
        "options",
        OPTION,
        (0, "a", "Non", "0"),
        (1, "b", "", "3"),
        (2, "a", "Encore", "-1"),
    )
    response = client.post(
        f"/secretariat/charte/{draft.id}/criteres/{criterion.id}",
        data=_base(criterion, "choice") | rows,
    )
    page = html(response)
    assert response.status_code == 200
    second = re.search(r'<p class="error-message" id="options-1-erreur">([^<]+)</p>', page)
    assert second and second.group(1) == "Indiquez un libellé."
    assert re.search(
        r'aria-describedby="options-1-erreur" aria-invalid="true" id="options-1-label"'
        r'|aria-invalid="true"[^>]*id="options-1-label"',
        page,
    )
    third = re.search(r'id="options-2-erreur">([^<]+)</p>', page).group(1)
    assert third == "Clé déjà prise par la réponse 1. Des points positifs."
    assert 'id="options-0-erreur"' not in page  # the right row has no message
    assert 'value="Encore"' in page  # what was typed comes back
    assert "Réponse 2 : Indiquez un libellé." in page  # and the summary names the rows
    db.session.expire_all()
    assert [(o.key, o.label, o.points) for o in criterion.options] == before


def test_a_choice_needs_two_answers(client, draft):
    criterion = _criterion(draft, AnswerType.choice)
    data = _base(criterion, "choice") | _rows("options", OPTION, (0, "a", "Seule", "1"))
    page = html(client.post(f"/secretariat/charte/{draft.id}/criteres/{criterion.id}", data=data))
    assert 'id="options-erreur">Un choix unique propose au moins deux réponses.</p>' in page


def test_bands_as_rows_open_ends_and_order(client, draft):
    criterion = _criterion(draft, AnswerType.number)
    url = f"/secretariat/charte/{draft.id}/criteres/{criterion.id}"
    rows = _rows("bands", BAND, (0, "", "10", "0"), (1, "10", "", "5"), (2, "", "", ""))
    assert client.post(url, data=_base(criterion, "number") | rows).status_code == 302
    db.session.expire_all()
    assert [(b.min, b.max, b.points) for b in criterion.bands] == [(None, 10, 0), (10, None, 5)]
    wrong = _rows("bands", BAND, (0, "20", "10", "1"), (1, "x", "", ""))
    page = html(client.post(url, data=_base(criterion, "number") | wrong))
    assert 'id="bands-0-erreur">Le minimum doit être inférieur au maximum.</p>' in page
    assert (
        'id="bands-1-erreur">Un nombre, ou vide pour sans borne. Des points attendus.</p>' in page
    )


def test_other_types_rows_are_ignored_and_a_flood_of_rows_is_cut(client, draft):
    criterion = _criterion(draft, AnswerType.yes_no)
    url = f"/secretariat/charte/{draft.id}/criteres/{criterion.id}"
    stray = _rows("options", OPTION, (0, "", "", "x")) | _rows("bands", BAND, (0, "a", "", ""))
    data = _base(criterion, "yes_no") | {"points": "4"} | stray
    assert client.post(url, data=data).status_code == 302
    db.session.expire_all()
    assert criterion.points == 4 and criterion.options == [] and criterion.bands == []
    flood = _rows("options", OPTION, *((i, f"k{i}", f"Réponse {i}", "1") for i in range(500)))
    assert client.post(url, data=_base(criterion, "choice") | flood).status_code == 302
    db.session.expire_all()
    assert len(criterion.options) == 30  # MAX_ROWS: the editor never offers more
    # An index no editor writes (thousands of digits: Python will not read it) is ignored.
    huge = _rows(
        "options", OPTION, (0, "a", "Oui", "1"), (1, "b", "Non", "0"), ("9" * 5000, "c", "x", "1")
    )
    assert client.post(url, data=_base(criterion, "choice") | huge).status_code == 302
    db.session.expire_all()
    assert [o.key for o in criterion.options] == ["a", "b"]


def test_family_checkboxes_are_in_a_fieldset(client, draft):
    criterion = _criterion(draft, AnswerType.yes_no)
    page = html(client.get(f"/secretariat/charte/{draft.id}/criteres/{criterion.id}"))
    assert re.search(r"<legend>Familles concernées \(aucune cochée : toutes\)</legend>\s*<ul", page)
