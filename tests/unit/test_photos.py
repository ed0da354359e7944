"""Photos: only real pictures are kept, cleaned of metadata, stored once."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from lianqin import photos
from lianqin.errors import InvalidInput


def picture(fmt: str = "JPEG", size=(40, 30), exif: bool = False) -> bytes:
    image = Image.new("RGB", size, (200, 30, 30))
    out = io.BytesIO()
    if exif:
        data = Image.Exif()
        data[0x010F] = "PhoneMaker"  # Make
        data[0x8825] = {2: (32.0, 3.0, 0.0)}  # GPS latitude
        image.save(out, fmt, exif=data.tobytes())
    else:
        image.save(out, fmt)
    return out.getvalue()


@pytest.fixture(autouse=True)
def data_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("LIANQIN_DATA_DIR", str(tmp_path))


def test_a_photo_is_re_encoded_without_its_metadata_and_stored_once():
    raw = picture(exif=True)
    assert b"PhoneMaker" in raw
    url = photos.save(raw, "a.jpg")
    assert url.startswith("/media/photos/") and url.endswith(".jpg")
    stored = photos.path_of(url.removeprefix("/media/photos/"))
    assert stored is not None and b"PhoneMaker" not in stored.read_bytes()
    assert Image.open(stored).getexif().get(0x8825) is None
    assert photos.save(raw, "again.jpg") == url  # a re-sent photo is the same file


@pytest.mark.parametrize("fmt", ["PNG", "WEBP"])
def test_png_and_webp_are_taken(fmt):
    assert photos.save(picture(fmt)).endswith(".jpg")


@pytest.mark.parametrize(
    ("data", "says"),
    [
        (b"", "空文件"),
        (b"GIF89a" + b"\x00" * 100, "不是可以打开的照片"),
        (b"%PDF-1.4 not a picture", "不是可以打开的照片"),
        (picture()[:200], "不是可以打开的照片"),  # cut off
    ],
)
def test_what_is_not_a_photo_is_refused_with_a_reason(data, says):
    with pytest.raises(InvalidInput, match=says) as exc:
        photos.save(data, "x.bin")
    assert exc.value.field == "photos" and exc.value.hint


def test_other_picture_formats_and_huge_files_are_refused(monkeypatch):
    gif = io.BytesIO()
    Image.new("RGB", (5, 5)).save(gif, "GIF")
    with pytest.raises(InvalidInput, match="不是 JPEG"):
        photos.save(gif.getvalue())
    monkeypatch.setattr(photos, "MAX_BYTES", 100)
    with pytest.raises(InvalidInput, match="太大"):
        photos.save(picture(size=(200, 200)))


def test_a_decompression_bomb_is_refused(monkeypatch):
    monkeypatch.setattr(photos, "MAX_PIXELS", 100)
    with pytest.raises(InvalidInput, match="像素太多"):
        photos.save(picture(size=(50, 50)))


def test_only_our_names_resolve_to_files():
    url = photos.save(picture())
    assert photos.path_of("../../secret_key") is None
    assert photos.path_of(url.removeprefix("/media/photos/").upper()) is None
    assert photos.path_of("ab/" + "0" * 64 + ".jpg") is None
