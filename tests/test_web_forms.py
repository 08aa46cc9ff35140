"""The shared form fields."""

from decimal import Decimal

import pytest

from cdess.web.forms import Form, FrenchDecimalField


class Numbers(Form):
    value = FrenchDecimalField("Valeur")


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("62,5", Decimal("62.5")),
        ("1 200,25", Decimal("1200.25")),
        ("3.5", Decimal("3.5")),
        ("1\u202f000", Decimal("1000")),
        ("", None),
    ],
)
def test_french_decimals_are_read(app, typed, expected):
    with app.test_request_context(method="POST", data={"value": typed}):
        form = Numbers(meta={"csrf": False})
        assert form.validate() and form.value.data == expected


@pytest.mark.parametrize("typed", ["douze", "nan", "inf", "1,2,3", "9" * 40])
def test_what_is_not_a_number_gets_a_french_message(app, typed):
    with app.test_request_context(method="POST", data={"value": typed}):
        form = Numbers(meta={"csrf": False})
        assert not form.validate()
        assert form.value.errors == ["Saisissez un nombre, par exemple 12 ou 12,5."]
        assert form.value._value() == typed  # the field comes back as typed
