"""The synonym list form (validated line by line by the service)."""
from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, StringField, TextAreaField
from wtforms.validators import Length, Optional


class SynonymForm(FlaskForm):
    base_id = HiddenField()
    text = TextAreaField("Synonymer och förkortningar (en grupp per rad)",
                         render_kw={"rows": 24, "spellcheck": "false"})
    confirm_empty = BooleanField("Ja, töm listan: sökningen ska vara utan synonymer och förkortningar")
    note = StringField("Vad ändrade du? (valfritt)",
                       validators=[Optional(), Length(max=500, message="Högst 500 tecken.")])
