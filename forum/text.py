"""Safe rendering of organiser-written Markdown."""

from __future__ import annotations

import functools

from markdown_it import MarkdownIt
from markupsafe import Markup

# "js-default": CommonMark with raw HTML off and javascript:/vbscript:/data: links refused.
_markdown = MarkdownIt("js-default", {"linkify": False, "typographer": False})


def render_markdown(source: str | None) -> Markup:
    if not source:
        return Markup("")
    return _rendered(source)


@functools.lru_cache(maxsize=4096)
def _rendered(source: str) -> Markup:
    """Rendering is a pure function of the text, and the programme page renders hundreds of the same
    descriptions on every request: keep the most recent results (bounded)."""
    return Markup(_markdown.render(source))  # noqa: S704 - raw HTML is disabled in the parser


def register_filters(app) -> None:
    app.jinja_env.filters["markdown"] = render_markdown
