"""The training recipe and the resolution, on findings only resolution shows.

Synthetic full-size mammograms with subtle findings (``make_synthetic(findings="subtle")``:
small faint masses, and cancers that are mostly clusters of microcalcifications a few pixels
wide), read with breast labels as cancer against the rest, prepared once per input size
(``mammokit.datasets.prepare``, the breast crop padded to keep its aspect). MobileNet (alpha
0.5, random weights: nothing is downloaded here) is trained with

* ``0.1``: Adam at 1e-3 decayed by a cosine from the first step, no warm-up (0.1's recipe);
* ``0.2``: :class:`mammokit.experiment.TrainConfig`'s defaults (AdamW, weight decay 0.01,
  one epoch of warm-up, cosine decay),

at each size and seed (the seed sets the patient split, the weights and the order). It prints
the per-breast Cancer AUC on the test part (mean and range over the seeds) and the training
time, per recipe and size.

    python benchmarks/recipe.py                                   # about an hour on 2 cores
    python benchmarks/recipe.py --seeds 0 --sizes 224x224 --epochs 3 --patients 24  # a smoke run
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import tempfile
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import keras
import tensorflow as tf

from mammokit import datasets
from mammokit.datasets.tasks import apply_task
from mammokit.experiment import TrainConfig, train_model

RECIPES = {
    "0.1": {"optimizer": "adam", "weight_decay": 0.0, "warmup_epochs": 0.0},
    "0.2": {},
}


def _size(text: str) -> tuple[int, int]:
    height, _, width = text.partition("x")
    return int(height), int(width or height)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--sizes", type=_size, nargs="+", default=[(224, 224), (768, 480)])
    parser.add_argument("--image-size", type=_size, default=(2048, 1280))
    parser.add_argument("--patients", type=int, default=90)
    parser.add_argument("--contrast", type=float, default=0.7)
    parser.add_argument("--epochs", type=int, default=20)
    parser.add_argument("--batch-size", type=int, default=16)
    parser.add_argument("--alpha", type=float, default=0.5)
    args = parser.parse_args()
    print(
        f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} CPU cores, "
        f"TensorFlow {tf.__version__}, Keras {keras.__version__}, "
        f"GPUs: {len(tf.config.list_physical_devices('GPU'))}"
    )
    with tempfile.TemporaryDirectory() as folder:
        root = datasets.make_synthetic(
            Path(folder) / "data",
            args.patients,
            args.image_size,
            seed=0,
            lesion_contrast=args.contrast,
            findings="subtle",
        )
        records = apply_task(datasets.read_mini_ddsm(root, labels="breast"), "cancer-vs-rest")
        print(
            f"{len(records)} images of {args.patients} patients at {args.image_size[0]}x"
            f"{args.image_size[1]}, subtle findings (contrast {args.contrast}); MobileNet alpha "
            f"{args.alpha} from random weights, at most {args.epochs} epochs, batch "
            f"{args.batch_size}; per-breast Cancer AUC on the test part, seeds {args.seeds}"
        )
        print(f"{'size':<10}{'recipe':<8}{'AUC mean':>9}  {'range':<13}{'train s':>8}  per seed")
        for size in args.sizes:
            prepared = datasets.prepare(
                records, Path(folder) / f"prepared-{size[0]}x{size[1]}", image_size=size,
                fit="pad", workers=os.cpu_count(),
            )  # fmt: skip
            results = {name: [] for name in RECIPES}
            for seed in args.seeds:
                train, val, test = datasets.split_by_patient(prepared, 0.2, 0.3, seed=seed)
                for name, recipe in RECIPES.items():
                    config = TrainConfig(
                        image_size=size, batch_size=args.batch_size, epochs=args.epochs,
                        seed=seed, verbose=0, **recipe,
                    )  # fmt: skip
                    out = Path(folder) / f"run-{size[0]}-{seed}-{name}"
                    tic = time.perf_counter()
                    entry = train_model(
                        "mobilenet", train, val, test, out, config=config, weights=None,
                        alpha=args.alpha, batch_norm_momentum=0.9,
                    )  # fmt: skip
                    breast = entry["evaluation"]["levels"]["breast"]["per_class"]["Cancer"]
                    results[name].append((breast["auc"], time.perf_counter() - tic))
            for name, runs in results.items():
                aucs = [auc for auc, _ in runs if auc is not None]
                seconds = statistics.median(s for _, s in runs)
                spread = f"{min(aucs):.3f}-{max(aucs):.3f}" if aucs else "n/a"
                mean = f"{statistics.fmean(aucs):.3f}" if aucs else "n/a"
                each = " ".join("n/a" if a is None else f"{a:.3f}" for a, _ in runs)
                label = f"{size[0]}x{size[1]}"
                print(
                    f"{label:<10}{name:<8}{mean:>9}  {spread:<13}{seconds:>8.0f}  {each}",
                    flush=True,
                )


if __name__ == "__main__":
    main()
