"""An event's team page: owners (and admins) add people by e-mail, change roles, remove with confirmation."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from forum.auth.models import EventRole, Role
from forum.extensions import db
from tests import factories
from tests.auth.helpers import actions, english, error_for, text, value_of
from tests.conftest import csrf_from, login_as, submit


@pytest.fixture
def event():
    item = factories.event(slug="skane-forum", title="Regionalt forum Skåne")
    db.session.commit()
    return item


@pytest.fixture
def owner(client, event):
    user = factories.user("agare@example.org", name="Ägare Ett", roles={event: "owner"})
    db.session.commit()
    login_as(client, user)
    return user


def _role(user, event) -> EventRole | None:
    db.session.expire_all()
    return db.session.scalar(select(EventRole).where(EventRole.user_id == user.id, EventRole.event_id == event.id))


def test_who_may_see_the_team_page(client, event):
    other_event = factories.event()
    organiser = factories.user(roles={event: "organiser"})
    checkin = factories.user(roles={event: "checkin"})
    owner_elsewhere = factories.user(roles={other_event: "owner"})
    admin = factories.user(admin=True)
    owner = factories.user(roles={event: "owner"})
    db.session.commit()
    assert client.get("/admin/events/skane-forum/team").status_code == 302
    for user in (organiser, checkin, owner_elsewhere):
        login_as(client, user)
        assert client.get("/admin/events/skane-forum/team").status_code == 403
    for user in (admin, owner):
        login_as(client, user)
        assert client.get("/admin/events/skane-forum/team").status_code == 200
    assert client.get("/admin/events/no-such-event/team").status_code == 404


def test_the_team_is_listed(client, event, owner):
    factories.user("stina@example.org", name="Stina Scan", roles={event: "checkin"})
    factories.user("annan@example.org", name="Inte Med", roles={factories.event(): "owner"})
    db.session.commit()
    html = text(client.get("/admin/events/skane-forum/team"))
    assert "Team för Regionalt forum Skåne" in html
    assert "Ägare Ett" in html and "Stina Scan" in html and "stina@example.org" in html
    assert "Inte Med" not in html
    assert '="None"' not in html


def test_add_an_existing_account_by_email(client, event, owner):
    member = factories.user("stina@example.org", name="Stina Scan")
    db.session.commit()
    response = submit(
        client,
        "/admin/events/skane-forum/team",
        {"email": " Stina@Example.ORG ", "role": "checkin"},
        follow_redirects=True,
    )
    assert "Stina Scan har fått rollen incheckning." in text(response)
    assert _role(member, event).role == Role.CHECKIN
    [granted] = actions("role.granted")
    assert (granted.user_id, granted.event_id, granted.details["member"]) == (owner.id, event.id, "stina@example.org")


@pytest.mark.parametrize(
    ("language", "email", "message"),
    [
        ("sv", "okand@example.org", "Det finns inget konto med e-postadressen okand@example.org."),
        ("sv", "", "Fyll i e-postadress."),
        ("sv", "inte en adress", "Ange en giltig e-postadress"),
        ("sv", "x" * 250 + "@example.org", "högst 254 tecken"),
        ("sv", "agare@example.org", "Ägare Ett har redan en roll i det här evenemanget."),
        ("en", "unknown@example.org", "There is no account with the e-mail address unknown@example.org."),
        ("en", "not an address", "Enter a valid e-mail address"),
    ],
)
def test_add_bad_input(client, event, owner, language, email, message):
    if language == "en":
        english(client)
    response = submit(client, "/admin/events/skane-forum/team", {"email": email, "role": "organiser"})
    assert response.status_code == 200
    html = text(response)
    assert message in error_for(html, "email")
    assert value_of(html, "email") == email
    assert actions("role.granted") == []


def test_add_with_a_role_that_does_not_exist(client, event, owner):
    factories.user("stina@example.org")
    db.session.commit()
    response = submit(client, "/admin/events/skane-forum/team", {"email": "stina@example.org", "role": "boss"})
    assert "Inte ett giltigt val" in error_for(text(response), "role")
    assert value_of(text(response), "email") == "stina@example.org"


def _change(client, event_role, role):
    page = client.get(f"/admin/events/{event_role.event.slug}/team")
    token = csrf_from(page.get_data(as_text=True))
    prefix = f"r{event_role.id}"
    return client.post(
        f"/admin/events/{event_role.event.slug}/team/{event_role.id}",
        data={f"{prefix}-csrf_token": token, f"{prefix}-role": role},
        follow_redirects=True,
    )


def test_change_a_role(client, event, owner):
    member = factories.user("stina@example.org", name="Stina", roles={event: "checkin"})
    db.session.commit()
    response = _change(client, _role(member, event), "organiser")
    assert "Rollen är ändrad." in text(response)
    assert _role(member, event).role == Role.ORGANISER
    [changed] = actions("role.changed")
    assert changed.details["old"] == "checkin" and changed.details["role"] == "organiser"


def test_the_last_owner_cannot_step_down(client, event, owner):
    response = _change(client, _role(owner, event), "organiser")
    assert "Evenemanget måste ha minst en ägare." in text(response)
    assert _role(owner, event).role == Role.OWNER
    # The refusal sits next to that row's role select.
    assert 'aria-invalid="true"' in text(response)


def test_an_owner_who_steps_down_goes_to_the_dashboard(client, event, owner):
    factories.user("annan@example.org", roles={event: "owner"})
    db.session.commit()
    page = client.get("/admin/events/skane-forum/team")
    token = csrf_from(page.get_data(as_text=True))
    own = _role(owner, event)
    response = client.post(
        f"/admin/events/skane-forum/team/{own.id}",
        data={f"r{own.id}-csrf_token": token, f"r{own.id}-role": "organiser"},
    )
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/admin/")
    assert _role(owner, event).role == Role.ORGANISER


def test_remove_needs_confirmation(client, event, owner):
    member = factories.user("stina@example.org", name="Stina Scan", roles={event: "checkin"})
    db.session.commit()
    event_role = _role(member, event)
    confirm = client.get(f"/admin/events/skane-forum/team/{event_role.id}/remove")
    assert confirm.status_code == 200
    assert "Vill du ta bort rollen incheckning för Stina Scan (stina@example.org) i Regionalt forum Skåne?" in text(
        confirm
    )
    assert _role(member, event) is not None

    done = submit(client, f"/admin/events/skane-forum/team/{event_role.id}/remove", {}, follow_redirects=True)
    assert "Rollen är borttagen." in text(done)
    assert _role(member, event) is None
    [revoked] = actions("role.revoked")
    assert revoked.event_id == event.id and revoked.user_id == owner.id


@pytest.mark.parametrize("language", ["sv", "en"])
def test_the_last_owner_cannot_be_removed(client, event, owner, language):
    if language == "en":
        english(client)
    url = f"/admin/events/skane-forum/team/{_role(owner, event).id}/remove"
    response = submit(client, url, {})
    assert response.status_code == 200
    expected = {
        "sv": "Evenemanget måste ha minst en ägare. Lägg till en annan ägare först.",
        "en": "The event must have at least one owner. Add another owner first.",
    }[language]
    assert expected in text(response)
    assert _role(owner, event) is not None


def test_an_owner_can_be_removed_while_another_remains(client, event, owner):
    other = factories.user("annan@example.org", roles={event: "owner"})
    db.session.commit()
    response = submit(client, f"/admin/events/skane-forum/team/{_role(other, event).id}/remove", {})
    assert response.status_code == 302
    assert _role(other, event) is None


def test_roles_of_another_event_are_not_reachable(client, event, owner):
    stranger = factories.user(roles={factories.event(): "checkin"})
    db.session.commit()
    foreign = db.session.scalar(select(EventRole).where(EventRole.user_id == stranger.id))
    assert client.get(f"/admin/events/skane-forum/team/{foreign.id}/remove").status_code == 404
