"""Reading PyTorch batches and reducing their predictions into one epoch, on the device.

The machinery behind :mod:`nbdatalens.integrations.torch`: where a batch keeps
its ids and inputs, how model outputs become class probabilities, and the
per-epoch buffers that check every sample came exactly once before handing the
epoch to the recorder.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, Literal

import numpy as np

from nbdatalens.dynamics import TrainingDynamics
from nbdatalens.probability import SUM_TOLERANCE

if TYPE_CHECKING:
    import torch

Outputs = Literal["logits", "probs"]
BatchPart = int | str | Callable[[Any], Any] | None

_ID_KEYS = ("id", "index")
_INPUT_KEYS = ("x", "input", "inputs")
TUPLE_HINT = (
    "The last element of a tuple batch is read as the sample ids; if the batches are "
    "(x, y), wrap the dataset in WithIndex(dataset) or pass ids_from=."
)


def load_torch() -> Any:
    """The torch module, imported on first use, with an install hint when it is missing."""
    try:
        import torch
    except ImportError as err:  # pragma: no cover - depends on the environment
        raise ImportError(
            "nbdatalens.integrations.torch needs PyTorch: pip install 'nbdatalens[torch]'"
        ) from err
    return torch


def check_outputs(outputs: str) -> None:
    """Refuse anything but ``"logits"`` or ``"probs"``."""
    if outputs not in ("logits", "probs"):
        raise ValueError(f"outputs must be 'logits' or 'probs', got {outputs!r}")


def batch_part(batch: Any, source: BatchPart, what: str) -> Any:
    """The ids or the model inputs of one batch, as ``ids_from`` / ``inputs_from`` say."""
    if callable(source):
        return source(batch)
    if isinstance(batch, Mapping):
        if source is None:
            candidates = _ID_KEYS if what == "ids" else _INPUT_KEYS
            source = next((key for key in candidates if key in batch), None)
            if source is None:
                raise ValueError(
                    f"batch is a dict with keys {list(batch)[:10]} but none of "
                    f"{list(candidates)} for the {what}; pass {what}_from='<key>'"
                )
        elif source not in batch:
            raise ValueError(f"{what}_from={source!r} is not a key of the batch {list(batch)[:10]}")
        return batch[source]
    if isinstance(batch, tuple | list):
        if source is None:
            if len(batch) < 2:
                raise ValueError(
                    "batches have a single part, so they carry no sample ids; "
                    "wrap the dataset in WithIndex(dataset)"
                )
            source = -1 if what == "ids" else 0
        if not isinstance(source, int):
            raise TypeError(f"{what}_from must be an int for tuple batches, got {source!r}")
        return batch[source]
    raise TypeError(
        f"batches must be tuples, lists or dicts, got {type(batch).__name__}; pass "
        "ids_from= and inputs_from= callables that take a batch"
    )


def to_device(value: Any, device: torch.device) -> Any:
    """Move a tensor, or the tensors in a dict / tuple / list, to ``device``."""
    torch = load_torch()
    if isinstance(value, torch.Tensor):
        return value.to(device, non_blocking=True)
    if isinstance(value, Mapping):
        return {key: to_device(item, device) for key, item in value.items()}
    if isinstance(value, tuple | list):
        return type(value)(to_device(item, device) for item in value)
    return value


def model_scores(output: Any) -> torch.Tensor:
    """The class-score tensor of a model's output (a tensor, or an object with ``.logits``)."""
    torch = load_torch()
    if isinstance(output, torch.Tensor):
        return output
    logits = getattr(output, "logits", None)  # e.g. Hugging Face model outputs
    if isinstance(logits, torch.Tensor):
        return logits
    raise TypeError(
        f"the model returned {type(output).__name__}; expected a (batch, classes) tensor "
        "of scores or an object with .logits"
    )


def ids_array(ids: Any) -> np.ndarray:
    """A batch's ids as a host numpy array (a tensor on a GPU is copied back)."""
    torch = load_torch()
    if isinstance(ids, torch.Tensor):
        return ids.detach().cpu().numpy()
    return np.asarray(ids)


class EpochBuffers:
    """One epoch's predictions, reduced and kept on the model's device until the epoch ends."""

    def __init__(self, recorder: TrainingDynamics, device: torch.device) -> None:
        torch = load_torch()
        n = recorder.n_samples
        self.recorder = recorder
        self.device = device
        self.n_classes = len(recorder.classes)
        self.counts = torch.zeros(n, dtype=torch.int32, device=device)
        # A running total on the device: checking it per batch would wait for the GPU.
        self.not_probs = torch.zeros((), dtype=torch.int64, device=device)
        self.full = self.given = self.correct = self.labels = self.pred = None
        if recorder.keeps_full:
            self.full = torch.zeros((n, self.n_classes), dtype=torch.float32, device=device)
        else:
            # astype copies: torch refuses to share the recorder's read-only array.
            self.labels = torch.from_numpy(recorder.label_codes.astype(np.int64)).to(device)
            self.given = torch.full((n,), float("nan"), dtype=torch.float32, device=device)
            self.correct = torch.zeros(n, dtype=torch.bool, device=device)
            # The argmax class too (int32: N x 4 bytes on the device), for the per-epoch views.
            self.pred = torch.zeros(n, dtype=torch.int32, device=device)

    def _probabilities(self, scores: torch.Tensor, outputs: Outputs) -> torch.Tensor:
        torch = load_torch()
        scores = scores.detach().to(self.device, torch.float32)
        single = scores.ndim == 1 or (scores.ndim == 2 and scores.shape[1] == 1)
        if single and self.n_classes == 2:
            # One score per sample is a binary model's positive class (e.g. BCEWithLogitsLoss).
            positive = scores.reshape(-1)
            positive = torch.sigmoid(positive) if outputs == "logits" else positive
            return torch.stack([1 - positive, positive], dim=1)
        if scores.ndim != 2 or scores.shape[1] != self.n_classes:
            raise ValueError(
                f"the model's outputs have shape {tuple(scores.shape)} but the recorder has "
                f"{self.n_classes} classes; expected (batch, {self.n_classes})"
            )
        if outputs == "logits":
            return torch.softmax(scores, dim=1)
        bad_rows = (scores < 0).any(dim=1) | ((scores.sum(dim=1) - 1).abs() > SUM_TOLERANCE)
        self.not_probs += bad_rows.sum()
        return scores

    def add(self, scores: torch.Tensor, ids: Any, outputs: Outputs) -> None:
        torch = load_torch()
        try:
            found = self.recorder.positions(ids_array(ids))
        except (TypeError, ValueError) as err:
            raise type(err)(f"{err}. {TUPLE_HINT}") from err
        probs = self._probabilities(scores, outputs)
        if probs.shape[0] != found.shape[0]:
            raise ValueError(
                f"the model returned {probs.shape[0]} rows for a batch of {found.shape[0]} ids"
            )
        positions = torch.from_numpy(found).to(self.device, non_blocking=True)
        self.counts.index_add_(0, positions, torch.ones_like(positions, dtype=torch.int32))
        if self.full is not None:
            self.full[positions] = probs
            return
        codes = self.labels[positions]
        self.given[positions] = probs.gather(1, codes[:, None])[:, 0]
        top = probs.argmax(dim=1)
        self.correct[positions] = top == codes
        self.pred[positions] = top.to(torch.int32)

    def _describe(self, positions: np.ndarray) -> str:
        shown = positions[:5]
        text = f"e.g. positions {shown.tolist()}"
        if self.recorder.index is not None:
            text += f", ids {self.recorder.index[shown].tolist()}"
        return text

    def commit(self, epoch: int, source: str, missing_hint: str, repeat_hint: str) -> None:
        """Check every sample was seen exactly once, then hand the epoch to the recorder."""
        torch = load_torch()
        counts = self.counts.cpu().numpy()
        repeated = np.flatnonzero(counts > 1)
        if repeated.size:
            raise ValueError(
                f"epoch {epoch}: {repeated.size} samples appeared more than once in {source} "
                f"({self._describe(repeated)}); ids must be unique per epoch. {repeat_hint}"
            )
        missing = np.flatnonzero(counts == 0)
        if missing.size:
            raise ValueError(
                f"epoch {epoch}: {missing.size} of {counts.size} samples never appeared in "
                f"{source} ({self._describe(missing)}). {missing_hint}"
            )
        # Non-finite outputs leave NaN / inf in the buffers (softmax spreads a NaN
        # over its row), so one check here replaces a check per batch.
        stored = self.full if self.full is not None else self.given[:, None]
        non_finite = int((~torch.isfinite(stored).all(dim=1)).sum())
        if non_finite:
            raise ValueError(
                f"epoch {epoch}: the model's outputs contain NaN or infinite values in "
                f"{non_finite} rows (has training diverged?)"
            )
        if int(self.not_probs) > 0:
            raise ValueError(
                f"epoch {epoch}: outputs='probs' but {int(self.not_probs)} output rows are not "
                "probabilities (negative, or not summing to 1); if the model returns logits, "
                "use outputs='logits'"
            )
        if self.full is not None:
            self.recorder.record(epoch, self.full.cpu().numpy())
        else:
            self.recorder.record_given(
                epoch,
                self.given.cpu().numpy(),
                self.correct.cpu().numpy(),
                pred=self.pred.cpu().numpy(),
            )
