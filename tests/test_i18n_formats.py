"""Times on pages follow the visitor's language and the event's time zone, also when the same moment was
formatted before in another language or zone (forum.i18n keeps formatted times)."""

from __future__ import annotations

from datetime import UTC, datetime

from flask_babel import refresh

from forum.i18n import LANGUAGE_COOKIE, format_clock, format_time_range


def test_a_time_is_formatted_for_each_language_and_zone(app):
    moment = datetime(2027, 3, 25, 8, 0, tzinfo=UTC)
    later = datetime(2027, 3, 25, 14, 30, tzinfo=UTC)
    with app.test_request_context("/"):
        assert format_clock(moment) == "9.00"  # Europe/Stockholm, Swedish
        assert format_clock(moment, "UTC") == "8.00"
        assert format_time_range(moment, later) == "kl. 9.00–15.30"
    with app.test_request_context("/", headers={"Cookie": f"{LANGUAGE_COOKIE}=en"}):
        refresh()  # the test's app context keeps the language chosen in the first request
        assert format_clock(moment) == "09:00"
        assert format_clock(moment, "UTC") == "08:00"
        assert format_time_range(moment, later, "America/New_York") == "04:00–10:30"
