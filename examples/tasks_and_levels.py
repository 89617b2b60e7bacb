"""A screening task (cancer vs the rest) judged per image, per breast and per patient.

Writes synthetic mammograms laid out like Mini-DDSM (a lesion case's lesion in one breast),
reads them with breast labels, maps the labels to the ``cancer-vs-rest`` task, trains the plain
CNN, and reports accuracy and Cancer AUC at the three levels with 95% intervals that resample
patients. Draws them into OUT/tasks_levels.png.

    python examples/tasks_and_levels.py --out example-out  # add --small for a quick run
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
    args = parser.parse_args()
    out = Path(args.out)
    patients, size, epochs = (12, 48, 1) if args.small else (150, 96, 20)

    root = datasets.make_synthetic(out / "data", n_patients=patients, image_size=(192, 120))
    records = datasets.read_mini_ddsm(root, labels="breast")
    moved = records[records["label"] != records["case_label"]]
    print(f"{len(moved)} of {len(records)} images show a lesion case's clean breast: Normal")
    records = datasets.apply_task(records, "cancer-vs-rest")
    print("classes:", records.attrs["classes"], records["label"].value_counts().to_dict())

    train, val, test = datasets.split_by_patient(records, 0.2, 0.25, seed=0)
    config = TrainConfig(image_size=(size, size), batch_size=16, epochs=epochs, verbose=0)
    train_model("cnn", train, val, test, out, config=config, filters=(16, 32, 64))
    model = load_model(out / "cnn.keras")
    print("the saved model predicts", model.class_names)

    test_data = datasets.to_tf_dataset(test, (size, size), 32, classes=model.class_names)
    probabilities = model.predict(test_data, verbose=0)
    levels = ("image", "breast", "patient")
    reports = {level: level_report(test, probabilities, level) for level in levels}
    for level, report in reports.items():
        cancer = report["per_class"]["Cancer"]
        print(
            f"{level:<8} n={report['n']:<4} accuracy {report['accuracy']:.1%} "
            f"{report['accuracy_ci']}  Cancer AUC {cancer['auc']} {cancer['auc_ci']}"
        )

    figure = Figure(figsize=(7, 3.6))
    for axis, key in zip(figure.subplots(1, 2), ("accuracy", "auc"), strict=True):
        values, lows, highs = [], [], []
        for level in levels:
            report = reports[level]
            entry = report if key == "accuracy" else report["per_class"]["Cancer"]
            value = entry[key] if entry[key] is not None else np.nan
            low, high = entry[f"{key}_ci"] or (value, value)
            values.append(value)
            lows.append(value - low)
            highs.append(high - value)
        axis.bar(levels, values, yerr=[lows, highs], capsize=4, color="#4c72b0")
        axis.set_ylim(0, 1.05)
        axis.set_title("accuracy" if key == "accuracy" else "Cancer AUC")
        axis.grid(axis="y", alpha=0.3)
    figure.suptitle("cancer-vs-rest on held-out patients (95% CI over patients)")
    figure.tight_layout()
    figure.savefig(out / "tasks_levels.png", dpi=110)
    print(f"wrote {out / 'tasks_levels.png'}")


if __name__ == "__main__":
    main()
