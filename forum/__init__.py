"""Forum: events for Swedish preparedness networks."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import Flask

ROOT = Path(__file__).resolve().parent.parent


def create_app(overrides: dict[str, Any] | None = None) -> Flask:
    from forum import config as settings
    from forum import models  # noqa: F401 - the whole schema, for Alembic and create_all
    from forum.db import configure_sqlite
    from forum.extensions import babel, csrf, db, limiter, login, mail, migrate

    app = Flask(
        __name__,
        instance_path=str(ROOT / "instance"),
        template_folder=str(ROOT / "templates"),
        static_folder=str(ROOT / "static"),
    )
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    from forum.security import DatabaseInteger

    app.url_map.converters["int"] = DatabaseInteger  # before any route is added

    values = settings.load_settings()
    values.update(overrides or {})
    values["SQLALCHEMY_DATABASE_URI"] = settings.database_uri(app.instance_path, values.get("SQLALCHEMY_DATABASE_URI"))
    app.config.update(values)
    if not app.config.get("SECRET_KEY"):  # Flask's defaults hold SECRET_KEY=None, so setdefault would not do
        app.config["SECRET_KEY"] = settings.secret_key(app.instance_path)
    app.config.update(
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=app.config["FORUM_HTTPS"],
        REMEMBER_COOKIE_HTTPONLY=True,
        REMEMBER_COOKIE_SAMESITE="Lax",
        REMEMBER_COOKIE_SECURE=app.config["FORUM_HTTPS"],
        PREFERRED_URL_SCHEME="https" if app.config["FORUM_HTTPS"] else "http",
        BABEL_DEFAULT_LOCALE="sv",
        BABEL_DEFAULT_TIMEZONE=app.config["FORUM_TIMEZONE"],
        BABEL_TRANSLATION_DIRECTORIES=str(ROOT / "forum" / "translations"),
        WTF_CSRF_TIME_LIMIT=None,
        MAX_CONTENT_LENGTH=16 * 1024 * 1024,
        SQLALCHEMY_ENGINE_OPTIONS=_engine_options(app.config["SQLALCHEMY_DATABASE_URI"]),
    )

    if app.config["FORUM_PROXY_COUNT"] > 0:
        from werkzeug.middleware.proxy_fix import ProxyFix

        proxies = app.config["FORUM_PROXY_COUNT"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies)

    db.init_app(app)
    with app.app_context():
        if db.engine.dialect.name == "sqlite":
            configure_sqlite(db.engine, app.config["FORUM_SQLITE_BUSY_TIMEOUT_MS"])
    migrate.init_app(app, db, directory=str(ROOT / "migrations"), render_as_batch=True, compare_type=True)
    mail.init_app(app)
    from forum import mail as outbox

    outbox.init_app(app)
    csrf.init_app(app)
    limiter.init_app(app)
    _init_babel(app, babel)
    _init_login(app, login)
    _register_blueprints(app)
    _register_templating(app)
    _register_security(app)

    from forum import errors
    from forum.cli import register_cli

    errors.register(app)
    register_cli(app)
    from forum.api import door

    door.install(app)
    return app


def _engine_options(uri: str) -> dict[str, Any]:
    if uri.startswith("sqlite"):
        # The busy timeout is set as a PRAGMA on connect (forum.db.configure_sqlite).
        from forum.db import SQLiteConnection

        return {"connect_args": {"check_same_thread": False, "factory": SQLiteConnection}}
    return {"pool_pre_ping": True}


def _init_babel(app: Flask, babel) -> None:
    from forum.i18n import register_filters, select_locale

    babel.init_app(app, locale_selector=select_locale, timezone_selector=lambda: app.config["FORUM_TIMEZONE"])
    register_filters(app)


def _init_login(app: Flask, login) -> None:
    from flask_babel import lazy_gettext as _l

    from forum.auth.models import User
    from forum.extensions import db

    login.init_app(app)
    login.login_view = "auth.login"
    login.login_message = _l("Logga in för att se sidan.")
    login.login_message_category = "info"
    login.session_protection = "basic"

    @login.user_loader
    def load_user(identity: str):
        user_id, _, token = identity.partition(":")
        if not user_id.isdigit():
            return None
        user = db.session.get(User, int(user_id))
        if user is None or not token or user.session_token != token:
            return None
        return user


def _register_blueprints(app: Flask) -> None:
    from forum.api.views import bp as api
    from forum.auth.admin_views import bp as users_admin
    from forum.auth.views import bp as auth
    from forum.badges.admin_views import bp as badges_admin
    from forum.badges.views import bp as badges
    from forum.calendar.views import bp as calendar
    from forum.checkin.views import bp as checkin
    from forum.events.accessibility_views import bp as accessibility
    from forum.events.admin_views import bp as events_admin
    from forum.events.views import bp as events
    from forum.invitations.admin_views import bp as invitations_admin
    from forum.invitations.import_views import bp as invitations_import
    from forum.invitations.views import bp as invitations
    from forum.mail.admin_views import bp as outbox_admin
    from forum.mail.broadcast_views import bp as messages_admin
    from forum.mail.unsubscribe_views import bp as mail_unsubscribe
    from forum.privacy.admin_views import bp as privacy_admin
    from forum.privacy.views import bp as privacy
    from forum.programme.admin_views import bp as programme_admin
    from forum.programme.call_admin_views import bp as calls_admin
    from forum.programme.call_views import bp as calls
    from forum.programme.speaker_admin_views import bp as speakers_admin
    from forum.programme.speaker_views import bp as speakers
    from forum.programme.views import bp as programme
    from forum.registration.admin_views import bp as registrations_admin
    from forum.registration.question_views import bp as questions_admin
    from forum.registration.views import bp as registration
    from forum.reports.bulk_views import bp as bulk_admin
    from forum.reports.export_views import bp as exports_admin
    from forum.reports.participant_views import bp as participant_list
    from forum.reports.statistics_views import bp as statistics_admin

    for blueprint in (
        events,
        auth,
        events_admin,
        users_admin,
        registration,
        invitations,
        questions_admin,
        privacy,
        privacy_admin,
        calendar,
        programme,
        outbox_admin,
        messages_admin,
        mail_unsubscribe,
        registrations_admin,
        invitations_import,
        invitations_admin,
        programme_admin,
        speakers,
        speakers_admin,
        calls,
        calls_admin,
        api,
        badges,
        badges_admin,
        participant_list,
        statistics_admin,
        bulk_admin,
        exports_admin,
        checkin,
        accessibility,
    ):
        app.register_blueprint(blueprint)


def _register_templating(app: Flask) -> None:
    from forum import templating
    from forum.text import register_filters

    register_filters(app)
    templating.register(app)


def _register_security(app: Flask) -> None:
    from forum.auth.policy import enforce_declared
    from forum.ratelimits import limit_token_pages
    from forum.security import install_security_headers

    enforce_declared(app)
    limit_token_pages(app)
    install_security_headers(app)
