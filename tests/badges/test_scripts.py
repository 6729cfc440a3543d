"""Names in any script on badges and tickets: right-to-left names are drawn joined and in display order."""

from __future__ import annotations

import base64
import re
import unicodedata
import zlib

from forum.badges import pdf
from forum.extensions import db
from forum.pdf_text import visual
from forum.registration import services
from tests import factories
from tests.badges.test_pdf import decoded, text_of

ARABIC_NAME = ("محمد", "العلي")


def test_latin_nordic_polish_and_vietnamese_text_is_left_as_it_is():
    for text in ("Åsa Öberg", "Łukasz Żółć", "Nguyễn Thị Ánh", "Zoë"):
        assert visual(text) is text or visual(text) == text


def test_arabic_letters_are_joined_and_in_display_order():
    shown = visual("محمد")
    # Joined forms come from the Arabic Presentation Forms-B block, not the isolated base letters.
    assert all(unicodedata.name(ch).startswith("ARABIC LETTER") and "FORM" in unicodedata.name(ch) for ch in shown)
    # Drawn left to right, the last letter (dal, final form) comes first.
    assert unicodedata.name(shown[0]) == "ARABIC LETTER DAL FINAL FORM"
    # Latin inside stays readable and in place.
    assert visual("Ali محمد (MSB)").startswith("Ali ") and visual("Ali محمد (MSB)").endswith("(MSB)")


def drawn_characters(data: bytes) -> set[str]:
    """The characters the PDF's embedded fonts draw, read from their ToUnicode maps (a text extractor
    such as pdfium folds presentation forms back to base letters, so it cannot tell shaped from not)."""
    drawn = set()
    for match in re.finditer(rb"/Filter \[ ([^\]]*)\][^>]*>>\s*stream\r?\n(.*?)endstream", data, re.S):
        filters, body = match.group(1), match.group(2).strip()
        if b"ASCII85" in filters:
            body = base64.a85decode(body.removeprefix(b"<~").removesuffix(b"~>").strip())
        body = zlib.decompress(body)
        if b"beginbfchar" in body:
            drawn |= {chr(int(code, 16)) for code in re.findall(rb"<[0-9A-F]+> <([0-9A-F]{4})>", body)}
    return drawn


def assert_drawn_joined(data: bytes) -> None:
    """The PDF draws "محمد العلي" with joined letters: no isolated base letters among those drawn."""
    drawn = drawn_characters(data)
    assert {"\ufee3", "\ufea4", "\ufee4", "\ufeaa"} <= drawn  # meem, hah, meem, dal joined
    assert not drawn & set("محمدالعلي")  # no isolated base letters


def test_a_badge_for_an_arabic_script_name_is_drawn_joined_and_still_scans(app):
    event = factories.event(capacity=5)
    registration = services.register(
        event,
        services.Details(
            first_name=ARABIC_NAME[0], last_name=ARABIC_NAME[1], email="m@example.org", organisation="مدينة مالمو"
        ),
    ).registration
    db.session.commit()
    body = pdf.badges_pdf([registration], "a6")
    assert_drawn_joined(body)
    assert "محمد العلي" in text_of(body)  # and it reads right
    assert len(decoded(body)) == 1
