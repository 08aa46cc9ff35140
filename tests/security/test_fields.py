"""Typed text and numbers: every one-line field of every form refuses control characters (a
name with CR LF used to be stored, then fail its next email after the commit), text areas keep
their line breaks, an email subject never breaks a header, and integer fields hold what the
database holds. The forms are read from the application: a new one is covered without a new
line here."""

import importlib
import importlib.util
import pkgutil
from types import SimpleNamespace

import pytest
import wtforms
from flask_wtf import FlaskForm
from werkzeug.datastructures import MultiDict

import cdess
from cdess.accounts.models import Role
from cdess.extensions import db
from cdess.notifications import services as notifications
from cdess.structures.models import Structure
from cdess.web import forms, text
from tests.factories import STRUCTURE_FORM, html

CONTROL = "Ce champ ne doit pas contenir de caractère de contrôle."


def _subclasses(cls):
    for sub in cls.__subclasses__():
        yield sub
        yield from _subclasses(sub)


def every_form_class() -> list[type]:
    """Every form class of the application (each domain's forms.py, imported)."""
    for module in pkgutil.iter_modules(cdess.__path__):
        if module.ispkg and importlib.util.find_spec(f"cdess.{module.name}.forms"):
            importlib.import_module(f"cdess.{module.name}.forms")
    classes = {c for c in _subclasses(FlaskForm) if c.__module__.startswith("cdess.")}
    return sorted(classes, key=lambda c: (c.__module__, c.__name__))


FORM_CLASSES = every_form_class()


def _one_line(field) -> bool:
    return isinstance(field, wtforms.StringField) and not isinstance(
        field, wtforms.PasswordField | wtforms.TextAreaField
    )


def _validated(form_class, value_of):
    """The form posted with value_of(field) in each text field, validated; its errors."""
    unbound = form_class(formdata=None)
    data = MultiDict({f.name: value_of(f) for f in unbound if isinstance(f, wtforms.StringField)})
    form = form_class(formdata=data)
    for field in form:
        if getattr(field, "choices", ()) is None:  # set by the view; not what is tested here
            field.choices = []
    form.validate()
    return form


def test_the_table_holds_every_form(app):
    assert len(FORM_CLASSES) > 25  # every domain's forms are here
    for form_class in FORM_CLASSES:
        assert issubclass(form_class, forms.Form), f"{form_class} skips the base form"


@pytest.mark.parametrize("form_class", FORM_CLASSES, ids=lambda c: c.__name__)
@pytest.mark.parametrize("typed", ["a\r\nb", "a\x1b[2Jb"])
def test_every_one_line_field_refuses_a_control_character(app, form_class, typed):
    with app.test_request_context(method="POST"):
        form = _validated(form_class, lambda f: typed)
        for field in form:
            where = (form_class.__name__, field.name, field.data, field.errors)
            if _one_line(field) and text.has_refused(field.data or ""):
                assert field.errors == [CONTROL], where  # the one message, next to the field
            elif _one_line(field):  # a filter took it out (spaces in a SIRET, say)
                assert CONTROL not in field.errors, where
            elif isinstance(field, wtforms.TextAreaField):
                assert (CONTROL in field.errors) is (typed != "a\r\nb"), where


@pytest.mark.parametrize("form_class", FORM_CLASSES, ids=lambda c: c.__name__)
def test_every_text_area_refuses_escapes_but_keeps_its_lines(app, form_class):
    with app.test_request_context(method="POST"):
        form = _validated(form_class, lambda f: "a\x1b[2Jb\u202e")
        for field in form:
            if isinstance(field, wtforms.TextAreaField):
                assert field.errors == [CONTROL], (form_class.__name__, field.name)


@pytest.mark.parametrize("form_class", FORM_CLASSES, ids=lambda c: c.__name__)
def test_every_integer_field_is_the_bounded_one(app, form_class):
    with app.test_request_context(method="POST"):
        for field in form_class(formdata=None):
            if isinstance(field, wtforms.IntegerField):
                assert isinstance(field, forms.IntegerField), (form_class.__name__, field.name)


@pytest.mark.parametrize(
    ("char", "one_line", "text_area"),
    [
        ("\r", True, False),
        ("\n", True, False),
        ("\t", True, False),
        ("\x0b", True, True),  # vertical tab: a line break for str.splitlines
        ("\x1b", True, True),
        ("\x7f", True, True),
        ("\x85", True, True),  # NEXT LINE (C1)
        ("\u2028", True, False),  # LINE SEPARATOR (Zl)
        ("\u2029", True, False),  # PARAGRAPH SEPARATOR (Zp)
        ("\u202e", True, True),  # RIGHT-TO-LEFT OVERRIDE: « Trojan source »
        ("\u2066", True, True),  # LEFT-TO-RIGHT ISOLATE
        ("\u200b", True, False),  # ZERO WIDTH SPACE
        ("\u00ad", True, False),  # SOFT HYPHEN, pasted from word processors
        ("\ufeff", True, False),  # BYTE ORDER MARK
        ("\u200d", False, False),  # ZERO WIDTH JOINER: emoji sequences
        ("é", False, False),
        ("\u00a0", False, False),  # no-break space: French typography
        ("\ue000", False, False),  # private use
    ],
)
def test_which_characters_are_refused(char, one_line, text_area):
    assert text.refused(char) is one_line
    assert text.refused(char, multiline=True) is text_area


STRUCTURE = dict(STRUCTURE_FORM, website="")


@pytest.mark.parametrize(
    "name", ["Recyclerie\r\nBcc: tous@exemple.fr", "Recyclerie\u2028du Ternois", "A\u202eB"]
)
def test_a_structure_name_with_a_line_break_is_refused_by_the_field(
    client, login, create_user, name
):
    login(create_user(Role.applicant))
    response = client.post("/structures/nouvelle", data=dict(STRUCTURE, name=name))
    page = html(response)
    assert response.status_code == 200
    assert f'<p class="error-message" id="name-erreur">{CONTROL}' in page
    assert db.session.execute(db.select(Structure)).first() is None


def test_surrounding_line_breaks_are_only_spaces_to_strip(client, login, create_user):
    login(create_user(Role.applicant))
    response = client.post("/structures/nouvelle", data=dict(STRUCTURE, name="Recyclerie\r\n"))
    assert response.status_code == 302
    assert db.session.execute(db.select(Structure.name)).scalar_one() == "Recyclerie"


@pytest.mark.parametrize(
    ("subject", "sent"),
    [
        (
            "Votre structure Recyclerie\r\nBcc: tous@exemple.fr",
            "Votre structure Recyclerie Bcc: tous@exemple.fr",
        ),
        ("A\u2028B\x85C\x0bD\x00E", "A B C D E"),
        ("Re\u00adcy\u200bclerie \u202eA", "Recyclerie A"),
        ("  deux   espaces\t", "deux espaces"),
        ("Émoji 👩\u200d💻", "Émoji 👩\u200d💻"),
        ("x" * 500, "x" * 500),
    ],
)
def test_an_email_subject_never_carries_a_line_break(app, outbox, subject, sent):
    user = SimpleNamespace(display_name="Camille")
    message = notifications.build_message("a@exemple.fr", subject, "confirm", user=user, link="")
    assert message["Subject"] == sent
    assert notifications.send(message)
    (written,) = outbox()
    assert written["Subject"] == sent and written["Bcc"] is None


@pytest.mark.parametrize(
    ("value", "data", "error"),
    [
        ("12", 12, None),
        ("-3", -3, None),
        (str(2**31 - 1), 2**31 - 1, None),
        (str(-(2**31)), -(2**31), None),
        (str(2**31), None, "Saisissez un nombre entier."),
        ("99999999999999999999", None, "Saisissez un nombre entier."),
        ("douze", None, "Saisissez un nombre entier."),
        ("1e9", None, "Saisissez un nombre entier."),
    ],
)
def test_an_integer_field_holds_what_the_database_holds(app, value, data, error):
    class Numbers(forms.Form):
        count = forms.IntegerField("n")

    with app.test_request_context(method="POST"):
        form = Numbers(formdata=MultiDict({"count": value}), meta={"csrf": False})
        form.validate()
        assert form.count.data == data
        assert form.count.errors == ([error] if error else [])


def test_a_huge_number_of_employees_is_refused_in_french(client, login, create_user):
    login(create_user(Role.applicant))
    response = client.post(
        "/structures/nouvelle", data=dict(STRUCTURE, employees="99999999999999999999")
    )
    assert response.status_code == 200
    assert "Saisissez un nombre entier." in html(response)
    assert db.session.execute(db.select(Structure)).first() is None
