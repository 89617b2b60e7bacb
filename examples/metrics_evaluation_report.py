"""Evaluate a classifier the way a screening study reports it.

Trains the plain CNN on synthetic mammograms, then prints the evaluation report (accuracy,
per-class sensitivity = TP/(TP+FN) and specificity = TN/(TN+FP) with 95% bootstrap intervals,
AUC, and the Cancer threshold that reaches 90% sensitivity) and draws the confusion matrix and
the Cancer-vs-rest ROC curve into OUT/metrics_confusion.png and OUT/metrics_roc.png.

    python examples/metrics_evaluation_report.py --out example-out  # add --small for a quick run
"""

from __future__ import annotations

import argparse
from pathlib import Path

import keras
from matplotlib.figure import Figure
from sklearn.metrics import roc_curve

from mammokit import datasets, metrics, models
from mammokit.records import label_indices
from mammokit.training import compile_classifier, fit


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default="example-out", help="output folder")
    parser.add_argument("--small", action="store_true", help="tiny sizes for a quick run")
    args = parser.parse_args()
    out = Path(args.out)
    patients, size, epochs = (12, 48, 2) if args.small else (120, 96, 15)

    root = datasets.make_synthetic(out / "data", n_patients=patients, image_size=(192, 120))
    records = datasets.read_mini_ddsm(root, labels="breast")  # what each image shows
    train, val, test = datasets.split_by_patient(records, 0.2, 0.25, seed=0)
    keras.utils.set_random_seed(0)
    model = compile_classifier(
        models.cnn_classifier(input_shape=(size, size, 3)), datasets.class_weights(train)
    )
    fit(
        model,
        datasets.to_tf_dataset(train, (size, size), 16, shuffle=True, seed=0, cache=True),
        datasets.to_tf_dataset(val, (size, size), 16, cache=True),
        epochs=epochs,
        verbose=0,
    )
    probabilities = model.predict(datasets.to_tf_dataset(test, (size, size), 32), verbose=0)
    truth = label_indices(test)
    report = metrics.evaluation_report(truth, probabilities, datasets.CLASSES, n_bootstrap=1000)

    print(f"accuracy {report['accuracy']:.1%}  95% CI {report['accuracy_ci']}  (n = {report['n']})")
    for name, entry in report["per_class"].items():
        print(
            f"{name:<7} sensitivity {entry['sensitivity']:.1%} {entry['sensitivity_ci']}  "
            f"specificity {entry['specificity']:.1%} {entry['specificity_ci']}  AUC {entry['auc']}"
        )
    point = report["operating_point"]
    print(
        f"Cancer threshold for {point['target_sensitivity']:.0%} sensitivity: {point['threshold']}"
    )

    metrics.plot_confusion_matrix(
        report["confusion_matrix"], datasets.CLASSES, out / "metrics_confusion.png"
    )
    fpr, tpr, _ = roc_curve(truth == 2, probabilities[:, 2])
    figure = Figure(figsize=(4.5, 4.5))
    axis = figure.subplots()
    axis.plot(
        fpr, tpr, label=f"Cancer vs rest, AUC {report['per_class']['Cancer']['auc'] or 0:.3f}"
    )
    axis.plot([0, 1], [0, 1], linestyle=":", color="grey")
    axis.set_xlabel("1 - specificity")
    axis.set_ylabel("sensitivity")
    axis.legend(loc="lower right")
    figure.tight_layout()
    figure.savefig(out / "metrics_roc.png", dpi=110)
    print(f"wrote {out / 'metrics_confusion.png'} and {out / 'metrics_roc.png'}")


if __name__ == "__main__":
    main()
