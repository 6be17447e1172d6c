"""Speech demo: ten spoken command words with planted problems (see :func:`load_speech_demo`)."""

from __future__ import annotations

import numpy as np

SAMPLE_RATE = 16_000
WORDS = ("yes", "no", "up", "down", "left", "right", "on", "off", "stop", "go")
_MU = 255.0


def mulaw_encode(samples: np.ndarray) -> np.ndarray:
    """Float samples in [-1, 1] as 8-bit µ-law codes (uint8, µ = 255)."""
    x = np.clip(np.asarray(samples, dtype=np.float64), -1.0, 1.0)
    y = np.sign(x) * np.log1p(_MU * np.abs(x)) / np.log1p(_MU)
    return np.rint((y + 1.0) * 127.5).astype(np.uint8)


def mulaw_decode(codes: np.ndarray) -> np.ndarray:
    """8-bit µ-law codes back to float32 samples in [-1, 1]."""
    y = np.asarray(codes, dtype=np.float64) / 127.5 - 1.0
    return (np.sign(y) * np.expm1(np.abs(y) * np.log1p(_MU)) / _MU).astype(np.float32)
