"""The organiser's list of interest sign-ups while an event's date is preliminary."""

from __future__ import annotations

import re

import pytest

from forum.extensions import db
from forum.registration import services
from tests import factories
from tests.auth.helpers import text
from tests.conftest import login_as


@pytest.fixture
def event(app):
    return factories.event(slug="halland-langsiktig", title="Långsiktig beredskap", date_is_preliminary=True)


@pytest.fixture
def signed_in(client, event):
    login_as(client, factories.user(roles={event: "organiser"}))
    db.session.commit()
    return client


def url(event) -> str:
    return f"/admin/events/{event.slug}/interest"


def interest(event, name: str, kinds: list[str], organisation: str = "", email: str | None = None):
    item = services.register_interest(
        event,
        name=name,
        email=email or f"{name.split()[0].casefold()}@example.org",
        organisation=organisation,
        kinds=kinds,
        language="sv",
    )
    db.session.commit()
    return item


def names(html: str) -> list[str]:
    return re.findall(r'<th scope="row">(.*?)</th>', html, re.S)


def count(html: str, key: str) -> str:
    return re.search(rf'id="count-{key}">(\d+)<', html).group(1)


def test_the_list_shows_each_sign_up_with_what_they_want_and_counts(signed_in, event):
    interest(event, "Åsa Öberg", ["follow", "take_part"], organisation="Hela Sverige ska leva Halland")
    interest(event, "Łukasz Nowak", ["contribute"], organisation="Laholms kommun")
    interest(event, "Zoë Lind", ["follow"])
    html = text(signed_in.get(url(event)))
    assert names(html) == ["Åsa Öberg", "Łukasz Nowak", "Zoë Lind"]
    assert "Följa arbetet, Delta i arbetet" in html
    assert "Bidra till arbetet" in html
    assert "åsa@example.org" in html and "Laholms kommun" in html
    assert count(html, "total") == "3"
    assert count(html, "follow") == "2"
    assert count(html, "contribute") == "1"
    assert count(html, "take_part") == "1"


def test_empty_state_and_the_navigation_entry_for_a_preliminary_date(signed_in, event):
    html = text(signed_in.get(url(event)))
    assert "Inga intresseanmälningar än." in html
    assert count(html, "total") == "0"
    overview = text(signed_in.get(f"/admin/events/{event.slug}/"))
    assert f'href="{url(event)}"' in overview and "Intresseanmälningar" in overview


def test_the_navigation_entry_stays_while_sign_ups_exist_after_the_date_is_set(signed_in, event):
    interest(event, "Åsa Öberg", ["follow"])
    event.date_is_preliminary = False
    db.session.commit()
    overview = text(signed_in.get(f"/admin/events/{event.slug}/"))
    assert f'href="{url(event)}"' in overview
    assert "tar inte emot fler intresseanmälningar" in text(signed_in.get(url(event)))


def test_no_navigation_entry_without_a_preliminary_date_or_sign_ups(client, app):
    fixed = factories.event()
    login_as(client, factories.user(roles={fixed: "organiser"}))
    db.session.commit()
    overview = text(client.get(f"/admin/events/{fixed.slug}/"))
    assert "Intresseanmälningar" not in overview
    # the page itself still answers, with its empty state
    assert "Inga intresseanmälningar än." in text(client.get(url(fixed)))


def test_pagination(signed_in, event):
    for n in range(60):
        services.register_interest(
            event, name=f"Person {n:02d}", email=f"p{n}@example.org", organisation="", kinds=["follow"], language="sv"
        )
    db.session.commit()
    first = signed_in.get(url(event)).get_data(as_text=True)
    assert len(names(first)) == 50
    assert count(first, "total") == "60"
    assert f'href="{url(event)}?page=2" rel="next"' in first
    second = signed_in.get(f"{url(event)}?page=2").get_data(as_text=True)
    assert len(names(second)) == 10
    assert set(names(first)).isdisjoint(names(second))


def test_only_this_events_sign_ups_are_shown(signed_in, event):
    other = factories.event(date_is_preliminary=True)
    interest(other, "Annan Person", ["follow"])
    interest(event, "Åsa Öberg", ["follow"])
    assert names(text(signed_in.get(url(event)))) == ["Åsa Öberg"]


def test_html_in_a_sign_up_is_shown_as_text(signed_in, event):
    interest(event, "<script>alert(1)</script> Åsa", ["follow"], organisation="<b>Org</b>", email="x@example.org")
    html = signed_in.get(url(event)).get_data(as_text=True)
    assert "<script>alert(1)</script>" not in html and "<b>Org</b>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt; Åsa" in html
    assert "&lt;b&gt;Org&lt;/b&gt;" in html


def test_access(client, event):
    response = client.get(url(event))
    assert response.status_code == 302 and "/admin/login" in response.headers["Location"]
    other = factories.event()
    for user in (factories.user(roles={event: "checkin"}), factories.user(roles={other: "organiser"})):
        db.session.commit()
        login_as(client, user)
        assert client.get(url(event)).status_code == 403
