"""Photo checks: real images only, by magic bytes; GPS read; every piece of metadata stripped."""

from __future__ import annotations

import io
import struct
import zlib

import pytest
from PIL import Image, ImageCms, PngImagePlugin
from PIL.ExifTags import GPS, IFD, Base
from PIL.TiffImagePlugin import IFDRational

from bot.photos import CheckedPhoto, PhotoRejected, check_photo, sniff

XMP = b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF/></x:xmpmeta>'


def exif_with(
    *,
    latitude: tuple[int, int, float] | None = None,
    lat_ref: str = "N",
    longitude: tuple[int, int, float] | None = None,
    lon_ref: str = "E",
    orientation: int | None = None,
) -> Image.Exif:
    exif = Image.Exif()
    exif[Base.Make] = "PhoneMaker"
    exif[Base.DateTime] = "2026:11:23 08:30:00"
    if orientation:
        exif[Base.Orientation] = orientation
    gps = exif.get_ifd(IFD.GPSInfo)
    if latitude is not None:
        gps[GPS.GPSLatitudeRef] = lat_ref
        gps[GPS.GPSLatitude] = tuple(IFDRational(round(v * 100), 100) for v in latitude)
    if longitude is not None:
        gps[GPS.GPSLongitudeRef] = lon_ref
        gps[GPS.GPSLongitude] = tuple(IFDRational(round(v * 100), 100) for v in longitude)
    return exif


def two_colour(size: tuple[int, int] = (40, 20), mode: str = "RGB") -> Image.Image:
    """Left half red, right half blue, to see where orientation put them."""
    image = Image.new(mode, size, "blue")
    image.paste("red", (0, 0, size[0] // 2, size[1]))
    return image


def encode(image: Image.Image, fmt: str, **params: object) -> bytes:
    out = io.BytesIO()
    image.save(out, fmt, **params)
    return out.getvalue()


def png_chunks(data: bytes) -> list[bytes]:
    chunks, position = [], 8
    while position < len(data):
        (length,) = struct.unpack(">I", data[position : position + 4])
        chunks.append(data[position + 4 : position + 8])
        position += 12 + length
    return chunks


def riff_chunks(data: bytes) -> list[bytes]:
    chunks, position = [], 12
    while position + 8 <= len(data):
        kind, length = (
            data[position : position + 4],
            struct.unpack("<I", data[position + 4 : position + 8])[0],
        )
        chunks.append(kind)
        position += 8 + length + (length & 1)
    return chunks


def png_claiming(width: int, height: int) -> bytes:
    """A tiny PNG whose header declares a huge image (a decompression bomb's first bytes)."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\0" * 64))
        + chunk(b"IEND", b"")
    )


def assert_no_metadata(photo: CheckedPhoto) -> None:
    with Image.open(io.BytesIO(photo.data)) as reopened:
        assert len(reopened.getexif()) == 0
        assert not {"exif", "icc_profile", "xmp", "XML:com.adobe.xmp", "Comment"} & set(reopened.info)
        assert reopened.size == (photo.width, photo.height)
        reopened.load()
    assert b"Exif" not in photo.data
    assert b"PhoneMaker" not in photo.data
    assert b"xmpmeta" not in photo.data


def test_jpeg_gps_is_read_in_decimal_degrees_and_everything_is_stripped() -> None:
    exif = exif_with(latitude=(22, 34, 46.2), longitude=(113, 4, 53.3))
    data = encode(two_colour(), "JPEG", exif=exif, quality=95)

    photo = check_photo(data)

    assert photo.content_type == "image/jpeg"
    assert photo.gps == pytest.approx((22.5795, 113.0814722), abs=1e-6)
    assert_no_metadata(photo)


def test_south_and_west_are_negative() -> None:
    exif = exif_with(latitude=(33, 52, 4.0), lat_ref="S", longitude=(151, 12, 36.0), lon_ref="W")
    photo = check_photo(encode(two_colour(), "JPEG", exif=exif))
    assert photo.gps == pytest.approx((-33.8677778, -151.21), abs=1e-6)


@pytest.mark.parametrize(
    "exif",
    [
        exif_with(),  # no GPS at all
        exif_with(latitude=(22, 34, 46.2)),  # latitude without longitude
        exif_with(latitude=(0, 0, 0), longitude=(0, 0, 0)),  # "null island": an unset fix
    ],
)
def test_missing_or_meaningless_gps_is_none(exif: Image.Exif) -> None:
    assert check_photo(encode(two_colour(), "JPEG", exif=exif)).gps is None


def test_a_zero_denominator_does_not_cost_the_photo() -> None:
    exif = exif_with(longitude=(113, 4, 53.3))
    gps = exif.get_ifd(IFD.GPSInfo)
    gps[GPS.GPSLatitudeRef] = "N"
    gps[GPS.GPSLatitude] = (IFDRational(22, 0), IFDRational(0, 1), IFDRational(0, 1))
    photo = check_photo(encode(two_colour(), "JPEG", exif=exif))
    assert photo.gps is None
    assert_no_metadata(photo)


def test_exif_orientation_is_applied_before_stripping() -> None:
    data = encode(two_colour((40, 20)), "JPEG", exif=exif_with(orientation=6))  # 90° clockwise to view

    photo = check_photo(data)

    assert (photo.width, photo.height) == (20, 40)
    with Image.open(io.BytesIO(photo.data)) as upright:
        top = upright.convert("RGB").getpixel((10, 5))
        bottom = upright.convert("RGB").getpixel((10, 35))
    assert isinstance(top, tuple)
    assert isinstance(bottom, tuple)
    assert top[0] > 200 > top[2]  # the left (red) half is now on top
    assert bottom[2] > 200 > bottom[0]


def test_png_keeps_its_format_and_alpha_and_loses_text_exif_and_icc() -> None:
    info = PngImagePlugin.PngInfo()
    info.add_text("Comment", "拍摄于五邑路")
    info.add_itxt("XML:com.adobe.xmp", XMP.decode())
    icc = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    image = two_colour(mode="RGBA")
    data = encode(
        image,
        "PNG",
        pnginfo=info,
        exif=exif_with(latitude=(22, 35, 0), longitude=(113, 5, 0)),
        icc_profile=icc,
    )

    photo = check_photo(data)

    assert photo.content_type == "image/png"
    assert photo.gps == pytest.approx((22.5833333, 113.0833333), abs=1e-6)
    assert set(png_chunks(photo.data)) <= {b"IHDR", b"IDAT", b"IEND"}
    with Image.open(io.BytesIO(photo.data)) as reopened:
        assert reopened.mode == "RGBA"
    assert_no_metadata(photo)


def test_webp_keeps_its_format_and_loses_exif_and_xmp() -> None:
    exif = exif_with(latitude=(22, 34, 46.2), longitude=(113, 4, 53.3))
    data = encode(two_colour(), "WEBP", exif=exif, xmp=XMP, quality=90)
    assert b"EXIF" in riff_chunks(data)

    photo = check_photo(data)

    assert photo.content_type == "image/webp"
    assert photo.gps == pytest.approx((22.5795, 113.0814722), abs=1e-6)
    assert not {b"EXIF", b"XMP ", b"ICCP"} & set(riff_chunks(photo.data))
    assert_no_metadata(photo)


def test_a_jpeg_with_an_icc_profile_loses_it() -> None:
    icc = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    photo = check_photo(encode(two_colour(), "JPEG", icc_profile=icc))
    assert b"ICC_PROFILE" not in photo.data
    assert_no_metadata(photo)


def test_the_type_comes_from_the_bytes() -> None:
    png = encode(two_colour(), "PNG")
    assert sniff(png) == "image/png"
    assert sniff(encode(two_colour(), "JPEG")) == "image/jpeg"
    assert sniff(encode(two_colour(), "WEBP")) == "image/webp"
    assert check_photo(png).content_type == "image/png"


@pytest.mark.parametrize(
    ("data", "code"),
    [
        (b"", "empty"),
        (b"\xff\xd8\xff\xe0" + b"not really a jpeg " * 50, "not_image"),
        (b"\x89PNG\r\n\x1a\n" + b"\0" * 100, "not_image"),
        (b"RIFF\x10\x00\x00\x00WEBPVP8 garbage", "not_image"),
        ("这是一段文字，不是图片。".encode(), "not_image"),
        (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n", "not_image"),
        (b"GIF89a\x01\x00\x01\x00\x00\x00\x00;", "unsupported_type"),
        (b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00", "unsupported_type"),
    ],
)
def test_what_is_not_a_photo_we_take_is_refused_in_chinese(data: bytes, code: str) -> None:
    with pytest.raises(PhotoRejected) as caught:
        check_photo(data)
    assert caught.value.code == code
    assert caught.value.message.endswith("。")


def test_a_truncated_jpeg_is_refused() -> None:
    data = encode(Image.effect_noise((200, 200), 50).convert("RGB"), "JPEG")
    with pytest.raises(PhotoRejected) as caught:
        check_photo(data[: len(data) // 2])
    assert caught.value.code == "not_image"


def test_size_is_checked_before_decoding() -> None:
    data = b"\xff\xd8\xff" + b"\0" * (10 * 1024 * 1024)
    with pytest.raises(PhotoRejected) as caught:
        check_photo(data)
    assert caught.value.code == "too_large"
    assert caught.value.message == "照片超过 10 MB，请压缩后再发送。"
    with pytest.raises(PhotoRejected, match="too_large"):
        check_photo(encode(two_colour(), "JPEG"), max_bytes=100)


@pytest.mark.parametrize(("width", "height"), [(7500, 7500), (100_000, 100_000)])
def test_decompression_bombs_are_refused_before_their_pixels_are_loaded(width: int, height: int) -> None:
    with pytest.raises(PhotoRejected) as caught:
        check_photo(png_claiming(width, height))
    assert caught.value.code == "too_large"
    assert "尺寸" in caught.value.message
