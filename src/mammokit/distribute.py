"""Where a run executes: several replicas, several workers, and which process writes.

Needs TensorFlow and Keras only; the training loop (:mod:`mammokit.training`) and the
classifier's logs (:class:`mammokit.models.Classifier`) both ask it. The "Scaling out" docs
page says how to run on several GPUs, machines or a TPU.

Examples
--------
>>> import tensorflow as tf
>>> is_chief(), spans_workers(tf.distribute.get_strategy())
(True, False)
"""

from __future__ import annotations

import contextlib

import keras
import tensorflow as tf

__all__ = ["global_batch_statistics", "is_chief", "spans_workers"]


def is_chief(strategy: tf.distribute.Strategy | None = None) -> bool:
    """Whether this process writes files: always, unless ``strategy`` spans several workers.

    With several workers the chief is the ``chief`` task of ``TF_CONFIG``, or worker 0 when
    the cluster has no chief (TensorFlow's convention).

    Examples
    --------
    >>> is_chief(), is_chief(tf.distribute.get_strategy())
    (True, True)
    """
    if not spans_workers(strategy):
        return True
    resolver = strategy.cluster_resolver
    if resolver.task_type in (None, "chief"):
        return True
    jobs = resolver.cluster_spec().as_dict()
    return "chief" not in jobs and resolver.task_type == "worker" and resolver.task_id == 0


def spans_workers(strategy: tf.distribute.Strategy | None) -> bool:
    """Whether ``strategy`` runs on a cluster of several tasks (``TF_CONFIG``, Slurm...)."""
    resolver = getattr(strategy, "cluster_resolver", None)
    return resolver is not None and bool(resolver.cluster_spec().as_dict())


@contextlib.contextmanager
def global_batch_statistics(model: keras.Model, strategy: tf.distribute.Strategy | None):
    """Synchronise batch normalisation across replicas while training, then restore it.

    With one replica (or no strategy) nothing changes.
    """
    layers = []
    if strategy is not None and strategy.num_replicas_in_sync > 1:
        layers = [
            layer
            for layer in model._flatten_layers()
            if isinstance(layer, keras.layers.BatchNormalization) and not layer.synchronized
        ]
    for layer in layers:
        layer.synchronized = True
    try:
        yield
    finally:
        for layer in layers:
            layer.synchronized = False
