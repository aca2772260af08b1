"""Stored images keep no metadata at all (issue 17 item 6): no comment, EXIF/GPS, XMP, ICC
profile or Photoshop data in a stored JPEG, no text or metadata chunk in a stored PNG,
whatever the uploaded JPEG, PNG or GIF carried; the pixels survive."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from accounts.models import IdentityVerification
from accounts.uploads import reencode_image
from tests.hostile_files import (
    SECRET,
    gif_with_comment,
    jpeg_with_metadata,
    metadata_left,
    png_with_metadata,
)

UPLOADS = {
    "JPEG with COM, EXIF/GPS, XMP, ICC and Photoshop": ("photo.jpg", jpeg_with_metadata, "jpg"),
    "PNG with text chunks, iCCP and eXIf": ("scan.png", lambda: png_with_metadata("RGB"), "jpg"),
    "transparent PNG with the same": ("scan.png", png_with_metadata, "png"),
    "GIF with a comment": ("scan.gif", gif_with_comment, "jpg"),
    "transparent GIF with a comment": (
        "scan.gif",
        lambda: gif_with_comment(transparent=True),
        "png",
    ),
}


@pytest.mark.parametrize(("name", "build", "extension"), UPLOADS.values(), ids=UPLOADS.keys())
def test_reencoded_image_keeps_no_metadata(name, build, extension):
    stored = reencode_image(SimpleUploadedFile(name, build())).read()

    assert metadata_left(stored) == []
    assert SECRET not in stored


@pytest.mark.parametrize(("name", "build", "extension"), UPLOADS.values(), ids=UPLOADS.keys())
def test_reencoded_image_keeps_its_pixels(name, build, extension):
    original = Image.open(io.BytesIO(build())).convert("RGBA")

    stored = reencode_image(SimpleUploadedFile(name, build()))

    assert stored.name.endswith(f".{extension}")
    image = Image.open(io.BytesIO(stored.read()))
    image.load()
    assert image.size == original.size
    for point in ((5, 5), (image.width - 6, image.height - 6)):
        expected = original.getpixel(point)
        got = image.convert("RGBA").getpixel(point)
        assert all(abs(a - b) <= 4 for a, b in zip(got, expected, strict=True)), point


def test_identity_verification_photo_keeps_no_metadata(client, newcomer):
    client.force_login(newcomer)

    client.post(
        reverse("accounts:verification"),
        {
            "licence_number": newcomer.institution.licence_number,
            "photo": SimpleUploadedFile("licence.jpg", jpeg_with_metadata()),
        },
    )

    verification = IdentityVerification.objects.get()
    with verification.licence_photo.open("rb") as file:
        kept = file.read()
    assert metadata_left(kept) == []
    assert SECRET not in kept
