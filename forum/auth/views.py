"""Login, logout, password change and reset by e-mailed link."""

from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user

from forum.auth import services
from forum.auth.forms import ChangePasswordForm, LoginForm, ResetPasswordForm, ResetRequestForm, show_error
from forum.auth.policy import Permission, public, requires
from forum.extensions import limiter
from forum.security import safe_next

bp = Blueprint("auth", __name__, url_prefix="/admin")


def _login_rate_limit() -> str:
    return current_app.config["FORUM_LOGIN_RATE_LIMIT"]


def _dashboard() -> str:
    return url_for("events_admin.dashboard")


@bp.route("/login", methods=["GET", "POST"])
@public
@limiter.limit(_login_rate_limit, methods=["POST"])
def login():
    target = safe_next(request.args.get("next"), _dashboard())
    if current_user.is_authenticated:
        return redirect(target)
    form = LoginForm()
    failed = False
    if form.validate_on_submit():
        user = services.authenticate(form.email.data, form.password.data)
        if user is not None:
            login_user(user)
            flash(_("Du är inloggad."), "success")
            return redirect(target)
        failed = True
    return render_template("auth/login.html", form=form, failed=failed)


@bp.post("/logout")
@requires(Permission.LOGIN)
def logout():
    logout_user()
    flash(_("Du är utloggad."), "success")
    return redirect(url_for("events.index"))


@bp.route("/password", methods=["GET", "POST"])
@requires(Permission.LOGIN)
def change_password():
    form = ChangePasswordForm()
    if form.validate_on_submit():
        try:
            services.change_password(current_user, form.current_password.data, form.new_password.data)
        except services.AccountError as error:
            show_error(form, error)
        else:
            # The session token changed with the password: log this session in again, others end.
            login_user(current_user._get_current_object())
            flash(_("Ditt lösenord är bytt. Andra inloggningar med ditt konto har loggats ut."), "success")
            return redirect(_dashboard())
    return render_template("auth/change_password.html", form=form)


@bp.route("/password/reset", methods=["GET", "POST"])
@public
@limiter.limit(_login_rate_limit, methods=["POST"])
def request_reset():
    form = ResetRequestForm()
    if form.validate_on_submit():
        services.request_password_reset(form.email.data)
        return render_template("auth/reset_requested.html")
    return render_template("auth/reset_request.html", form=form)


@bp.route("/password/reset/<token>", methods=["GET", "POST"])
@public
@limiter.limit(_login_rate_limit, methods=["POST"])
def reset_password(token: str):
    state, stored = services.reset_token_state(token)
    if state != services.TokenState.VALID:
        status = 404 if state == services.TokenState.UNKNOWN else 410
        return render_template("auth/reset_invalid.html", state=state), status
    form = ResetPasswordForm()
    if form.validate_on_submit():
        try:
            user = services.reset_password(token, form.new_password.data)
        except services.AccountError as error:
            if error.field is None:
                return render_template("auth/reset_invalid.html", state=services.TokenState.USED), 410
            show_error(form, error)
        else:
            logout_user()
            login_user(user)
            flash(_("Ditt nya lösenord är sparat och du är inloggad."), "success")
            return redirect(_dashboard())
    # The token is in this page's address: keep it out of Referer headers.
    headers = {"Referrer-Policy": "no-referrer"}
    return render_template("auth/reset_password.html", form=form, user=stored.user), 200, headers
