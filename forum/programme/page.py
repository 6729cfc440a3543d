"""The public programme page's items, each rendered once for what it shows.

A large programme (300 items) is rendered again on every request, and most of that time went to
rendering the items. An item's HTML (templates/public/_programme_item.html) depends only on what it
shows, so it is kept under exactly that (item_key), in a bounded per-process cache
(forum.caching.Kept): a kept fragment is never stale, and after an edit only the changed items are
rendered again. The data is still read on every request.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from flask import render_template
from flask_babel import get_locale
from markupsafe import Markup

from forum.caching import Kept
from forum.events.models import Event
from forum.i18n import local_zone
from forum.programme.schedule import Entry

_fragments: Kept[Markup] = Kept(4096)


def item_key(entry: Entry, event: Event) -> tuple:
    """Everything the item's fragment shows, and what shapes it (language, the event's language and
    time zone). Whatever the template shows must be here."""
    item = entry.item
    return (
        str(get_locale()),
        event.language,
        local_zone(event.timezone).key,
        item.id,
        item.title,
        item.starts_at,
        item.ends_at,
        item.room.name if item.room else None,
        item.kind,
        item.language,
        tuple((speaker.name, speaker.title, speaker.organisation) for speaker in item.speakers),
        tuple(area.name for area in item.focus_areas),
        item.requires_signup,
        entry.seats_left,
        entry.cancelled,
        item.description,
        tuple(tuple(sorted(link.items())) for link in item.links or ()),
    )


def item_renderer(
    event: Event, clock: Callable[[datetime], str], language_label: Callable[[str], str]
) -> Callable[[Entry], Markup]:
    """The page's `item_html(entry)`: the item's fragment, kept or rendered now."""

    def item_html(entry: Entry) -> Markup:
        def rendered() -> Markup:
            return Markup(  # noqa: S704 - an autoescaped template's output
                render_template(
                    "public/_programme_item.html",
                    entry=entry,
                    item=entry.item,
                    event=event,
                    clock=clock,
                    language_label=language_label,
                )
            )

        return _fragments.get(item_key(entry, event), rendered)

    return item_html


def forget_fragments() -> None:
    """Drop the kept fragments (for measurements)."""
    _fragments.clear()
