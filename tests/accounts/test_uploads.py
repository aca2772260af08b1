import io

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from accounts.uploads import reencode_image


def _image_file(name, fmt, size=(320, 200), mode="RGB", **save_kwargs):
    buffer = io.BytesIO()
    Image.new(mode, size, "teal" if mode != "1" else 0).save(buffer, format=fmt, **save_kwargs)
    return SimpleUploadedFile(name, buffer.getvalue())


@pytest.mark.parametrize(
    ("name", "fmt"),
    [("a.jpg", "JPEG"), ("a.jpeg", "JPEG"), ("a.png", "PNG"), ("a.bmp", "BMP"), ("a.gif", "GIF")],
)
def test_the_manuals_formats_are_accepted(name, fmt):
    stored = reencode_image(_image_file(name, fmt))

    assert Image.open(io.BytesIO(stored.read())).size == (320, 200)


def test_metadata_is_dropped():
    exif = Image.Exif()
    exif[0x8825] = {2: (39.0, 54.0, 0.0)}  # GPS latitude
    exif[0x010F] = "PhoneMaker"
    upload = _image_file("gps.jpg", "JPEG", exif=exif.tobytes())

    stored = Image.open(io.BytesIO(reencode_image(upload).read()))

    assert not stored.getexif()


def test_stored_name_is_random_not_the_clients():
    stored = reencode_image(_image_file("../../etc/passwd.jpg", "JPEG"))

    assert "passwd" not in stored.name and stored.name.endswith(".jpg")


def test_html_named_jpg_is_refused():
    upload = SimpleUploadedFile("licence.jpg", b"<html><script>alert(1)</script></html>")

    with pytest.raises(ValidationError, match="不是有效的图片"):
        reencode_image(upload)


def test_six_megabyte_image_is_refused():
    upload = _image_file("big.bmp", "BMP", size=(1500, 1400))
    assert upload.size > 6_000_000

    with pytest.raises(ValidationError, match="不能超过5MB"):
        reencode_image(upload)


def test_decompression_bomb_is_refused():
    upload = _image_file("bomb.png", "PNG", size=(12_000, 12_000), mode="1")
    assert upload.size < 100_000

    with pytest.raises(ValidationError, match="像素过大"):
        reencode_image(upload)


def test_payload_appended_to_a_png_is_not_stored():
    upload = _image_file("poly.png", "PNG")
    upload = SimpleUploadedFile("poly.png", upload.read() + b"<script>alert(1)</script>")

    stored = reencode_image(upload).read()

    assert b"<script>" not in stored


def test_transparent_png_stays_png():
    stored = reencode_image(_image_file("t.png", "PNG", mode="RGBA"))

    assert stored.name.endswith(".png")
