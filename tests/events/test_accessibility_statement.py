"""The accessibility statement (tillgänglighetsredogörelse, lagen 2018:1937, DIGG's model): what a
visitor reads, what the host fills in on its organisation page, and the footer link on every page."""

from __future__ import annotations

import re
from datetime import date

import pytest
from sqlalchemy import select

from forum.events.models import AccessibilityAssessment, AccessibilityCompliance, EventStatus, Organisation
from forum.extensions import db
from tests import factories
from tests.auth.helpers import actions, english, error_for, text, value_of
from tests.conftest import login_as, submit

DIGG = "https://www.digg.se/anmal-bristande-tillganglighet"


@pytest.fixture
def host(app):
    return factories.organisation(
        name="Länsstyrelsen Hallands län",
        contact_email="halland@lansstyrelsen.se",
        accessibility_compliance=AccessibilityCompliance.PARTIAL,
        accessibility_known_issues="- Programmet som **PDF** saknar taggar för skärmläsare.",
        accessibility_disproportionate_burden="Inspelade föredrag från 2019 textas inte.",
        accessibility_assessment=AccessibilityAssessment.EXTERNAL,
        accessibility_assessed_on=date(2027, 3, 25),
        accessibility_contact_email="tillganglighet@lansstyrelsen.se",
        accessibility_contact_phone="035-13 20 00",
        accessibility_statement_updated_on=date(2027, 4, 1),
    )


@pytest.fixture
def event(app, host):
    event = factories.event(slug="halland", title="Temamöte i Halland", organisation=host)
    db.session.commit()
    return event


@pytest.fixture
def admin(app):
    user = factories.user(admin=True)
    db.session.commit()
    return user


def footer(html: str) -> str:
    return html.split("<footer", 1)[1]


def test_the_event_statement_says_what_the_law_asks_in_swedish(client, event):
    html = text(client.get("/e/halland/accessibility"))
    assert "<h1>Tillgänglighetsredogörelse</h1>" in html
    # The organisation and the service.
    assert "Länsstyrelsen Hallands län står bakom den här tjänsten, Forum" in html
    assert "lagen (2018:1937) om tillgänglighet till digital offentlig service" in html
    # The compliance level.
    assert "Tjänsten är delvis förenlig med Webbriktlinjer för tillgänglighet (WCAG) 2.1 nivå AA" in html
    # Known inaccessible content and why, the disproportionate burden claimed.
    assert "<strong>PDF</strong> saknar taggar för skärmläsare" in html
    assert "eftersom det skulle innebära en oskälig belastning" in html
    assert "Inspelade föredrag från 2019 textas inte." in html
    # How and when it was assessed, when the statement was updated.
    assert "Tjänsten har granskats av en extern part." in html
    assert "Senaste bedömningen gjordes den 25 mars 2027." in html
    assert "Redogörelsen uppdaterades senast den 1 april 2027." in html
    # The feedback route and the supervisory authority's complaint form.
    assert 'href="mailto:tillganglighet@lansstyrelsen.se"' in html
    assert 'href="tel:035132000">035-13 20 00</a>' in html
    assert f'href="{DIGG}"' in html and "Anmäl bristande tillgänglighet till Digg" in html
    assert "Myndigheten för digital förvaltning (Digg)" in html


def test_an_empty_statement_falls_back_to_the_hosts_address_and_says_what_is_missing(client):
    bare = factories.organisation(name="Hela Sverige ska leva Halland", contact_email="halland@helasverige.se")
    factories.event(slug="bare", organisation=bare)
    db.session.commit()
    html = text(client.get("/e/bare/accessibility"))
    assert 'href="mailto:halland@helasverige.se"' in html
    assert "Vi har gjort en självskattning (intern granskning) av tjänsten." in html
    assert "delvis förenlig" in html  # the default until the host says otherwise
    # The service's own known shortcoming is always named, with the accessible alternative.
    assert "saknar taggar för skärmläsare (WCAG 1.3.1)" in html
    assert "Samma innehåll finns som webbsidor" in html
    assert "Vi åberopar inte oskälig belastning för något innehåll." in html
    assert "Senaste bedömningen" not in html and "tel:" not in html


def test_fully_compliant_and_not_compliant_say_so(client, event, host):
    host.accessibility_compliance = AccessibilityCompliance.FULL
    host.accessibility_known_issues = ""
    db.session.commit()
    html = text(client.get("/e/halland/accessibility"))
    assert "Tjänsten är helt förenlig med Webbriktlinjer för tillgänglighet (WCAG) 2.1 nivå AA." in html
    assert "saknar taggar för skärmläsare" in html  # the PDFs, whatever the host says
    host.accessibility_compliance = AccessibilityCompliance.NONE
    db.session.commit()
    html = text(client.get("/e/halland/accessibility"))
    assert "Tjänsten är inte förenlig med Webbriktlinjer för tillgänglighet (WCAG) 2.1 nivå AA." in html


def test_the_statement_in_english(client, event):
    english(client)
    html = text(client.get("/e/halland/accessibility"))
    assert "<h1>Accessibility statement</h1>" in html
    assert "Länsstyrelsen Hallands län is responsible for this service, Forum" in html
    assert "partially compliant with the Web Content Accessibility Guidelines (WCAG) 2.1 level AA" in html
    assert "The service has been assessed by an external party." in html
    assert "The latest assessment was made on 25 March 2027." in html
    assert "Report a lack of accessibility to Digg" in html and DIGG in html
    assert "Tillgänglighetsredogörelse" not in html


def test_a_draft_event_has_no_statement_page(client, host):
    factories.event(slug="utkast", organisation=host, status=EventStatus.DRAFT)
    db.session.commit()
    assert client.get("/e/utkast/accessibility").status_code == 404
    assert client.get("/e/finns-inte/accessibility").status_code == 404


def test_the_installation_page_is_the_one_hosts_statement_or_lists_the_hosts(client, event, host):
    response = client.get("/accessibility")
    assert response.status_code == 301 and response.headers["Location"].endswith("/tillganglighet")
    html = text(client.get("/tillganglighet"))
    assert "Länsstyrelsen Hallands län står bakom den här tjänsten" in html

    other = factories.organisation(name="Region Skåne", contact_email="skane@example.org")
    factories.event(slug="skane", organisation=other)
    factories.organisation(name="Utan evenemang")
    db.session.commit()
    html = text(client.get("/tillganglighet"))
    assert "Varje arrangerande organisation ansvarar för tillgängligheten" in html
    links = re.findall(r'<a href="(/tillganglighet/\d+)">([^<]+)</a>', html)
    assert [name for _url, name in links] == ["Länsstyrelsen Hallands län", "Region Skåne"]
    assert f'href="{DIGG}"' in html
    assert "Region Skåne står bakom den här tjänsten" in text(client.get(links[1][0]))
    assert client.get("/tillganglighet/999999").status_code == 404


def test_every_page_links_to_the_statement_in_its_footer(client, event, admin):
    other = factories.event(slug="utkastet", status=EventStatus.DRAFT)
    db.session.commit()
    event_link = 'href="/e/halland/accessibility" class="accessibility-link">Tillgänglighetsredogörelse</a>'
    site_link = 'href="/tillganglighet" class="accessibility-link">Tillgänglighetsredogörelse</a>'
    for url in ("/e/halland/", "/e/halland/register", "/e/halland/programme", "/e/halland/privacy"):
        assert event_link in footer(text(client.get(url))), url
    for url in ("/", "/past", "/admin/login", "/tillganglighet"):
        assert site_link in footer(text(client.get(url))), url
    login_as(client, admin)
    assert site_link in footer(text(client.get("/admin/")))
    assert event_link in footer(text(client.get("/admin/events/halland/")))
    # A draft has no public statement yet: its pages link to the installation's.
    assert site_link in footer(text(client.get(f"/admin/events/{other.slug}/")))
    # The scanner page stands alone (no base template) and links to it too.
    scanner = text(client.get("/admin/events/halland/checkin/device"))
    assert 'href="/e/halland/accessibility" class="accessibility-link"' in scanner
    english(client)
    assert ">Accessibility statement</a>" in footer(text(client.get("/e/halland/")))


def test_the_host_fills_in_its_statement_on_the_organisation_page(client, event, host, admin):
    login_as(client, admin)
    url = f"/admin/organisations/{host.id}/edit"
    page = text(client.get(url))
    assert "<legend>Tillgänglighetsredogörelse</legend>" in page
    assert value_of(page, "accessibility_contact_phone") == "035-13 20 00"
    assert 'value="2027-03-25"' in page
    response = submit(
        client,
        url,
        {
            "name": host.name,
            "contact_email": host.contact_email,
            "accessibility_compliance": "full",
            "accessibility_known_issues": "",
            "accessibility_disproportionate_burden": "",
            "accessibility_assessment": "self",
            "accessibility_assessed_on": "2027-05-02",
            "accessibility_contact_email": "",
            "accessibility_contact_phone": "",
            "accessibility_statement_updated_on": "2027-05-03",
        },
    )
    assert response.status_code == 302
    db.session.expire_all()
    saved = db.session.get(Organisation, host.id)
    assert saved.accessibility_compliance == AccessibilityCompliance.FULL
    assert saved.accessibility_assessed_on == date(2027, 5, 2)
    assert "accessibility_compliance" in actions("organisation.updated")[-1].details["fields"]

    html = text(client.get("/e/halland/accessibility"))
    assert "Tjänsten är helt förenlig med Webbriktlinjer" in html
    assert "Vi har gjort en självskattning (intern granskning) av tjänsten." in html
    assert "Senaste bedömningen gjordes den 2 maj 2027." in html
    assert "Redogörelsen uppdaterades senast den 3 maj 2027." in html
    assert 'href="mailto:halland@lansstyrelsen.se"' in html  # no own address: the host's
    assert "Inspelade föredrag" not in html


def test_bad_statement_input_is_shown_next_to_the_field_and_kept(client, event, host, admin):
    login_as(client, admin)
    url = f"/admin/organisations/{host.id}/edit"
    response = submit(
        client,
        url,
        {
            "name": host.name,
            "contact_email": host.contact_email,
            "accessibility_compliance": "nästan",
            "accessibility_assessment": "self",
            "accessibility_assessed_on": "25 mars",
            "accessibility_contact_email": "inte-en-adress",
            "accessibility_contact_phone": "ring mig",
            "accessibility_statement_updated_on": "",
        },
    )
    assert response.status_code == 200
    html = text(response)
    assert error_for(html, "accessibility_compliance") == "Välj ett av alternativen."
    assert error_for(html, "accessibility_assessed_on") == "Ange datum som ÅÅÅÅ-MM-DD, till exempel 2027-03-25."
    assert error_for(html, "accessibility_contact_phone").startswith("Ange ett telefonnummer med siffror")
    assert error_for(html, "accessibility_contact_email")
    assert value_of(html, "accessibility_assessed_on") == "25 mars"
    assert value_of(html, "accessibility_contact_phone") == "ring mig"
    db.session.expire_all()
    assert db.session.get(Organisation, host.id).accessibility_contact_phone == "035-13 20 00"  # unchanged


def test_a_new_organisation_gets_the_default_statement(client, admin):
    login_as(client, admin)
    response = submit(client, "/admin/organisations/new", {"name": "Region Halland", "contact_email": "r@example.org"})
    assert response.status_code == 302
    organisation = db.session.scalar(select(Organisation).where(Organisation.name == "Region Halland"))
    assert organisation.accessibility_compliance == AccessibilityCompliance.PARTIAL
    assert organisation.accessibility_assessment == AccessibilityAssessment.SELF
