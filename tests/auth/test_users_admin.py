"""Admins manage accounts: list and search, create (password shown once, optional link), edit, roles."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from forum.auth.models import EventRole, Role, User
from forum.extensions import db
from tests import factories
from tests.auth.helpers import actions, english, error_for, link_in, log_in, outbox, text, value_of
from tests.conftest import login_as, submit


@pytest.fixture
def admin(client):
    user = factories.user("admin@example.org", admin=True, name="Ada Admin")
    db.session.commit()
    login_as(client, user)
    return user


def _user(email: str) -> User | None:
    return db.session.scalar(select(User).where(User.email == email))


# --- access -----------------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/admin/users", "/admin/users/new"])
def test_only_admins(client, path):
    organiser = factories.user(roles={factories.event(): "owner"})
    db.session.commit()
    assert client.get(path).status_code == 302  # anonymous: to the login
    login_as(client, organiser)
    assert client.get(path).status_code == 403
    edit = f"/admin/users/{organiser.id}/edit"
    assert client.get(edit).status_code == 403


# --- list -------------------------------------------------------------------------------------


def test_list_searches_name_and_email(client, admin):
    factories.user("britt@example.org", name="Britt Svensson")
    factories.user("olle@kommun.se", name="Olle Persson")
    db.session.commit()

    everyone = text(client.get("/admin/users"))
    assert "Britt Svensson" in everyone and "Olle Persson" in everyone and "Ada Admin" in everyone

    by_name = text(client.get("/admin/users?q=svens"))
    assert "Britt Svensson" in by_name and "Olle Persson" not in by_name
    by_email = text(client.get("/admin/users?q=KOMMUN.se"))
    assert "Olle Persson" in by_email and "Britt Svensson" not in by_email
    assert value_of(by_email, "q") == "KOMMUN.se"
    assert "Ingen användare matchar sökningen." in text(client.get("/admin/users?q=zzz"))
    # LIKE wildcards are taken literally.
    assert "Ingen användare matchar sökningen." in text(client.get("/admin/users?q=%25"))


def test_list_is_paginated_by_50(client, admin):
    for n in range(60):
        factories.user(f"p{n:02d}@example.org", name=f"Person {n:02d}")
    db.session.commit()
    first = text(client.get("/admin/users"))
    assert len(re.findall(r"/admin/users/\d+/edit", first)) == 50
    assert "Antal användare: 61" in first
    assert "page=2" in first
    second = text(client.get("/admin/users?page=2"))
    assert len(re.findall(r"/admin/users/\d+/edit", second)) == 11
    assert "Person 59" in second and "Person 00" not in second


# --- create -----------------------------------------------------------------------------------


def test_create_shows_the_password_once_and_it_works(app, client, admin):
    response = submit(
        client,
        "/admin/users/new",
        {"email": "Ny.Person@Example.org", "name": "Ny Person", "language": "en", "is_admin": "y"},
    )
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    html = text(response)
    assert "Användaren är skapad" in html
    password = re.search(r'<code class="secret">([^<]+)</code>', html).group(1)
    assert len(password) >= 16

    user = _user("ny.person@example.org")
    assert user is not None and user.is_admin and user.preferred_language == "en" and user.active
    assert user.check_password(password)
    assert password not in str([entry.details for entry in actions()])
    [created] = actions("user.created")
    assert created.user_id == admin.id and created.target_id == user.id
    assert outbox() == []  # no link unless asked for

    # Shown once: the user's page does not show it again.
    assert password not in text(client.get(f"/admin/users/{user.id}/edit"))
    other = app.test_client()
    assert log_in(other, "ny.person@example.org", password).status_code == 302


def test_create_can_also_send_a_set_password_link(app, client, admin):
    response = submit(
        client,
        "/admin/users/new",
        {"email": "lisa@example.org", "name": "Lisa Ek", "language": "sv", "send_link": "y"},
    )
    assert "En länk där användaren kan välja ett eget lösenord har också skickats till lisa@example.org." in text(
        response
    )
    [message] = outbox()
    assert message.recipient == "lisa@example.org"
    assert message.subject == "Välj ett lösenord för Forum"
    assert "Ett konto i Forum har skapats åt dig" in message.body_text
    assert "72 timmar" in message.body_text
    link = link_in(message)

    newcomer = app.test_client()
    path = link.removeprefix("http://localhost")
    chosen = "lisas egna lösenord"
    done = submit(newcomer, path, {"new_password": chosen, "new_password_repeat": chosen}, follow_redirects=True)
    assert "Ditt nya lösenord är sparat" in text(done)
    assert _user("lisa@example.org").check_password(chosen)


def test_duplicate_email_is_shown_next_to_the_field(client, admin):
    factories.user("taken@example.org")
    db.session.commit()
    response = submit(
        client, "/admin/users/new", {"email": "TAKEN@example.org", "name": "Någon Annan", "language": "sv"}
    )
    html = text(response)
    assert response.status_code == 200
    assert "Det finns redan ett konto med den e-postadressen." in error_for(html, "email")
    assert value_of(html, "email") == "TAKEN@example.org"
    assert value_of(html, "name") == "Någon Annan"
    assert actions("user.created") == []


@pytest.mark.parametrize(
    ("language", "data", "field", "message"),
    [
        ("sv", {"email": "", "name": ""}, "email", "Fyll i e-postadress."),
        ("sv", {"email": "", "name": ""}, "name", "Fyll i namn."),
        ("sv", {"email": "ingen-snabel-a", "name": "Test"}, "email", "Ange en giltig e-postadress"),
        ("sv", {"email": "a@b", "name": "Test"}, "email", "Ange en giltig e-postadress"),
        ("sv", {"email": "x" * 250 + "@example.org", "name": "Test"}, "email", "högst 254 tecken"),
        ("sv", {"email": "ok@example.org", "name": "N" * 201}, "name", "högst 200 tecken"),
        ("sv", {"email": "ok@example.org", "name": "Test", "language": "fi"}, "language", "Inte ett giltigt val"),
        ("en", {"email": "", "name": ""}, "name", "Enter a name."),
        ("en", {"email": "no-at-sign", "name": "Test"}, "email", "Enter a valid e-mail address"),
        ("en", {"email": "ok@example.org", "name": "N" * 201}, "name", "at most 200 characters"),
    ],
)
def test_create_bad_input(client, admin, language, data, field, message):
    if language == "en":
        english(client)
    payload = {"language": "sv", **data}
    response = submit(client, "/admin/users/new", payload)
    assert response.status_code == 200
    html = text(response)
    assert message in error_for(html, field)
    assert value_of(html, "email") == data["email"]
    assert value_of(html, "name") == data["name"]
    assert db.session.scalar(select(User).where(User.id != admin.id)) is None


# --- edit -------------------------------------------------------------------------------------


def test_edit_changes_and_audits(client, admin):
    user = factories.user("old@example.org", name="Gammalt Namn")
    db.session.commit()
    response = submit(
        client,
        f"/admin/users/{user.id}/edit",
        {"email": "New@Example.org", "name": "Nytt Namn", "language": "sv", "is_admin": "y"},
        follow_redirects=True,
    )
    assert "Ändringarna är sparade." in text(response)
    db.session.refresh(user)
    assert (user.email, user.name, user.is_admin, user.active) == ("new@example.org", "Nytt Namn", True, False)
    [updated] = actions("user.updated")
    assert updated.user_id == admin.id and updated.target_id == user.id
    assert updated.details["changes"]["email"] == ["old@example.org", "new@example.org"]
    assert updated.details["changes"]["active"] == [True, False]


def test_deactivating_ends_the_users_sessions(app, client, admin):
    user = factories.user("eva@example.org")
    db.session.commit()
    theirs = app.test_client()
    log_in(theirs, "eva@example.org")
    assert theirs.get("/admin/password").status_code == 200
    submit(client, f"/admin/users/{user.id}/edit", {"email": "eva@example.org", "name": user.name, "language": "sv"})
    assert theirs.get("/admin/password").status_code == 302


def test_edit_duplicate_email(client, admin):
    factories.user("taken@example.org")
    user = factories.user("me@example.org", name="Mig")
    db.session.commit()
    response = submit(
        client,
        f"/admin/users/{user.id}/edit",
        {"email": "taken@example.org", "name": "Mig Själv", "language": "sv", "active": "y"},
    )
    html = text(response)
    assert "Det finns redan ett konto med den e-postadressen." in error_for(html, "email")
    assert value_of(html, "name") == "Mig Själv"
    db.session.refresh(user)
    assert user.email == "me@example.org"


@pytest.mark.parametrize(
    ("language", "data", "field", "message"),
    [
        ("sv", {"active": "y"}, "is_admin", "Du kan inte ta bort din egen administratörsbehörighet."),
        ("sv", {"is_admin": "y"}, "active", "Du kan inte inaktivera ditt eget konto."),
        ("en", {"active": "y"}, "is_admin", "You cannot remove your own administrator rights."),
        ("en", {"is_admin": "y"}, "active", "You cannot deactivate your own account."),
    ],
)
def test_admins_cannot_lock_themselves_out(client, admin, language, data, field, message):
    if language == "en":
        english(client)
    payload = {"email": "admin@example.org", "name": "Ada Admin", "language": "sv", **data}
    response = submit(client, f"/admin/users/{admin.id}/edit", payload)
    assert message in error_for(text(response), field)
    db.session.refresh(admin)
    assert admin.is_admin and admin.active


@pytest.mark.parametrize(
    ("language", "data", "field", "message"),
    [
        ("sv", {"email": "", "name": ""}, "email", "Fyll i e-postadress."),
        ("sv", {"email": "fel@", "name": "X"}, "email", "Ange en giltig e-postadress"),
        ("sv", {"email": "ok@example.org", "name": "N" * 201}, "name", "högst 200 tecken"),
        ("en", {"email": "", "name": ""}, "name", "Enter a name."),
        ("en", {"email": "wrong@", "name": "X"}, "email", "Enter a valid e-mail address"),
    ],
)
def test_edit_bad_input(client, admin, language, data, field, message):
    user = factories.user("me@example.org", name="Mig")
    db.session.commit()
    if language == "en":
        english(client)
    response = submit(client, f"/admin/users/{user.id}/edit", {"language": "sv", "active": "y", **data})
    html = text(response)
    assert message in error_for(html, field)
    assert value_of(html, "email") == data["email"]
    db.session.refresh(user)
    assert (user.email, user.name) == ("me@example.org", "Mig")


def test_unknown_user_is_404(client, admin):
    assert client.get("/admin/users/99999/edit").status_code == 404


# --- roles on the user's page -----------------------------------------------------------------


def test_add_and_remove_a_role_with_confirmation(client, admin):
    event = factories.event(title="Regionalt forum Skåne")
    user = factories.user("eva@example.org", name="Eva Nilsson")
    db.session.commit()
    page = f"/admin/users/{user.id}/edit"
    assert "Användaren har inga roller i något evenemang." in text(client.get(page))

    added = submit(
        client,
        page,
        {"role-event_id": str(event.id), "role-role": "organiser"},
        post_url=f"/admin/users/{user.id}/roles",
        follow_redirects=True,
    )
    html = text(added)
    assert "Rollen är tillagd." in html
    assert "Regionalt forum Skåne" in html and "Arrangör" in html
    event_role = db.session.scalar(select(EventRole))
    assert (event_role.user_id, event_role.event_id, event_role.role) == (user.id, event.id, Role.ORGANISER)
    [granted] = actions("role.granted")
    assert granted.event_id == event.id and granted.user_id == admin.id

    confirm_url = f"/admin/users/{user.id}/roles/{event_role.id}/remove"
    confirm = client.get(confirm_url)
    assert confirm.status_code == 200
    assert "Vill du ta bort rollen arrangör för Eva Nilsson (eva@example.org) i Regionalt forum Skåne?" in text(confirm)
    assert db.session.scalar(select(EventRole)) is not None  # nothing happens before confirming

    removed = submit(client, confirm_url, {}, follow_redirects=True)
    assert "Rollen är borttagen." in text(removed)
    assert db.session.scalar(select(EventRole)) is None
    assert len(actions("role.revoked")) == 1


def test_a_second_role_on_the_same_event_is_refused(client, admin):
    event = factories.event()
    user = factories.user("eva@example.org", name="Eva", roles={event: "checkin"})
    db.session.commit()
    response = submit(
        client,
        f"/admin/users/{user.id}/edit",
        {"role-event_id": str(event.id), "role-role": "owner"},
        post_url=f"/admin/users/{user.id}/roles",
    )
    assert "Eva har redan en roll i det här evenemanget." in error_for(text(response), "role-event_id")
    assert db.session.scalar(select(EventRole.role)) == Role.CHECKIN


@pytest.mark.parametrize(
    ("language", "data", "field", "message"),
    [
        ("sv", {"role-event_id": "", "role-role": "owner"}, "role-event_id", "Välj evenemang."),
        ("sv", {"role-event_id": "EVENT", "role-role": "boss"}, "role-role", "Inte ett giltigt val"),
        ("en", {"role-event_id": "999999", "role-role": "owner"}, "role-event_id", "Not a valid choice"),
    ],
)
def test_add_role_bad_input(client, admin, language, data, field, message):
    event = factories.event()
    user = factories.user("eva@example.org")
    db.session.commit()
    if language == "en":
        english(client)
    data = {key: (str(event.id) if value == "EVENT" else value) for key, value in data.items()}
    response = submit(client, f"/admin/users/{user.id}/edit", data, post_url=f"/admin/users/{user.id}/roles")
    assert response.status_code == 200
    assert message in error_for(text(response), field)
    assert db.session.scalar(select(EventRole)) is None


def test_a_role_of_another_user_is_404(client, admin):
    event = factories.event()
    one = factories.user(roles={event: "owner"})
    other = factories.user()
    db.session.commit()
    role_id = db.session.scalar(select(EventRole.id))
    assert client.get(f"/admin/users/{other.id}/roles/{role_id}/remove").status_code == 404
    assert one.id


def test_the_menu_links_to_users_for_admins_only(client, admin):
    page = text(client.get("/admin/password"))
    assert 'href="/admin/users"' in page
    assert 'href="/admin/password"' in page
    organiser = factories.user(roles={factories.event(): "organiser"})
    db.session.commit()
    login_as(client, organiser)
    page = text(client.get("/admin/password"))
    assert 'href="/admin/users"' not in page
    assert 'href="/admin/password"' in page
