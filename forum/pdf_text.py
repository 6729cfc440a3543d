"""Text for PDFs in any script: reportlab draws glyphs in the order given and does no shaping, so
right-to-left text (Arabic, Persian, Urdu, Hebrew) is turned into its visual form first: Arabic
letters into their joined presentation forms (arabic-reshaper) and the line into display order
(python-bidi, the Unicode bidirectional algorithm). DejaVu Sans has the presentation forms.
Text with no right-to-left letters is returned unchanged, at no cost beyond one scan."""

from __future__ import annotations

import re
from functools import lru_cache

# Hebrew, Arabic, Syriac, Thaana, NKo, Samaritan, Mandaic, Arabic Extended, and the presentation forms.
_RIGHT_TO_LEFT = re.compile("[\u0590-\u08ff\ufb1d-\ufdff\ufe70-\ufeff]")


@lru_cache(maxsize=4096)
def visual(text: str) -> str:
    """The text as it must be drawn left to right, one line at a time."""
    if not text or not _RIGHT_TO_LEFT.search(text):
        return text
    import arabic_reshaper
    from bidi.algorithm import get_display

    return "\n".join(get_display(arabic_reshaper.reshape(line)) for line in text.split("\n"))
