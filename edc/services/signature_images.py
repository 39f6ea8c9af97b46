"""Hand-drawn signatures (guardian, child, impartial witness) checked before they are stored.

A drawn signature arrives as PNG (what the canvas pad exports) or SVG (polyline/path strokes).  It is
refused when malformed, oversized, empty or trivial - a dot or a single short stroke is not a signature -
and accepted with the SHA-256 of its exact bytes, which the ledger entry binds.  PNG is decoded here with
``zlib`` and ``struct`` only (no imaging library): magic bytes, chunk CRCs, IHDR, then the scanlines are
unfiltered to count inked pixels.  SVG is parsed with ``xml.etree`` and only stroke elements are allowed,
so a payload can carry neither script nor external references.
"""
from __future__ import annotations

import base64
import binascii
import hashlib
import math
import re
import struct
import zlib
from dataclasses import dataclass
from xml.etree import ElementTree

from .errors import DomainError

MAX_BYTES = 512 * 1024
MAX_PIXELS = 4_000_000
MIN_INK_PIXELS = 20
MIN_INK_EXTENT_PX = 20
MAX_INK_FRACTION = 0.6
MIN_SVG_POINTS = 5
MIN_SVG_LENGTH = 40.0

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
SVG_NS = "{http://www.w3.org/2000/svg}"
_SVG_ELEMENTS = {"svg", "g", "path", "polyline"}
_SVG_ATTRIBUTES = {
    "d", "points", "fill", "stroke", "stroke-width", "stroke-linecap", "stroke-linejoin", "stroke-opacity",
    "width", "height", "viewBox", "version", "xmlns",
}
_DATA_URL = re.compile(r"^data:(image/png|image/svg\+xml);base64,([A-Za-z0-9+/=\s]*)$", re.S)


class SignatureImageError(DomainError):
    """The drawn signature cannot be accepted; the message says why in plain words."""


@dataclass(frozen=True)
class DrawnSignature:
    media_type: str
    data: bytes
    sha256: str
    width: int
    height: int
    ink: int
    """Inked pixels (PNG) or stroke points (SVG)."""


def from_data_url(text: str | None) -> DrawnSignature:
    """Validate the canvas pad's ``data:image/png;base64,...`` value (or an SVG data URL).

    :raises SignatureImageError: when nothing was drawn or the value is not an accepted image.
    """
    text = (text or "").strip()
    if not text:
        raise SignatureImageError("no signature was drawn")
    if len(text) > (MAX_BYTES * 4) // 3 + 64:
        raise SignatureImageError(f"the signature image is larger than {MAX_BYTES // 1024} KiB")
    match = _DATA_URL.match(text)
    if not match:
        raise SignatureImageError("the signature must be a PNG or SVG image from the signature pad")
    try:
        data = base64.b64decode(re.sub(r"\s", "", match.group(2)), validate=True)
    except (binascii.Error, ValueError):
        raise SignatureImageError("the signature image is damaged (invalid base64)") from None
    return validate(data, match.group(1))


def validate(data: bytes, media_type: str) -> DrawnSignature:
    """Check ``data`` of ``media_type`` (``image/png`` or ``image/svg+xml``).

    :raises SignatureImageError: empty, oversized, malformed or trivial.
    """
    if not data:
        raise SignatureImageError("no signature was drawn")
    if len(data) > MAX_BYTES:
        raise SignatureImageError(
            f"the signature image is {len(data) // 1024} KiB, larger than the {MAX_BYTES // 1024} KiB allowed"
        )
    if media_type == "image/png":
        width, height, ink = _png_ink(data)
    elif media_type == "image/svg+xml":
        width, height, ink = _svg_ink(data)
    else:
        raise SignatureImageError("the signature must be a PNG or SVG image")
    return DrawnSignature(media_type, bytes(data), hashlib.sha256(data).hexdigest(), width, height, ink)


# --- PNG ---------------------------------------------------------------------------------------------

_CHANNELS = {0: 1, 2: 3, 4: 2, 6: 4}


@dataclass(frozen=True)
class _Header:
    width: int
    height: int
    bit_depth: int
    color_type: int
    interlace: int


def _png_chunks(data: bytes) -> list[tuple[bytes, bytes]]:
    if not data.startswith(PNG_MAGIC):
        raise SignatureImageError("the signature is not a PNG image (wrong signature bytes)")
    chunks, offset = [], len(PNG_MAGIC)
    while offset < len(data):
        if offset + 12 > len(data):
            raise SignatureImageError("the PNG image is truncated")
        length, kind = struct.unpack(">I4s", data[offset:offset + 8])
        body = data[offset + 8:offset + 8 + length]
        if len(body) != length or offset + 12 + length > len(data):
            raise SignatureImageError("the PNG image is truncated")
        (crc,) = struct.unpack(">I", data[offset + 8 + length:offset + 12 + length])
        if zlib.crc32(kind + body) & 0xFFFFFFFF != crc:
            raise SignatureImageError(f"the PNG image is damaged (bad checksum in {kind.decode('latin-1')} chunk)")
        chunks.append((kind, body))
        offset += 12 + length
        if kind == b"IEND":
            break
    if not chunks or chunks[0][0] != b"IHDR":
        raise SignatureImageError("the PNG image has no header (IHDR) chunk")
    if chunks[-1][0] != b"IEND":
        raise SignatureImageError("the PNG image is truncated (no IEND chunk)")
    return chunks


def _png_header(body: bytes) -> _Header:
    if len(body) != 13:
        raise SignatureImageError("the PNG header (IHDR) has the wrong length")
    width, height, depth, color, compression, filtering, interlace = struct.unpack(">IIBBBBB", body)
    if width == 0 or height == 0:
        raise SignatureImageError("the PNG image has no pixels")
    if width * height > MAX_PIXELS:
        raise SignatureImageError(f"the PNG image is {width} × {height} pixels, too large for a signature")
    if compression != 0 or filtering != 0 or interlace not in (0, 1):
        raise SignatureImageError("the PNG header names an unknown compression, filter or interlace method")
    if interlace == 1:
        raise SignatureImageError("interlaced PNG images are not accepted; use the signature pad")
    if color == 3:
        if depth not in (1, 2, 4, 8):
            raise SignatureImageError("the PNG palette image has an invalid bit depth")
    elif color in _CHANNELS:
        if depth not in (8, 16) and not (color == 0 and depth in (1, 2, 4)):
            raise SignatureImageError(f"PNG bit depth {depth} is not accepted for a signature")
    else:
        raise SignatureImageError(f"the PNG header names an unknown colour type {color}")
    return _Header(width, height, depth, color, interlace)


def _bits_per_pixel(header: _Header) -> int:
    channels = 1 if header.color_type == 3 else _CHANNELS[header.color_type]
    return channels * header.bit_depth


def _inflate(idat: bytes, expected: int) -> bytes:
    inflater = zlib.decompressobj()
    try:
        raw = inflater.decompress(idat, expected + 1)
    except zlib.error:
        raise SignatureImageError("the PNG image data is damaged (cannot be decompressed)") from None
    if len(raw) != expected:
        raise SignatureImageError("the PNG image data does not match its declared size")
    return raw


def _unfilter(raw: bytes, header: _Header) -> list[bytes]:
    """The scanlines of a non-interlaced image with PNG filters 0-4 undone."""
    bpp = _bits_per_pixel(header)
    stride = (header.width * bpp + 7) // 8
    step = max(1, bpp // 8)
    previous = bytearray(stride)
    rows = []
    for y in range(header.height):
        start = y * (stride + 1)
        kind = raw[start]
        line = bytearray(raw[start + 1:start + 1 + stride])
        if kind == 1:
            for i in range(step, stride):
                line[i] = (line[i] + line[i - step]) & 0xFF
        elif kind == 2:
            line = bytearray((a + b) & 0xFF for a, b in zip(line, previous))
        elif kind == 3:
            for i in range(stride):
                left = line[i - step] if i >= step else 0
                line[i] = (line[i] + ((left + previous[i]) >> 1)) & 0xFF
        elif kind == 4:
            for i in range(stride):
                a = line[i - step] if i >= step else 0
                b = previous[i]
                c = previous[i - step] if i >= step else 0
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                predictor = a if pa <= pb and pa <= pc else (b if pb <= pc else c)
                line[i] = (line[i] + predictor) & 0xFF
        elif kind != 0:
            raise SignatureImageError(f"the PNG image uses an unknown row filter {kind}")
        rows.append(bytes(line))
        previous = line
    return rows


def _pixels(rows: list[bytes], header: _Header, palette: list[tuple[int, int, int, int]]):
    """Yield ``(x, y, luminance 0-255, alpha 0-255)`` for every pixel."""
    depth, color = header.bit_depth, header.color_type
    if color in (0, 3) and depth < 8:
        mask = (1 << depth) - 1
        per_byte = 8 // depth
        for y, row in enumerate(rows):
            for x in range(header.width):
                byte = row[x // per_byte]
                value = (byte >> (8 - depth * (x % per_byte + 1))) & mask
                if color == 3:
                    r, g, b, a = _palette_entry(palette, value)
                    yield x, y, (r * 299 + g * 587 + b * 114) // 1000, a
                else:
                    yield x, y, value * 255 // mask, 255
        return
    size = depth // 8
    channels = 1 if color == 3 else _CHANNELS[color]
    width = channels * size
    for y, row in enumerate(rows):
        for x in range(header.width):
            sample = [row[x * width + c * size] for c in range(channels)]  # high byte of 16-bit samples
            if color == 3:
                r, g, b, a = _palette_entry(palette, sample[0])
                yield x, y, (r * 299 + g * 587 + b * 114) // 1000, a
            elif color == 0:
                yield x, y, sample[0], 255
            elif color == 4:
                yield x, y, sample[0], sample[1]
            else:
                alpha = sample[3] if color == 6 else 255
                yield x, y, (sample[0] * 299 + sample[1] * 587 + sample[2] * 114) // 1000, alpha


def _palette_entry(palette, index: int) -> tuple[int, int, int, int]:
    if index >= len(palette):
        raise SignatureImageError("the PNG image refers to a colour missing from its palette")
    return palette[index]


def _palette(chunks: list[tuple[bytes, bytes]]) -> list[tuple[int, int, int, int]]:
    plte = next((body for kind, body in chunks if kind == b"PLTE"), None)
    if plte is None or len(plte) % 3:
        raise SignatureImageError("the PNG palette image has no valid palette")
    alpha = next((body for kind, body in chunks if kind == b"tRNS"), b"")
    return [(plte[i], plte[i + 1], plte[i + 2], alpha[i // 3] if i // 3 < len(alpha) else 255) for i in range(0, len(plte), 3)]


def _png_ink(data: bytes) -> tuple[int, int, int]:
    chunks = _png_chunks(data)
    header = _png_header(chunks[0][1])
    palette = _palette(chunks) if header.color_type == 3 else []
    idat = b"".join(body for kind, body in chunks if kind == b"IDAT")
    if not idat:
        raise SignatureImageError("the PNG image has no image data")
    stride = (header.width * _bits_per_pixel(header) + 7) // 8
    rows = _unfilter(_inflate(idat, header.height * (stride + 1)), header)
    ink, min_x, min_y, max_x, max_y = 0, header.width, header.height, -1, -1
    for x, y, luminance, alpha in _pixels(rows, header, palette):
        if alpha >= 128 and luminance < 160:
            ink += 1
            min_x, max_x = min(min_x, x), max(max_x, x)
            min_y, max_y = min(min_y, y), max(max_y, y)
    if ink == 0:
        raise SignatureImageError("the signature is empty: nothing was drawn")
    extent = max(max_x - min_x, max_y - min_y) + 1
    if ink < MIN_INK_PIXELS or extent < MIN_INK_EXTENT_PX:
        raise SignatureImageError("the signature is too small (a dot or a very short stroke): please sign again")
    if ink > MAX_INK_FRACTION * header.width * header.height:
        raise SignatureImageError("the image is mostly filled in; it does not look like a signature")
    return header.width, header.height, ink


# --- SVG ---------------------------------------------------------------------------------------------

_NUMBER = re.compile(r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?")
_PATH_TOKEN = re.compile(r"[MmLlHhVvCcSsQqTtAaZz]|[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?")
_PATH_TEXT = re.compile(r"[MmLlHhVvCcSsQqTtAaZz0-9eE+\-.,\s]*")
_ARGS = {"M": 2, "L": 2, "H": 1, "V": 1, "C": 6, "S": 4, "Q": 4, "T": 2, "A": 7, "Z": 0}


def _local(tag: str) -> str:
    if tag.startswith(SVG_NS):
        return tag[len(SVG_NS):]
    if tag.startswith("{"):
        raise SignatureImageError("the SVG signature contains elements from another namespace")
    return tag


def _polyline(points: str) -> list[tuple[float, float]]:
    numbers = [float(n) for n in _NUMBER.findall(points)]
    if len(numbers) % 2:
        raise SignatureImageError("an SVG polyline has an odd number of coordinates")
    return list(zip(numbers[0::2], numbers[1::2]))


def _path(d: str) -> list[list[tuple[float, float]]]:
    """Strokes of a path as lists of vertices (curve control points are skipped; endpoints kept)."""
    if not _PATH_TEXT.fullmatch(d):
        raise SignatureImageError("an SVG path holds characters that are not drawing commands or numbers")
    tokens = _PATH_TOKEN.findall(d)
    strokes: list[list[tuple[float, float]]] = []
    x = y = start_x = start_y = 0.0
    command = None
    i = 0
    while i < len(tokens):
        token = tokens[i]
        if token.isalpha():
            command = token
            i += 1
            if command in "Zz":
                if strokes:
                    strokes[-1].append((start_x, start_y))
                x, y = start_x, start_y
                continue
        elif command is None:
            raise SignatureImageError("an SVG path does not start with a move command")
        count = _ARGS[command.upper()]
        args = tokens[i:i + count]
        if len(args) < count or any(a.isalpha() for a in args):
            raise SignatureImageError("an SVG path has a command with missing coordinates")
        values = [float(a) for a in args]
        i += count
        relative = command.islower()
        upper = command.upper()
        if upper == "H":
            nx, ny = (x + values[0] if relative else values[0]), y
        elif upper == "V":
            nx, ny = x, (y + values[0] if relative else values[0])
        else:
            nx, ny = values[-2], values[-1]
            if relative:
                nx, ny = x + nx, y + ny
        if upper == "M":
            strokes.append([(nx, ny)])
            start_x, start_y = nx, ny
            command = "l" if relative else "L"  # further pairs after a move are line-tos
        else:
            if not strokes:
                raise SignatureImageError("an SVG path does not start with a move command")
            strokes[-1].append((nx, ny))
        x, y = nx, ny
    return strokes


def _length(stroke: list[tuple[float, float]]) -> float:
    return sum(math.dist(a, b) for a, b in zip(stroke, stroke[1:]))


def _svg_ink(data: bytes) -> tuple[int, int, int]:
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise SignatureImageError("the SVG signature is not UTF-8 text") from None
    if "<!DOCTYPE" in text.upper() or "<!ENTITY" in text.upper():
        raise SignatureImageError("the SVG signature may not declare a document type or entities")
    try:
        root = ElementTree.fromstring(text)
    except ElementTree.ParseError as error:
        raise SignatureImageError(f"the SVG signature is not well-formed XML ({error})") from None
    if _local(root.tag) != "svg":
        raise SignatureImageError("the signature is not an SVG document")
    strokes: list[list[tuple[float, float]]] = []
    for element in root.iter():
        name = _local(element.tag)
        if name not in _SVG_ELEMENTS:
            raise SignatureImageError(f"the SVG signature may contain only strokes (path, polyline), not <{name}>")
        unexpected = sorted(a for a in element.attrib if a not in _SVG_ATTRIBUTES)
        if unexpected:
            raise SignatureImageError(f"the SVG signature has attributes that are not allowed: {', '.join(unexpected)}")
        if (element.text or "").strip() or (element.tail or "").strip():
            raise SignatureImageError("the SVG signature may not contain text")
        try:
            if name == "polyline":
                strokes.append(_polyline(element.get("points", "")))
            elif name == "path":
                strokes.extend(_path(element.get("d", "")))
        except ValueError:
            raise SignatureImageError("an SVG stroke has a coordinate that is not a number") from None
    points = sum(len(s) for s in strokes)
    if points == 0:
        raise SignatureImageError("the signature is empty: nothing was drawn")
    length = sum(_length(s) for s in strokes)
    if points < MIN_SVG_POINTS or length < MIN_SVG_LENGTH:
        raise SignatureImageError("the signature is too small (a dot or a single short stroke): please sign again")
    return _dimension(root.get("width")), _dimension(root.get("height")), points


def _dimension(value: str | None) -> int:
    match = _NUMBER.match(value or "")
    return int(float(match.group())) if match else 0
