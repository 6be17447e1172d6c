"""The table model's annotation messages: tag, relabel, save and export from the page.

Served through the table model's one message dispatcher (beside the data
requests of :mod:`.requests`), so any view of the table can annotate, not only
the selection toolbar. Each message acts on the
table's **current selection**; the browser writes the selection before it
sends the message, on the same comm, so the kernel has it by then. The
message may carry ``expected_count`` (the selected count the page saw): a
mismatch is refused rather than tagging other samples than the user saw.

Messages (replies carry the same ``request_id``; a failure is answered with
``{type: "error", request_id, error}``, like the data requests):

- ``{type: "annotate", action: "tag" | "untag", tag}`` and
  ``{type: "annotate", action: "relabel", label_code}`` (a code in
  ``annotations["classes"]``; -1 removes the correction)
  → ``{type: "annotate", changed, count, message}``
- ``{type: "export", path, format, overwrite}`` → ``{type: "export", path, count}``
  (``path`` absolute; a relative one is taken from the kernel's working directory)
- ``{type: "save_selection", name}`` → ``{type: "save_selection", name, count}``
- ``{type: "restore_selection", name}`` → ``{type: "restore_selection", name, count}``
- ``{type: "delete_selection", name}`` → ``{type: "delete_selection", name}``
"""

from __future__ import annotations

import pathlib
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ..annotations import Annotations
    from ..table import SampleTable
    from .requests import Reply

#: ``export(path, format, overwrite)`` of the selection: the lens' own export, so the
#: page writes exactly what ``lens.export`` would.
Exporter = Callable[[str, "str | None", bool], pathlib.Path]

MESSAGE_TYPES = ("annotate", "export", "save_selection", "restore_selection", "delete_selection")


def _plural(n: int) -> str:
    return f"{n:,} sample" + ("" if n == 1 else "s")


class AnnotationRequests:
    """Serves one table model's annotation messages."""

    def __init__(self, table: SampleTable, annotations: Annotations, export: Exporter) -> None:
        self.table = table
        self.annotations = annotations
        self.export = export

    def handlers(self) -> dict[str, Callable[[dict[str, Any]], Reply]]:
        """Message type → handler, for the table model's dispatcher."""
        return {kind: self._replying(getattr(self, f"_{kind}")) for kind in MESSAGE_TYPES}

    @staticmethod
    def _replying(fn: Callable[[dict[str, Any]], dict[str, Any]]) -> Callable[..., Reply]:
        return lambda content: (fn(content), [])

    def _selection(self, content: dict[str, Any]) -> Any:
        positions = self.table.selection
        if len(positions) == 0:
            raise ValueError("nothing selected: select samples in a view first")
        expected = content.get("expected_count")
        if expected is not None and int(expected) != len(positions):
            raise ValueError(
                f"the selection changed ({len(positions):,} selected in the kernel, "
                f"{int(expected):,} in the page); try again"
            )
        return positions

    def _annotate(self, content: dict[str, Any]) -> dict[str, Any]:
        positions = self._selection(content)
        action = content.get("action")
        if action in ("tag", "untag"):
            tag = content.get("tag")
            if action == "tag":
                changed = self.annotations.tag(positions, tag)
                message = f"tagged {_plural(changed)} {tag.strip()}"
            else:
                changed = self.annotations.untag(positions, tag)
                message = f"removed {tag.strip()} from {_plural(changed)}"
        elif action == "relabel":
            code = int(content.get("label_code", -1))
            classes = self.annotations.classes
            if code >= len(classes) or code < -1:
                raise ValueError(f"label_code {code} is not a class code (0..{len(classes) - 1})")
            label = None if code < 0 else classes[code]
            changed = self.annotations.relabel(positions, label)
            message = (
                f"removed the correction of {_plural(changed)}"
                if label is None
                else f"relabeled {_plural(changed)} as {label}"
            )
        else:
            raise ValueError(f"unknown annotate action {action!r}")
        return {"changed": changed, "count": len(positions), "message": message}

    def _export(self, content: dict[str, Any]) -> dict[str, Any]:
        positions = self._selection(content)
        path = self.export(
            str(content.get("path", "")).strip() or "nbdatalens-selection.csv",
            content.get("format") or None,
            bool(content.get("overwrite", False)),
        )
        return {"path": str(path), "count": len(positions)}

    def _save_selection(self, content: dict[str, Any]) -> dict[str, Any]:
        positions = self._selection(content)
        name = str(content.get("name", ""))
        count = self.annotations.save_selection(name, positions)
        return {"name": name.strip(), "count": count}

    def _restore_selection(self, content: dict[str, Any]) -> dict[str, Any]:
        positions = self.annotations.saved_positions(str(content.get("name", "")))
        self.table.select_positions(positions)
        return {"name": str(content.get("name", "")).strip(), "count": len(positions)}

    def _delete_selection(self, content: dict[str, Any]) -> dict[str, Any]:
        name = str(content.get("name", ""))
        self.annotations.delete_selection(name)
        return {"name": name.strip()}
