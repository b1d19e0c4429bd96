"""Login, logout and the user's own account page."""
from urllib.parse import urlsplit

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_user, logout_user

from portal.api import services as api
from portal.auth import services
from portal.auth.forms import ChangePasswordForm, LoginForm
from portal.errors import ValidationError
from portal.forms import apply_error
from portal.policy import requires

bp = Blueprint("auth", __name__)

LOGIN_FAILED = "Fel e-postadress eller lösenord."
ACCOUNT_DISABLED = ("Kontot är inaktiverat, så du kan inte logga in. Kontakta portalens administratör "
                    "om du fortfarande behöver det.")


def safe_next(target: str | None) -> str:
    """Only local paths; anything with a scheme, host, backslash or control character (which
    browsers drop, and which cannot go into a Location header) goes to the start page."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target \
            or any(ord(c) < 32 or ord(c) == 127 for c in target):
        return url_for("main.index")
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return url_for("main.index")
    return target


@bp.route("/logga-in", methods=["GET", "POST"])
def login():
    if current_user.is_authenticated:
        return redirect(safe_next(request.args.get("next")))
    form = LoginForm(next=request.args.get("next", ""))
    status = 200
    if form.validate_on_submit():
        try:
            user = services.authenticate(form.email.data, form.password.data)
        except services.LoginThrottled as throttled:
            form.password.errors.append(
                f"För många misslyckade försök. Vänta {throttled.wait_seconds} sekunder och försök igen.")
            return render_template("auth/login.html", form=form), 429
        except services.AccountDisabled:
            form.password.errors.append(ACCOUNT_DISABLED)
            return render_template("auth/login.html", form=form), 403
        if user is not None:
            login_user(user)
            return redirect(safe_next(form.next.data))
        form.password.errors.append(LOGIN_FAILED)
        status = 200
    elif form.is_submitted():
        status = 400
    return render_template("auth/login.html", form=form), status


@bp.route("/logga-ut", methods=["POST"])
def logout():
    if current_user.is_authenticated:
        services.record_logout(current_user)
    logout_user()
    flash("Du är utloggad.", "info")
    return redirect(url_for("auth.login"))


@bp.route("/konto", methods=["GET", "POST"])
@requires("account.change_password")
def account():
    form = ChangePasswordForm()
    if form.validate_on_submit():
        try:
            services.change_password(current_user, form.current_password.data, form.new_password.data)
        except ValidationError as error:
            apply_error(form, error)
        else:
            # The session token changed: log in again on this device only.
            login_user(current_user._get_current_object())
            flash("Ditt lösenord är bytt. Andra inloggningar har loggats ut.", "success")
            return redirect(url_for("auth.account"))
    tokens = [t for t in api.tokens_of(current_user) if t.active]
    return render_template("auth/account.html", form=form, tokens=tokens), 400 if form.errors else 200
