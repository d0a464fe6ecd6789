"""Inputs for the real-model tests (tflite_real_models.py, onnx_real_models.py): a real
photograph, read without any imaging library, resized to what a model takes; and which model
files are copies of others (packages ship the same model: each is tested once)."""
import hashlib
import struct
import zlib

import numpy as np


def read_rgb_png(path):
    """An 8-bit RGB, non-interlaced PNG as uint8 [H, W, 3] (the standard library has no decoder)."""
    data = open(path, "rb").read()
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        raise ValueError(f"{path}: not a PNG")
    pos, idat, header = 8, b"", None
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + length]
        if kind == b"IHDR":
            header = struct.unpack(">IIBBBBB", body)
        elif kind == b"IDAT":
            idat += body
        pos += 12 + length
    width, height, depth, color, _, _, interlace = header
    if depth != 8 or color != 2 or interlace != 0:
        raise ValueError(f"{path}: only 8-bit RGB non-interlaced PNGs are read here")
    raw = np.frombuffer(zlib.decompress(idat), np.uint8).reshape(height, 1 + width * 3)
    rows = np.zeros((height, width * 3), np.int32)
    for y in range(height):  # undo each row's filter (PNG spec, section 9)
        f, line = raw[y, 0], raw[y, 1:].astype(np.int32)
        up = rows[y - 1] if y else np.zeros(width * 3, np.int32)
        if f == 0:
            rows[y] = line
        elif f == 2:
            rows[y] = (line + up) % 256
        else:
            out = np.zeros(width * 3, np.int32)
            for x in range(width * 3):
                left = out[x - 3] if x >= 3 else 0
                corner = up[x - 3] if x >= 3 else 0
                if f == 1:
                    pred = left
                elif f == 3:
                    pred = (left + up[x]) // 2
                else:  # 4: Paeth
                    p = left + up[x] - corner
                    pa, pb, pc = abs(p - left), abs(p - up[x]), abs(p - corner)
                    pred = left if pa <= pb and pa <= pc else (up[x] if pb <= pc else corner)
                out[x] = (line[x] + pred) % 256
            rows[y] = out
    return rows.reshape(height, width, 3).astype(np.uint8)


def resize_nearest(image, height, width):
    """uint8 [H, W, 3] resized (nearest) to [height, width, 3]."""
    ys = (np.arange(height) * image.shape[0] // height).clip(0, image.shape[0] - 1)
    xs = (np.arange(width) * image.shape[1] // width).clip(0, image.shape[1] - 1)
    return image[ys][:, xs]


# A 5 x 7 bitmap font, the glyphs of CAPTION only.
GLYPHS = {
    "O": [".###.", "#...#", "#...#", "#...#", "#...#", "#...#", ".###."],
    "U": ["#...#", "#...#", "#...#", "#...#", "#...#", "#...#", ".###."],
    "T": ["#####", "..#..", "..#..", "..#..", "..#..", "..#..", "..#.."],
    "P": ["####.", "#...#", "#...#", "####.", "#....", "#....", "#...."],
    "S": [".####", "#....", "#....", ".###.", "....#", "....#", "####."],
    "4": ["...#.", "..##.", ".#.#.", "#..#.", "#####", "...#.", "...#."],
    "2": [".###.", "#...#", "....#", "...#.", "..#..", ".#...", "#####"],
    " ": ["....."] * 7,
}
CAPTION = "OUTPOST 42"


def with_caption(image, text=CAPTION, scale=6):
    """The photograph with a caption on a white band near its bottom, as a text detector and
    recogniser are made to read: (the image, the band's (top, bottom, left, right))."""
    glyph_w, glyph_h, pad = 6 * scale, 7 * scale, 2 * scale
    height, width = glyph_h + 2 * pad, len(text) * glyph_w - scale + 2 * pad
    top, left = image.shape[0] - height - 2 * scale, 4 * scale
    out = image.copy()
    out[top:top + height, left:left + width] = 255
    for k, ch in enumerate(text):
        dots = np.array([[c == "#" for c in row] for row in GLYPHS[ch]])
        ink = np.kron(dots, np.ones((scale, scale), bool))
        y, x = top + pad, left + pad + k * glyph_w
        out[y:y + glyph_h, x:x + 5 * scale][ink] = 0
    return out, (top, top + height, left, left + width)


def earlier_copies(models):
    """{model: the first of `models` with the same bytes} for every model that is a copy."""
    first, copies = {}, {}
    for model in models:
        digest = hashlib.sha256(open(model, "rb").read()).hexdigest()
        if digest in first:
            copies[model] = first[digest]
        else:
            first[digest] = model
    return copies
