"""Train-step throughput of the CNN and MobileNet at 224x224, with and without XLA.

Runs the contenders side by side in one process and prints images per second and the ratio
XLA / no XLA for each model. Random images are enough: the cost of a train step does not
depend on the pixel values.

    python benchmarks/training.py                 # 224x224, batch 32
    python benchmarks/training.py --steps 5       # quicker, noisier
"""

from __future__ import annotations

import argparse
import os
import platform
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import keras
import numpy as np
import tensorflow as tf

from mammokit.models import cnn_classifier, mobilenet_classifier
from mammokit.training import compile_classifier

BUILDERS = {
    "cnn_classifier": lambda shape: cnn_classifier(input_shape=shape),
    "mobilenet_classifier": lambda shape: mobilenet_classifier(input_shape=shape, weights=None),
}


def images_per_second(build, shape, batch_size: int, steps: int, jit_compile: bool) -> float:
    keras.utils.set_random_seed(0)
    model = compile_classifier(build(shape), jit_compile=jit_compile)
    rng = np.random.default_rng(0)
    images = rng.uniform(0, 255, (batch_size, *shape)).astype("float32")
    labels = np.eye(3, dtype="float32")[rng.integers(0, 3, batch_size)]
    data = tf.data.Dataset.from_tensors((images, labels)).repeat()
    model.fit(data, steps_per_epoch=3, epochs=1, verbose=0, shuffle=False)  # trace and warm up
    start = time.perf_counter()
    model.fit(data, steps_per_epoch=steps, epochs=1, verbose=0, shuffle=False)
    return steps * batch_size / (time.perf_counter() - start)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=224)
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--steps", type=int, default=10)
    args = parser.parse_args()
    shape = (args.size, args.size, 3)
    print(
        f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} CPU cores, "
        f"TensorFlow {tf.__version__}, Keras {keras.__version__}, "
        f"GPUs: {len(tf.config.list_physical_devices('GPU'))}"
    )
    print(f"input {shape}, batch {args.batch_size}, {args.steps} timed steps after 3 warm-up steps")
    print(f"{'model':<22}{'img/s':>10}{'img/s XLA':>12}{'XLA / plain':>13}")
    for name, build in BUILDERS.items():
        plain = images_per_second(build, shape, args.batch_size, args.steps, jit_compile=False)
        xla = images_per_second(build, shape, args.batch_size, args.steps, jit_compile=True)
        print(f"{name:<22}{plain:>10.1f}{xla:>12.1f}{xla / plain:>13.2f}")


if __name__ == "__main__":
    main()
