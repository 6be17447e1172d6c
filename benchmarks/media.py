"""Benchmark: media checks' decode-and-measure pass (``media_features``) on files on disk.

Writes seeded synthetic files to a temporary folder (excluded from the
timings): textured colour pictures as 32×32 and 256×256 PNG and JPEG, and
1 s / 16 kHz 16-bit WAV clips (a tone burst over hiss). Then times
``media_features(paths, kind, workers=w)`` for w = 1 and 2 threads, after a
warm-up pass so the files sit in the page cache (the numbers are decode and
measure, not disk). Wall time and the process CPU time are both printed: the
machine may be shared, and CPU time is the steadier number.

Anchor: fastdup reports ~1,000 images/s on a 32-core machine; the aim here is
at least that per core on small images.

Usage::

    python benchmarks/media.py              # 4,000 small images, 1,000 large, 2,000 clips
    python benchmarks/media.py --quick      # a tenth of that
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import tempfile
import time
import wave
from pathlib import Path

import numpy as np
from PIL import Image

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from nbdatalens.issues.media import media_features

SR = 16_000


def _picture(rng: np.random.Generator, side: int) -> Image.Image:
    coarse = rng.integers(0, 256, (max(2, side // 8), max(2, side // 8), 3)).astype(np.uint8)
    smooth = np.asarray(Image.fromarray(coarse).resize((side, side), Image.Resampling.BILINEAR))
    grain = rng.integers(-16, 17, smooth.shape)
    return Image.fromarray(np.clip(smooth.astype(np.int16) + grain, 0, 255).astype(np.uint8))


def write_images(folder: Path, side: int, fmt: str, count: int, seed: int = 0) -> list[str]:
    rng = np.random.default_rng(seed)
    pictures = [_picture(rng, side) for _ in range(min(count, 50))]
    ext = "png" if fmt == "PNG" else "jpg"
    paths = []
    for i in range(count):
        path = folder / f"{side}_{i}.{ext}"
        pictures[i % len(pictures)].save(path, format=fmt, quality=90)
        paths.append(str(path))
    return paths


def write_clips(folder: Path, count: int, seed: int = 0) -> list[str]:
    rng = np.random.default_rng(seed)
    t = np.arange(SR) / SR
    paths = []
    for i in range(min(count, 50)):
        burst = (
            np.sin(2 * np.pi * rng.uniform(150, 600) * t) * np.hanning(SR) * rng.uniform(0.1, 0.9)
        )
        clip = burst + rng.normal(0, 1e-3, SR)
        path = folder / f"clip_{i}.wav"
        with wave.open(str(path), "wb") as writer:
            writer.setnchannels(1)
            writer.setsampwidth(2)
            writer.setframerate(SR)
            writer.writeframes(np.rint(np.clip(clip, -1, 1) * 32767).astype("<i2").tobytes())
        paths.append(str(path))
    return [paths[i % len(paths)] for i in range(count)]


def measure(paths: list[str], kind: str, workers: int) -> tuple[float, float]:
    media_features(paths[: max(1, len(paths) // 10)], kind, workers=workers)  # warm up
    wall, cpu = time.perf_counter(), time.process_time()
    features = media_features(paths, kind, workers=workers)
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    assert features["readable"].all(), "benchmark files must all decode"
    return len(paths) / wall, len(paths) / cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="a tenth of the files")
    args = parser.parse_args()
    scale = 0.1 if args.quick else 1.0
    cases = [
        ("32×32 PNG", "image", 32, "PNG", 4000),
        ("32×32 JPEG", "image", 32, "JPEG", 4000),
        ("256×256 PNG", "image", 256, "PNG", 1000),
        ("256×256 JPEG", "image", 256, "JPEG", 1000),
        ("1 s 16 kHz WAV", "audio", 0, "", 2000),
    ]
    print(
        f"media_features on {platform.processor() or platform.machine()}, "
        f"{os.cpu_count()} cores, Python {platform.python_version()}\n"
    )
    print("| files | count | 1 thread /s | 2 threads /s | per CPU-second (2 threads) |")
    print("|---|---:|---:|---:|---:|")
    with tempfile.TemporaryDirectory() as tmp:
        for name, kind, side, fmt, count in cases:
            count = max(50, int(count * scale))
            folder = Path(tmp) / name.replace(" ", "_").replace("×", "x")
            folder.mkdir()
            if kind == "image":
                paths = write_images(folder, side, fmt, count)
            else:
                paths = write_clips(folder, count)
            one, _ = measure(paths, kind, 1)
            two, per_cpu = measure(paths, kind, 2)
            print(f"| {name} | {count:,} | {one:,.0f} | {two:,.0f} | {per_cpu:,.0f} |")


if __name__ == "__main__":
    main()
