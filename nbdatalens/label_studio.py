"""Label Studio: tasks with the model's prediction out, corrected labels back in.

Export (``lens.export(path, format="label-studio")``) writes a JSON array,
one task per sample, in Label Studio's task import format with
pre-annotations (``predictions``)::

    {"data": {"image": "<path, URL, or data:image/png;base64,…>",
              "sample_id": 17, "given_label": "7", "corrected_label": null, "tags": "mislabeled"},
     "predictions": [{"model_version": "nbdatalens", "score": 0.93,
                      "result": [{"from_name": "label", "to_name": "image", "type": "choices",
                                  "value": {"choices": ["1"]}}]}]}

The media key is ``image``, ``audio`` (path, or ``data:audio/wav;base64,…``)
or ``text``, after the table's media role (a table without media gets the id
as ``text``; with ``audio="loudest"`` the ``audio`` field is the clip's loudest section,
inlined, see :mod:`nbdatalens.export_audio`). In-memory images are inlined as PNG, fitted in
:data:`IMAGE_SIZE` pixels (small ones enlarged with crisp pixels). Label
Studio assigns its own task ids on import, so the sample id travels in
``data.sample_id`` (ints and strings as they are, other ids as text), which
Label Studio keeps and exports back. The prediction's ``score`` is the
model's probability of its predicted class (left out without probabilities).

The matching labeling config comes from :func:`label_studio_config`; for
the digits it reads::

    <View>
      <Header value="Given label" size="6"/>
      <Header value="$given_label" size="4"/>
      <Image name="image" value="$image"/>
      <Choices name="label" toName="image" choice="single" showInline="true">
        <Choice value="0"/> … <Choice value="9"/>
      </Choices>
    </View>

Import (:func:`read_label_studio`) reads Label Studio's JSON export back
into corrections.
"""

from __future__ import annotations

import base64
import json
import os
from typing import TYPE_CHECKING, Any
from xml.sax.saxutils import quoteattr

import numpy as np
import pandas as pd

from .annotations import TAG_SEPARATOR
from .progress import track

if TYPE_CHECKING:
    from .annotations import Annotations
    from .table import SampleTable

#: ``model_version`` of the exported predictions.
MODEL_VERSION = "nbdatalens"
#: Longest side of inlined images, in pixels.
IMAGE_SIZE = 512
#: The control tag's name (``from_name``) in the config and the predictions.
CONTROL_NAME = "label"


def media_key(table: SampleTable) -> str:
    """The ``data`` key of the tasks' media: ``image``, ``audio`` or ``text`` (the id as
    text when the table has no media)."""
    role = table.media_role
    return "text" if role == "none" else role


def _data_uri(mime: str, data: bytes) -> str:
    return f"data:{mime};base64,{base64.b64encode(data).decode('ascii')}"


def _media_value(table: SampleTable, key: str, pos: int) -> Any:
    from . import audio, media

    if key == "text" and "text" not in table.roles:
        return str(table.df.index[pos])
    value = table.cell(key, pos)
    if value is None or isinstance(value, (str, os.PathLike)):
        return None if value is None else os.fspath(value)
    if key == "image":
        return _data_uri("image/png", media.make_thumbnail(value, IMAGE_SIZE))
    if key == "audio":
        rate = table.cell("sample_rate", pos) if "sample_rate" in table.roles else None
        samples, sr = audio.decode_audio(value, None if rate is None else int(rate))
        return _data_uri("audio/wav", audio.wav_bytes(samples, sr))
    return str(value)


def _json_id(value: Any) -> Any:
    if isinstance(value, (np.integer, np.str_)):
        value = value.item()
    if isinstance(value, (int, str)) and not isinstance(value, bool):
        return value
    return str(value)


def label_studio_tasks(
    table: SampleTable,
    annotations: Annotations,
    positions: np.ndarray,
    *,
    audio_clips: list[bytes | None] | None = None,
    progress: bool | None = None,
) -> list[dict[str, Any]]:
    """One Label Studio task per row position (see the module doc for the shape).

    ``audio_clips`` (WAV bytes per position, e.g. the loudest sections of
    :mod:`nbdatalens.export_audio`) are inlined as ``data.audio`` instead of
    the rows' audio cells (None where a clip is missing).
    """
    key = media_key(table)
    names = table.class_names
    all_names = [str(c) for c in annotations.classes]
    corrected = annotations.corrected_codes[positions]
    tags = annotations.tag_lists(positions)
    pred = table.pred_codes
    score = None
    if pred is not None and table.probs is not None:
        score = table.probs[positions, pred[positions]]
    trimmed = audio_clips is not None and key == "audio"
    tasks = []
    listed = positions.tolist()
    # Only in-memory media are encoded here (paths are written as they are).
    show = progress if key in ("image", "audio") and not trimmed else False
    for k, pos in enumerate(track(listed, len(listed), "Label Studio tasks", progress=show)):
        task: dict[str, Any] = {
            "data": {
                # the trimmed clip replaces the full one below: do not decode it twice
                key: None if trimmed else _media_value(table, key, pos),
                "sample_id": _json_id(table.df.index[pos]),
                "given_label": names[table.label_codes[pos]],
                "corrected_label": all_names[corrected[k]] if corrected[k] >= 0 else None,
                "tags": TAG_SEPARATOR.join(tags[k]),
            },
            "predictions": [],
        }
        if pred is not None:
            prediction: dict[str, Any] = {
                "model_version": MODEL_VERSION,
                "result": [
                    {
                        "from_name": CONTROL_NAME,
                        "to_name": key,
                        "type": "choices",
                        "value": {"choices": [names[pred[pos]]]},
                    }
                ],
            }
            if score is not None:
                prediction["score"] = round(float(score[k]), 6)
            task["predictions"].append(prediction)
        if audio_clips is not None:
            clip = audio_clips[k]
            task["data"]["audio"] = None if clip is None else _data_uri("audio/wav", clip)
        tasks.append(task)
    return tasks


def label_studio_config(lens_or_table: Any) -> str:
    """The Label Studio labeling config (XML) matching an export of this lens or table.

    One choice per class (plus classes corrections introduced), the given
    label shown as a header (a Header shows static text or one data field,
    not both, hence two), and the media object named after the exported
    ``data`` key.

    >>> print(label_studio_config(lens))  # doctest: +SKIP
    <View>
      <Header value="Given label" size="6"/>
      ...
    """
    table = getattr(lens_or_table, "table", lens_or_table)
    key = media_key(table)
    tag = {"image": "Image", "audio": "Audio", "text": "Text"}[key]
    # A lens also offers the classes its corrections introduced.
    annotations = getattr(lens_or_table, "annotations", None)
    classes = [str(c) for c in (table.classes if annotations is None else annotations.classes)]
    choices = "\n".join(f"    <Choice value={quoteattr(c)}/>" for c in classes)
    return (
        "<View>\n"
        '  <Header value="Given label" size="6"/>\n'
        '  <Header value="$given_label" size="4"/>\n'
        f'  <{tag} name="{key}" value="${key}"/>\n'
        f'  <Choices name="{CONTROL_NAME}" toName="{key}" choice="single" showInline="true">\n'
        f"{choices}\n"
        "  </Choices>\n"
        "</View>\n"
    )


def _annotation_time(annotation: dict[str, Any]) -> pd.Timestamp:
    stamp = annotation.get("updated_at") or annotation.get("created_at")
    if not stamp:
        return pd.Timestamp(0, tz="UTC")
    parsed = pd.Timestamp(stamp)
    return parsed.tz_localize("UTC") if parsed.tzinfo is None else parsed.tz_convert("UTC")


def _choice(annotation: dict[str, Any], from_name: str, where: str) -> str | None:
    picked = [
        r.get("value", {}).get("choices", [])
        for r in annotation.get("result", [])
        if r.get("type") == "choices" and r.get("from_name") == from_name
    ]
    choices = [c for group in picked for c in group]
    if len(choices) > 1:
        raise ValueError(
            f"{where}: {len(choices)} choices {choices} for {from_name!r}, expected one"
        )
    return choices[0] if choices else None


def read_label_studio(
    path: str | os.PathLike[str], *, from_name: str = CONTROL_NAME
) -> pd.DataFrame:
    """Corrections from a Label Studio JSON export of tasks made by ``lens.export``.

    Per task, the latest annotation (by ``updated_at``, else ``created_at``)
    that was not cancelled and has a choice in the ``from_name`` control is
    taken; tasks without one are skipped. The sample id comes from
    ``data.sample_id``; when several tasks share it, the latest annotation wins.

    Returns a DataFrame indexed by ``id`` with columns ``given_label``
    (from the task data), ``corrected_label`` (the choice, as text),
    ``changed`` (they differ), ``annotator`` (``completed_by``) and ``time``.
    Apply it with ``lens.relabel(fixes.index, fixes["corrected_label"])``
    (text labels find their class: ``"7"`` is class ``7``).

    >>> fixes = read_label_studio("project-1-at-2024-05-01.json")  # doctest: +SKIP
    """
    try:
        with open(path, encoding="utf-8") as handle:
            tasks = json.load(handle)
    except json.JSONDecodeError as exc:
        raise ValueError(f"{os.fspath(path)}: not valid JSON ({exc})") from None
    if not isinstance(tasks, list):
        raise ValueError(
            f"{os.fspath(path)}: expected Label Studio's JSON export (a list of tasks), "
            f"got a {type(tasks).__name__}"
        )
    rows: dict[Any, dict[str, Any]] = {}
    for number, task in enumerate(tasks):
        task_id = task.get("id", number) if isinstance(task, dict) else number
        where = f"{os.fspath(path)}: task {task_id}"
        if not isinstance(task, dict) or not isinstance(task.get("data"), dict):
            raise ValueError(f"{where} has no 'data' object; expected Label Studio's JSON export")
        data = task["data"]
        if "sample_id" not in data:
            raise ValueError(f"{where} has no data.sample_id; was it exported by nbdatalens?")
        done = [a for a in task.get("annotations", []) if not a.get("was_cancelled")]
        for annotation in sorted(done, key=_annotation_time, reverse=True):
            choice = _choice(annotation, from_name, where)
            if choice is None:
                continue
            when = _annotation_time(annotation)
            sample = data["sample_id"]
            if sample not in rows or rows[sample]["time"] < when:
                rows[sample] = {
                    "given_label": data.get("given_label"),
                    "corrected_label": choice,
                    "annotator": annotation.get("completed_by"),
                    "time": when,
                }
            break
    frame = pd.DataFrame.from_dict(
        rows, orient="index", columns=["given_label", "corrected_label", "annotator", "time"]
    )
    frame.index.name = "id"
    given = frame["given_label"].astype(object)
    frame.insert(
        2, "changed", given.isna() | (given.astype(str) != frame["corrected_label"].astype(str))
    )
    frame["time"] = pd.to_datetime(frame["time"], utc=True)
    return frame
