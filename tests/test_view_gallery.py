"""The Gallery widget's traits, and the kernel side of its requests (rows, thumbs, audio)."""

from __future__ import annotations

import io
import wave

import numpy as np
import pandas as pd
import pytest
from PIL import Image

from nbdatalens import DataLens
from nbdatalens.views import requests
from nbdatalens.views.gallery import Gallery

XSS = '<img src=x onerror="window.__xss=1">'


def frame(n: int = 12, media: str | None = "image", seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    df = pd.DataFrame(
        {
            "label": np.arange(n) % 3,  # every class present, however small n is
            "probs": list(rng.dirichlet(np.ones(3), n)),
            "note": [f"note {i}" for i in range(n)],
        },
        index=[f"s{i}" for i in range(n)],
    )
    if media == "image":
        df["image"] = list(rng.integers(0, 256, (n, 8, 8), dtype=np.uint8))
    elif media == "text":
        df["text"] = [f"sentence number {i}" for i in range(n)]
    elif media == "audio":
        t = np.arange(800) / 8000
        clips = [0.5 * np.sin(2 * np.pi * 440 * t) for _ in range(n)]
        clips[1] = np.zeros(800)  # silent
        clips[2] = np.clip(3 * np.sin(2 * np.pi * 440 * t), -1, 1)  # clipped
        df["audio"] = clips
        df["sample_rate"] = 8000
    return df


class Replies:
    """Stands in for the comm: records what the handler sends to the browser."""

    def __init__(self, lens: DataLens) -> None:
        self.model = lens.model
        self.handler = self.model._requests
        self.sent: list[tuple[dict, list]] = []
        self.model.send = lambda content, buffers=None: self.sent.append((content, buffers or []))

    def ask(self, **content) -> tuple[dict, list]:
        self.model._dispatch(self.model, {"request_id": "r1", **content}, [])
        return self.sent[-1]


# ---------------------------------------------------------------- traits
def test_defaults_match_the_documented_traits():
    g = DataLens(frame()).gallery()
    assert isinstance(g, Gallery)
    assert (g.sort_by, g.descending, g.tile_size, g.sample_size, g.sample_seed, g.height) == (
        "loss",
        True,
        96,
        60,
        0,
        460,
    )
    assert g._media_kind == "image"


def test_views_of_one_lens_share_the_table_model():
    lens = DataLens(frame())
    assert lens.gallery().table is lens.gallery(tile_size=64).table


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        (
            {"sort_by": "accuracy"},
            r"sort_by must be one of \['issue', 'loss', .*'table'\], got 'accuracy'",
        ),
        ({"tile_size": 16}, r"tile_size must be between 32 and 256 pixels, got 16"),
        ({"tile_size": 300}, r"tile_size must be between 32 and 256 pixels, got 300"),
        ({"sample_size": 0}, r"sample_size must be between 1 and 10000, got 0"),
        ({"height": 50}, r"height must be at least 120 pixels, got 50"),
    ],
)
def test_bad_trait_values_are_refused_with_the_argument_named(kwargs, message):
    lens = DataLens(frame())
    with pytest.raises(ValueError, match=message):
        lens.gallery(**kwargs)
    g = lens.gallery()
    with pytest.raises(ValueError, match=message):
        setattr(g, *next(iter(kwargs.items())))


def test_unknown_keyword_is_a_type_error_listing_the_accepted_ones():
    with pytest.raises(TypeError, match=r"unexpected keyword argument\(s\) \['sortby'\].*sort_by"):
        DataLens(frame()).gallery(sortby="loss")
    with pytest.raises(TypeError, match="_media_kind"):
        DataLens(frame()).gallery(_media_kind="audio")


@pytest.mark.parametrize("media", ["image", "audio", "text", None])
def test_media_kind_follows_the_table_roles(media):
    assert DataLens(frame(media=media)).gallery()._media_kind == (media or "none")


# ---------------------------------------------------------------- thumbs
def test_thumbs_reply_carries_ids_and_one_png_per_item():
    replies = Replies(DataLens(frame()))
    reply, buffers = replies.ask(type="thumbs", positions=[3, 0], size=96)
    assert reply["type"] == "thumbs" and reply["request_id"] == "r1" and reply["size"] == 96
    assert [(i["pos"], i["id"], i["ok"], i["mime"]) for i in reply["items"]] == [
        (3, "s3", True, "image/png"),
        (0, "s0", True, "image/png"),
    ]
    assert len(buffers) == 2
    image = Image.open(io.BytesIO(buffers[0]))
    # An 8×8 source is enlarged by a whole factor with crisp pixels: 12 × 8 = 96.
    assert image.size == (96, 96)
    expected = frame()["image"].iloc[3]
    assert np.array_equal(np.asarray(image)[::12, ::12], expected)


def test_out_of_range_positions_are_dropped_and_sizes_clamped():
    replies = Replies(DataLens(frame(n=5)))
    reply, buffers = replies.ask(type="thumbs", positions=[-1, 2, 5, 99], size=5000)
    assert [i["pos"] for i in reply["items"]] == [2]
    assert reply["size"] == 512
    assert len(buffers) == 1


def test_a_corrupt_image_is_one_flagged_item_and_the_rest_are_fine():
    df = frame(n=4)
    df["image"] = df["image"].astype(object)
    df.iloc[1, df.columns.get_loc("image")] = b"not an image"
    replies = Replies(DataLens(df))
    reply, buffers = replies.ask(type="thumbs", positions=[0, 1, 2], size=64)
    ok = [i["ok"] for i in reply["items"]]
    assert ok == [True, False, True]
    bad = reply["items"][1]
    assert bad["error"].startswith("cannot decode image") and bad["mime"] == ""
    assert buffers[1] == b"" and buffers[0][:4] == b"\x89PNG"


def test_thumbnails_are_cached_by_position_and_size(monkeypatch):
    from nbdatalens import media

    calls = []
    real = media.thumbnail_or_error

    def counting(value, size):
        calls.append(size)
        return real(value, size)

    monkeypatch.setattr(media, "thumbnail_or_error", counting)
    replies = Replies(DataLens(frame()))
    replies.ask(type="thumbs", positions=[0, 1], size=64)
    replies.ask(type="thumbs", positions=[1, 0], size=64)
    assert calls == [64, 64]
    replies.ask(type="thumbs", positions=[0], size=128)
    assert calls == [64, 64, 128]


def test_the_thumbnail_cache_is_bounded(monkeypatch):
    monkeypatch.setattr(requests, "THUMB_CACHE_SIZE", 3)
    replies = Replies(DataLens(frame()))
    replies.ask(type="thumbs", positions=list(range(6)), size=64)
    assert list(replies.handler._thumbs) == [("image", p, 64) for p in (3, 4, 5)]


def test_text_tables_send_a_snippet_and_no_buffer():
    replies = Replies(DataLens(frame(media="text")))
    reply, buffers = replies.ask(type="thumbs", positions=[2], size=96)
    item = reply["items"][0]
    assert (item["kind"], item["text"], item["mime"], item["id"]) == (
        "text",
        "sentence number 2",
        "",
        "s2",
    )
    assert buffers == [b""]


def test_tables_without_media_still_send_ids():
    replies = Replies(DataLens(frame(media=None)))
    reply, buffers = replies.ask(type="thumbs", positions=[4, 1], size=96)
    assert [(i["id"], i["kind"]) for i in reply["items"]] == [("s4", "none"), ("s1", "none")]
    assert buffers == [b"", b""]


# ----------------------------------------------------------------- audio
def test_audio_tiles_get_a_waveform_and_quality_flags():
    replies = Replies(DataLens(frame(n=4, media="audio")))
    reply, buffers = replies.ask(type="thumbs", positions=[0, 1, 2], size=48)
    items = reply["items"]
    assert Image.open(io.BytesIO(buffers[0])).size == (96, 48)  # twice as wide as tall
    assert [(i["quality"]["silent"], i["quality"]["clipped"]) for i in items] == [
        (False, False),
        (True, False),
        (False, True),
    ]
    assert items[0]["duration"] == pytest.approx(0.1)


def test_audio_request_returns_a_playable_wav():
    replies = Replies(DataLens(frame(n=3, media="audio")))
    reply, buffers = replies.ask(type="audio", pos=0)
    assert (reply["type"], reply["pos"], reply["mime"]) == ("audio", 0, "audio/wav")
    with wave.open(io.BytesIO(buffers[0])) as clip:
        assert (clip.getframerate(), clip.getnframes(), clip.getnchannels()) == (8000, 800, 1)


def test_a_failing_request_answers_with_an_error_instead_of_raising():
    replies = Replies(DataLens(frame()))
    reply, _ = replies.ask(type="audio", pos=0)  # this table has no audio
    assert reply["type"] == "error" and reply["request_id"] == "r1"
    assert "audio" in reply["error"]


# ------------------------------------------------------------------ rows
def test_rows_hold_every_user_and_derived_column_as_text():
    df = frame()
    df.loc["s2", "note"] = XSS
    lens = DataLens(df)
    reply, _ = Replies(lens).ask(type="rows", positions=[2, 0])
    rows = reply["rows"]
    assert [(r["pos"], r["id"]) for r in rows] == [(2, "s2"), (0, "s0")]
    values = rows[0]["values"]
    assert values["note"] == XSS  # text for the browser to insert as text
    assert values["image"] == "<array 8×8 uint8>"
    expected_loss = f"{lens.derived['loss'].iloc[2]:.4g}"
    assert values["loss"] == expected_loss
    assert set(values) >= {"label", "probs", "note", "image", "pred", "correct", "loss", "margin"}


def test_a_user_column_named_like_a_derived_one_loses_to_it():
    df = frame()
    df["loss"] = -1.0
    lens = DataLens(df)
    reply, _ = Replies(lens).ask(type="rows", positions=[0])
    assert reply["rows"][0]["values"]["loss"] == f"{lens.derived['loss'].iloc[0]:.4g}"


def test_rows_carry_the_tags_and_corrected_label_the_lens_frame_has():
    df = frame()
    df["tags"] = "a user column of the same name"  # the annotation column wins, as in frame()
    lens = DataLens(df)
    lens.tag(["s1", "s4"], "duplicate")
    lens.tag(["s1"], "mislabeled")
    lens.tag(["s4"], XSS)
    lens.relabel(["s1"], 2)
    reply, _ = Replies(lens).ask(type="rows", positions=[4, 1, 0])
    got = {r["id"]: (r["values"]["tags"], r["values"]["corrected_label"]) for r in reply["rows"]}
    # Built-ins in their fixed order, then free tags; "—" where a row has none.
    assert got == {
        "s4": (f"duplicate, {XSS}", "—"),
        "s1": ("mislabeled, duplicate", "2"),
        "s0": ("—", "—"),
    }
    frame_values = lens.frame().loc[["s4", "s1"], ["tags", "corrected_label"]]
    assert frame_values["tags"].tolist() == [got["s4"][0], got["s1"][0]]
    assert frame_values["corrected_label"].tolist() == [None, 2]


def test_the_thumbnail_cache_is_bounded_in_bytes_too(monkeypatch):
    monkeypatch.setattr(requests, "THUMB_CACHE_BYTES", 1000)
    replies = Replies(DataLens(frame()))
    replies.ask(type="thumbs", positions=list(range(8)), size=96)
    handler = replies.handler
    kept = sum(len(data) for _, data in handler._thumbs.values())
    assert kept == handler._thumb_bytes <= 1000
    assert 0 < len(handler._thumbs) < 8
    assert ("image", 7, 96) in handler._thumbs  # the newest stay
