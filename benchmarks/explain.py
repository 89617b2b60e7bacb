"""Grad-CAM speed and memory on mobilenet_classifier at 224x224.

Side by side in one process: Grad-CAM batched (32 images a call) and one image a call, against
one plain forward+backward pass as the floor, in images per second; then the process's
resident memory after 10 and after 1,000 single-image calls.

    python benchmarks/explain.py
    python benchmarks/explain.py --calls 200      # quicker memory check
"""

from __future__ import annotations

import argparse
import os
import platform
import resource
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import keras
import numpy as np
import tensorflow as tf

from mammokit.explain import find_last_conv_layer, grad_cam
from mammokit.models import mobilenet_classifier


def rss_mib() -> float:
    """Current resident set size (Linux), in MiB."""
    with open("/proc/self/statm") as handle:
        pages = int(handle.read().split()[1])
    return pages * resource.getpagesize() / 2**20


def rate(function, n_images: int, repeats: int) -> float:
    function()  # warm up: tracing, first allocations
    start = time.perf_counter()
    for _ in range(repeats):
        function()
    return repeats * n_images / (time.perf_counter() - start)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=224)
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--calls", type=int, default=1000, help="single-image calls for memory")
    args = parser.parse_args()
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} CPU cores, TensorFlow {tf.__version__}, "
        f"Keras {keras.__version__}, GPUs: {len(tf.config.list_physical_devices('GPU'))}"
    )
    keras.utils.set_random_seed(0)
    model = mobilenet_classifier(input_shape=(args.size, args.size, 3), weights=None)
    rng = np.random.default_rng(0)
    batch = rng.uniform(0, 255, (args.batch_size, args.size, args.size, 3)).astype("float32")
    layer = model.get_layer(find_last_conv_layer(model))
    features = keras.Model(model.inputs, [layer.output, model.output])

    @tf.function
    def forward_backward(images):
        with tf.GradientTape() as tape:
            maps, probabilities = features(images)
            score = tf.reduce_sum(tf.reduce_max(probabilities, axis=1))
        return tape.gradient(score, maps)

    floor = rate(lambda: forward_backward(batch), len(batch), args.repeats)
    batched = rate(lambda: grad_cam(model, batch, method="gradcam"), len(batch), args.repeats)
    single = rate(lambda: grad_cam(model, batch[:1], method="gradcam"), 1, args.repeats * 4)
    print(f"{'contender':<34}{'img/s':>8}{'vs floor':>10}")
    for name, value in (
        ("forward+backward (floor)", floor),
        (f"grad_cam batched ({args.batch_size} a call)", batched),
        ("grad_cam one image a call", single),
    ):
        print(f"{name:<34}{value:>8.1f}{value / floor:>10.2f}")
    print(f"batched / one a call: {batched / single:.2f}")

    for _ in range(10):
        grad_cam(model, batch[:1], method="gradcam")
    after_10 = rss_mib()
    for _ in range(args.calls - 10):
        grad_cam(model, batch[:1], method="gradcam")
    after_all = rss_mib()
    print(
        f"memory after 10 calls: {after_10:.0f} MiB, after {args.calls}: {after_all:.0f} MiB "
        f"({(after_all / after_10 - 1) * 100:+.1f}%)"
    )


if __name__ == "__main__":
    main()
