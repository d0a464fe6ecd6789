#!/usr/bin/env python3
"""Writes small PNG and BMP files covering every variant the decoders accept (and a few they
reject on purpose) into OUT_DIR: seeds for fuzz_image. Standard library only (zlib, struct).

    make_image_seeds.py OUT_DIR
"""
import struct
import sys
import zlib
from pathlib import Path

W = H = 8


def chunk(kind, data):
    body = kind + data
    return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body) & 0xFFFFFFFF)


ADAM7 = ((0, 0, 8, 8), (4, 0, 8, 8), (0, 4, 4, 8), (2, 0, 4, 4), (0, 2, 2, 4), (1, 0, 2, 2), (0, 1, 1, 2))


def png(color_type, depth, rows, interlace=0, extra=b"", pixel_bytes=None):
    ihdr = struct.pack(">IIBBBBB", W, H, depth, color_type, 0, 0, interlace)
    if interlace:  # Adam7: seven reduced images, rows of whole (8-bit or wider) pixels only
        passes = []
        for x0, y0, dx, dy in ADAM7:
            for y in range(y0, H, dy):
                passes.append(b"".join(rows[y][x * pixel_bytes:(x + 1) * pixel_bytes] for x in range(x0, W, dx)))
        rows = passes
    raw = b"".join(b"\x00" + r for r in rows)  # filter type 0 per row
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + extra +
            chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b""))


def packed_row(y, depth):
    """One row of W samples at `depth` < 8 bits, packed MSB first."""
    bits, n = 0, 0
    out = bytearray()
    for x in range(W):
        bits = (bits << depth) | ((x + y) % (1 << depth))
        n += depth
        if n == 8:
            out.append(bits)
            bits, n = 0, 0
    if n:
        out.append(bits << (8 - n))
    return bytes(out)


def sample_rows(channels, depth):
    rows = []
    for y in range(H):
        row = bytearray()
        for x in range(W):
            for c in range(channels):
                v = (x * 31 + y * 17 + c * 67) % 256
                row += struct.pack(">H", v * 257) if depth == 16 else bytes([v])
        rows.append(bytes(row))
    return rows


def pngs():
    out = {}
    for depth in (1, 2, 4):
        out[f"gray{depth}"] = png(0, depth, [packed_row(y, depth) for y in range(H)])
        palette = chunk(b"PLTE", bytes(range(3 * (1 << depth))))
        out[f"palette{depth}"] = png(3, depth, [packed_row(y, depth) for y in range(H)], extra=palette)
    palette = chunk(b"PLTE", bytes(i % 256 for i in range(3 * 64)))
    trns = chunk(b"tRNS", bytes(range(0, 256, 8)))
    pal_rows = [bytes((x * 8 + y) % 64 for x in range(W)) for y in range(H)]
    out["palette8"] = png(3, 8, pal_rows, extra=palette)
    out["palette8_trns"] = png(3, 8, pal_rows, extra=palette + trns)
    for color_type, channels, name in ((0, 1, "gray"), (2, 3, "rgb"), (4, 2, "gray_alpha"), (6, 4, "rgba")):
        for depth in (8, 16):
            out[f"{name}{depth}"] = png(color_type, depth, sample_rows(channels, depth))
    out["rgb8_interlaced"] = png(2, 8, sample_rows(3, 8), interlace=1, pixel_bytes=3)
    out["rgba16_interlaced"] = png(6, 16, sample_rows(4, 16), interlace=1, pixel_bytes=8)
    out["gray8_trns"] = png(0, 8, sample_rows(1, 8), extra=chunk(b"tRNS", struct.pack(">H", 17)))
    out["rgb8_trns"] = png(2, 8, sample_rows(3, 8), extra=chunk(b"tRNS", struct.pack(">HHH", 1, 2, 3)))
    out["rgb8_gamma_text"] = png(2, 8, sample_rows(3, 8),
                                 extra=chunk(b"gAMA", struct.pack(">I", 45455)) + chunk(b"tEXt", b"k\x00v"))
    return out


def bmp(bits, header_size=40, top_down=False, compression=0, masks=b"", width=W, height=H):
    stride = (width * bits + 31) // 32 * 4
    rows = []
    for y in range(height):
        row = bytearray()
        for x in range(width):
            row += bytes([(x * 29 + y) % 256, (y * 41) % 256, (x + y * 7) % 256])
            if bits == 32:
                row.append((x * y * 3) % 256)
        rows.append(bytes(row) + b"\x00" * (stride - len(row)))
    pixels = b"".join(rows)
    if header_size == 12:
        info = struct.pack("<IHHHH", 12, width, height, 1, bits)
    else:
        info = struct.pack("<IiiHHIIiiII", header_size, width, -height if top_down else height, 1, bits,
                           compression, len(pixels), 2835, 2835, 0, 0)
        info += masks
        info += b"\x00" * (header_size - len(info)) if header_size > len(info) else b""
        if header_size == 40:
            info = info[:40] + masks
    offset = 14 + len(info)
    return b"BM" + struct.pack("<IHHI", offset + len(pixels), 0, 0, offset) + info + pixels


def bmps():
    rgb_masks = struct.pack("<III", 0x00FF0000, 0x0000FF00, 0x000000FF)
    rgba_masks = rgb_masks + struct.pack("<I", 0xFF000000)
    return {
        "bgr24": bmp(24),
        "bgr24_odd_width": bmp(24, width=5, height=3),
        "bgr24_top_down": bmp(24, top_down=True),
        "bgr24_os2": bmp(24, header_size=12),
        "bgrx32": bmp(32),
        "bitfields32": bmp(32, compression=3, masks=rgb_masks),
        "bitfields32_v4_alpha": bmp(32, header_size=108, compression=3, masks=rgba_masks),
        "bitfields32_v5_alpha": bmp(32, header_size=124, compression=3, masks=rgba_masks),
        "alphabitfields32": bmp(32, compression=6, masks=rgba_masks),
        "rejected_8bit": bmp(24)[:28] + struct.pack("<H", 8) + bmp(24)[30:],
    }


def main():
    out_dir = Path(sys.argv[1])
    out_dir.mkdir(parents=True, exist_ok=True)
    for name, data in pngs().items():
        (out_dir / f"gen_{name}.png").write_bytes(data)
    for name, data in bmps().items():
        (out_dir / f"gen_{name}.bmp").write_bytes(data)


if __name__ == "__main__":
    main()
