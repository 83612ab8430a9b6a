"""Photos for the Telegram tests: real JPEGs, optionally with the EXIF a phone camera writes."""

from __future__ import annotations

import io

from PIL import Image
from PIL.ExifTags import GPS, IFD, Base


def jpeg(
    size: tuple[int, int] = (800, 600), *, gps: tuple[float, float] | None = None, camera: bool = False
) -> bytes:
    """A JPEG; `gps` (north/east) goes into the EXIF GPS block, `camera` adds make, model and time."""
    image = Image.new("RGB", size, (120, 150, 90))
    for x in range(0, size[0], 40):  # some structure, so it is not a flat colour
        image.paste((200, 60, 40), (x, 0, x + 10, size[1]))
    exif = Image.Exif()
    if camera:
        exif[Base.Make] = "CitySteward"
        exif[Base.Model] = "TestPhone 1"
        exif[Base.DateTime] = "2026:11:23 09:41:00"
    if gps is not None:
        block = exif.get_ifd(IFD.GPSInfo)
        for tag, ref, value, hemisphere in (
            (GPS.GPSLatitude, GPS.GPSLatitudeRef, gps[0], "N"),
            (GPS.GPSLongitude, GPS.GPSLongitudeRef, gps[1], "E"),
        ):
            degrees, rest = divmod(value * 3600, 3600)
            minutes, seconds = divmod(rest, 60)
            block[tag] = (float(degrees), float(minutes), round(seconds, 4))
            block[ref] = hemisphere
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif)
    return out.getvalue()


def exif_of(data: bytes) -> dict[int, object]:
    """Every EXIF tag of an image, including the GPS block's."""
    with Image.open(io.BytesIO(data)) as image:
        exif = image.getexif()
        found: dict[int, object] = dict(exif)
        found.update({0x8825_0000 + k: v for k, v in exif.get_ifd(IFD.GPSInfo).items()})
        return found
