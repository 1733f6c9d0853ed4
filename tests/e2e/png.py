"""Read the pixels of a PNG screenshot with the standard library (8-bit RGB/RGBA, no interlace)."""

from __future__ import annotations

import struct
import zlib
from collections import Counter
from pathlib import Path

CHANNELS = {2: 3, 6: 4}  # PNG colour type -> bytes per pixel at 8 bits


def paeth(a: int, b: int, c: int) -> int:
    p = a + b - c
    pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
    if pa <= pb and pa <= pc:
        return a
    return b if pb <= pc else c


def pixel_counts(path: Path) -> Counter[tuple[int, int, int]]:
    """Return how many pixels of each RGB colour the PNG at `path` has."""
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", f"{path} is not a PNG"
    position, idat, header = 8, b"", b""
    while position < len(data):
        (length,) = struct.unpack(">I", data[position : position + 4])
        kind = data[position + 4 : position + 8]
        chunk = data[position + 8 : position + 8 + length]
        if kind == b"IHDR":
            header = chunk
        elif kind == b"IDAT":
            idat += chunk
        position += 12 + length
    width, height, depth, colour, _, _, interlace = struct.unpack(">IIBBBBB", header)
    assert depth == 8 and colour in CHANNELS and interlace == 0, "unsupported PNG"
    step = CHANNELS[colour]
    raw = zlib.decompress(idat)
    stride = width * step
    previous = bytearray(stride)
    counts: Counter[tuple[int, int, int]] = Counter()
    for row in range(height):
        start = row * (stride + 1)
        kind, line = raw[start], bytearray(raw[start + 1 : start + 1 + stride])
        for i in range(stride):
            left = line[i - step] if i >= step else 0
            up = previous[i]
            corner = previous[i - step] if i >= step else 0
            predictor = (0, left, up, (left + up) // 2, paeth(left, up, corner))[kind]
            line[i] = (line[i] + predictor) & 0xFF
        for i in range(0, stride, step):
            counts[(line[i], line[i + 1], line[i + 2])] += 1
        previous = line
    return counts
