"""Residents' photos: check they are real JPEG/PNG/WebP images, read the EXIF GPS position, and
re-encode them without any metadata (GPS, camera, time, XMP, ICC, text chunks).

The type comes from the magic bytes, never the file name; the size is checked before decoding and
the pixel count before the pixels are loaded (decompression bombs); Pillow must decode the whole
image, so a JPEG header followed by garbage is refused. EXIF orientation is applied first, so
the stripped photo is not sideways.
"""

from __future__ import annotations

import io
import logging
import math
import warnings
from dataclasses import dataclass
from typing import Any

from PIL import Image, ImageCms, ImageOps, UnidentifiedImageError
from PIL.ExifTags import GPS, IFD

from bot import texts

logger = logging.getLogger(__name__)

MAX_PHOTO_BYTES = 10 * 1024 * 1024
# 50 megapixels: more than any phone camera's default; a bomb's declared size is far beyond it.
MAX_PIXELS = 50_000_000
JPEG_QUALITY = 90

FORMATS = {"image/jpeg": "JPEG", "image/png": "PNG", "image/webp": "WEBP"}
# Images we recognise but do not take (a clearer answer than "not an image").
OTHER_IMAGE_MAGIC = (b"GIF87a", b"GIF89a", b"BM", b"II*\x00", b"MM\x00*")


class PhotoRejected(ValueError):
    """A photo we do not take; `.message` is what the resident reads."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message


@dataclass(frozen=True)
class CheckedPhoto:
    data: bytes
    content_type: str
    gps: tuple[float, float] | None
    width: int
    height: int


def sniff(data: bytes) -> str | None:
    """The content type by magic bytes: image/jpeg, image/png, image/webp, or None."""
    if data.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if len(data) >= 12 and data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    return None


def _is_other_image(data: bytes) -> bool:
    heif = len(data) >= 12 and data[4:8] == b"ftyp" and data[8:12] in (b"heic", b"heix", b"mif1", b"avif")
    return heif or data.startswith(OTHER_IMAGE_MAGIC)


def _reject(code: str, message: str, detail: str) -> PhotoRejected:
    logger.warning("photo rejected (%s): %s", code, detail)
    return PhotoRejected(code, message)


def _number(value: Any) -> float:
    """An EXIF rational (IFDRational, or a (numerator, denominator) pair) as a float."""
    if isinstance(value, tuple) and len(value) == 2:
        numerator, denominator = value
        return float(numerator) / float(denominator) if denominator else math.nan
    return float(value)


def _degrees(value: Any, ref: Any) -> float | None:
    try:
        parts = [_number(v) for v in value] if isinstance(value, (tuple, list)) else [_number(value)]
    except (TypeError, ValueError, ZeroDivisionError):
        return None
    parts = [*parts, 0.0, 0.0][:3]
    if any(math.isnan(p) or math.isinf(p) for p in parts):
        return None
    degrees = parts[0] + parts[1] / 60 + parts[2] / 3600
    if isinstance(ref, bytes):
        ref = ref.decode("ascii", "ignore")
    if str(ref).strip().upper() in ("S", "W"):
        degrees = -degrees
    return degrees


def gps_of(image: Image.Image) -> tuple[float, float] | None:
    """The (latitude, longitude) in the image's EXIF, as decimal degrees; None if absent or invalid."""
    try:
        gps = image.getexif().get_ifd(IFD.GPSInfo)
    except Exception as error:  # malformed EXIF must not cost the photo
        logger.info("unreadable EXIF GPS block: %r", error)
        return None
    if GPS.GPSLatitude not in gps or GPS.GPSLongitude not in gps:
        return None
    latitude = _degrees(gps[GPS.GPSLatitude], gps.get(GPS.GPSLatitudeRef, "N"))
    longitude = _degrees(gps[GPS.GPSLongitude], gps.get(GPS.GPSLongitudeRef, "E"))
    if latitude is None or longitude is None:
        return None
    if not (-90 <= latitude <= 90 and -180 <= longitude <= 180) or (latitude == 0 and longitude == 0):
        return None
    return round(latitude, 7), round(longitude, 7)


def _to_srgb(image: Image.Image) -> Image.Image:
    """Convert pixels from an embedded ICC profile to sRGB, so dropping the profile keeps the colours."""
    icc = image.info.get("icc_profile")
    if not icc or image.mode not in ("RGB", "RGBA"):
        return image
    try:
        source = ImageCms.ImageCmsProfile(io.BytesIO(icc))
        converted = ImageCms.profileToProfile(image, source, ImageCms.createProfile("sRGB"))
    except (ImageCms.PyCMSError, OSError, ValueError) as error:
        logger.info("ICC profile not applied: %r", error)
        return image
    return converted if converted is not None else image


def _fresh(image: Image.Image, content_type: str) -> Image.Image:
    """The pixels in a new image with no metadata, in a mode the format stores."""
    if image.mode in ("P", "PA"):
        image = image.convert("RGBA" if image.has_transparency_data else "RGB")
    if content_type == "image/jpeg":
        if image.mode in ("RGBA", "LA"):
            background = Image.new("RGB", image.size, "white")
            background.paste(image, mask=image.getchannel("A"))
            image = background
        elif image.mode not in ("RGB", "L"):
            image = image.convert("RGB")
    elif content_type == "image/webp":
        if image.mode not in ("RGB", "RGBA"):
            image = image.convert("RGBA" if "A" in image.getbands() else "RGB")
    elif image.mode not in ("1", "L", "LA", "RGB", "RGBA", "I;16", "I"):
        image = image.convert("RGBA" if "A" in image.getbands() else "RGB")
    return Image.frombytes(image.mode, image.size, image.tobytes())


def _encode(image: Image.Image, content_type: str) -> bytes:
    out = io.BytesIO()
    if content_type == "image/jpeg":
        image.save(out, "JPEG", quality=JPEG_QUALITY, optimize=True)
    elif content_type == "image/png":
        image.save(out, "PNG", optimize=True)
    else:
        image.save(out, "WEBP", quality=JPEG_QUALITY)
    return out.getvalue()


def check_photo(data: bytes, *, max_bytes: int = MAX_PHOTO_BYTES) -> CheckedPhoto:
    """The photo, checked and stripped of metadata. Raises `PhotoRejected` with a Chinese message."""
    if not data:
        raise _reject("empty", texts.PHOTO_EMPTY, "no bytes")
    if len(data) > max_bytes:
        raise _reject("too_large", texts.photo_too_large(max_bytes), f"{len(data)} bytes > {max_bytes}")
    content_type = sniff(data)
    if content_type is None:
        if _is_other_image(data):
            raise _reject("unsupported_type", texts.PHOTO_UNSUPPORTED_TYPE, f"magic {data[:12]!r}")
        raise _reject("not_image", texts.PHOTO_NOT_IMAGE, f"magic {data[:12]!r}")
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            with Image.open(io.BytesIO(data), formats=[FORMATS[content_type]]) as probe:
                width, height = probe.size
                if width * height > MAX_PIXELS:
                    raise _reject("too_large", texts.PHOTO_TOO_MANY_PIXELS, f"{width}x{height} pixels")
                probe.verify()
            with Image.open(io.BytesIO(data), formats=[FORMATS[content_type]]) as image:
                image.load()
                gps = gps_of(image)
                upright = ImageOps.exif_transpose(image)
                clean = _fresh(_to_srgb(upright), content_type)
        except PhotoRejected:
            raise
        except (Image.DecompressionBombError, Image.DecompressionBombWarning) as error:
            raise _reject("too_large", texts.PHOTO_TOO_MANY_PIXELS, repr(error)) from error
        except (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError) as error:
            raise _reject(
                "not_image", texts.PHOTO_NOT_IMAGE, f"{content_type} does not decode: {error!r}"
            ) from error
    encoded = _encode(clean, content_type)
    logger.info(
        "photo accepted: %s %dx%d, %d → %d bytes, gps %s",
        content_type,
        clean.width,
        clean.height,
        len(data),
        len(encoded),
        "yes" if gps else "no",
    )
    return CheckedPhoto(
        data=encoded, content_type=content_type, gps=gps, width=clean.width, height=clean.height
    )
