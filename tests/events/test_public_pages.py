"""The public front page and event pages, as a visitor sees them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from forum.events.models import EventStatus, Visibility
from forum.extensions import db
from tests import factories
from tests.conftest import in_days


def _stockholm(year, month, day, hour, minute=0):
    from zoneinfo import ZoneInfo

    return datetime(year, month, day, hour, minute, tzinfo=ZoneInfo("Europe/Stockholm")).astimezone(UTC)


def test_front_page_lists_upcoming_public_published_events_in_date_order(app, client):
    later = factories.event(title="Senare möte", starts_at=in_days(60))
    sooner = factories.event(title="Tidigare möte", starts_at=in_days(10))
    factories.event(title="Utkastet", status=EventStatus.DRAFT)
    factories.event(title="Rådsmötet", visibility=Visibility.INVITATION)
    factories.event(title="Det gamla mötet", starts_at=in_days(-30))
    db.session.commit()
    html = client.get("/").get_data(as_text=True)
    assert sooner.title in html and later.title in html
    assert html.index(sooner.title) < html.index(later.title)
    for hidden in ("Utkastet", "Rådsmötet", "Det gamla mötet"):
        assert hidden not in html
    assert 'href="/past"' in html


def test_past_events_are_on_their_own_page(app, client):
    factories.event(title="Det gamla mötet", starts_at=in_days(-30))
    factories.event(title="Det kommande mötet", starts_at=in_days(30))
    db.session.commit()
    html = client.get("/past").get_data(as_text=True)
    assert "Det gamla mötet" in html
    assert "Det kommande mötet" not in html


def test_front_page_is_paginated(app, client):
    for n in range(23):
        factories.event(title=f"Möte nummer {n:02d}", starts_at=in_days(10 + n))
    db.session.commit()
    first = client.get("/").get_data(as_text=True)
    assert "Möte nummer 00" in first and "Möte nummer 19" in first and "Möte nummer 20" not in first
    assert 'rel="next"' in first
    second = client.get("/?page=2").get_data(as_text=True)
    assert "Möte nummer 20" in second and "Möte nummer 22" in second and "Möte nummer 00" not in second


def test_empty_front_page_says_so(app, client):
    assert "Det finns inga kommande evenemang just nu." in client.get("/").get_data(as_text=True)


def test_event_page_shows_swedish_date_time_venue_host_and_focus_areas(app, client):
    event = factories.event(
        slug="vatten",
        title="Temamöte om vatten",
        starts_at=_stockholm(2030, 3, 25, 9),
        ends_at=_stockholm(2030, 3, 25, 15, 30),
        venue_name="Stadsbiblioteket",
        venue_address="Fredsgatan 1",
        venue_city="Halmstad",
        description="Vi pratar om **vatten**.",
    )
    factories.focus_area(event, "Vatten", 1, description="Dricksvatten och reservvatten")
    factories.focus_area(event, "Värme och energi", 2)
    db.session.commit()
    html = client.get("/e/vatten/").get_data(as_text=True)
    assert "25 mars 2030, kl. 9.00–15.30" in html
    assert "Stadsbiblioteket" in html and "Fredsgatan 1" in html and "Halmstad" in html
    assert event.organisation.name in html
    assert "<strong>vatten</strong>" in html
    assert html.index("Vatten") < html.index("Värme och energi")
    assert "Dricksvatten och reservvatten" in html


def test_event_page_in_english(app, client):
    factories.event(slug="vatten", starts_at=_stockholm(2030, 3, 25, 9), ends_at=_stockholm(2030, 3, 25, 15, 30))
    db.session.commit()
    client.set_cookie("forum_lang", "en")
    html = client.get("/e/vatten/").get_data(as_text=True)
    assert "25 March 2030, 09:00–15:30" in html
    assert '<html lang="en">' in html


def test_two_day_event_shows_both_days(app, client):
    factories.event(slug="tva-dagar", starts_at=_stockholm(2030, 3, 19, 10), ends_at=_stockholm(2030, 3, 20, 15))
    db.session.commit()
    html = client.get("/e/tva-dagar/").get_data(as_text=True)
    assert "19 mars 2030 kl. 10.00 – 20 mars 2030 kl. 15.00" in html


def test_preliminary_date_shows_the_text_not_the_placeholder_date(app, client):
    factories.event(
        slug="halland",
        date_is_preliminary=True,
        preliminary_date_text="preliminärt oktober 2030",
        starts_at=_stockholm(2030, 10, 15, 9),
    )
    db.session.commit()
    html = client.get("/e/halland/").get_data(as_text=True)
    assert "preliminärt oktober 2030" in html
    assert "15 oktober 2030" not in html


def test_registration_states(app, client):
    factories.event(slug="oppen", registration_opens_at=in_days(-1), registration_closes_at=in_days(5))
    factories.event(slug="senare", registration_opens_at=in_days(3), registration_closes_at=in_days(20))
    factories.event(slug="stangd", registration_opens_at=in_days(-10), registration_closes_at=in_days(-1))
    factories.event(slug="inbjudan", visibility=Visibility.INVITATION)
    factories.event(slug="installt", status=EventStatus.CANCELLED)
    db.session.commit()
    assert "Anmälan är öppen" in client.get("/e/oppen/").get_data(as_text=True)
    opens_later = client.get("/e/senare/").get_data(as_text=True)
    assert "Anmälan öppnar" in opens_later
    assert "Anmälan är stängd" in client.get("/e/stangd/").get_data(as_text=True)
    assert "Endast för inbjudna" in client.get("/e/inbjudan/").get_data(as_text=True)
    assert "Evenemanget är inställt." in client.get("/e/installt/").get_data(as_text=True)


def test_full_event_state_uses_the_registration_count(app, monkeypatch):
    from forum.events import services
    from forum.registration import services as registration

    event = factories.event(capacity=2, registration_opens_at=in_days(-1))
    monkeypatch.setattr(registration, "confirmed_count", lambda e: 2, raising=False)
    assert services.registration_state(event) == services.RegistrationState.FULL


def test_draft_event_is_404_to_the_public(app, client):
    factories.event(slug="hemligt", status=EventStatus.DRAFT)
    db.session.commit()
    response = client.get("/e/hemligt/")
    assert response.status_code == 404
    assert "Sidan finns inte" in response.get_data(as_text=True)


def test_unknown_event_is_404_in_english_too(app, client):
    client.set_cookie("forum_lang", "en")
    response = client.get("/e/finns-inte/")
    assert response.status_code == 404
    assert "Page not found" in response.get_data(as_text=True)


def test_description_markdown_is_rendered_safely(app, client):
    factories.event(slug="xss", description="<script>alert(1)</script> [klick](javascript:alert(2)) *ok*")
    db.session.commit()
    html = client.get("/e/xss/").get_data(as_text=True)
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;" in html
    assert 'href="javascript:' not in html
    assert "<em>ok</em>" in html


def test_titles_are_escaped(app, client):
    factories.event(slug="esc", title="<img src=x onerror=alert(1)>", starts_at=in_days(3))
    db.session.commit()
    for url in ("/", "/e/esc/"):
        html = client.get(url).get_data(as_text=True)
        assert "<img src=x" not in html
        assert "&lt;img src=x onerror=alert(1)&gt;" in html


def test_event_times_are_stored_in_utc(app):
    event = factories.event(starts_at=_stockholm(2030, 7, 1, 9), ends_at=_stockholm(2030, 7, 1, 10))
    db.session.commit()
    db.session.expire_all()
    assert event.starts_at == datetime(2030, 7, 1, 7, 0, tzinfo=UTC)  # CEST is UTC+2
    assert event.starts_at.tzinfo is not None
    raw = db.session.execute(db.text("SELECT starts_at FROM events WHERE id = :id"), {"id": event.id}).scalar()
    assert str(raw).startswith("2030-07-01 07:00")


def test_hybrid_registration_open_agrees_in_python_and_sql(app):
    from sqlalchemy import select

    from forum.events.models import Event

    now = datetime.now(UTC)
    open_event = factories.event(
        registration_opens_at=now - timedelta(days=1), registration_closes_at=now + timedelta(days=1)
    )
    closed_event = factories.event(registration_opens_at=now + timedelta(days=1))
    draft = factories.event(status=EventStatus.DRAFT)
    db.session.commit()
    in_sql = set(db.session.scalars(select(Event.id).where(Event.is_registration_open(now))))
    in_python = {e.id for e in (open_event, closed_event, draft) if e.is_registration_open(now)}
    assert in_sql == in_python == {open_event.id}
