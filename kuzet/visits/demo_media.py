"""Small media files for the demo year, generated (no file ships with Kuzet): a photo (JPEG),
a sound recording (WAV) and a short silent video (WebM with VP8 frames), each a few
kilobytes, drawn from a seed so that the same demo gives the same bytes.

Pillow (a dependency of matplotlib) draws and encodes the images; a VP8 key frame is the
payload of a lossy WebP, so the video is those frames in the smallest Matroska container
a browser plays (written here: ``ffmpeg`` is not something a demo may require).
"""

import io
import math
import random
import struct
import wave

from PIL import Image, ImageDraw

WALLS = [(148, 140, 122), (120, 132, 138), (160, 150, 130), (104, 112, 100)]


def _scene(rng: random.Random, width: int, height: int, shift: int = 0) -> Image.Image:
    """A room drawn in a few shapes: a wall, a floor, a window with bars, a bunk."""
    wall = rng.choice(WALLS)
    image = Image.new("RGB", (width, height), wall)
    draw = ImageDraw.Draw(image)
    floor = tuple(max(0, c - 50) for c in wall)
    draw.rectangle([0, int(height * 0.7), width, height], fill=floor)
    wx = rng.randint(width // 5, width // 2) + shift
    draw.rectangle([wx, 20, wx + 60, 70], fill=(200, 210, 215), outline=(60, 60, 60), width=3)
    for bar in range(wx + 10, wx + 60, 12):
        draw.line([bar, 20, bar, 70], fill=(50, 50, 50), width=2)
    bx = rng.randint(10, width // 2)
    draw.rectangle([bx, int(height * 0.55), bx + 110, int(height * 0.7)], fill=(90, 70, 50))
    for _ in range(rng.randint(3, 8)):  # stains
        x, y = rng.randint(0, width), rng.randint(0, int(height * 0.7))
        r = rng.randint(3, 12)
        draw.ellipse([x - r, y - r, x + r, y + r], fill=tuple(max(0, c - 35) for c in wall))
    return image


def demo_photo(rng: random.Random) -> bytes:
    buffer = io.BytesIO()
    _scene(rng, 320, 240).save(buffer, "JPEG", quality=70)
    return buffer.getvalue()


def demo_audio(rng: random.Random, seconds: float = 1.5) -> bytes:
    """A quiet hum with a little noise: what a room sounds like, 8 kHz mono."""
    rate = 8000
    tone = rng.choice([110.0, 146.8, 196.0])
    frames = bytearray()
    for i in range(int(rate * seconds)):
        value = 900 * math.sin(2 * math.pi * tone * i / rate) + rng.uniform(-300, 300)
        frames += struct.pack("<h", int(value))
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(rate)
        out.writeframes(bytes(frames))
    return buffer.getvalue()


def _vp8_frame(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, "WEBP", quality=50, method=0)
    data = buffer.getvalue()
    # RIFF....WEBP then chunks; the simple lossy format has one "VP8 " chunk.
    position = 12
    while position + 8 <= len(data):
        tag, size = (
            data[position : position + 4],
            struct.unpack("<I", data[position + 4 : position + 8])[0],
        )
        if tag == b"VP8 ":
            return data[position + 8 : position + 8 + size]
        position += 8 + size + (size & 1)
    raise ValueError("no VP8 frame in the WebP image")


def _element(element_id: int, payload: bytes) -> bytes:
    """One EBML element: its ID, its size (always on 8 bytes), its payload."""
    ident = element_id.to_bytes((element_id.bit_length() + 7) // 8, "big")
    return ident + b"\x01" + len(payload).to_bytes(7, "big") + payload


def _uint(element_id: int, value: int) -> bytes:
    return _element(element_id, value.to_bytes(max(1, (value.bit_length() + 7) // 8), "big"))


def demo_video(rng: random.Random, frames: int = 8, width: int = 160, height: int = 120) -> bytes:
    """A silent WebM of ``frames`` key frames, 250 ms each."""
    step = 250  # ms
    header = _element(
        0x1A45DFA3,
        _uint(0x4286, 1) + _uint(0x42F7, 1) + _uint(0x42F2, 4) + _uint(0x42F3, 8)
        + _element(0x4282, b"webm") + _uint(0x4287, 2) + _uint(0x4285, 2),
    )  # fmt: skip
    info = _element(
        0x1549A966,
        _uint(0x2AD7B1, 1_000_000)
        + _element(0x4D80, b"kuzet-demo")
        + _element(0x5741, b"kuzet-demo")
        + _element(0x4489, struct.pack(">d", float(frames * step))),
    )
    video = _element(0xE0, _uint(0xB0, width) + _uint(0xBA, height))
    track = _element(
        0xAE,
        _uint(0xD7, 1) + _uint(0x73C5, 1) + _uint(0x83, 1) + _element(0x86, b"V_VP8") + video,
    )
    tracks = _element(0x1654AE6B, track)
    seed = rng.random()
    blocks = b""
    for number in range(frames):
        scene = _scene(random.Random(seed), width, height, shift=number * 3)  # noqa: S311
        frame = _vp8_frame(scene)
        blocks += _element(0xA3, b"\x81" + struct.pack(">h", number * step) + b"\x80" + frame)
    cluster = _element(0x1F43B675, _uint(0xE7, 0) + blocks)
    return header + _element(0x18538067, info + tracks + cluster)
