"""lens.export(..., audio="loudest"): clips trimmed to their loudest section, on disk and inline."""

from __future__ import annotations

import os

os.environ.setdefault("OMP_NUM_THREADS", "1")

import base64
import json
import wave

import numpy as np
import pandas as pd
import pytest

from nbdatalens import DataLens, export_audio
from nbdatalens.audio import decode_audio, loudest_window
from nbdatalens.export_audio import clip_file_names

SR = 8_000
N = 6
TONE_START, TONE_LEN = 1.25, 0.5  # seconds; every clip is 3 s with a tone here


def tone_clip(i: int, length: float = 3.0) -> np.ndarray:
    """Silence with a 0.5 s tone at 1.25 s (quiet hiss so the clip is not all zeros)."""
    rng = np.random.default_rng(i)
    clip = rng.normal(0, 1e-4, round(length * SR)).astype(np.float32)
    a, n = round(TONE_START * SR), round(TONE_LEN * SR)
    t = np.arange(n) / SR
    clip[a : a + n] += (0.5 * np.sin(2 * np.pi * (300 + 50 * i) * t)).astype(np.float32)
    return clip


def frame(audio: list | None = None) -> pd.DataFrame:
    label = np.array(["yes", "no"] * (N // 2), dtype=object)
    return pd.DataFrame(
        {
            "audio": audio if audio is not None else [tone_clip(i) for i in range(N)],
            "sample_rate": np.full(N, SR),
            "label": label,
            "prediction": np.roll(label, 1),
        },
        index=pd.Index([f"clip/{i}" for i in range(N)], name="sample_id"),
    )


def wav_file(path, samples: np.ndarray) -> str:
    pcm = np.rint(np.clip(samples, -1, 1) * 32767).astype("<i2")
    with wave.open(str(path), "wb") as writer:
        writer.setnchannels(1)
        writer.setsampwidth(2)
        writer.setframerate(SR)
        writer.writeframes(pcm.tobytes())
    return str(path)


def read_wav(path) -> tuple[np.ndarray, int, int]:
    with wave.open(str(path), "rb") as reader:
        width = reader.getsampwidth()
        assert reader.getnchannels() == 1
    samples, rate = decode_audio(str(path))
    return samples, rate, width


def holds_the_tone(samples: np.ndarray) -> bool:
    """The trimmed clip carries (nearly) all of the tone's energy."""
    tone = 0.5**2 / 2 * TONE_LEN * SR  # energy of a 0.5-amplitude sine over the tone
    return float(np.sum(np.square(samples, dtype=np.float64))) > 0.98 * tone


@pytest.fixture
def lens() -> DataLens:
    return DataLens(frame(), projection="pca")


def test_csv_export_writes_trimmed_clips_beside_it(lens, tmp_path):
    path = lens.export(tmp_path / "fixes.csv", ids=["clip/1", "clip/4"], audio="loudest")
    folder = tmp_path / "fixes_audio"
    rows = pd.read_csv(path)
    assert list(rows["audio_loudest"]) == [str(folder / "clip_1.wav"), str(folder / "clip_4.wav")]
    assert sorted(os.listdir(tmp_path)) == ["fixes.csv", "fixes_audio"]  # no temporaries
    for file in rows["audio_loudest"]:
        samples, rate, width = read_wav(file)
        assert (rate, width) == (SR, 2)  # 16-bit, the clip's own rate
        assert samples.size == SR  # the default 1 s section
        assert holds_the_tone(samples)
    # the earliest 1 s window holding the whole tone: 0.75 .. 1.75 s
    full = tone_clip(1)
    start = round(loudest_window(full, SR, 1.0)[0] * SR)
    trimmed, _, _ = read_wav(rows["audio_loudest"][0])
    assert np.allclose(trimmed, np.clip(full[start : start + SR], -1, 1), atol=1 / 32767)


def test_window_length_is_a_parameter_and_short_clips_stay_whole(tmp_path):
    clips = [tone_clip(i) for i in range(N)]
    clips[2] = tone_clip(2)[round(1.2 * SR) : round(1.6 * SR)]  # 0.4 s: shorter, kept whole
    lens = DataLens(frame(clips), projection="pca")
    ids = ["clip/0", "clip/2"]
    path = lens.export(tmp_path / "x.json", ids=ids, audio="loudest", loudest_seconds=0.5)
    rows = json.loads(path.read_text())
    exact, _, _ = read_wav(rows[0]["audio_loudest"])
    assert exact.size == SR // 2 and holds_the_tone(exact)  # exactly the tone
    short, _, _ = read_wav(rows[1]["audio_loudest"])
    assert short.size == clips[2].size


def test_the_issue_checks_windows_are_used_when_they_ran(lens, tmp_path, monkeypatch):
    lens.find_issues(["silent"])
    starts = lens.issues["loudest_start"]
    # any 1 s window from 0.75 s to 1.25 s holds the whole tone; the hiss picks one
    assert starts.between(0.75, 1.25).all()

    def refuse(*args, **kwargs):
        raise AssertionError("measured again although the checks had the window")

    monkeypatch.setattr(export_audio.audio, "loudest_window", refuse)
    path = lens.export(tmp_path / "out.csv", ids=["clip/3"], audio="loudest")
    (file,) = pd.read_csv(path)["audio_loudest"]
    samples, _, _ = read_wav(file)
    assert samples.size == SR and holds_the_tone(samples)


def test_label_studio_inlines_the_trimmed_clip(lens, tmp_path):
    path = lens.export(
        tmp_path / "tasks.json", format="label-studio", ids=["clip/5"], audio="loudest"
    )
    (task,) = json.loads(path.read_text())
    uri = task["data"]["audio"]
    assert uri.startswith("data:audio/wav;base64,")
    samples, rate = decode_audio(base64.b64decode(uri.split(",", 1)[1]))
    assert rate == SR and samples.size == SR and holds_the_tone(samples)
    assert sorted(os.listdir(tmp_path)) == ["tasks.json"]  # self-contained: no folder
    full = lens.export(tmp_path / "full.json", format="label-studio", ids=["clip/5"])
    (task,) = json.loads(full.read_text())
    samples, _ = decode_audio(base64.b64decode(task["data"]["audio"].split(",", 1)[1]))
    assert samples.size == 3 * SR  # audio="full" (the default) keeps the whole clip


def test_audio_paths_are_trimmed_too_and_the_path_column_kept(tmp_path):
    (tmp_path / "wavs").mkdir()
    paths = [wav_file(tmp_path / "wavs" / f"{i}.wav", tone_clip(i)) for i in range(N)]
    df = frame(paths).drop(columns="sample_rate")
    lens = DataLens(df, projection="pca")
    lens.select(["clip/0"])
    out = pd.read_csv(lens.export(tmp_path / "sel.csv", audio="loudest"))
    assert list(out["audio"]) == [paths[0]]
    samples, _, _ = read_wav(out["audio_loudest"][0])
    assert samples.size == SR and holds_the_tone(samples)
    (task,) = json.loads(
        lens.export(tmp_path / "t.json", format="label-studio", audio="loudest").read_text()
    )
    assert task["data"]["audio"].startswith("data:audio/wav;base64,")  # not the full file's path


def test_bad_arguments_name_themselves(lens, tmp_path):
    with pytest.raises(ValueError, match=r"audio must be one of \['full', 'loudest'\], got 'loud'"):
        lens.export(tmp_path / "a.csv", ids=["clip/0"], audio="loud")
    with pytest.raises(ValueError, match="loudest_seconds must be a positive"):
        lens.export(tmp_path / "a.csv", ids=["clip/0"], audio="loudest", loudest_seconds=0)
    with pytest.raises(ValueError, match="loudest_seconds must be a positive"):
        lens.export(tmp_path / "a.csv", ids=["clip/0"], audio="loudest", loudest_seconds="1")
    no_audio = DataLens(frame().drop(columns=["audio", "sample_rate"]), projection="pca")
    with pytest.raises(ValueError, match="audio='loudest' needs an audio column"):
        no_audio.export(tmp_path / "a.csv", ids=["clip/0"], audio="loudest")
    assert os.listdir(tmp_path) == []


def test_existing_folder_needs_overwrite_and_is_replaced_whole(lens, tmp_path):
    lens.export(tmp_path / "f.csv", ids=["clip/0", "clip/1"], audio="loudest")
    (tmp_path / "f.csv").unlink()
    with pytest.raises(FileExistsError, match="f_audio already exists"):
        lens.export(tmp_path / "f.csv", ids=["clip/2"], audio="loudest")
    assert not (tmp_path / "f.csv").exists()
    lens.export(tmp_path / "f.csv", ids=["clip/2"], audio="loudest", overwrite=True)
    assert os.listdir(tmp_path / "f_audio") == ["clip_2.wav"]  # the old clips are gone
    assert sorted(os.listdir(tmp_path)) == ["f.csv", "f_audio"]


def test_an_interrupted_export_leaves_nothing_half_written(lens, tmp_path, monkeypatch):
    lens.export(tmp_path / "f.csv", ids=["clip/0"], audio="loudest")
    before = (tmp_path / "f_audio" / "clip_0.wav").read_bytes()
    calls = []
    original = export_audio.write_clips

    def write_then_fail(staging, folder, names, clips):
        calls.append(original(staging, folder, names, clips))
        raise OSError("disk full")

    monkeypatch.setattr(export_audio, "write_clips", write_then_fail)
    with pytest.raises(OSError, match="disk full"):
        lens.export(tmp_path / "f.csv", ids=["clip/3", "clip/4"], audio="loudest", overwrite=True)
    assert calls  # the clips were written, then the export failed
    assert sorted(os.listdir(tmp_path)) == ["f.csv", "f_audio"]  # no staged folder left
    assert os.listdir(tmp_path / "f_audio") == ["clip_0.wav"]
    assert (tmp_path / "f_audio" / "clip_0.wav").read_bytes() == before


def test_a_killed_writers_staged_folder_is_removed_next_time(lens, tmp_path):
    stale = tmp_path / ".g_audio.999999999-0123abcd.tmp"  # a PID no process has
    stale.mkdir()
    (stale / "half.wav").write_bytes(b"RIFF")
    lens.export(tmp_path / "g.csv", ids=["clip/0"], audio="loudest")
    assert sorted(os.listdir(tmp_path)) == ["g.csv", "g_audio"]


def test_undecodable_clips_get_no_file_and_a_warning(tmp_path):
    clips = [tone_clip(i) for i in range(N)]
    clips[1] = np.full(SR, np.nan, dtype=np.float32)  # "samples contain NaN"
    lens = DataLens(frame(clips), projection="pca")
    with pytest.warns(UserWarning, match="1 clip"):
        path = lens.export(tmp_path / "p.parquet", ids=["clip/0", "clip/1"], audio="loudest")
    rows = pd.read_parquet(path)
    assert rows["audio_loudest"][0].endswith("clip_0.wav") and pd.isna(rows["audio_loudest"][1])
    assert os.listdir(tmp_path / "p_audio") == ["clip_0.wav"]


def test_file_names_are_safe_and_distinct():
    assert clip_file_names([7, "a/b", "A/B", ("x", 1), "..", "ok.name"]) == [
        "7.wav",
        "a_b.wav",
        "A_B-2.wav",
        "x_1.wav",
        "sample.wav",
        "ok.name.wav",
    ]
