"""Speech demo: ten spoken command words with planted problems (see :func:`load_speech_demo`)."""

from __future__ import annotations

import itertools
from importlib import resources
from typing import Any

import numpy as np
import pandas as pd

from .demo_cache import ArrayCache, check_epochs, check_seed

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


DURATION_S = 1.0
PLANTED = ("none", "mislabeled", "silent", "nearly_silent", "truncated", "clipped")
# Share of the clips given each planted problem (disjoint; the rest are "none").
_PLANT_SHARES = {
    "mislabeled": 0.06,
    "silent": 0.01,
    "nearly_silent": 0.01,
    "truncated": 0.03,
    "clipped": 0.02,
}
_MARGIN_S = 0.06  # room left around a clean word
_N_MELS = 32
_SEGMENTS = 4
_MLP_OPTIONS: dict[str, Any] = {
    "hidden_layer_sizes": (64,),
    "learning_rate_init": 2e-3,
    "alpha": 1e-3,
}
_cache = ArrayCache()


def load_base_clips() -> tuple[list[np.ndarray], np.ndarray, np.ndarray, list[str]]:
    """The shipped espeak-ng clips: ``(clips, word code per clip, voice code per clip, voices)``."""
    source = resources.files("nbdatalens").joinpath("data", "speech_clips.npz")
    with source.open("rb") as handle, np.load(handle) as data:
        samples = mulaw_decode(data["samples"])
        offsets = data["offsets"]
        clip_word, clip_voice = (
            data["clip_word"].astype(np.int64),
            data["clip_voice"].astype(np.int64),
        )
        voices = [str(v) for v in data["voices"]]
        if tuple(str(w) for w in data["words"]) != WORDS:
            raise ValueError("speech_clips.npz holds other words than speech_demo.WORDS")
    clips = [samples[a:b] for a, b in itertools.pairwise(offsets.tolist())]
    return clips, clip_word, clip_voice, voices


def _resample(clip: np.ndarray, speed: float) -> np.ndarray:
    """Play ``clip`` ``speed`` times faster (shorter and higher) by linear interpolation."""
    positions = np.arange(0.0, len(clip) - 1, speed)
    return np.interp(positions, np.arange(len(clip)), clip).astype(np.float32)


def _place(word: np.ndarray, start: int, n: int) -> np.ndarray:
    """The word placed at sample ``start`` of an n-sample clip (cut where it falls outside)."""
    out = np.zeros(n, dtype=np.float32)
    lo, hi = max(0, start), min(n, start + len(word))
    if hi > lo:
        out[lo:hi] = word[lo - start : hi - start]
    return out


def _loud_cut(spoken: np.ndarray, rng: np.random.Generator, *, from_start: bool) -> int:
    """How many samples to cut off so the clip stops (or starts) while the word is loud.

    The cut point is drawn among the 20 ms windows in the middle 30-70 % of the
    word that are within 10 dB of its loudest window: a word cut off there
    sounds cut off.
    """
    width = round(0.02 * SAMPLE_RATE)
    energy = np.concatenate([[0.0], np.cumsum(np.square(spoken, dtype=np.float64))])
    level = 10 * np.log10(energy[width:] - energy[:-width] + 1e-20)
    ends = np.arange(len(level)) + width  # window k covers samples k .. k + width
    middle = (ends > 0.3 * len(spoken)) & (ends < 0.7 * len(spoken))
    loud = np.flatnonzero(middle & (level >= level.max() - 10.0))
    point = int(ends[rng.choice(loud)]) if len(loud) else int(ends[level.argmax()])
    point -= width // 2  # inside the loud window
    return point if from_start else len(spoken) - point


def _synthesise(n_per_word: int, seed: int) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    base, base_word, base_voice, voices = load_base_clips()
    n = n_per_word * len(WORDS)
    length = round(DURATION_S * SAMPLE_RATE)
    word = np.tile(np.arange(len(WORDS)), n_per_word)
    by_word = [np.flatnonzero(base_word == w) for w in range(len(WORDS))]
    pick = np.array([rng.choice(by_word[w]) for w in word])
    speed = rng.uniform(0.85, 1.2, n)
    peak_db = rng.uniform(-16.0, -3.0, n)
    noise_db = rng.uniform(-66.0, -52.0, n)  # RMS of the background hiss
    planted = np.full(n, "none", dtype=object)
    order = rng.permutation(n)
    at = 0
    for name, share in _PLANT_SHARES.items():
        count = max(1, round(share * n))
        planted[order[at : at + count]] = name
        at += count
    margin = round(_MARGIN_S * SAMPLE_RATE)
    noise = rng.standard_normal((n, length), dtype=np.float32)
    audio: list[np.ndarray] = []
    for i in range(n):
        clip = base[pick[i]]
        # Never longer than the clip minus its margins, so a clean word is whole.
        s = max(speed[i], len(clip) / (length - 2 * margin - 1))
        speed[i] = s
        spoken = _resample(clip, s)
        spoken *= 10 ** (peak_db[i] / 20) / max(1e-6, float(np.abs(spoken).max()))
        start = int(rng.integers(margin, length - margin - len(spoken) + 1))
        kind, where = planted[i], -1
        level_db = noise_db[i]
        if kind == "silent":
            spoken *= 0.0
            level_db = -np.inf if rng.random() < 0.5 else rng.uniform(-80.0, -68.0)
        elif kind == "nearly_silent":
            spoken *= 10 ** (rng.uniform(-60.0, -56.0) / 20) / max(
                1e-6, float(np.abs(spoken).max())
            )
            level_db = rng.uniform(-80.0, -72.0)
        elif kind == "truncated":
            where = int(rng.integers(3))
            cut = _loud_cut(spoken, rng, from_start=where == 1)  # samples of the word lost
            if where == 0:  # runs past the end
                start = length - len(spoken) + cut
            elif where == 1:  # starts before the clip
                start = -cut
        samples = _place(spoken, start, length)
        samples += noise[i] * np.float32(10 ** (level_db / 20) if np.isfinite(level_db) else 0.0)
        if kind == "truncated" and where == 2:  # a short recording that stops mid-word
            samples = samples[: start + len(spoken) - cut]
        if kind == "clipped":  # the word's peak driven 10-18 dB past full scale
            drive = 10 ** ((rng.uniform(10.0, 18.0) - peak_db[i]) / 20)
            samples = np.clip(samples * np.float32(drive), -1.0, 1.0)
        audio.append(samples.astype(np.float32))
    label = word.copy()
    wrong = planted == "mislabeled"
    label[wrong] = (word[wrong] + rng.integers(1, len(WORDS), wrong.sum())) % len(WORDS)
    words = np.array(WORDS, dtype=object)
    return {
        "audio": np.array(audio, dtype=object),
        "label": words[label],
        "true_label": words[word],
        "planted": planted,
        "voice": np.array(voices, dtype=object)[base_voice[pick]],
        "speed": speed,
    }


def _mel_filters(n_fft: int, n_mels: int, rate: int) -> np.ndarray:
    """(n_mels, n_fft // 2 + 1) triangular filters evenly spaced on the mel scale, 50 Hz-8 kHz."""

    def mel(hz: np.ndarray) -> np.ndarray:
        return 2595.0 * np.log10(1.0 + hz / 700.0)

    edges_mel = np.linspace(mel(np.array(50.0)), mel(np.array(rate / 2)), n_mels + 2)
    edges = 700.0 * (10 ** (edges_mel / 2595.0) - 1.0)
    freqs = np.linspace(0, rate / 2, n_fft // 2 + 1)
    lower, centre, upper = edges[:-2, None], edges[1:-1, None], edges[2:, None]
    rising = (freqs - lower) / (centre - lower)
    falling = (upper - freqs) / (upper - centre)
    return np.maximum(0.0, np.minimum(rising, falling)).astype(np.float32)


def log_mel(audio: np.ndarray, rate: int = SAMPLE_RATE, n_mels: int = _N_MELS) -> np.ndarray:
    """(N, frames, n_mels) log-mel energies (dB) of an (N, T) batch.

    25 ms Hann-windowed frames every 10 ms, a 512-point FFT, power through
    ``n_mels`` triangular mel filters, in dB.
    """
    width, hop, n_fft = round(0.025 * rate), round(0.010 * rate), 512
    frames = 1 + (audio.shape[1] - width) // hop
    index = np.arange(width)[None, :] + hop * np.arange(frames)[:, None]
    windowed = audio[:, index] * np.hanning(width).astype(np.float32)
    power = np.abs(np.fft.rfft(windowed, n=n_fft, axis=-1)) ** 2
    return 10 * np.log10(power.astype(np.float32) @ _mel_filters(n_fft, n_mels, rate).T + 1e-10)


def speech_features(audio: list[np.ndarray], rate: int = SAMPLE_RATE) -> np.ndarray:
    """(N, 5 × 32 + 1) float32 features of clips: time-aligned log-mel statistics.

    The log-mel frames of the spoken part (frames within 35 dB of the loudest)
    are split into 4 equal stretches and averaged per stretch, so the features
    follow the word, not where it sits in the clip or how fast it is said;
    then the per-band standard deviation over the whole clip and the length of
    the spoken part in seconds. Clips shorter than a second are zero-padded.
    """
    length = round(DURATION_S * rate)
    out = []
    for start in range(0, len(audio), 128):  # batches keep the frame tensor small
        chunk = np.zeros((len(audio[start : start + 128]), length), dtype=np.float32)
        for row, clip in enumerate(audio[start : start + 128]):
            chunk[row, : min(length, len(clip))] = clip[:length]
        mel = log_mel(chunk, rate)  # (B, F, M)
        energy = mel.max(axis=2)
        spoken = energy >= energy.max(axis=1, keepdims=True) - 35.0
        first = spoken.argmax(axis=1)
        last = mel.shape[1] - 1 - spoken[:, ::-1].argmax(axis=1)
        # Frame f of clip b belongs to stretch floor(SEGMENTS * (f - first) / span).
        span = (last - first + 1)[:, None]
        position = (np.arange(mel.shape[1])[None, :] - first[:, None]) * _SEGMENTS // span
        stretches = []
        for k in range(_SEGMENTS):
            member = (position == k).astype(np.float32)[..., None]
            stretches.append((mel * member).sum(axis=1) / np.maximum(member.sum(axis=1), 1))
        duration = span * (0.010 * rate) / rate
        out.append(np.concatenate([*stretches, mel.std(axis=1), duration], axis=1))
    return np.concatenate(out).astype(np.float32)


def _train(features: np.ndarray, label: np.ndarray, seed: int, epochs: int):
    from sklearn.neural_network import MLPClassifier

    from nbdatalens.integrations.sklearn import record_sklearn

    mean, std = features.mean(axis=0), features.std(axis=0) + 1e-6
    scaled = ((features - mean) / std).astype(np.float32)
    model = MLPClassifier(random_state=seed, **_MLP_OPTIONS)
    recorder = record_sklearn(
        model, scaled, label, epochs=epochs, batch_size=64, random_state=seed, keep_full=True
    )
    dynamics = recorder.full_probs
    assert dynamics is not None
    return dynamics.astype(np.float32), list(model.classes_), scaled


def _compute(n_per_word: int, seed: int, epochs: int) -> dict[str, Any]:
    arrays: dict[str, Any] = _synthesise(n_per_word, seed)
    features = speech_features(list(arrays["audio"]))
    dynamics, classes, embedding = _train(features, arrays["label"], seed, epochs)
    arrays.update(dynamics=dynamics, classes=classes, embedding=embedding)
    return arrays


def load_speech_demo(
    n_per_word: int = 80, seed: int = 0, *, epochs: int = 15, cache: bool = True
) -> pd.DataFrame:
    """Ten spoken command words, 1 s at 16 kHz, with planted problems and a trained model.

    The words are yes / no / up / down / left / right / on / off / stop / go,
    ``n_per_word`` clips each (default 80: 800 clips). Each clip is made at
    load time, seeded by ``seed``, from one of 100 clips shipped with the
    package (every word in 10 espeak-ng voices, 8-bit µ-law; see
    ``scripts/make_speech_clips.py``): played 0.85-1.2× as fast (pitch and
    tempo together, by resampling), scaled to a peak of −16..−3 dBFS, placed
    at a random time with at least 60 ms to spare at both ends, over
    background hiss of −66..−52 dBFS RMS. Then problems are planted in
    disjoint sets of clips (column ``planted``):

    - ``"mislabeled"`` (6 %): ``label`` is another word than ``true_label``;
    - ``"silent"`` (1 %): no word, digital silence or hiss below −68 dBFS;
    - ``"nearly_silent"`` (1 %): the word at a peak of −60..−56 dBFS over
      hiss below −72 dBFS (every 20 ms window below −50 dBFS);
    - ``"truncated"`` (3 %): the word cut off while loud, at the end, at the
      start, or by a recording that stops mid-word (shorter than 1 s);
    - ``"clipped"`` (2 %): driven 10-18 dB past full scale and clipped at ±1.

    A small MLP (64 ReLU units) is trained on the given labels from the
    clips' features (:func:`speech_features`) for ``epochs`` epochs with
    :func:`~nbdatalens.integrations.sklearn.record_sklearn`, recording its
    probabilities after each epoch. Takes a few seconds; cached in memory
    (``cache=False`` recomputes), and every call returns a new frame.

    Index ``sample_id``. Columns: ``audio`` (float32 array, 16,000 samples,
    fewer for a short truncated clip), ``sample_rate`` (16000), ``label``
    (str, the given word), ``true_label`` (str), ``planted`` (str, "none" or
    the problem), ``voice`` (espeak-ng voice), ``speed``, ``prediction``,
    ``probs`` (float32 (10,), classes in sorted order like ``label``'s),
    ``dynamics`` (float32 (epochs, 10)), ``embedding`` (float32 (161,): the
    standardised features).
    """
    if isinstance(n_per_word, bool) or not isinstance(n_per_word, (int, np.integer)):
        raise TypeError(f"n_per_word must be an integer, got {type(n_per_word).__name__}")
    if n_per_word < 10:
        raise ValueError(f"n_per_word must be at least 10, got {n_per_word}")
    seed, epochs = check_seed(seed), check_epochs(epochs)
    key = (int(n_per_word), int(seed), int(epochs))
    return _frame(_cache.get(key, lambda: _compute(*key), cache))


def _frame(arrays: dict[str, Any]) -> pd.DataFrame:
    # Fresh copies per call: a user editing a cell in place must not change the next call.
    dynamics = arrays["dynamics"].copy()
    probs = dynamics[:, -1].copy()
    classes = np.array(arrays["classes"], dtype=object)
    n = len(probs)
    return pd.DataFrame(
        {
            "audio": [clip.copy() for clip in arrays["audio"]],
            "sample_rate": np.full(n, SAMPLE_RATE, dtype=np.int64),
            "label": arrays["label"].copy(),
            "true_label": arrays["true_label"].copy(),
            "planted": arrays["planted"].copy(),
            "voice": arrays["voice"].copy(),
            "speed": arrays["speed"].astype(np.float32),
            "prediction": classes[probs.argmax(axis=1)],
            "probs": list(probs),
            "dynamics": list(dynamics),
            "embedding": list(arrays["embedding"].copy()),
        },
        index=pd.RangeIndex(n, name="sample_id"),
    )
