"""Cross-validation grouped by patient: k folds, one model each, mean ± sd of the test scores.

Writes synthetic mammograms laid out like Mini-DDSM, reads them with breast labels, and for
each of the k folds of ``patient_folds`` (every patient tested exactly once, never trained on
in that fold) splits a validation part off the training part by patient, trains the plain
CNN, and scores the fold's test part per image and per breast. Prints the table and the
mean ± sd over folds, and draws them into OUT/cross_validation.png.

    python examples/datasets_cross_validation.py --out example-out  # add --small for a quick run
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
from matplotlib.figure import Figure

from mammokit import datasets
from mammokit.experiment import TrainConfig, train_model
from mammokit.metrics.levels import level_report
from mammokit.models import load_model


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default="example-out", help="output folder")
    parser.add_argument("--small", action="store_true", help="tiny sizes for a quick run")
    parser.add_argument("--folds", type=int, default=5, help="number of folds")
    args = parser.parse_args()
    out = Path(args.out)
    patients, size, epochs, k = (12, 48, 1, 3) if args.small else (90, 64, 20, args.folds)

    root = datasets.make_synthetic(out / "data", n_patients=patients, image_size=(192, 120))
    records = datasets.read_mini_ddsm(root, labels="breast")
    config = TrainConfig(image_size=(size, size), batch_size=16, epochs=epochs, verbose=0)
    scores = {"image": [], "breast": []}
    for fold, (train_val, test) in enumerate(datasets.patient_folds(records, k=k, seed=0)):
        train, val, _ = datasets.split_by_patient(train_val, val_size=0.2, test_size=0, seed=fold)
        fold_dir = out / f"fold{fold}"
        train_model("cnn", train, val, test, fold_dir, config=config, filters=(16, 32, 64))
        model = load_model(fold_dir / "cnn.keras")
        data = datasets.to_tf_dataset(test, (size, size), 32, classes=model.class_names)
        probabilities = model.predict(data, verbose=0)
        for level in scores:
            scores[level].append(level_report(test, probabilities, level)["accuracy"])
        print(
            f"fold {fold}: {test['patient_id'].nunique()} test patients, accuracy per image "
            f"{scores['image'][-1]:.1%}, per breast {scores['breast'][-1]:.1%}"
        )
    for level, values in scores.items():
        print(f"{level:<6} accuracy {np.mean(values):.1%} ± {np.std(values, ddof=1):.1%} (sd)")

    figure = Figure(figsize=(5, 3.4))
    axis = figure.subplots()
    for offset, (level, values) in zip((-0.2, 0.2), scores.items(), strict=True):
        axis.bar(np.arange(k) + offset, values, width=0.4, label=level)
        axis.axhline(np.mean(values), linestyle="--", linewidth=1, color=f"C{int(offset > 0)}")
    axis.set_xticks(np.arange(k), [f"fold {i}" for i in range(k)])
    axis.set_ylim(0, 1.05)
    axis.set_ylabel("test accuracy")
    axis.set_title(f"{k}-fold cross-validation by patient (dashed: mean)")
    axis.legend(loc="lower right")
    figure.tight_layout()
    figure.savefig(out / "cross_validation.png", dpi=120)
    print("wrote", out / "cross_validation.png")


if __name__ == "__main__":
    main()
