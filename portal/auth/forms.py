"""Forms for logging in and changing one's own password."""
from wtforms import EmailField, HiddenField, PasswordField
from wtforms.validators import DataRequired, Length

from portal.forms import Form


class LoginForm(Form):
    email = EmailField("E-postadress", validators=[
        DataRequired("Ange din e-postadress."), Length(max=254, message="E-postadressen är för lång.")],
        render_kw={"autocomplete": "username"})  # WCAG 1.3.5: the purpose of the user's own data
    password = PasswordField("Lösenord", validators=[
        DataRequired("Ange ditt lösenord."), Length(max=1000, message="Lösenordet är för långt.")],
        render_kw={"autocomplete": "current-password"})
    next = HiddenField()  # where to go after logging in; rendered by hidden_tag()


class ChangePasswordForm(Form):
    current_password = PasswordField("Nuvarande lösenord", validators=[
        DataRequired("Ange ditt nuvarande lösenord.")], render_kw={"autocomplete": "current-password"})
    new_password = PasswordField("Nytt lösenord", validators=[
        DataRequired("Ange ett nytt lösenord."),
        Length(min=10, max=1000, message="Lösenordet måste ha 10–1000 tecken.")],
        render_kw={"autocomplete": "new-password"})
    confirm_password = PasswordField("Upprepa nytt lösenord", validators=[
        DataRequired("Upprepa det nya lösenordet.")], render_kw={"autocomplete": "new-password"})

    def validate_confirm_password(self, field):
        if field.data != self.new_password.data:
            from wtforms.validators import ValidationError
            raise ValidationError("Lösenorden är inte likadana.")
