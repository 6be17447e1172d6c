"""Media checks on generated images, WAV clips and text with known answers."""

from __future__ import annotations

import io
import wave

import numpy as np
import pandas as pd
import pytest
from PIL import Image, ImageFilter

from nbdatalens.audio import loudest_window
from nbdatalens.issues.base import CheckResult
from nbdatalens.issues.media import MEDIA_CHECKS, media_features, run_media_checks
from nbdatalens.media import sniff_image_format

SR = 16_000


# -------------------------------------------------------------------- helpers
def photo(seed: int, size: tuple[int, int] = (64, 64)) -> np.ndarray:
    """A colourful, textured RGB picture (smooth blobs plus fine grain)."""
    rng = np.random.default_rng(seed)
    coarse = rng.integers(0, 256, (size[1] // 8, size[0] // 8, 3)).astype(np.uint8)
    smooth = np.asarray(Image.fromarray(coarse).resize(size, Image.Resampling.BICUBIC))
    grain = rng.integers(-20, 21, smooth.shape)
    return np.clip(smooth.astype(int) + grain, 0, 255).astype(np.uint8)


def save(path, array: np.ndarray, fmt: str | None = None) -> str:
    Image.fromarray(array).save(path, format=fmt)
    return str(path)


def wav(path, samples: np.ndarray, rate: int = SR) -> str:
    pcm = np.rint(np.clip(samples, -1, 1) * 32767).astype("<i2")
    with wave.open(str(path), "wb") as writer:
        writer.setnchannels(1)
        writer.setsampwidth(2)
        writer.setframerate(rate)
        writer.writeframes(pcm.tobytes())
    return str(path)


def word(amp: float = 0.5, start: float = 0.2, length: float = 0.5, seed: int = 0) -> np.ndarray:
    """A 1 s clip: a tone burst that fades in and out, over faint (-66 dB) hiss."""
    rng = np.random.default_rng(seed)
    clip = rng.normal(0, 5e-4, SR).astype(np.float32)
    n, s = int(length * SR), int(start * SR)
    t = np.arange(n) / SR
    burst = amp * np.sin(np.pi * t / length) ** 2 * np.sin(2 * np.pi * (220 + 40 * seed) * t)
    clip[s : s + n] += burst[: SR - s].astype(np.float32)
    return clip


def check(features: pd.DataFrame, issue_type: str) -> CheckResult:
    (fn,) = [fn for name, _, fn in MEDIA_CHECKS if name == issue_type]
    result = fn(features)
    assert result.issue_type == issue_type
    assert result.score.min() >= 0 and result.score.max() <= 1
    # Flagged samples score below 0.5, the rest at or above it.
    assert (result.score[result.is_issue] < 0.5).all()
    assert (result.score[~result.is_issue] >= 0.5).all()
    return result


def flagged(features: pd.DataFrame, issue_type: str) -> list[int]:
    return np.flatnonzero(check(features, issue_type).is_issue).tolist()


IMAGE_TYPES = [n for n, role, _ in MEDIA_CHECKS if role == "image"]
AUDIO_TYPES = [n for n, role, _ in MEDIA_CHECKS if role == "audio"]


# --------------------------------------------------------------------- images
@pytest.fixture(scope="module")
def clean_images(tmp_path_factory) -> list[str]:
    folder = tmp_path_factory.mktemp("clean")
    paths = [save(folder / f"p{i}.png", photo(i)) for i in range(10)]
    paths += [save(folder / f"j{i}.jpg", photo(10 + i), "JPEG") for i in range(10)]
    return paths


@pytest.mark.parametrize("issue_type", IMAGE_TYPES)
def test_clean_images_flag_nothing(clean_images, issue_type):
    features = media_features(clean_images, "image")
    assert features["readable"].all()
    assert flagged(features, issue_type) == []


@pytest.fixture(scope="module")
def bad_images(tmp_path_factory, clean_images) -> tuple[list[str], dict[str, int]]:
    folder = tmp_path_factory.mktemp("bad")
    grey = photo(50).mean(axis=2).astype(np.uint8)
    good_jpeg = io.BytesIO()
    Image.fromarray(photo(51)).save(good_jpeg, format="JPEG")
    bad = {
        "black": save(folder / "black.png", np.zeros((64, 64, 3), np.uint8)),
        "white": save(folder / "white.png", np.full((64, 64, 3), 255, np.uint8)),
        "blurred": save(
            folder / "blur.png",
            np.asarray(Image.fromarray(photo(52)).filter(ImageFilter.GaussianBlur(2.5))),
        ),
        "png_as_jpg": save(folder / "png.jpg", photo(53), "PNG"),
        "gray": save(folder / "gray.png", grey),
        "odd_size": save(folder / "big.png", photo(54, (192, 192))),
        "wide": save(folder / "wide.png", photo(55, (128, 48))),
        "dim": save(folder / "dim.png", (photo(56) // 8).astype(np.uint8)),
    }
    truncated = folder / "cut.jpg"
    truncated.write_bytes(good_jpeg.getvalue()[: len(good_jpeg.getvalue()) // 2])
    bad["truncated"] = str(truncated)
    png = folder / "cut.png"
    save(png, photo(57))
    png.write_bytes(png.read_bytes()[:-200])
    bad["truncated_png"] = str(png)
    trailer = folder / "trailer.jpg"
    trailer.write_bytes(good_jpeg.getvalue() + b"\x00" * 500)  # data after EOI is fine
    bad["trailer"] = str(trailer)
    noise = folder / "noise.png"
    noise.write_bytes(np.random.default_rng(0).integers(0, 256, 3000, dtype=np.uint8).tobytes())
    bad["random_bytes"] = str(noise)
    text = folder / "notes.jpg"
    text.write_text("x" * 1204)
    bad["text"] = str(text)
    bad["missing"] = str(folder / "nowhere.png")
    paths = list(clean_images) + list(bad.values())
    where = {name: len(clean_images) + i for i, name in enumerate(bad)}
    return paths, where


def test_corrupt_names_the_reason(bad_images):
    paths, at = bad_images
    result = check(media_features(paths, "image"), "corrupt")
    expected = ["png_as_jpg", "truncated", "truncated_png", "random_bytes", "text", "missing"]
    assert np.flatnonzero(result.is_issue).tolist() == sorted(at[n] for n in expected)
    reason = result.extras["corrupt_reason"]
    assert reason[at["png_as_jpg"]] == "PNG data with a .jpg extension"
    assert reason[at["truncated"]] == "truncated JPEG"
    assert reason[at["truncated_png"]] == "truncated PNG"
    assert reason[at["trailer"]] == ""
    assert reason[at["text"]] == "not an image: 1,204 bytes of text"
    assert reason[at["random_bytes"]] == "not an image: 3,000 bytes of unknown data"
    assert reason[at["missing"]] == "file not found"
    assert reason[0] == ""


def test_each_image_check_finds_its_planted_image(bad_images):
    paths, at = bad_images
    features = media_features(paths, "image", workers=2)
    assert flagged(features, "low_information") == sorted([at["black"], at["white"]])
    assert flagged(features, "dark") == sorted([at["black"], at["dim"]])
    assert flagged(features, "light") == [at["white"]]
    assert flagged(features, "blurry") == [at["blurred"]]
    assert flagged(features, "odd_size") == [at["odd_size"]]
    assert flagged(features, "odd_aspect_ratio") == [at["wide"]]
    # Black and white are grayscale too; the grey photo is the one with texture.
    assert at["gray"] in flagged(features, "grayscale")
    assert set(flagged(features, "grayscale")) <= {at["gray"], at["black"], at["white"]}
    # The PNG named .jpg still decodes: it is corrupt, yet measured like the rest.
    assert features.loc[at["png_as_jpg"], "readable"]


def test_grayscale_set_flags_no_grayscale_image(tmp_path):
    paths = [save(tmp_path / f"g{i}.png", photo(i).mean(axis=2).astype(np.uint8)) for i in range(6)]
    paths.append(save(tmp_path / "c.png", photo(9)))
    assert flagged(media_features(paths, "image"), "grayscale") == []


def test_images_as_arrays_bytes_and_pil(tmp_path):
    buffer = io.BytesIO()
    Image.fromarray(photo(1)).save(buffer, format="PNG")
    cells = [photo(0), buffer.getvalue(), Image.fromarray(photo(2)), None, b"not an image"]
    features = media_features(cells, "image", workers=1)
    assert features["readable"].tolist() == [True, True, True, False, False]
    assert features.loc[1, "format"] == "PNG"
    assert flagged(features, "corrupt") == [3, 4]


def test_large_jpeg_is_measured_reduced_but_reports_its_size(tmp_path):
    big = np.asarray(Image.fromarray(photo(3)).resize((1600, 1200)))
    features = media_features([save(tmp_path / "big.jpg", big, "JPEG")], "image")
    assert features.loc[0, ["width", "height"]].tolist() == [1600, 1200]
    assert features.loc[0, "readable"]


def test_sniff_image_format():
    assert sniff_image_format(b"\xff\xd8\xff\xe0....") == "JPEG"
    assert sniff_image_format(b"RIFF\x00\x00\x00\x00WEBPVP8 ") == "WEBP"
    assert sniff_image_format(b"hello") is None


# ---------------------------------------------------------------------- audio
@pytest.fixture(scope="module")
def clean_clips(tmp_path_factory) -> list[str]:
    folder = tmp_path_factory.mktemp("clips")
    amps = np.linspace(0.15, 0.8, 10)
    return [
        wav(folder / f"w{i}.wav", word(amp=a, start=0.1 + 0.04 * i, seed=i))
        for i, a in enumerate(amps)
    ]


@pytest.mark.parametrize("issue_type", AUDIO_TYPES)
def test_clean_clips_flag_nothing(clean_clips, issue_type):
    features = media_features(clean_clips, "audio")
    assert features["readable"].all()
    assert flagged(features, issue_type) == []


@pytest.fixture(scope="module")
def bad_clips(tmp_path_factory, clean_clips) -> tuple[list[str], dict[str, int]]:
    folder = tmp_path_factory.mktemp("bad_clips")
    t = np.arange(SR) / SR
    rng = np.random.default_rng(7)
    bad = {
        "zeros": np.zeros(SR, np.float32),
        "noise_60db": rng.normal(0, 10 ** (-60 / 20), SR).astype(np.float32),
        "cut_at_end": word(start=0.75, seed=3),
        "cut_at_start": np.r_[word(seed=4)[SR // 3 :], np.zeros(SR // 3, np.float32)],
        "short": word(start=0.02, length=0.2, seed=5)[: SR // 4],
        "clipped_sine": np.clip(1.5 * np.sin(2 * np.pi * 440 * t) * np.hanning(SR), -1, 1),
        "quiet": word(amp=0.02, seed=6),
    }
    paths = list(clean_clips) + [wav(folder / f"{n}.wav", x) for n, x in bad.items()]
    broken = folder / "broken.wav"
    broken.write_bytes(b"RIFF\x10\x00\x00\x00WAVEjunk")
    paths.append(str(broken))
    where = {name: len(clean_clips) + i for i, name in enumerate([*bad, "broken"])}
    return paths, where


def test_each_audio_check_finds_its_planted_clip(bad_clips):
    paths, at = bad_clips
    features = media_features(paths, "audio", workers=2)
    assert flagged(features, "silent") == sorted([at["zeros"], at["noise_60db"]])
    assert flagged(features, "truncated") == sorted(
        [at["cut_at_end"], at["cut_at_start"], at["short"]]
    )
    assert flagged(features, "clipped") == [at["clipped_sine"]]
    assert flagged(features, "low_volume") == [at["quiet"]]
    assert flagged(features, "corrupt_audio") == [at["broken"]]
    cut = check(features, "truncated").extras["truncated_at"]
    assert [cut[at[n]] for n in ("cut_at_end", "cut_at_start", "short")] == [
        "end",
        "start",
        "short",
    ]
    reason = check(features, "corrupt_audio").extras["corrupt_audio_reason"]
    assert "not a readable WAV file" in reason[at["broken"]]


def test_loudest_section_is_on_the_silent_result(bad_clips):
    paths, at = bad_clips
    features = media_features(paths, "audio", loudest_seconds=0.25)
    extras = check(features, "silent").extras
    start, end = extras["loudest_start"], extras["loudest_end"]
    # clean clip i has its burst at 0.1 + 0.04 i .. + 0.5 s; its loudest 0.25 s is the middle
    for i in range(3):
        middle = 0.1 + 0.04 * i + 0.25
        assert start[i] == pytest.approx(middle - 0.125, abs=0.01)
        assert end[i] - start[i] == pytest.approx(0.25)
    assert end[at["short"]] - start[at["short"]] == pytest.approx(0.25)


def test_audio_arrays_with_one_rate_each():
    clips = [word(seed=i) for i in range(4)] + [np.zeros(SR, np.float32)]
    features = media_features(pd.Series(clips), "audio", sample_rate=[SR] * 5, workers=1)
    assert features["duration"].tolist() == [1.0] * 5
    assert flagged(features, "silent") == [4]
    missing_rate = media_features([word()], "audio")
    assert not missing_rate.loc[0, "readable"]
    assert "sample rate" in missing_rate.loc[0, "corrupt_reason"]


def test_loudest_window_finds_the_burst():
    clip = np.zeros(3 * SR, np.float32)
    clip[SR + 100 : 2 * SR + 100] = 0.5
    assert loudest_window(clip, SR, 1.0) == (
        pytest.approx((SR + 100) / SR),
        pytest.approx(2 + 100 / SR),
    )
    assert loudest_window(clip[:100], SR, 1.0) == (0.0, 100 / SR)


# ----------------------------------------------------------------------- text
def test_text_checks():
    cells = [
        "a fine sentence",
        "",
        "   \n",
        None,
        np.nan,
        "caf\u00c3\u00a9 au lait",  # "café" as UTF-8 read as cp1252
        b"\x00\x01\x02\xff\xfe binary",
        "tab\tand\nnewline are fine",
        "ctrl \x00\x01\x02\x03\x04 chars",
        "naïve señor, ¿qué tal?",
        b"utf-8 bytes are text",
    ]
    results = run_media_checks(cells, "text")
    assert np.flatnonzero(results["empty_text"].is_issue).tolist() == [1, 2, 3, 4]
    non_text = results["non_text"]
    assert np.flatnonzero(non_text.is_issue).tolist() == [5, 6, 8]
    assert non_text.extras["non_text_reason"][[5, 6, 8]].tolist() == [
        "mojibake",
        "binary",
        "control characters",
    ]


# ----------------------------------------------------------------- plumbing
def test_registry_shape_and_progress(clean_images):
    assert {role for _, role, _ in MEDIA_CHECKS} == {"image", "audio", "text"}
    names = [name for name, _, _ in MEDIA_CHECKS]
    assert len(names) == len(set(names))
    calls: list[tuple[int, int]] = []
    cells = clean_images * 5  # 100 cells: two chunks of 64
    media_features(cells, "image", workers=2, progress=lambda d, t: calls.append((d, t)))
    assert calls == [(64, 100), (100, 100)]


def test_unknown_kind_is_an_error():
    with pytest.raises(ValueError, match="kind must be"):
        media_features([], "video")  # type: ignore[arg-type]
    assert len(media_features([], "image")) == 0
