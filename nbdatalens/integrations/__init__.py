"""Record training dynamics from the training loops of common frameworks.

Each framework lives in its own module and is imported only when asked for,
so ``import nbdatalens`` never pulls in torch or keras:

- :mod:`nbdatalens.integrations.sklearn`: ``record_sklearn`` (``partial_fit``,
  warm start or staged predictions, whichever the estimator supports).
- :mod:`nbdatalens.integrations.torch`: ``record_epoch`` (an evaluation pass at
  epoch end), ``OnTheFlyRecorder`` (the training batches' own logits) and
  ``WithIndex`` (a dataset wrapper that adds each sample's position).
- :mod:`nbdatalens.integrations.keras`: ``DataMapCallback`` for Keras 3 on any
  backend.

All of them fill a :class:`nbdatalens.TrainingDynamics` recorder, which
``DataLens(df, dynamics=recorder)`` reads.
"""
