"""Train, evaluate and save one classifier with everything written to one folder.

The shared core of ``mammokit demo`` and ``mammokit train``; usable from Python too.
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import keras
import numpy as np
import pandas as pd
import tensorflow as tf

from mammokit.datasets import CLASSES, class_weights
from mammokit.datasets.records import label_indices
from mammokit.errors import MammokitError
from mammokit.metrics import evaluation_report, plot_confusion_matrix
from mammokit.training import compile_classifier, fit, plot_history

__all__ = ["evaluate_model", "train_and_evaluate"]


def train_and_evaluate(
    model: keras.Model,
    train_records: pd.DataFrame,
    train_data: tf.data.Dataset,
    val_data: tf.data.Dataset,
    test_records: pd.DataFrame,
    test_data: tf.data.Dataset,
    out_dir: str | os.PathLike,
    name: str = "model",
    epochs: int = 30,
    patience: int = 5,
    learning_rate: float = 1e-3,
    batch_size: int = 32,
    verbose: int | str = "auto",
) -> dict:
    """Compile with class weights, train with early stopping, evaluate on the test part.

    Writes ``<name>.keras``, ``<name>_training.png``, ``<name>_confusion.png`` and
    ``<name>_history.csv`` into ``out_dir``.

    Returns
    -------
    dict
        ``accuracy``, ``epochs``, ``train_seconds`` and the full ``evaluation``
        (:func:`mammokit.metrics.evaluation_report`).

    Examples
    --------
    >>> import tempfile
    >>> from mammokit.datasets import make_synthetic, read_mini_ddsm, to_tf_dataset
    >>> from mammokit.models import cnn_classifier
    >>> folder = tempfile.mkdtemp()
    >>> records = read_mini_ddsm(make_synthetic(folder, n_patients=3, image_size=(64, 48)))
    >>> data = to_tf_dataset(records, (32, 32), 4, channels=1)
    >>> model = cnn_classifier(input_shape=(32, 32, 1), filters=(4,))
    >>> entry = train_and_evaluate(model, records, data, data, records, data, folder, "cnn",
    ...                            epochs=1, verbose=0)
    >>> entry["epochs"], sorted(entry["evaluation"]["per_class"])
    (1, ['Benign', 'Cancer', 'Normal'])
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    steps = epochs * -(-len(train_records) // batch_size)
    compile_classifier(model, class_weights(train_records), learning_rate, decay_steps=steps)
    tic = time.perf_counter()
    history = fit(
        model,
        train_data,
        val_data,
        epochs=epochs,
        patience=patience,
        verbose=verbose,
        callbacks=[keras.callbacks.CSVLogger(str(out / f"{name}_history.csv"))],
    )
    seconds = time.perf_counter() - tic
    plot_history(history, out / f"{name}_training.png", title=name)
    model.save(out / f"{name}.keras")
    evaluation = evaluate_model(model, test_records, test_data, out, name)
    return {
        "accuracy": evaluation["accuracy"],
        "epochs": len(history.history["loss"]),
        "train_seconds": round(seconds, 1),
        "evaluation": evaluation,
    }


def evaluate_model(
    model: keras.Model,
    records: pd.DataFrame,
    data: tf.data.Dataset,
    out_dir: str | os.PathLike,
    name: str = "model",
) -> dict:
    """Predict ``data`` (built from ``records`` without shuffling) and write the evaluation.

    Writes ``<name>_confusion.png`` and ``<name>_report.json`` into ``out_dir`` and returns the
    report of :func:`mammokit.metrics.evaluation_report`, with each image's probabilities
    under ``"predictions"`` in the JSON file.

    Examples
    --------
    >>> import tempfile, json, os
    >>> from mammokit.datasets import make_synthetic, read_mini_ddsm, to_tf_dataset
    >>> from mammokit.models import cnn_classifier
    >>> folder = tempfile.mkdtemp()
    >>> records = read_mini_ddsm(make_synthetic(folder, n_patients=3, image_size=(64, 48)))
    >>> model = cnn_classifier(input_shape=(32, 32, 1), filters=(4,))
    >>> report = evaluate_model(model, records, to_tf_dataset(records, (32, 32), 4, channels=1),
    ...                         folder, "check")
    >>> report["n"], len(json.load(open(os.path.join(folder, "check_report.json")))["predictions"])
    (12, 12)
    """
    out = Path(out_dir)
    probabilities = model.predict(data, verbose=0)
    truth = label_indices(records)
    if len(probabilities) != len(truth):
        raise MammokitError(f"{len(probabilities)} predictions for {len(truth)} records")
    report = evaluation_report(truth, probabilities, CLASSES)
    plot_confusion_matrix(
        report["confusion_matrix"],
        CLASSES,
        out / f"{name}_confusion.png",
        title=f"{name}: accuracy {report['accuracy']:.1%} (n = {report['n']})",
    )
    predictions = [
        {"image_path": path, "label": label, "probabilities": np.round(p, 6).tolist()}
        for path, label, p in zip(
            records["image_path"], records["label"], probabilities, strict=True
        )
    ]
    (out / f"{name}_report.json").write_text(
        json.dumps({**report, "predictions": predictions}, indent=2)
    )
    return report
