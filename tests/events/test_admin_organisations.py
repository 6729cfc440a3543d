"""Host organisations, managed by admins."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from forum.events.models import Organisation
from forum.extensions import db
from tests import factories
from tests.auth.helpers import actions, error_for, text, value_of
from tests.conftest import login_as, submit

LIST = "/admin/organisations"
NEW = "/admin/organisations/new"


@pytest.fixture
def admin(app):
    user = factories.user(admin=True)
    db.session.commit()
    return user


def english(client) -> None:
    client.get("/lang/en")


def names() -> list[str]:
    db.session.expire_all()
    return list(db.session.scalars(select(Organisation.name).order_by(Organisation.name)))


def test_only_admins_manage_organisations(app, client):
    event = factories.event()
    owner = factories.user(roles={event: "owner"})
    db.session.commit()
    login_as(client, owner)
    assert client.get(LIST).status_code == 403
    assert client.get(NEW).status_code == 403
    assert client.get(f"/admin/organisations/{event.organisation_id}/edit").status_code == 403


def test_empty_list_says_so(app, client, admin):
    login_as(client, admin)
    assert "Det finns inga organisationer än." in text(client.get(LIST))


def test_add_and_edit_an_organisation(app, client, admin):
    login_as(client, admin)
    response = submit(
        client,
        NEW,
        {
            "name": "Länsstyrelsen Skåne",
            "contact_email": "skane@lansstyrelsen.se",
            "website": "https://www.lansstyrelsen.se/skane",
            "logo": "img/skane.svg",
        },
    )
    assert response.status_code == 302
    html = text(client.get(LIST))
    assert "Länsstyrelsen Skåne" in html and "skane@lansstyrelsen.se" in html
    assert "Organisationen Länsstyrelsen Skåne är tillagd." in html

    organisation = db.session.scalar(select(Organisation))
    url = f"/admin/organisations/{organisation.id}/edit"
    assert value_of(text(client.get(url)), "website") == "https://www.lansstyrelsen.se/skane"
    response = submit(
        client,
        url,
        {"name": "Länsstyrelsen Skåne", "contact_email": "forum@lansstyrelsen.se", "website": "", "logo": ""},
    )
    assert response.status_code == 302
    db.session.expire_all()
    organisation = db.session.get(Organisation, organisation.id)
    assert organisation.contact_email == "forum@lansstyrelsen.se"
    assert organisation.website is None and organisation.logo is None
    assert [entry.action for entry in actions()] == ["organisation.created", "organisation.updated"]
    assert actions("organisation.updated")[0].details["fields"] == ["contact_email", "website", "logo"]


def test_new_organisation_is_offered_in_the_event_form(app, client, admin):
    login_as(client, admin)
    submit(client, NEW, {"name": "Healthy Cities Sverige", "contact_email": "info@example.se"})
    assert "Healthy Cities Sverige</option>" in text(client.get("/admin/events/new"))


BAD_INPUT = [
    ({"name": ""}, "name", "Fyll i namn.", "Enter a name."),
    ({"name": "x" * 201}, "name", "Får vara högst 200 tecken.", "At most 200 characters."),
    (
        {"name": "hela sverige ska leva halland"},
        "name",
        "Det finns redan en organisation med det namnet.",
        "There is already an organisation with that name.",
    ),
    (
        {"contact_email": ""},
        "contact_email",
        "Fyll i organisationens e-postadress.",
        "Enter the organisation’s e-mail address.",
    ),
    ({"contact_email": "info@"}, "contact_email", "Ange en giltig e-postadress", "Enter a valid e-mail address"),
    (
        {"website": "www.example.se"},
        "website",
        "Ange en webbadress som börjar med https://",
        "Enter a web address starting with https://",
    ),
    (
        {"website": "javascript:alert(1)"},
        "website",
        "Ange en webbadress som börjar med https://",
        "Enter a web address starting with https://",
    ),
    ({"logo": "../../etc/passwd"}, "logo", "Ange en sökväg under static/", "Enter a path under static/"),
]


@pytest.mark.parametrize("language", ["sv", "en"])
@pytest.mark.parametrize(("changes", "field", "swedish", "english_text"), BAD_INPUT)
def test_bad_input_is_explained_and_kept(app, client, admin, language, changes, field, swedish, english_text):
    factories.organisation(name="Hela Sverige ska leva Halland")
    db.session.commit()
    login_as(client, admin)
    if language == "en":
        english(client)
    data = {"name": "Region Halland", "contact_email": "region@example.se", "website": "", "logo": ""}
    data.update(changes)
    html = text(submit(client, NEW, data))
    assert (swedish if language == "sv" else english_text) in error_for(html, field)
    assert value_of(html, field) == changes[field]
    if field != "name":
        assert value_of(html, "name") == "Region Halland"
    assert names() == ["Hela Sverige ska leva Halland"]


def test_an_organisation_with_events_cannot_be_deleted(app, client, admin):
    event = factories.event(title="Skåneforum")
    db.session.commit()
    login_as(client, admin)
    url = f"/admin/organisations/{event.organisation_id}/delete"
    page = text(client.get(url))
    assert "kan inte tas bort" in page
    response = submit(client, url, {})
    assert response.status_code == 302
    assert "är värd för evenemang (1 st.) och kan inte tas bort" in text(client.get(response.headers["Location"]))
    assert names() == [event.organisation.name]
    assert actions() == []
    english(client)
    response = submit(client, url, {})
    assert "hosts events (1) and cannot be deleted" in text(client.get(response.headers["Location"]))


def test_an_organisation_without_events_is_deleted_after_confirmation(app, client, admin):
    organisation = factories.organisation(name="Nedlagt nätverk")
    db.session.commit()
    login_as(client, admin)
    url = f"/admin/organisations/{organisation.id}/delete"
    assert "Ta bort organisationen Nedlagt nätverk?" in text(client.get(url))
    assert names() == ["Nedlagt nätverk"]
    response = submit(client, url, {})
    assert names() == []
    assert "Organisationen Nedlagt nätverk är borttagen." in text(client.get(response.headers["Location"]))
    assert actions("organisation.deleted")[0].details == {"name": "Nedlagt nätverk"}


def test_unknown_organisation_is_404(app, client, admin):
    login_as(client, admin)
    assert client.get("/admin/organisations/999999/edit").status_code == 404


def test_names_differing_only_in_case_of_swedish_letters_are_the_same(app, client, admin):
    factories.organisation(name="Örebro kommun")
    db.session.commit()
    login_as(client, admin)
    html = text(submit(client, NEW, {"name": "ÖREBRO KOMMUN", "contact_email": "info@example.se"}))
    assert "Det finns redan en organisation med det namnet." in error_for(html, "name")


def test_saving_an_organisation_under_its_own_name_is_fine(app, client, admin):
    organisation = factories.organisation(name="Region Örebro län")
    db.session.commit()
    login_as(client, admin)
    url = f"/admin/organisations/{organisation.id}/edit"
    response = submit(client, url, {"name": "Region Örebro län", "contact_email": "ny@example.se", "website": ""})
    assert response.status_code == 302
