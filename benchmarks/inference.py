"""Inference speed of mobilenet_classifier at 224x224 on this CPU, and int8 accuracy.

Side by side in one process (img/s and ratio to Keras ``predict`` one image per call):
Keras ``model.predict`` one image per call and in batches of 32, mammokit's ``Predictor`` on
the ``.keras`` file, TFLite float32 and int8, and ONNX Runtime, one image per call.

With ``--trained MODEL.keras --data DATASET`` it also converts that trained model to int8
(calibrated on the training part) and compares it with float32 TFLite on the test part of the
same patient split: top-1 agreement and accuracy of each.

    python benchmarks/inference.py
    python benchmarks/inference.py --trained demo-out/cnn.keras --data demo-out/data
"""

from __future__ import annotations

import argparse
import os
import platform
import tempfile
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import keras
import numpy as np
import tensorflow as tf

from mammokit.datasets import load_records, split_by_patient
from mammokit.export import Predictor, to_onnx, to_tflite
from mammokit.models import load_model, mobilenet_classifier
from mammokit.records import label_indices


def rate(function, images: np.ndarray, batch: int, seconds: float = 4.0) -> float:
    function(images[:batch])  # warm up
    done, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        for i in range(0, len(images), batch):
            function(images[i : i + batch])
            done += len(images[i : i + batch])
    return done / (time.perf_counter() - start)


def speed(folder: Path, size: int) -> None:
    keras.utils.set_random_seed(0)
    model = mobilenet_classifier(input_shape=(size, size, 3), weights=None)
    images = np.random.default_rng(0).uniform(0, 255, (64, size, size, 3)).astype("float32")
    model.save(folder / "m.keras")
    to_tflite(model, folder / "m.tflite")
    to_tflite(model, folder / "m.int8.tflite", "int8", representative_data=images[:32])
    to_onnx(model, folder / "m.onnx")
    contenders = {
        "Keras predict, 1 image a call": (lambda x: model.predict(x, verbose=0), 1),
        "Keras predict, batch 32": (lambda x: model.predict(x, verbose=0), 32),
        "Predictor .keras, 1 image": (Predictor(folder / "m.keras").predict, 1),
        "Predictor TFLite fp32, 1 image": (Predictor(folder / "m.tflite").predict, 1),
        "Predictor TFLite int8, 1 image": (Predictor(folder / "m.int8.tflite").predict, 1),
        "Predictor ONNX Runtime, 1 image": (Predictor(folder / "m.onnx").predict, 1),
    }
    results = {name: rate(run, images, batch) for name, (run, batch) in contenders.items()}
    base = results["Keras predict, 1 image a call"]
    print(f"mobilenet_classifier(alpha=1.0) at {size}x{size}, random weights")
    print(f"{'contender':<34}{'img/s':>9}{'vs Keras 1':>12}")
    for name, value in results.items():
        print(f"{name:<34}{value:>9.1f}{value / base:>12.2f}")
    fp32, int8 = (
        results["Predictor TFLite fp32, 1 image"],
        results["Predictor TFLite int8, 1 image"],
    )
    print(f"TFLite int8 / fp32: {int8 / fp32:.2f}")
    megabytes = {p.name: p.stat().st_size / 2**20 for p in folder.iterdir() if p.is_file()}
    print(
        f"file sizes: TFLite fp32 {megabytes['m.tflite']:.1f} MiB, int8 "
        f"{megabytes['m.int8.tflite']:.1f} MiB, ONNX {megabytes['m.onnx']:.1f} MiB"
    )


def int8_accuracy(folder: Path, trained: Path, data: Path, seed: int) -> None:
    from mammokit.datasets import to_tf_dataset

    model = load_model(trained)
    train, _, test = split_by_patient(load_records(data), 0.15, 0.15, seed)
    fp32 = Predictor(to_tflite(model, folder / "t.tflite"))
    int8 = Predictor(to_tflite(model, folder / "t.int8.tflite", "int8", representative_data=train))
    height, width, channels = fp32.input_shape
    images = np.concatenate(
        [x.numpy() for x, _ in to_tf_dataset(test, (height, width), 32, channels=channels)]
    )
    truth = label_indices(test)
    a, b = fp32.predict(images).argmax(1), int8.predict(images).argmax(1)
    print(
        f"{trained} on {len(test)} test images: int8/fp32 top-1 agreement {np.mean(a == b):.1%}, "
        f"accuracy fp32 {np.mean(a == truth):.1%}, int8 {np.mean(b == truth):.1%}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=224)
    parser.add_argument("--trained", type=Path, default=None, help="a trained .keras model")
    parser.add_argument("--data", type=Path, default=None, help="its dataset (for --trained)")
    parser.add_argument("--seed", type=int, default=0, help="seed of the patient split")
    args = parser.parse_args()
    print(f"machine: {platform.machine()}, {os.cpu_count()} CPU cores, TensorFlow {tf.__version__}")
    with tempfile.TemporaryDirectory() as folder:
        speed(Path(folder), args.size)
        if args.trained:
            int8_accuracy(Path(folder), args.trained, args.data, args.seed)


if __name__ == "__main__":
    main()
