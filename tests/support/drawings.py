"""Real PNG and SVG signature payloads built byte by byte (zlib + struct), shared by the consent tests."""
from __future__ import annotations

import base64
import struct
import zlib
from typing import Iterable

Pixel = tuple[int, int, int, int]
WHITE: Pixel = (255, 255, 255, 255)
CLEAR: Pixel = (0, 0, 0, 0)
INK: Pixel = (20, 20, 60, 255)


def chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF)


def _paeth(a: int, b: int, c: int) -> int:
    p = a + b - c
    pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
    return a if pa <= pb and pa <= pc else (b if pb <= pc else c)


def _filter(kind: int, line: bytes, previous: bytes, bpp: int) -> bytes:
    out = bytearray()
    for i, value in enumerate(line):
        a = line[i - bpp] if i >= bpp else 0
        b = previous[i]
        c = previous[i - bpp] if i >= bpp else 0
        predictor = (0, a, b, (a + b) // 2, _paeth(a, b, c))[kind]
        out.append((value - predictor) & 0xFF)
    return bytes(out)


def png_bytes(width: int, height: int, inked: Iterable[tuple[int, int]], *, background: Pixel = CLEAR,
              ink: Pixel = INK, filters: tuple[int, ...] = (0,)) -> bytes:
    """An 8-bit RGBA PNG; row ``y`` uses filter ``filters[y % len(filters)]``."""
    marked = set(inked)
    raw = bytearray()
    previous = bytes(width * 4)
    for y in range(height):
        line = b"".join(bytes(ink if (x, y) in marked else background) for x in range(width))
        kind = filters[y % len(filters)]
        raw += bytes([kind]) + _filter(kind, line, previous, 4)
        previous = line
    header = struct.pack(">IIBBBBB", width, height, 8, 6, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(bytes(raw))) + chunk(b"IEND", b"")


def scribble(width: int = 200, height: int = 80) -> list[tuple[int, int]]:
    """A wavy stroke across most of the pad, two pixels thick."""
    points = []
    for x in range(10, width - 10):
        y = height // 2 + ((x // 6) % 7) - 3
        points += [(x, y), (x, y + 1)]
    return points


def signature_png(**kwargs) -> bytes:
    return png_bytes(200, 80, scribble(), **kwargs)


def data_url(data: bytes, media_type: str = "image/png") -> str:
    return f"data:{media_type};base64,{base64.b64encode(data).decode()}"


SIGNATURE_SVG = (
    '<svg xmlns="http://www.w3.org/2000/svg" width="300" height="100" viewBox="0 0 300 100">'
    '<polyline fill="none" stroke="#000" stroke-width="2" points="10,60 30,40 50,70 80,30 120,65 160,35 200,60"/>'
    '<path fill="none" stroke="#000" d="M 210 50 l 10 -20 l 15 30 L 260 40"/>'
    "</svg>"
)
