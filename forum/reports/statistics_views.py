"""Organiser screens for an event's statistics: the page with charts and tables, and a printable
summary for the report to the funder. Thin: forum.reports.statistics counts, forum.reports.charts draws."""

from __future__ import annotations

from datetime import date

from flask import Blueprint, render_template
from flask_babel import format_date, format_decimal
from flask_babel import gettext as _

from forum.auth.policy import Permission, requires
from forum.db import utcnow
from forum.events.models import Event
from forum.reports import charts, statistics
from forum.reports.statistics import EventStatistics

bp = Blueprint("statistics_admin", __name__, url_prefix="/admin/events/<slug>/statistics")


def percent(value: float | None) -> str:
    """42,5 % (in the visitor's language), or a dash when there is nothing to divide by."""
    if value is None:
        return "–"
    return f"{format_decimal(round(value, 1), format='#,##0.0')} %"


def _day(value: date) -> str:
    return format_date(value, "d MMM")


def _charts(event: Event, stats: EventStatistics) -> dict:
    attendance = stats.attendance
    return {
        "daily": charts.time_chart(
            "chart-daily",
            _("Nya anmälningar per dag"),
            [(day.day, day.new) for day in stats.over_time],
            _day,
        ),
        "cumulative": charts.time_chart(
            "chart-cumulative",
            _("Anmälningar totalt över tid"),
            [(day.day, day.total) for day in stats.over_time],
            _day,
            line=True,
        ),
        "organisation_type": charts.bar_chart(
            "chart-organisation-type",
            _("Bekräftade deltagare per typ av organisation"),
            [(share.label, share.count) for share in stats.by_organisation_type],
        ),
        "municipality": charts.bar_chart(
            "chart-municipality",
            _("Bekräftade deltagare per kommun"),
            [(share.label, share.count) for share in stats.by_municipality],
        ),
        "focus_area": charts.bar_chart(
            "chart-focus-area",
            _("Bekräftade deltagare per fokusområde"),
            [(share.label, share.count) for share in stats.by_focus_area],
        ),
        "workshops": charts.fill_chart(
            "chart-workshops",
            _("Platser tagna per pass"),
            [(item.title, item.taken, item.capacity) for item in stats.workshops],
        ),
        "attendance": charts.bar_chart(
            "chart-attendance",
            _("Incheckning"),
            [(_("Incheckade"), attendance.checked_in), (_("Inte incheckade"), attendance.no_shows)],
        ),
    }


def _render(template: str, event: Event):
    stats = statistics.for_event(event)
    return render_template(
        template, event=event, stats=stats, charts=_charts(event, stats), percent=percent, generated_at=utcnow()
    )


@bp.get("")
@requires(Permission.EVENT_MANAGE)
def statistics_page(event: Event):
    return _render("reports/statistics.html", event)


@bp.get("/summary")
@requires(Permission.EVENT_MANAGE)
def summary(event: Event):
    return _render("reports/statistics_summary.html", event)
