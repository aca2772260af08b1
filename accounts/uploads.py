"""Uploaded photos (licences, certificates): checked by decoding, stored re-encoded.

A file is accepted only if Pillow decodes it as one of the formats the manual lists; the
stored copy is a fresh JPEG (or PNG, for images with transparency) made from the pixels
alone, under a random name, so nothing the client sent — EXIF/GPS data, a comment, XMP, an
ICC profile, Photoshop data, PNG text chunks, an appended payload, the file name — reaches
the disk. A stored JPEG has no segment but the JFIF APP0 and the coding tables; a stored
PNG no chunk but IHDR, IDAT and IEND.
"""

import io
import uuid
import warnings

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.uploadhandler import FileUploadHandler, SkipFile
from django.utils.translation import gettext_lazy as _
from PIL import Image, ImageOps, UnidentifiedImageError

IMAGE_FORMATS = ("JPEG", "PNG", "BMP", "GIF")
IMAGE_EXTENSIONS = ".jpg, .jpeg, .png, .bmp, .gif"
MAX_IMAGE_BYTES = 5 * 1024 * 1024
# 40 megapixels: far above any phone photo, far below what would exhaust memory.
MAX_IMAGE_PIXELS = 40_000_000


def reencode_image(uploaded, *, max_bytes=MAX_IMAGE_BYTES):
    """Decode ``uploaded`` and return a metadata-free re-encoding as a ``ContentFile``.

    Raises ``ValidationError`` with a Chinese message for a file over ``max_bytes``, a file
    that is not a jpg/jpeg/png/bmp/gif image (whatever its name says), and an image whose
    pixel count would be a decompression bomb.
    """
    if uploaded.size > max_bytes:
        raise ValidationError(
            _("图片大小不能超过%(mb)dMB，请压缩后重新上传。"),
            code="image_too_large",
            params={"mb": max_bytes // (1024 * 1024)},
        )
    uploaded.seek(0)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(uploaded, formats=IMAGE_FORMATS)
            if image.width * image.height > MAX_IMAGE_PIXELS:
                raise Image.DecompressionBombError("over MAX_IMAGE_PIXELS")
            image.load()
    except ValidationError:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as error:
        raise ValidationError(
            _("图片像素过大（超过4000万像素），请缩小后重新上传。"), code="image_pixels"
        ) from error
    except (
        UnidentifiedImageError,
        OSError,
        SyntaxError,
        ValueError,
    ) as error:
        raise ValidationError(
            _("文件不是有效的图片，请上传 %(ext)s 格式的照片。"),
            code="image_invalid",
            params={"ext": IMAGE_EXTENSIONS},
        ) from error

    image = ImageOps.exif_transpose(image)
    transparent = image.mode in ("RGBA", "LA") or (
        image.mode == "P" and "transparency" in image.info
    )
    image = _pixels_only(image, "RGBA" if transparent else "RGB")
    output = io.BytesIO()
    if transparent:
        image.save(output, format="PNG", optimize=True)
        extension = "png"
    else:
        image.save(output, format="JPEG", quality=88, optimize=True)
        extension = "jpg"
    return ContentFile(output.getvalue(), name=f"{uuid.uuid4().hex}.{extension}")


def _pixels_only(image, mode):
    """A new image holding only the pixels of ``image``, in ``mode``.

    Pillow carries ``image.info`` through ``convert`` and writes parts of it on save (a
    JPEG comment into a COM segment, an ICC profile into a PNG iCCP chunk); a fresh image
    has an empty ``info``, so the JPEG gets only the JFIF APP0 and the PNG only its pixel
    chunks, whatever the upload carried and whatever a later Pillow learns to carry.
    ``image`` is closed once converted: at 40 megapixels each copy is up to 160 MB.
    """
    converted = image.convert(mode)
    image.close()
    clean = Image.new(mode, converted.size)
    clean.paste(converted)
    return clean


class UploadSizeLimit(FileUploadHandler):
    """Stops an upload that is too large while the request is read.

    A body announced larger than ``max_request`` bytes, or a file that grows past
    ``max_file`` bytes, is skipped: the rest is read and discarded, never written to a
    temporary file, and ``exceeded`` tells the view why the file is missing.
    """

    def __init__(self, request=None, *, max_request, max_file):
        super().__init__(request)
        self.max_request = max_request
        self.max_file = max_file
        self.exceeded = False

    def handle_raw_input(self, input_data, META, content_length, boundary, encoding=None):  # noqa: N803
        if content_length > self.max_request:
            self.exceeded = True

    def new_file(self, *args, **kwargs):
        super().new_file(*args, **kwargs)
        if self.exceeded:
            raise SkipFile

    def receive_data_chunk(self, raw_data, start):
        if start + len(raw_data) > self.max_file:
            self.exceeded = True
            raise SkipFile
        return raw_data

    def file_complete(self, file_size):
        return None
