"""Make ``nbdatalens/data/speech_clips.npz``, the base clips of the speech demo.

The demo (:func:`nbdatalens.datasets.load_speech_demo`) must work offline on a
fresh machine, so it cannot run a speech synthesiser: this script runs once,
by a maintainer, and its output ships inside the package. It speaks each of
the ten command words with espeak-ng in several voices (a language variant
plus a voice variant, each at its own speaking rate and pitch), resamples the
22,050 Hz output to 16 kHz with sox, trims the silence around the word, scales
each word to a peak of 0.5 and stores the samples as 8-bit µ-law (half the
size of int16, and µ-law keeps quiet detail), concatenated, with offsets.

How to run (Debian / Ubuntu)::

    apt-get install -y espeak-ng sox
    python scripts/make_speech_clips.py            # writes nbdatalens/data/speech_clips.npz

The file holds ``words`` (str), ``voices`` (str), ``clip_word`` / ``clip_voice``
(int8 codes per clip), ``offsets`` (int64, clip k is ``samples[offsets[k]:offsets[k+1]]``),
``samples`` (uint8 µ-law) and ``sample_rate`` (16,000).
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from nbdatalens.speech_demo import SAMPLE_RATE, WORDS, mulaw_encode  # noqa: E402

# (espeak-ng voice, words per minute, pitch 0..99): language variant + voice variant.
VOICES: list[tuple[str, int, int]] = [
    ("en-us+m3", 150, 45),
    ("en-us+f3", 165, 60),
    ("en-gb+m1", 140, 40),
    ("en-gb+f2", 175, 70),
    ("en-gb-scotland+m4", 155, 35),
    ("en-029+f4", 145, 55),
    ("en-gb-x-rp+m7", 170, 50),
    ("en-us+f5", 135, 65),
    ("en-gb-x-gbclan+m2", 160, 30),
    ("en-us-nyc+f1", 150, 75),
]
TRIM_DB = -40.0  # frames quieter than this, relative to the word's peak frame, are trimmed
MARGIN_S = 0.02  # kept around the spoken part


def speak(word: str, voice: str, rate: int, pitch: int, workdir: Path) -> np.ndarray:
    """The word spoken by espeak-ng as float32 samples at 16 kHz."""
    raw, resampled = workdir / "raw.wav", workdir / "16k.wav"
    subprocess.run(
        ["espeak-ng", "-v", voice, "-s", str(rate), "-p", str(pitch), "-w", str(raw), word],
        check=True,
    )
    subprocess.run(
        ["sox", str(raw), "-r", str(SAMPLE_RATE), "-b", "16", str(resampled)], check=True
    )
    from scipy.io import wavfile

    rate_read, data = wavfile.read(resampled)
    assert rate_read == SAMPLE_RATE, rate_read
    return data.astype(np.float32) / 32768.0


def trim(samples: np.ndarray) -> np.ndarray:
    """The samples from the first to the last 10 ms frame within 40 dB of the loudest."""
    frame = SAMPLE_RATE // 100
    n = len(samples) // frame
    energy = np.square(samples[: n * frame].reshape(n, frame), dtype=np.float64).mean(axis=1)
    level = 10 * np.log10(energy + 1e-12)
    loud = np.flatnonzero(level > level.max() + TRIM_DB)
    margin = int(MARGIN_S * SAMPLE_RATE)
    start = max(0, loud[0] * frame - margin)
    end = min(len(samples), (loud[-1] + 1) * frame + margin)
    return samples[start:end]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--out", type=Path, default=ROOT / "nbdatalens" / "data" / "speech_clips.npz"
    )
    args = parser.parse_args()
    clips, clip_word, clip_voice = [], [], []
    with tempfile.TemporaryDirectory() as tmp:
        for v, (voice, rate, pitch) in enumerate(VOICES):
            for w, word in enumerate(WORDS):
                samples = trim(speak(word, voice, rate, pitch, Path(tmp)))
                clips.append(samples * (0.5 / np.abs(samples).max()))
                clip_word.append(w)
                clip_voice.append(v)
    lengths = np.array([len(c) for c in clips])
    offsets = np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(
        args.out,
        words=np.array(WORDS),
        voices=np.array([v[0] for v in VOICES]),
        clip_word=np.array(clip_word, dtype=np.int8),
        clip_voice=np.array(clip_voice, dtype=np.int8),
        offsets=offsets,
        samples=mulaw_encode(np.concatenate(clips)),
        sample_rate=np.int64(SAMPLE_RATE),
    )
    print(
        f"{len(clips)} clips of {lengths.min() / SAMPLE_RATE:.2f}-"
        f"{lengths.max() / SAMPLE_RATE:.2f} s, "
        f"{args.out.stat().st_size / 1e6:.2f} MB -> {args.out}"
    )


if __name__ == "__main__":
    main()
