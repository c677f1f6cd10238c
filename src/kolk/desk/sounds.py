"""The desk's three feedback sounds, made once with the standard library and served as static files.

    python -m kolk.desk.sounds   # writes src/kolk/desk/static/desk/{ok,warn,error}.wav

ok: one short high beep; warn: two middle beeps; error: a low buzz. 8 kHz, 8 bit,
mono: a few kilobytes each. tests/desk/test_workplace.py checks the committed files
are what this makes.
"""

from __future__ import annotations

import io
import math
import wave
from pathlib import Path

RATE = 8000
STATIC = Path(__file__).parent / "static" / "desk"

# (frequency in Hz, seconds), a frequency of 0 is silence
SOUNDS: dict[str, tuple[tuple[int, float], ...]] = {
    "ok": ((1320, 0.12),),
    "warn": ((660, 0.12), (0, 0.06), (660, 0.12)),
    "error": ((220, 0.35),),
}


def _tone(frequency: int, seconds: float, square: bool) -> bytes:
    frames = int(RATE * seconds)
    out = bytearray()
    for i in range(frames):
        fade = min(1.0, i / 80, (frames - i) / 80)  # no click at either end
        if frequency == 0:
            value = 0.0
        elif square:
            value = 1.0 if math.sin(2 * math.pi * frequency * i / RATE) >= 0 else -1.0
        else:
            value = math.sin(2 * math.pi * frequency * i / RATE)
        out.append(128 + round(value * fade * 90))
    return bytes(out)


def wav(name: str) -> bytes:
    """The WAV file of one sound, byte for byte the same every time."""
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(1)
        out.setframerate(RATE)
        out.writeframes(b"".join(_tone(f, s, square=name == "error") for f, s in SOUNDS[name]))
    return buffer.getvalue()


def main() -> None:
    for name in SOUNDS:
        (STATIC / f"{name}.wav").write_bytes(wav(name))


if __name__ == "__main__":
    main()
