"""The organiser's privacy screens: an event's "Integritet" page (its rule, the purge dates, the
archive export), a host's retention rule and overview, and erasing one person from a host's events."""

from __future__ import annotations

import io
import json
import re

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from forum.events.models import RetentionPolicy
from forum.extensions import db
from forum.mail.models import OutboxMessage, OutboxStatus
from forum.privacy.anonymise import PLACEHOLDER_NAME
from forum.privacy.models import AuditLog
from forum.registration.models import Registration, RegistrationStatus
from tests import factories
from tests.auth.helpers import text
from tests.conftest import csrf_from, login_as, submit
from tests.privacy.helpers import past_event, populate, register, statistics


@pytest.fixture
def host(app):
    return factories.organisation(name="Hela Sverige ska leva Halland", retention_days=30)


@pytest.fixture
def event(app, host):
    event = past_event(host, days_ago=3, slug="halland-beredskap", title="Temamöte om beredskap")
    db.session.commit()
    return event


@pytest.fixture
def admin(client, app):
    user = factories.user(admin=True)
    db.session.commit()
    login_as(client, user)
    return client


def plain(response) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", text(response)))


def audit(action: str) -> list[AuditLog]:
    db.session.expire_all()
    return list(db.session.scalars(select(AuditLog).where(AuditLog.action == action).order_by(AuditLog.id)))


# --- an event ------------------------------------------------------------------------------------


def test_the_event_page_shows_the_rule_the_dates_and_what_is_held(signed_in, event):
    populate(event)
    db.session.commit()
    response = signed_in.get("/admin/events/halland-beredskap/privacy")
    assert response.status_code == 200
    html = text(response)
    assert 'href="/admin/events/halland-beredskap/privacy" aria-current="page">Integritet<' in html
    words = plain(response)
    assert "Anonymisera efter ett antal dagar – 30 dagar efter evenemanget (värdorganisationens regel)" in words
    assert re.search(r'id="health-date">\s*\d+ \w+ \d{4}', html)
    assert re.search(r'id="anonymise-date">\s*\d+ \w+ \d{4}', html)
    assert "Anmälningar 5" in words and "varav med uppgifter om hälsa 2" in words


def test_the_organiser_overrides_the_rule_for_the_event(signed_in, event):
    response = submit(
        signed_in, "/admin/events/halland-beredskap/privacy", {"retention_policy": "keep", "retention_days": ""}
    )
    assert response.status_code == 303
    db.session.expire_all()
    assert event.retention_policy == RetentionPolicy.KEEP
    assert "aldrig – de sparas som allmän handling" in plain(signed_in.get("/admin/events/halland-beredskap/privacy"))
    assert audit("privacy.retention_changed")[0].details["policy"] == "keep"

    response = submit(
        signed_in, "/admin/events/halland-beredskap/privacy", {"retention_policy": "anonymise", "retention_days": "-3"}
    )
    assert response.status_code == 422
    assert 'value="-3"' in text(response)
    db.session.expire_all()
    assert event.retention_policy == RetentionPolicy.KEEP


def archive(client, fmt: str):
    page = client.get("/admin/events/halland-beredskap/privacy")
    token = csrf_from(page.get_data(as_text=True))
    return client.post(f"/admin/events/halland-beredskap/privacy/archive.{fmt}", data={"csrf_token": token})


def test_the_archive_export_holds_the_registrations_without_health_data_and_is_audited(signed_in, event):
    people = populate(event)
    people[1].organisation = '=HYPERLINK("http://x","y")'
    db.session.commit()

    response = archive(signed_in, "xlsx")

    assert response.status_code == 200
    assert response.headers["Content-Disposition"].startswith('attachment; filename="halland-beredskap-arkiv-')
    book = load_workbook(io.BytesIO(response.data))
    sheet = book["Anmälningar"]
    rows = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert rows[0][:3] == ["Förnamn", "Efternamn", "E-postadress"]
    assert [row[0] for row in rows[1:]] == ["Åsa", "Björn", "Cecilia", "David", "Eva"]
    assert rows[1][2] == "åsa.öberg@example.org"
    assert rows[2][4] == '\'=HYPERLINK("http://x","y")'
    values = " ".join(str(value) for row in rows for value in row)
    assert "vegan" not in values and "Rullstol" not in values and "Inga svampar" not in values

    data = json.loads(archive(signed_in, "json").get_data(as_text=True))
    assert [r["first_name"] for r in data["registrations"]] == ["Åsa", "Björn", "Cecilia", "David", "Eva"]
    assert "vegan" not in json.dumps(data) and "Rullstol" not in json.dumps(data)

    entries = audit("privacy.archive_exported")
    assert [entry.details["format"] for entry in entries] == ["xlsx", "json"]
    assert entries[0].details["registrations"] == 5 and entries[0].event_id == event.id


def test_the_archive_needs_the_forms_token(signed_in, event):
    assert signed_in.post("/admin/events/halland-beredskap/privacy/archive.xlsx").status_code == 400


# --- a host --------------------------------------------------------------------------------------


def test_the_organisation_page_shows_and_changes_the_hosts_rule(admin, host):
    edit = f"/admin/organisations/{host.id}/edit"
    response = admin.get(edit)
    words = plain(response)
    assert "Lagring och gallring" in words
    assert "Anonymisera efter ett antal dagar: 30 dagar efter evenemanget." in words
    html = text(response)
    assert f'action="/admin/organisations/{host.id}/privacy"' in html
    assert 'value="keep"' in html and 'name="health_data_days"' in html and 'value="14"' in html

    response = submit(
        admin,
        edit,
        {"retention_policy": "keep", "retention_days": "30", "health_data_days": "10"},
        post_url=f"/admin/organisations/{host.id}/privacy",
    )

    assert response.status_code == 303
    db.session.expire_all()
    assert (host.retention_policy, host.health_data_days) == (RetentionPolicy.KEEP, 10)
    assert "Spara (allmän handling)." in plain(admin.get(edit))


def test_an_admin_sets_the_hosts_rule(admin, host):
    url = f"/admin/organisations/{host.id}/privacy"
    response = submit(admin, url, {"retention_policy": "keep", "retention_days": "30", "health_data_days": "7"})
    assert response.status_code == 303
    db.session.expire_all()
    assert (host.retention_policy, host.health_data_days) == (RetentionPolicy.KEEP, 7)
    entry = audit("privacy.host_retention_changed")[0]
    assert entry.details == {"policy": "keep", "days": 30, "health_days": 7}

    response = submit(admin, url, {"retention_policy": "anonymise", "retention_days": "", "health_data_days": "200"})
    assert response.status_code == 422
    html = text(response)
    assert "Ange efter hur många dagar uppgifterna anonymiseras." in html
    assert "Ange ett antal dagar mellan 0 och 90." in html
    assert 'value="200"' in html


def test_the_overview_lists_the_events_that_hold_personal_data_and_when_it_goes(admin, host, event):
    people = populate(event)
    sent = db.session.scalar(select(OutboxMessage).where(OutboxMessage.recipient == people[0].email))
    sent.status = OutboxStatus.SENT
    empty = past_event(host, days_ago=10, title="Tomt möte")
    done = past_event(host, days_ago=100, title="Gallrat möte")
    register(done, "Åsa")
    db.session.commit()
    admin.application.test_cli_runner().invoke(args=["privacy", "purge"])

    response = admin.get(f"/admin/organisations/{host.id}/privacy")
    html = text(response)
    assert "Temamöte om beredskap" in html
    assert empty.title not in html and done.title not in html
    link = '<th scope="row"><a href="/admin/events/halland-beredskap/privacy">'
    row = re.search(r"<tr>\s*" + re.escape(link) + r".*?</tr>", html, re.S)
    cells = [re.sub(r"<[^>]+>", "", cell).strip() for cell in re.findall(r"<td>(.*?)</td>", row.group(0), re.S)]
    assert cells[:3] == ["5", "2", "1"]  # registrations, with health data, other records (the sent e-mail)
    assert re.match(r"\d+ \w+ \d{4}", cells[3]) and re.match(r"\d+ \w+ \d{4}", cells[4])


def find_and_confirm(client, host, email: str, confirm: bool = True):
    url = f"/admin/organisations/{host.id}/erase"
    page = client.get(url)
    html = page.get_data(as_text=True)
    assert '<form method="post"' in html  # the address goes in the body, never in a URL
    found = client.post(url, data={"csrf_token": csrf_from(html), "email": email})
    assert found.status_code == 200
    found_html = found.get_data(as_text=True)
    data = {"csrf_token": csrf_from(found_html), "email": email}
    if confirm:
        data["confirm"] = "y"
    return found, client.post(f"{url}/confirm", data=data)


def test_an_admin_erases_one_person_from_all_of_the_hosts_events(admin, host, event):
    coming = factories.event(organisation=host, slug="kommande", title="Kommande möte", capacity=1)
    other_host_event = factories.event(slug="annan", title="Annan värd")
    populate(event)
    at_event = register(event, "Greta", "Holm", email="Greta.Holm@example.org", phone="070-1")
    at_coming = register(coming, "Greta", "Holm", email="greta.holm@example.org")
    waiting = register(coming, "Hugo")
    elsewhere = register(other_host_event, "Greta", "Holm", email="greta.holm@example.org")
    db.session.commit()
    before = statistics(event)

    found, response = find_and_confirm(admin, host, "greta.holm@example.org")

    assert "Temamöte om beredskap" in text(found) and "Kommande möte" in text(found)
    assert "Annan värd" not in text(found)
    assert response.status_code == 303
    assert "Personen är raderad från 2 evenemang (2 poster)." in text(admin.get(response.headers["Location"]))
    db.session.expire_all()
    for registration_id in (at_event.id, at_coming.id):
        erased = db.session.get(Registration, registration_id)
        assert erased.first_name == PLACEHOLDER_NAME and erased.email == "" and erased.phone == ""
    assert db.session.get(Registration, at_event.id).status == RegistrationStatus.CONFIRMED
    assert db.session.get(Registration, at_coming.id).status == RegistrationStatus.CANCELLED
    assert db.session.get(Registration, waiting.id).status == RegistrationStatus.CONFIRMED
    assert db.session.get(Registration, elsewhere.id).first_name == "Greta"
    assert statistics(event) == before
    entries = audit("privacy.person_erased")
    assert len(entries) == 3  # one per event and one for the host
    for entry in entries:
        assert "greta" not in str(entry.details).casefold() and "@" not in str(entry.details)
    assert entries[-1].details == {"events": 2, "records": 2}


def test_erasing_needs_the_confirmation(admin, host, event):
    registration = register(event, "Greta", email="greta@example.org")
    db.session.commit()

    _, response = find_and_confirm(admin, host, "greta@example.org", confirm=False)

    assert response.status_code == 422
    assert "Kryssa i rutan för att bekräfta." in text(response)
    db.session.expire_all()
    assert db.session.get(Registration, registration.id).first_name == "Greta"


def test_an_unknown_address_finds_nothing(admin, host, event):
    url = f"/admin/organisations/{host.id}/erase"
    response = submit(admin, url, {"email": "ingen@example.org"})
    assert "Hela Sverige ska leva Halland har inga uppgifter om den adressen." in plain(response)
    response = submit(admin, url, {"email": "inte en adress"})
    assert "Skriv en giltig e-postadress" in text(response)
    assert 'value="inte en adress"' in text(response)


def test_organisers_cannot_reach_the_host_pages(signed_in, host):
    assert signed_in.get(f"/admin/organisations/{host.id}/privacy").status_code == 403
    assert signed_in.get(f"/admin/organisations/{host.id}/erase").status_code == 403
