"""Drawn signatures: real PNG and SVG payloads accepted, and empty, trivial, oversized or malformed ones refused."""
from __future__ import annotations

import hashlib
import struct
import zlib

import pytest

from edc.services.signature_images import SignatureImageError, from_data_url, validate
from tests.support.drawings import (
    SIGNATURE_SVG, WHITE, chunk, data_url, png_bytes, scribble, signature_png,
)


@pytest.mark.parametrize("filters", [(0,), (1,), (2,), (3,), (4,), (0, 1, 2, 3, 4)])
def test_a_drawn_png_is_accepted_whatever_row_filter_the_encoder_chose(filters):
    data = signature_png(filters=filters)
    accepted = validate(data, "image/png")
    assert accepted.ink == len(set(scribble()))
    assert (accepted.width, accepted.height) == (200, 80)
    assert accepted.sha256 == hashlib.sha256(data).hexdigest()


def test_a_signature_on_a_white_background_counts_only_the_dark_strokes():
    accepted = validate(signature_png(background=WHITE), "image/png")
    assert accepted.ink == len(set(scribble()))


def test_the_canvas_data_url_is_decoded_to_the_exact_bytes():
    data = signature_png()
    assert from_data_url(data_url(data)).data == data


@pytest.mark.parametrize("inked, accepted", [
    ([(x, 40) for x in range(10, 29)], False),            # 19 pixels: below the 20-pixel minimum
    ([(x, 40) for x in range(10, 30)], True),             # 20 pixels in a 20-pixel line: the boundary
    ([(x, y) for x in range(50, 55) for y in range(40, 45)], False),  # a 5 x 5 blot: 25 pixels but a dot
    ([(x, 40) for x in range(10, 29)] + [(x, 41) for x in range(10, 29)], False),  # 38 pixels, 19 px long
])
def test_trivial_strokes_are_refused_at_the_ink_and_extent_boundaries(inked, accepted):
    data = png_bytes(200, 80, inked)
    if accepted:
        assert validate(data, "image/png").ink == len(inked)
    else:
        with pytest.raises(SignatureImageError, match="too small"):
            validate(data, "image/png")


def test_an_empty_canvas_is_refused_as_empty():
    with pytest.raises(SignatureImageError, match="empty"):
        validate(png_bytes(200, 80, []), "image/png")


def test_a_filled_rectangle_is_not_a_signature():
    with pytest.raises(SignatureImageError, match="filled"):
        validate(png_bytes(40, 20, [(x, y) for x in range(40) for y in range(20)]), "image/png")


@pytest.mark.parametrize("text, message", [
    ("", "no signature was drawn"),
    ("   ", "no signature was drawn"),
    ("data:image/gif;base64,R0lGODlh", "PNG or SVG"),
    ("data:image/png;base64,@@@@", "PNG or SVG"),
    ("data:image/png;base64,iVBORw0KGgo", "invalid base64"),
])
def test_data_urls_that_are_not_images_are_refused(text, message):
    with pytest.raises(SignatureImageError, match=message):
        from_data_url(text)


def test_a_payload_over_512_kib_is_refused_before_it_is_parsed():
    oversized = b"\x89PNG\r\n\x1a\n" + bytes(512 * 1024)
    with pytest.raises(SignatureImageError, match="512 KiB"):
        validate(oversized, "image/png")
    with pytest.raises(SignatureImageError, match="512 KiB"):
        from_data_url(data_url(oversized))


def test_exactly_512_kib_is_not_refused_for_its_size():
    padded = signature_png()
    padded = padded[:-12] + chunk(b"tEXt", b"x" * (512 * 1024 - len(padded) - 12)) + padded[-12:]
    assert len(padded) == 512 * 1024
    assert validate(padded, "image/png").ink > 0


def _corrupt_crc(data: bytes) -> bytes:
    position = 8 + 8 + 13  # the IHDR checksum
    return data[:position] + bytes([data[position] ^ 0xFF]) + data[position + 1:]


def _with_header(width, height, depth=8, color=6, interlace=0) -> bytes:
    header = struct.pack(">IIBBBBB", width, height, depth, color, 0, 0, interlace)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"\0" * 10)) + chunk(b"IEND", b"")


@pytest.mark.parametrize("data, message", [
    (b"GIF89a" + bytes(100), "not a PNG"),
    (signature_png()[:60], "truncated"),
    (signature_png()[:-12], "no IEND"),
    (_corrupt_crc(signature_png()), "bad checksum"),
    (_with_header(0, 10), "no pixels"),
    (_with_header(5000, 5000), "too large"),
    (_with_header(200, 80, interlace=1), "interlaced"),
    (_with_header(200, 80, color=5), "colour type"),
    (_with_header(200, 80, depth=3), "bit depth"),
    (_with_header(200, 80), "does not match its declared size"),
    (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 20, 20, 8, 6, 0, 0, 0))
     + chunk(b"IDAT", b"not zlib at all") + chunk(b"IEND", b""), "cannot be decompressed"),
])
def test_malformed_png_payloads_are_refused_with_the_reason(data, message):
    with pytest.raises(SignatureImageError, match=message):
        validate(data, "image/png")


def test_an_svg_of_strokes_is_accepted_with_its_points_counted():
    accepted = validate(SIGNATURE_SVG.encode(), "image/svg+xml")
    assert accepted.ink == 7 + 4
    assert (accepted.width, accepted.height) == (300, 100)
    assert from_data_url(data_url(SIGNATURE_SVG.encode(), "image/svg+xml")).sha256 == accepted.sha256


def _svg(inner: str) -> bytes:
    return f'<svg xmlns="http://www.w3.org/2000/svg" width="300" height="100">{inner}</svg>'.encode()


@pytest.mark.parametrize("data, message", [
    (_svg(""), "empty"),
    (_svg('<polyline points="10,10 20,12"/>'), "too small"),
    (_svg('<path d="M 10 10 l 5 0 l 5 0 l 5 0 l 5 0"/>'), "too small"),          # 5 points, 20 units long
    (_svg('<polyline points="10,10 20,10 30,10 40,10"/>'), "too small"),          # 30 units but only 4 points
    (_svg('<script>alert(1)</script>'), "not <script>"),
    (_svg('<image href="http://x/y.png"/>'), "not <image>"),
    (_svg('<polyline onload="x()" points="0,0 50,50 90,0 100,40 150,0"/>'), "onload"),
    (_svg('<polyline points="0,0 50,50 90"/>'), "odd number"),
    (_svg('<path d="M 0 0 L 50 50 url(x)"/>'), "not drawing commands"),
    (_svg('<path d="L 10 10 L 50 50"/>'), "move command"),
    (b'<!DOCTYPE svg [<!ENTITY a "b">]><svg xmlns="http://www.w3.org/2000/svg"/>', "document type"),
    (b"<svg xmlns='http://www.w3.org/2000/svg'><polyline", "well-formed"),
    (b"<html/>", "not an SVG"),
    (b"\xff\xfe<svg/>", "UTF-8"),
])
def test_svg_payloads_that_are_empty_trivial_active_or_malformed_are_refused(data, message):
    with pytest.raises(SignatureImageError, match=message):
        validate(data, "image/svg+xml")


def test_an_svg_path_with_relative_moves_curves_and_close_counts_its_length():
    data = _svg('<path d="m 10 10 c 5 5 10 10 20 0 s 10 -10 20 0 q 5 5 10 0 t 10 0 h 20 v 20 z"/>')
    accepted = validate(data, "image/svg+xml")
    assert accepted.ink == 8


def test_an_unknown_media_type_is_refused():
    with pytest.raises(SignatureImageError, match="PNG or SVG"):
        validate(b"abc", "image/jpeg")
