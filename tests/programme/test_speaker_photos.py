"""Speakers' photos: JPEG or PNG up to 2 MB, checked by content, served only under names we gave out."""

from __future__ import annotations

import io

import pytest

from forum.extensions import db
from forum.programme import speakers
from forum.programme.models import Speaker
from tests import factories
from tests.conftest import csrf_from

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 64


@pytest.fixture
def event(app):
    return factories.event()


@pytest.fixture
def speaker(event):
    person = speakers.add_speaker(event, speakers.SpeakerData(name="Olena Kovalenko", email="olena@example.org"))
    db.session.commit()
    return person


def upload(client, event, speaker, content: bytes, filename: str, **extra):
    url = f"/admin/events/{event.slug}/speakers/{speaker.id}/edit"
    page = client.get(url).get_data(as_text=True)
    data = {
        "csrf_token": csrf_from(page),
        "name": speaker.name,
        "email": speaker.email,
        "language": "sv",
        **extra,
    }
    if filename:
        data["photo_upload"] = (io.BytesIO(content), filename)
    return client.post(url, data=data, content_type="multipart/form-data")


def fresh(speaker) -> Speaker:
    db.session.expire_all()
    return db.session.get(Speaker, speaker.id)


@pytest.mark.parametrize(("content", "kind"), [(PNG, "image/png"), (JPEG, "image/jpeg")])
def test_a_photo_is_stored_and_served_with_its_type(signed_in, event, speaker, content, kind):
    assert upload(signed_in, event, speaker, content, "me.bin").status_code == 303
    name = fresh(speaker).photo
    assert name
    response = signed_in.get(f"/media/speakers/{name}")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == kind
    assert response.data == content
    page = signed_in.get(f"/s/{speakers.token_for(fresh(speaker))}").get_data(as_text=True)
    assert f"/media/speakers/{name}" in page


def test_a_file_that_is_not_an_image_is_refused_and_nothing_changes(signed_in, event, speaker):
    response = upload(signed_in, event, speaker, b"<html>not a picture</html>", "photo.png")
    assert response.status_code == 200
    assert "JPEG- eller PNG-bild" in response.get_data(as_text=True)
    assert fresh(speaker).photo == ""


def test_a_photo_over_2_mb_is_refused(signed_in, event, speaker):
    response = upload(signed_in, event, speaker, PNG + b"\x00" * (2 * 1024 * 1024), "big.png")
    assert "högst 2 MB" in response.get_data(as_text=True)
    assert fresh(speaker).photo == ""


def test_replacing_and_removing_deletes_the_old_file(app, signed_in, event, speaker):
    from forum.programme import photos

    upload(signed_in, event, speaker, PNG, "a.png")
    first = fresh(speaker).photo
    upload(signed_in, event, speaker, JPEG, "b.jpg")
    second = fresh(speaker).photo
    assert second != first
    assert photos.path_for(first) is None
    upload(signed_in, event, speaker, b"", "", remove_photo="y")
    assert fresh(speaker).photo == ""
    assert photos.path_for(second) is None


@pytest.mark.parametrize("name", ["../secret_key", "x.png", "0" * 32 + ".gif"])
def test_only_names_we_gave_out_are_served(client, name):
    assert client.get(f"/media/speakers/{name}").status_code == 404
