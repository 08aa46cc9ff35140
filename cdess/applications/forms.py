from flask_babel import lazy_gettext as _l
from wtforms import DateField, SelectField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length

from cdess.web.forms import REQUIRED, Form


class ObjectiveForm(Form):
    criterion = SelectField(
        _l("Critère à atteindre"), validators=[DataRequired(REQUIRED)], choices=[]
    )
    target_date = DateField(
        _l("Échéance"),
        validators=[InputRequired(REQUIRED)],
        invalid_value_message=_l("Saisissez une date valide."),
    )
    text = TextAreaField(
        _l("Ce que la structure va faire"),
        validators=[DataRequired(REQUIRED), Length(max=1000)],
        render_kw={"rows": 3},
    )


class NoteForm(Form):
    text = TextAreaField(
        _l("Note interne (jamais montrée au candidat)"),
        validators=[DataRequired(REQUIRED), Length(max=4000)],
        render_kw={"rows": 3},
    )
