"""tf.data pipeline throughput against a plain OpenCV loop, on full-size mammogram JPEGs.

Side by side in one process, on the same files (synthetic mammograms saved as 1600x1000 JPEGs,
the size of Mini-DDSM's), each resized to 224x224:

* the baseline: a one-core loop of ``cv2.imread`` (grayscale) and ``cv2.resize``;
* ``to_tf_dataset(preprocess=None)``: read and resize only, as the baseline does;
* ``to_tf_dataset()`` with the default preprocessing (flip to the left, crop to the breast);
* the same with ``cache=True``: first epoch against second epoch.

    python benchmarks/pipeline.py                 # 256 images
    python benchmarks/pipeline.py --images 64     # quicker
"""

from __future__ import annotations

import argparse
import os
import platform
import tempfile
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import cv2
import numpy as np
import tensorflow as tf

from mammokit.datasets import make_records, synthetic_mammogram, to_tf_dataset

SIZE = (224, 224)


def write_images(folder: Path, count: int) -> list[str]:
    paths = []
    for i in range(count):
        sample = synthetic_mammogram(
            ("Normal", "Benign", "Cancer")[i % 3], "LEFT", "CC", (320, 200), seed=i
        )
        big = cv2.resize(
            np.round(sample.image * 255).astype(np.uint8), (1000, 1600), cv2.INTER_CUBIC
        )
        path = folder / f"P{i:04d}_1.LEFT_CC.jpg"
        cv2.imwrite(str(path), big, [cv2.IMWRITE_JPEG_QUALITY, 92])
        paths.append(str(path))
    return paths


def opencv_loop(paths: list[str]) -> float:
    cv2.setNumThreads(1)
    start = time.perf_counter()
    for path in paths:
        image = cv2.imread(path, cv2.IMREAD_GRAYSCALE)
        cv2.resize(image, SIZE, interpolation=cv2.INTER_AREA)
    seconds = time.perf_counter() - start
    cv2.setNumThreads(0)
    return len(paths) / seconds


def epoch_rate(dataset: tf.data.Dataset, count: int) -> float:
    start = time.perf_counter()
    for _ in dataset:
        pass
    return count / (time.perf_counter() - start)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--images", type=int, default=256)
    args = parser.parse_args()
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} CPU cores, TensorFlow {tf.__version__}, "
        f"OpenCV {cv2.__version__}"
    )
    with tempfile.TemporaryDirectory() as folder:
        paths = write_images(Path(folder), args.images)
        records = make_records(
            [
                {"image_path": p, "label": "Normal", "patient_id": Path(p).stem, "side": "LEFT"}
                for p in paths
            ]
        )
        print(f"{args.images} JPEGs of 1600x1000 pixels, resized to {SIZE[0]}x{SIZE[1]}, batch 32")
        opencv_loop(paths[:8])  # warm the page cache and OpenCV
        baseline = opencv_loop(paths)
        plain = epoch_rate(to_tf_dataset(records, SIZE, preprocess=None), len(paths))
        standard = epoch_rate(to_tf_dataset(records, SIZE), len(paths))
        cached = to_tf_dataset(records, SIZE, cache=True)
        first = epoch_rate(cached, len(paths))
        second = epoch_rate(cached, len(paths))
    print(f"{'contender':<44}{'img/s':>9}{'vs loop':>9}")
    for name, value in (
        ("OpenCV read+resize loop, one core", baseline),
        ("to_tf_dataset(preprocess=None)", plain),
        ("to_tf_dataset() (flip + breast crop)", standard),
        ("to_tf_dataset(cache=True), epoch 1", first),
        ("to_tf_dataset(cache=True), epoch 2", second),
    ):
        print(f"{name:<44}{value:>9.1f}{value / baseline:>9.2f}")
    print(f"cached epoch 2 / epoch 1: {second / first:.1f}")


if __name__ == "__main__":
    main()
