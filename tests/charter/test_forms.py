"""The editor's forms map a criterion and the version's settings both ways: what a form shows,
posted back unchanged, gives the service what the model already holds."""

import pytest
from werkzeug.datastructures import MultiDict
from wtforms import FieldList

from cdess.charter.forms import CharterSettingsForm, CriterionForm, PrincipleForm


def _posted(form) -> MultiDict:
    """The form's fields as a browser would send them back untouched."""
    data = MultiDict()
    for field in form:
        if field.name == "csrf_token":
            continue
        if field.type == "BooleanField":
            if field.data:
                data.add(field.name, "y")
        elif field.type == "SelectField":
            data.add(field.name, field.data)
        elif field.type == "CheckboxListField":
            for value in field.data or []:
                data.add(field.name, value)
        elif isinstance(field, FieldList):  # rows: options-0-key, options-0-label…
            for entry in field:
                for subfield in entry.form:
                    data.add(subfield.name, subfield._value())
        else:
            data.add(field.name, field._value())
    return data


def _round_trip(app, form_class, filled):
    with app.test_request_context(method="POST", data=_posted(filled)):
        form = form_class()
        assert form.validate(), form.errors
        return form.to_fields()


@pytest.mark.parametrize("answer_type", ["yes_no", "choice", "number"])
def test_criterion_form_round_trip(app, charter, answer_type):
    criterion = next(c for c in charter.criteria if c.answer_type.value == answer_type)
    with app.test_request_context():
        filled = CriterionForm.from_criterion(criterion)
    fields = _round_trip(app, CriterionForm, filled)
    assert fields["code"] == criterion.code and fields["answer_type"] is criterion.answer_type
    assert fields["question"] == criterion.question and fields["points"] == criterion.points
    assert fields["eliminatory"] is criterion.eliminatory
    assert fields["families"] == (list(criterion.families or []) or None)
    assert fields["min_value"] == criterion.min_value
    assert fields["max_value"] == criterion.max_value
    assert fields["options"] == [(o.key, o.label, o.points) for o in criterion.options]
    assert fields["bands"] == [(b.min, b.max, b.points) for b in criterion.bands]


def test_a_new_criterion_starts_as_yes_no_for_ten_points(app):
    with app.test_request_context():
        form = CriterionForm.from_criterion(None)
    assert form.answer_type.data == "yes_no" and form.points.data == 10


def test_criterion_form_writes_the_code_in_capitals(app):
    data = {"code": "gov-99", "question": "Q ?", "answer_type": "yes_no", "points": "5"}
    with app.test_request_context(method="POST", data=data):
        form = CriterionForm()
        assert form.validate(), form.errors
        fields = form.to_fields()
    assert fields["code"] == "GOV-99" and fields["families"] is None and fields["help"] == ""
    assert fields["min_value"] is None and fields["options"] == [] and fields["bands"] == []


def test_settings_form_round_trip(app, charter):
    with app.test_request_context():
        filled = CharterSettingsForm.from_version(charter)
    fields = _round_trip(app, CharterSettingsForm, filled)
    assert fields == {
        "title": charter.title,
        "threshold": charter.threshold,
        "floor": charter.principle_floor,
        "commitments": list(charter.commitments),
    }


def test_principle_form_round_trip(app, charter):
    principle = charter.principles[0]
    with app.test_request_context():
        filled = PrincipleForm(obj=principle)
    assert _round_trip(app, PrincipleForm, filled) == {
        "code": principle.code,
        "title": principle.title,
        "description": principle.description or "",
        "weight": principle.weight,
    }
