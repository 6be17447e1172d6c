"""Training dynamics from a PyTorch training loop.

Two ways to record, both filling a :class:`~nbdatalens.dynamics.TrainingDynamics`:

- :func:`record_epoch` runs the model over a loader after an epoch, in eval
  mode and without gradients: the predictions the data map is defined on
  (one extra forward pass over the data per epoch).
- :class:`OnTheFlyRecorder` takes the logits the training batches already
  computed (``hook.update(logits, ids)`` per batch, ``hook.end_epoch()`` per
  epoch): no extra forward pass, but noisier. Each sample is scored by the
  model as it was when its batch came up (earlier batches by older weights),
  in train mode (dropout on, batch-norm batch statistics), before that batch's
  own update. Swayamdipta et al. (2020) discuss this cheaper variant too.

Batches must say which samples they hold: ``(x, y, ids)`` tuples (the last
element is read as the ids), dicts with an ``"id"`` or ``"index"`` key, or any
dataset wrapped in :class:`WithIndex`, which appends each sample's position.

Predictions are reduced on the model's device as they arrive: with a recorder
built with ``labels=`` only the given-label probability and correctness (N
floats and N bools) are kept and copied to the host, once per epoch. Torch is
imported only when a function here runs, never by ``import nbdatalens``.

Example:
    >>> loader = DataLoader(WithIndex(train_set), batch_size=64, shuffle=True)
    >>> rec = TrainingDynamics(len(train_set), classes=list(range(10)), labels=y_train)
    >>> for epoch in range(10):
    ...     for x, y, ids in loader:
    ...         ...  # forward, loss, backward, step
    ...     record_epoch(rec, model, loader, epoch)
    >>> DataLens(df, dynamics=rec).show()
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

from nbdatalens.dynamics import TrainingDynamics
from nbdatalens.integrations._torch_epoch import (
    BatchPart,
    EpochBuffers,
    Outputs,
    batch_part,
    check_outputs,
    load_torch,
    model_scores,
    to_device,
)

if TYPE_CHECKING:
    import torch

__all__ = ["OnTheFlyRecorder", "WithIndex", "record_epoch"]


class WithIndex:
    """A map-style dataset that appends each sample's position to its item.

    ``dataset[i]`` giving ``(x, y)`` becomes ``(x, y, i)``, a single ``x``
    becomes ``(x, i)`` and a dict gains an ``"index"`` key, so a ``DataLoader``
    over it yields the positions (as a tensor) with every batch, shuffled or not.

    Example:
        >>> loader = DataLoader(WithIndex(TensorDataset(X, y)), batch_size=64, shuffle=True)
        >>> x, y, ids = next(iter(loader))
    """

    def __init__(self, dataset: Any) -> None:
        if not (hasattr(dataset, "__getitem__") and hasattr(dataset, "__len__")):
            raise TypeError(
                f"dataset must support len() and indexing (a map-style dataset), "
                f"got {type(dataset).__name__}"
            )
        self.dataset = dataset

    def __len__(self) -> int:
        return len(self.dataset)

    def __getitem__(self, position: int) -> Any:
        item = self.dataset[position]
        if isinstance(item, Mapping):
            if "index" in item:
                raise ValueError(
                    "dataset items already have an 'index' key; read the ids from it "
                    "(ids_from='index') instead of wrapping the dataset in WithIndex"
                )
            return {**item, "index": position}
        if isinstance(item, tuple | list):
            return (*item, position)
        return (item, position)


def _check_recorder(recorder: Any) -> None:
    if not isinstance(recorder, TrainingDynamics):
        raise TypeError(f"recorder must be a TrainingDynamics, got {type(recorder).__name__}")


def _model_device(model: Any) -> torch.device:
    torch = load_torch()
    for parameter in model.parameters():
        return parameter.device
    return torch.device("cpu")


def record_epoch(
    recorder: TrainingDynamics,
    model: torch.nn.Module,
    loader: Iterable[Any],
    epoch: int,
    *,
    device: torch.device | str | None = None,
    outputs: Outputs = "logits",
    ids_from: BatchPart = None,
    inputs_from: BatchPart = None,
) -> None:
    """Record the model's probabilities for every sample in ``loader`` as ``epoch``.

    Runs ``model(inputs)`` over the whole loader in eval mode under
    ``torch.no_grad()``, then puts every submodule back in the train/eval mode
    it was in. The loader may shuffle; it must hold every sample of the
    recorder exactly once (no ``drop_last``, no subsampling sampler).

    Args:
        recorder: the recorder to fill; its classes follow the model's output columns.
        model: returns ``(batch, classes)`` scores (or one score per sample for
            a binary recorder), or an object with ``.logits``.
        loader: batches as ``(x, ..., ids)`` tuples, dicts with an ``"id"`` /
            ``"index"`` key, or from a :class:`WithIndex` dataset.
        epoch: the epoch number (increasing over calls).
        device: where to run the model; default: where its parameters are.
        outputs: ``"logits"`` (softmax applied) or ``"probs"`` (model already
            returns probabilities; checked).
        ids_from: where a batch keeps its ids: tuple position, dict key, or a
            callable taking the batch. Default: the last element, or ``"id"`` /
            ``"index"``.
        inputs_from: the same for the model inputs. Default: the first element,
            or ``"x"`` / ``"input"`` / ``"inputs"``.

    Raises:
        ValueError: a sample is missing from or repeated in the loader, the
            outputs have the wrong width or are not finite.
    """
    torch = load_torch()
    _check_recorder(recorder)
    check_outputs(outputs)
    target = torch.device(device) if device is not None else _model_device(model)
    buffers = EpochBuffers(recorder, target)
    modes = [(module, module.training) for module in model.modules()]
    model.eval()
    try:
        with torch.no_grad():
            for batch in loader:
                inputs = to_device(batch_part(batch, inputs_from, "inputs"), target)
                ids = batch_part(batch, ids_from, "ids")
                buffers.add(model_scores(model(inputs)), ids, outputs)
    finally:
        # Restore module by module: a model may keep some parts (e.g. frozen
        # batch norm) in eval mode while training the rest.
        for module, mode in modes:
            module.training = mode
    buffers.commit(
        epoch,
        "the loader",
        "record_epoch needs a loader over every sample: drop_last=False, no subsampling sampler.",
        "Use a loader without replacement (no WeightedRandomSampler) for recording.",
    )


class OnTheFlyRecorder:
    """Record the probabilities the training batches produce, as they go (cheap, noisy).

    Call :meth:`update` with each training batch's logits and ids, and
    :meth:`end_epoch` once every sample has passed. No extra forward pass is
    needed, but each sample is scored by the model of the moment, in train
    mode, before its own update; see the module docstring. Prefer
    :func:`record_epoch` when an evaluation pass per epoch is affordable.

    Args:
        recorder: the recorder to fill.
        outputs: ``"logits"`` (default) or ``"probs"``.
        first_epoch: the number of the first epoch; default: one after the
            recorder's last epoch, or 0.

    Example:
        >>> hook = OnTheFlyRecorder(rec)
        >>> for epoch in range(10):
        ...     for x, y, ids in loader:
        ...         logits = model(x)
        ...         loss = F.cross_entropy(logits, y)
        ...         hook.update(logits, ids)
        ...         ...  # backward, step
        ...     hook.end_epoch()
    """

    def __init__(
        self,
        recorder: TrainingDynamics,
        *,
        outputs: Outputs = "logits",
        first_epoch: int | None = None,
    ) -> None:
        _check_recorder(recorder)
        check_outputs(outputs)
        if first_epoch is None:
            first_epoch = recorder.epochs[-1] + 1 if recorder.epochs else 0
        elif isinstance(first_epoch, bool) or not isinstance(first_epoch, int):
            raise TypeError(f"first_epoch must be an int, got {type(first_epoch).__name__}")
        self.recorder = recorder
        self.outputs: Outputs = outputs
        self._epoch = int(first_epoch)
        self._buffers: EpochBuffers | None = None

    @property
    def epoch(self) -> int:
        """The number the epoch in progress will be recorded under."""
        return self._epoch

    def update(self, outputs: Any, ids: Any) -> None:
        """Take one training batch's model outputs (detached here) and its sample ids."""
        torch = load_torch()
        scores = model_scores(outputs)
        with torch.no_grad():
            if self._buffers is None:
                self._buffers = EpochBuffers(self.recorder, scores.device)
            self._buffers.add(scores, ids, self.outputs)

    def end_epoch(self) -> int:
        """Hand the finished epoch to the recorder and return its number.

        Raises:
            ValueError: a sample was never seen in this epoch (e.g. the loader
                drops its last partial batch) or seen twice.
        """
        if self._buffers is None:
            raise ValueError(f"end_epoch(): no update() since the start of epoch {self._epoch}")
        buffers, self._buffers = self._buffers, None
        buffers.commit(
            self._epoch,
            "the training batches",
            "A loader with drop_last=True leaves the last partial batch out: use "
            "drop_last=False, or record_epoch() after the epoch.",
            "A sampler with replacement repeats samples within an epoch; on-the-fly recording "
            "needs each sample once, so use record_epoch() instead.",
        )
        done = self._epoch
        self._epoch += 1
        return done

    def __repr__(self) -> str:
        state = "idle" if self._buffers is None else "collecting"
        return f"OnTheFlyRecorder(epoch={self._epoch}, {state}, outputs={self.outputs!r})"
