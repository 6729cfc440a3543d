"""`flask --app app users create EMAIL [--admin]`."""

from __future__ import annotations

import re

from sqlalchemy import select

from forum.auth.models import User
from forum.extensions import db
from tests import factories
from tests.auth.helpers import actions, log_in


def _create(app, *args, env=None):
    db.session.commit()
    return app.test_cli_runner().invoke(args=["users", "create", *args], env=env)


def test_creates_a_user_and_prints_a_working_password(app, client):
    result = _create(app, "Sara.Lind@Example.org")
    assert result.exit_code == 0, result.output
    assert "Created user sara.lind@example.org" in result.output
    password = re.search(r"Password: (\S+)", result.output).group(1)
    db.session.expire_all()
    user = db.session.scalar(select(User))
    assert (user.email, user.name, user.is_admin, user.active) == ("sara.lind@example.org", "sara.lind", False, True)
    assert user.check_password(password)
    [created] = actions("user.created")
    assert created.user_id is None and created.details["via"] == "cli"
    assert log_in(client, "sara.lind@example.org", password).status_code == 302


def test_admin_flag_name_and_given_password(app):
    result = _create(app, "boss@example.org", "--admin", "--name", "Chefen", "--password", "ett bra lösenord")
    assert result.exit_code == 0, result.output
    assert "Created admin boss@example.org" in result.output
    assert "Password: ett bra lösenord" in result.output
    db.session.expire_all()
    user = db.session.scalar(select(User))
    assert user.is_admin and user.name == "Chefen" and user.check_password("ett bra lösenord")


def test_password_from_the_environment(app):
    result = _create(app, "env@example.org", env={"FORUM_NEW_USER_PASSWORD": "från miljön 123"})
    assert result.exit_code == 0, result.output
    db.session.expire_all()
    assert db.session.scalar(select(User)).check_password("från miljön 123")


def test_duplicate_email_is_a_clear_error(app):
    factories.user("taken@example.org")
    result = _create(app, "TAKEN@example.org")
    assert result.exit_code != 0
    assert "There is already an account with that e-mail address." in result.output
    assert "Traceback" not in result.output


def test_malformed_email_is_a_clear_error(app):
    result = _create(app, "not-an-address")
    assert result.exit_code != 0
    assert "Enter a valid e-mail address" in result.output
    db.session.expire_all()
    assert db.session.scalar(select(User)) is None


def test_too_short_password_is_refused(app):
    result = _create(app, "x@example.org", "--password", "kort")
    assert result.exit_code != 0
    assert "The password must be at least 10 characters." in result.output
