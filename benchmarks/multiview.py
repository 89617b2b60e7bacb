"""One view at a time, or both views of a breast together? Breast-level results over seeds.

On realistic synthetic mammograms (a lesion case has its lesion in one breast, seen in both of
its views; breast labels, so a breast's label is what it shows), for each seed: make the data,
split by patient, then train side by side with the same settings

* the single-view plain CNN on images, its breasts called by their most suspicious view
  (``aggregate_predictions(how="max")``), and
* the two-view CNN (:func:`mammokit.models.multiview_classifier`, the same CNN shared by the CC
  and MLO views) on breasts, its views' features concatenated, averaged, or weighted by
  attention,

and score both per breast on the same test breasts, with 95% intervals that resample patients.
Prints each seed's figures and, per contender, the mean and range over the seeds.

    python benchmarks/multiview.py --seeds 0 1 2 3 4 --patients 120
    python benchmarks/multiview.py --contrast 0.5   # subtle lesions
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

import numpy as np

from mammokit.datasets import make_synthetic, read_mini_ddsm, split_by_patient
from mammokit.experiment import TrainConfig, train_model

CONTENDERS = {
    "single-view CNN, max of views": ("cnn", {}),
    "two-view CNN (concat)": ("multiview_cnn", {"fusion": "concat"}),
    "two-view CNN (mean)": ("multiview_cnn", {"fusion": "mean"}),
    "two-view CNN (attention)": ("multiview_cnn", {"fusion": "attention"}),
}


def run_seed(seed: int, args: argparse.Namespace, folder: Path) -> dict[str, dict]:
    root = make_synthetic(
        folder / f"data-{seed}",
        n_patients=args.patients,
        image_size=(192, 120),
        seed=seed,
        lesion_contrast=args.contrast,
    )
    records = read_mini_ddsm(root, labels="breast")
    train, val, test = split_by_patient(records, val_size=0.2, test_size=0.3, seed=seed)
    config = TrainConfig(
        image_size=(args.size, args.size),
        batch_size=16,
        epochs=args.epochs,
        patience=8,
        learning_rate=2e-3,
        channels=1,
        seed=seed,
        verbose=0,
    )
    results = {}
    for label, (name, options) in CONTENDERS.items():
        tic = time.perf_counter()
        entry = train_model(
            name, train, val, test, folder / f"run-{seed}", f"{name}-{seed}", config,
            filters=(16, 32, 64), **options,
        )  # fmt: skip
        breast = entry["evaluation"]["levels"]["breast"]
        cancer = breast["per_class"]["Cancer"]
        results[label] = {
            "accuracy": breast["accuracy"],
            "accuracy_ci": breast["accuracy_ci"],
            "cancer_auc": cancer["auc"],
            "cancer_auc_ci": cancer.get("auc_ci"),
            "cancer_sensitivity": cancer["sensitivity"],
            "cancer_specificity": cancer["specificity"],
            "breasts": breast["n"],
            "epochs": entry["epochs"],
            "seconds": time.perf_counter() - tic,
        }
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2, 3, 4])
    parser.add_argument("--patients", type=int, default=120)
    parser.add_argument("--size", type=int, default=96)
    parser.add_argument("--epochs", type=int, default=40)
    parser.add_argument(
        "--contrast", type=float, default=1.0, help="lesion contrast of the synthetic data"
    )
    parser.add_argument("--json", default=None, help="also write the figures to this file")
    args = parser.parse_args()
    per_seed = {}
    with tempfile.TemporaryDirectory() as folder:
        for seed in args.seeds:
            per_seed[seed] = run_seed(seed, args, Path(folder))
            for label, row in per_seed[seed].items():
                low, high = row["accuracy_ci"]
                auc_low, auc_high = row["cancer_auc_ci"] or (float("nan"),) * 2
                print(
                    f"seed {seed}  {label:<32} breast accuracy {row['accuracy']:.1%} "
                    f"[{low:.1%}, {high:.1%}]  Cancer AUC {row['cancer_auc']:.3f} "
                    f"[{auc_low:.3f}, {auc_high:.3f}]  sens {row['cancer_sensitivity']:.1%} "
                    f"spec {row['cancer_specificity']:.1%}  n={row['breasts']} breasts  "
                    f"{row['epochs']} epochs  {row['seconds']:.0f} s",
                    flush=True,
                )
    print(f"\nover seeds {args.seeds} (mean, range):")
    print(f"{'contender':<32} {'breast accuracy':<26} {'Cancer AUC':<24} {'Cancer sensitivity'}")
    for label in CONTENDERS:
        rows = [per_seed[seed][label] for seed in args.seeds]

        def summary(key: str, percent: bool, rows=rows) -> str:
            values = np.array([row[key] for row in rows], dtype=float)
            fmt = (lambda v: f"{100 * v:.1f}%") if percent else (lambda v: f"{v:.3f}")
            return f"{fmt(values.mean())} ({fmt(values.min())}-{fmt(values.max())})"

        print(
            f"{label:<32} {summary('accuracy', True):<26} {summary('cancer_auc', False):<24} "
            f"{summary('cancer_sensitivity', True)}"
        )
    if args.json:
        Path(args.json).write_text(json.dumps(per_seed, indent=2))


if __name__ == "__main__":
    main()
