import io
import wave

import numpy as np
import pandas as pd
import pytest
from PIL import Image

from nbdatalens.audio import audio_quality, decode_audio, wav_bytes, waveform_png
from nbdatalens.media import check_image_column, decode_image, make_thumbnail, thumbnail_or_error

# A 3×4 RGB picture with a distinct colour per pixel.
RGB = (np.arange(36, dtype=np.uint8).reshape(3, 4, 3) * 7).astype(np.uint8)
CHECKER = (np.indices((8, 8)).sum(axis=0) % 2 * 255).astype(np.uint8)


def _encode(array: np.ndarray, fmt: str = "PNG") -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(array).save(buffer, format=fmt)
    return buffer.getvalue()


def _png(data: bytes) -> np.ndarray:
    return np.asarray(Image.open(io.BytesIO(data)))


# -------------------------------------------------------------- decode_image
def test_decodes_a_png_file_from_str_and_path(tmp_path):
    path = tmp_path / "pic.png"
    path.write_bytes(_encode(RGB))
    assert np.array_equal(decode_image(path), RGB)
    assert np.array_equal(decode_image(str(path)), RGB)


def test_decodes_encoded_bytes_and_pil_images():
    assert np.array_equal(decode_image(_encode(RGB)), RGB)
    assert np.array_equal(decode_image(bytearray(_encode(CHECKER))), CHECKER)
    assert np.array_equal(decode_image(Image.fromarray(RGB)), RGB)
    jpeg = decode_image(_encode(np.full((16, 16, 3), 200, np.uint8), "JPEG"))
    assert jpeg.shape == (16, 16, 3) and np.abs(jpeg.astype(int) - 200).max() <= 2


@pytest.mark.parametrize(
    ("array", "expected"),
    [
        (np.array([[0.0, 0.5], [1.0, 0.25]]), [[0, 128], [255, 64]]),  # [0, 1] floats
        (np.array([[-1.0, 0.0], [1.0, 3.0]]), [[0, 64], [128, 255]]),  # other range stretched
        (np.array([[True, False]]), [[255, 0]]),
        (np.array([[3, 200]], dtype=np.int64), [[3, 200]]),  # fits 0..255: kept
        (np.array([[0, 1000]], dtype=np.uint16), [[0, 255]]),
        (np.array([[0.5, np.nan]]), [[128, 0]]),
    ],
)
def test_arrays_are_scaled_to_uint8(array, expected):
    decoded = decode_image(array)
    assert decoded.dtype == np.uint8
    assert decoded.tolist() == expected


def test_channel_layouts():
    assert decode_image(RGB[..., :1]).shape == (3, 4)
    wide = np.tile(RGB, (2, 2, 1))  # 6×8×3: unambiguous when moved to 3×6×8
    assert np.array_equal(decode_image(np.moveaxis(wide, -1, 0)), wide)  # channel-first
    rgba = np.dstack([RGB, np.full((3, 4), 128, np.uint8)])
    assert np.array_equal(decode_image(rgba), rgba)
    grey_alpha = decode_image(np.dstack([CHECKER, CHECKER]))
    assert grey_alpha.shape == (8, 8, 4) and np.array_equal(grey_alpha[..., 3], CHECKER)


def test_sixteen_bit_png_is_stretched():
    deep = np.array([[0, 30000], [60000, 65535]], dtype=np.uint16)
    buffer = io.BytesIO()
    Image.fromarray(deep).save(buffer, format="PNG")
    decoded = decode_image(buffer.getvalue())
    assert decoded.dtype == np.uint8 and decoded[0, 0] == 0 and decoded[1, 1] == 255


@pytest.mark.parametrize(
    ("value", "error", "match"),
    [
        ("/no/such/picture.png", ValueError, "cannot decode image: file not found: /no/such/"),
        (b"\x89PNG\r\n\x1a\n garbage", ValueError, "bytes are not a readable image \\(16 bytes"),
        ({"path": "a.png"}, TypeError, "unsupported image object of type dict; expected a file"),
        (3, TypeError, "unsupported image object of type int"),
        (None, ValueError, "the cell is empty"),
        (np.zeros((2, 3, 5)), ValueError, r"shape \(2, 3, 5\) is not H×W"),
        (np.zeros((0, 3)), ValueError, "is empty"),
        (np.array([["a"]]), TypeError, "dtype <U1 is not numeric"),
        ("https://example.com/x.png", ValueError, "URLs are not downloaded"),
    ],
)
def test_bad_images_say_what_is_wrong(value, error, match):
    with pytest.raises(error, match=match):
        decode_image(value)


def test_non_image_file_and_truncated_png(tmp_path):
    text = tmp_path / "notes.txt"
    text.write_text("hello")
    with pytest.raises(ValueError, match=r"not a readable image file: .*notes\.txt"):
        decode_image(text)
    truncated = _encode((np.random.default_rng(0).random((64, 64)) * 255).astype(np.uint8))
    with pytest.raises(ValueError, match="cannot decode image: corrupt image data"):
        decode_image(truncated[: len(truncated) // 2])


# --------------------------------------------------------- check_image_column
def test_check_image_column_names_column_type_and_row():
    series = pd.Series(["a.png", None, {"x": 1}], index=["s1", "s2", "s3"])
    with pytest.raises(
        TypeError,
        match="column 'image': unsupported image object of type dict at row 's3'; "
        "expected a file path, bytes, a numpy array or a PIL image",
    ):
        check_image_column(series, "image")
    with pytest.raises(TypeError, match=r"column 'pic': .* type int at row 1;"):
        check_image_column([b"...", 7], "pic")


def test_check_image_column_accepts_every_form_without_decoding():
    cells = ["missing.png", b"not decoded", np.zeros((2, 2)), Image.new("L", (2, 2)), np.nan]
    check_image_column(pd.Series(cells), "image")  # no file is opened: no error
    check_image_column(np.zeros((5, 8, 8), np.uint8), "image")
    # Only the first 20 present cells are looked at, so a late bad cell passes.
    check_image_column(pd.Series(["a.png"] * 25 + [5]), "image")


def test_check_image_column_rejects_a_text_array():
    with pytest.raises(TypeError, match="column 'image': image array of dtype <U1"):
        check_image_column(np.array([["a", "b"]]), "image")


# ------------------------------------------------------------ make_thumbnail
def test_tiny_images_are_enlarged_with_crisp_pixels():
    thumb = _png(make_thumbnail(CHECKER, 96))
    assert thumb.shape == (96, 96)  # grayscale stays grayscale
    blocks = thumb.reshape(8, 12, 8, 12)
    # Each source pixel became a uniform 12×12 block of exactly its value.
    assert (blocks == CHECKER[:, None, :, None]).all()


def test_enlargement_uses_a_whole_factor():
    digit = (np.arange(28 * 28) % 256).astype(np.uint8).reshape(28, 28)
    thumb = _png(make_thumbnail(digit, 96))
    assert thumb.shape == (84, 84)  # 3 × 28: uneven 3/4-pixel blocks would blur the strokes
    assert np.array_equal(thumb[::3, ::3], digit)


@pytest.mark.parametrize(
    ("shape", "expected"),
    [((300, 600, 3), (48, 96, 3)), ((600, 300), (96, 48)), ((10, 50, 3), (10, 50, 3))],
)
def test_fits_inside_the_square_keeping_aspect_ratio(shape, expected):
    image = np.random.default_rng(0).integers(0, 255, shape, dtype=np.uint8)
    assert _png(make_thumbnail(image, 96)).shape == expected


def test_large_jpeg_is_reduced_smoothly():
    stripes = np.zeros((1200, 1600, 3), np.uint8)
    stripes[:, ::2] = 255  # one-pixel stripes average to mid grey when filtered
    thumb = _png(make_thumbnail(_encode(stripes, "JPEG"), 64))
    assert thumb.shape == (48, 64, 3)
    assert 90 < thumb[5:-5, 5:-5].mean() < 165


def test_smooth_option_switches_the_filter():
    smooth = _png(make_thumbnail(CHECKER, 96, smooth=True))
    assert smooth.shape == (96, 96) and len(np.unique(smooth)) > 2
    assert set(np.unique(_png(make_thumbnail(CHECKER, 20, smooth=False)))) == {0, 255}


def test_transparency_is_kept():
    rgba = np.zeros((4, 4, 4), np.uint8)
    rgba[..., 3] = 255
    rgba[0, 0, 3] = 0
    thumb = _png(make_thumbnail(rgba, 8))
    assert thumb.shape == (8, 8, 4) and thumb[0, 0, 3] == 0 and thumb[7, 7, 3] == 255


def test_bad_size_is_rejected():
    with pytest.raises(ValueError, match="size must be a positive integer, got 0"):
        make_thumbnail(CHECKER, 0)


def test_thumbnail_or_error_never_raises(tmp_path):
    data, error = thumbnail_or_error(CHECKER, 32)
    assert error is None and _png(data).shape == (32, 32)
    missing = tmp_path / "gone.png"
    assert thumbnail_or_error(missing, 32) == (
        None,
        f"cannot decode image: file not found: {missing}",
    )
    data, error = thumbnail_or_error({"a": 1}, 32)
    assert data is None and "unsupported image object of type dict" in error


# --------------------------------------------------------------------- audio
def _write_wav(path, frames: np.ndarray, width: int, channels: int = 1, rate: int = 8000):
    with wave.open(str(path), "wb") as writer:
        writer.setnchannels(channels)
        writer.setsampwidth(width)
        writer.setframerate(rate)
        writer.writeframes(frames.tobytes())


def test_reads_16_bit_stereo_wav_as_mono(tmp_path):
    stereo = np.array([[16384, -16384], [32767, 32767], [-32768, 0]], dtype="<i2")
    _write_wav(tmp_path / "a.wav", stereo, 2, channels=2, rate=22050)
    samples, rate = decode_audio(tmp_path / "a.wav")
    assert rate == 22050 and samples.dtype == np.float32
    assert np.allclose(samples, [0.0, 32767 / 32768, -0.5])


def test_reads_8_and_24_bit_wav(tmp_path):
    _write_wav(tmp_path / "u8.wav", np.array([0, 128, 192], np.uint8), 1)
    assert np.allclose(decode_audio(str(tmp_path / "u8.wav"))[0], [-1, 0, 0.5])
    pcm24 = np.array([0x00, 0x00, 0x40, 0x00, 0x00, 0xC0], np.uint8)  # +0.5, -0.5
    _write_wav(tmp_path / "s24.wav", pcm24, 3)
    assert np.allclose(decode_audio(tmp_path / "s24.wav")[0], [0.5, -0.5])


def test_reads_float_wav_written_by_scipy(tmp_path):
    from scipy.io import wavfile

    wavfile.write(tmp_path / "f.wav", 16000, np.array([0.25, -0.75], np.float32))
    samples, rate = decode_audio(tmp_path / "f.wav")
    assert rate == 16000 and np.allclose(samples, [0.25, -0.75])


def test_arrays_tuples_and_hugging_face_dicts():
    ints = np.array([0, 16384, -32768], dtype=np.int16)
    assert np.allclose(decode_audio(ints, 8000)[0], [0, 0.5, -1])
    assert decode_audio((np.zeros(4), 100))[1] == 100
    samples, rate = decode_audio({"array": np.ones((2, 5)) * 0.5, "sampling_rate": 16000})
    assert rate == 16000 and samples.shape == (5,)


@pytest.mark.parametrize(
    ("value", "rate", "error", "match"),
    [
        (np.zeros(10), None, ValueError, "an array of samples needs a sample rate"),
        (np.zeros(10), -5, ValueError, "sample rate must be a positive integer, got -5"),
        ("/no/clip.wav", None, ValueError, "cannot decode audio: file not found: /no/clip.wav"),
        (b"RIFF....WAVEjunk", None, ValueError, "not a readable WAV file"),
        (np.array([0.1, np.nan]), 8000, ValueError, "NaN or infinite"),
        ({"text": "hi"}, None, TypeError, "unsupported audio object of type dict"),
    ],
)
def test_bad_audio_says_what_is_wrong(value, rate, error, match):
    with pytest.raises(error, match=match):
        decode_audio(value, rate)


def test_wav_bytes_round_trip():
    samples = np.array([0.0, 0.5, -0.5, 1.5, -1.0], np.float32)
    data = wav_bytes(samples, 16000)
    with wave.open(io.BytesIO(data)) as reader:
        assert (reader.getnchannels(), reader.getsampwidth(), reader.getframerate()) == (
            1,
            2,
            16000,
        )
        pcm = np.frombuffer(reader.readframes(reader.getnframes()), "<i2")
    assert pcm.tolist() == [0, 16384, -16384, 32767, -32767]  # 1.5 clipped to full scale
    back, rate = decode_audio(data)
    assert rate == 16000 and np.allclose(back, np.clip(samples, -1, 1), atol=1e-4)


def test_waveform_draws_the_envelope_per_column():
    # 4 columns: silent, full swing, positive half, clipped.
    samples = np.concatenate([np.zeros(50), [-0.5, 0.5] * 25, np.full(50, 0.5), np.ones(50)])
    picture = _png(waveform_png(samples, (4, 21)))
    assert picture.shape == (21, 4, 4)
    ink = picture[..., 3] == 255
    ink_rows = [np.flatnonzero(ink[:, c]).tolist() for c in range(4)]
    assert ink_rows[0] == [10]  # silence: the centre row only
    assert ink_rows[1] == list(range(5, 16))  # +0.5 → row 5, -0.5 → row 15
    assert ink_rows[2] == [5]
    assert ink_rows[3] == [0]
    assert tuple(picture[0, 3, :3]) == (214, 39, 40)  # full scale drawn red
    assert tuple(picture[5, 1, :3]) == (59, 117, 175)


def test_waveform_of_short_and_empty_clips():
    assert _png(waveform_png(np.array([1.0, -1.0]), (160, 64))).shape == (64, 160, 4)
    assert _png(waveform_png(np.array([]), (10, 5))).shape == (5, 10, 4)
    with pytest.raises(ValueError, match="size must be two positive integers"):
        waveform_png(np.zeros(5), (0, 10))


def test_audio_quality_flags_silence_and_clipping():
    rng = np.random.default_rng(0)
    speech = (rng.normal(scale=0.1, size=8000)).clip(-0.9, 0.9).astype(np.float32)
    normal = audio_quality(speech)
    assert not normal["silent"] and not normal["clipped"]
    assert normal["rms"] == pytest.approx(0.1, rel=0.05)
    assert audio_quality(np.full(8000, 5e-5))["silent"]
    loud = speech.copy()
    loud[:40] = 1.0
    report = audio_quality(loud)
    assert report["clipped"] and report["clipped_fraction"] == pytest.approx(40 / 8000)
    assert not audio_quality(np.concatenate([speech, [1.0, -1.0]]))["clipped"]  # 2 peaks: fine
    assert all(type(v) in (bool, float) for v in report.values())  # JSON-ready
    assert audio_quality(np.array([], np.float32))["silent"]


@pytest.mark.parametrize(
    ("cells", "error", "match"),
    [
        ([np.zeros(100)] * 2, ValueError, r"row 0: an array of samples has no sample rate"),
        ([{}, {}], TypeError, r"row 0: a dict without an 'array' key"),
        ([1, 2], TypeError, r"row 0: samples of shape \(\) and dtype int64"),
        (["https://host/a.wav"] * 2, ValueError, r"row 0: 'https://host/a.wav' is a URL"),
        (["/no/such/clip.wav"] * 2, ValueError, r"row 0: file not found: /no/such/clip.wav"),
        ([np.zeros((2, 3, 4))] * 2, TypeError, r"row 0: samples of shape \(2, 3, 4\)"),
    ],
    ids=["array-without-rate", "dict", "int", "url", "missing-file", "3-d"],
)
def test_the_audio_column_is_checked_at_construction_like_the_image_column(cells, error, match):
    from nbdatalens import DataLens

    df = pd.DataFrame({"label": [1, 2], "audio": cells})
    with pytest.raises(error, match=r"column 'audio' \(audio\): at " + match):
        DataLens(df, projection="pca")


def test_audio_cells_that_decode_pass_the_construction_check(tmp_path):
    from nbdatalens import DataLens

    _write_wav(tmp_path / "a.wav", np.zeros(8, dtype="<i2"), 2)
    clip = np.zeros(100)
    for cells, extra in [
        ([clip, clip], {"sample_rate": [8000, 8000]}),
        ([(clip, 8000), (clip, 8000)], {}),
        ([{"array": clip, "sampling_rate": 8000}] * 2, {}),
        ([str(tmp_path / "a.wav"), (tmp_path / "a.wav").read_bytes()], {}),
        ([str(tmp_path / "a.wav"), None], {}),
    ]:
        DataLens(pd.DataFrame({"label": [1, 2], "audio": cells, **extra}), projection="pca")
