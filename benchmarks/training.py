"""Training throughput: a plain Keras compile + fit against mammokit's, and the levers tried.

Side by side in one process, on the real input pipeline (synthetic mammograms read with
breast labels, ``to_tf_dataset`` cached in memory with the default augmentation, batch 32),
for the CNN (filters 16-128) and MobileNet (alpha 0.25) of 0.1's demo at 128 px and at 224 px:

* ``keras``: ``model.compile(Adam(1e-3), "categorical_crossentropy", ["accuracy"])`` and
  ``model.fit(train, validation_data=val)``: what a Keras user writes;
* ``mammokit``: ``compile_classifier`` (sensitivity and specificity metrics) and
  ``mammokit.training.fit`` (early stopping, checkpoints, CSV log);
* ``recipe``: the same with the training recipe of ``TrainConfig`` (AdamW with weight decay,
  warm-up then cosine decay), whose per-step cost is what 0.2 adds;
* ``keras_adamw``: the plain Keras ``fit`` with that optimizer and schedule
  (``keras.optimizers.AdamW`` over ``CosineDecay(warmup_target=)``), so that ``recipe`` /
  ``keras_adamw`` is mammokit's own overhead on the new recipe (printed last);
* ``recipe_no_files``: ``recipe`` without ``checkpoint_dir``, writing nothing, as the plain
  Keras ``fit`` does; the gap to ``recipe`` is what saving the best epoch's model costs
  (a fixed cost per improving epoch, about 0.35 s for MobileNet alpha 0.25 on 2 cores);
* the levers, each on top of ``mammokit``: ``steps_per_execution=16``, XLA
  (``jit_compile=True``) and bfloat16 mixed precision (``mixed_bfloat16``, the CPU has
  AVX512-BF16; the softmax stays float32).

Every run builds a fresh model and dataset with the same seeds, trains one warm-up epoch (graph
tracing, cache fill) and then ``--epochs`` timed epochs; the contenders alternate, ``--repeats``
rounds. It prints the median images per second (and the range), the ratio to ``keras``, and the
validation loss after the last epoch (equal learning shows as equal loss; bfloat16 rounds).

    python benchmarks/training.py                    # about 15 minutes on 2 cores
    python benchmarks/training.py --sizes 128 --repeats 1
    python benchmarks/training.py --contenders keras mammokit recipe
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import tempfile
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import keras
import tensorflow as tf

from mammokit import datasets
from mammokit.datasets.augment import default_augmenter
from mammokit.models import cnn_classifier, mobilenet_classifier
from mammokit.training import compile_classifier, fit

BUILDERS = {
    "cnn": lambda size: cnn_classifier(input_shape=(size, size, 3), filters=(16, 32, 64, 128)),
    "mobilenet": lambda size: mobilenet_classifier(
        input_shape=(size, size, 3), weights=None, alpha=0.25
    ),
}
CONTENDERS = (
    "keras", "mammokit", "recipe", "keras_adamw", "recipe_no_files", "steps_per_execution=16",
    "XLA", "bfloat16",
)  # fmt: skip


def run(contender: str, model_name: str, size: int, parts, epochs: int) -> tuple[float, float]:
    """Images per second over the timed epochs, and the last validation loss."""
    train_records, val_records = parts
    keras.mixed_precision.set_global_policy(
        "mixed_bfloat16" if contender == "bfloat16" else "float32"
    )
    keras.utils.set_random_seed(0)
    try:
        model = BUILDERS[model_name](size)
        train = datasets.to_tf_dataset(
            train_records, (size, size), 32, shuffle=True, seed=0, cache=True,
            augment=default_augmenter(seed=0),
        )  # fmt: skip
        val = datasets.to_tf_dataset(val_records, (size, size), 32, cache=True)
        # the recipe's schedule: one epoch (the warm-up one) of warm-up, then a cosine
        warmup_steps = -(-len(train_records) // 32)
        decay_steps = warmup_steps * epochs
        if contender in ("keras", "keras_adamw"):
            if contender == "keras_adamw":
                schedule = keras.optimizers.schedules.CosineDecay(
                    0.0, decay_steps, warmup_target=1e-3, warmup_steps=warmup_steps
                )
                optimizer = keras.optimizers.AdamW(schedule, weight_decay=0.01)
            else:
                optimizer = keras.optimizers.Adam(1e-3)
            model.compile(
                optimizer=optimizer,
                loss="categorical_crossentropy",
                metrics=["accuracy"],
            )
            model.fit(train, validation_data=val, epochs=1, verbose=0)
            start = time.perf_counter()
            history = model.fit(train, validation_data=val, epochs=epochs, verbose=0)
        else:
            recipe = {
                "optimizer": "adamw",
                "weight_decay": 0.01,
                "warmup_steps": warmup_steps,
                "decay_steps": decay_steps,
            }
            options = {
                "steps_per_execution=16": {"steps_per_execution": 16},
                "XLA": {"jit_compile": True},
                "recipe": recipe,
                "recipe_no_files": recipe,
            }.get(contender, {})
            compile_classifier(model, **options)
            with tempfile.TemporaryDirectory() as folder:
                files = None if contender == "recipe_no_files" else folder
                fit(model, train, val, epochs=1, checkpoint_dir=files, verbose=0)
                start = time.perf_counter()
                history = fit(model, train, val, epochs=epochs, patience=epochs,
                              checkpoint_dir=files, verbose=0)  # fmt: skip
        seconds = time.perf_counter() - start
    finally:
        keras.mixed_precision.set_global_policy("float32")
    return len(train_records) * epochs / seconds, history.history["val_loss"][-1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[128, 224])
    parser.add_argument("--models", nargs="+", default=list(BUILDERS), choices=list(BUILDERS))
    parser.add_argument("--patients", type=int, default=150)
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--contenders", nargs="+", default=list(CONTENDERS), choices=CONTENDERS)
    args = parser.parse_args()
    contenders = ["keras", *(c for c in args.contenders if c != "keras")]
    with tempfile.TemporaryDirectory() as folder:
        root = datasets.make_synthetic(folder, args.patients, (256, 160), seed=0)
        records = datasets.read_mini_ddsm(root, labels="breast")
        train, val, _ = datasets.split_by_patient(records, 0.15, 0.15, seed=0)
        print(
            f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} CPU "
            f"cores, TensorFlow {tf.__version__}, Keras {keras.__version__}, "
            f"GPUs: {len(tf.config.list_physical_devices('GPU'))}"
        )
        print(
            f"{len(train)} training and {len(val)} validation images, batch 32, 1 warm-up + "
            f"{args.epochs} timed epochs, median (range) of {args.repeats} alternating runs"
        )
        print(f"{'model':<10}{'px':>4}  {'contender':<24}{'img/s':>7}  {'range':<13}"
              f"{'x keras':>8}{'val loss':>10}")  # fmt: skip
        for model_name in args.models:
            for size in args.sizes:
                speeds = {c: [] for c in contenders}
                losses = {c: [] for c in contenders}
                for _ in range(args.repeats):
                    for contender in contenders:
                        speed, loss = run(contender, model_name, size, (train, val), args.epochs)
                        speeds[contender].append(speed)
                        losses[contender].append(loss)
                base = statistics.median(speeds["keras"])
                for contender in contenders:
                    median = statistics.median(speeds[contender])
                    low, high = min(speeds[contender]), max(speeds[contender])
                    print(
                        f"{model_name:<10}{size:>4}  {contender:<24}{median:>7.1f}  "
                        f"{f'{low:.0f}-{high:.0f}':<13}{median / base:>8.2f}"
                        f"{statistics.median(losses[contender]):>10.4f}",
                        flush=True,
                    )
                for mine in ("recipe", "recipe_no_files"):
                    if {mine, "keras_adamw"} <= set(contenders):
                        ratios = [
                            a / b for a, b in zip(speeds[mine], speeds["keras_adamw"], strict=True)
                        ]
                        print(
                            f"{model_name:<10}{size:>4}  {mine} / keras_adamw, median of the "
                            f"{len(ratios)} rounds' ratios: {statistics.median(ratios):.2f} "
                            f"({min(ratios):.2f}-{max(ratios):.2f})",
                            flush=True,
                        )


if __name__ == "__main__":
    main()
