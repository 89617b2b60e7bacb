"""Class weights for imbalanced data: weighted cross-entropy and focal loss, side by side.

Builds an imbalanced synthetic records table (few Cancer cases, as in screening), computes
the thesis's class weights (largest count / class count), and plots, for a true Cancer image,
how each loss grows as the predicted Cancer probability falls. Writes
OUT/losses_class_weights.png.

    python examples/losses_class_weights.py --out example-out      # --small: same, smaller data
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
from matplotlib.figure import Figure

from mammokit import datasets
from mammokit.losses import CategoricalFocalLoss, WeightedCategoricalCrossentropy


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default="example-out", help="output folder")
    parser.add_argument("--small", action="store_true", help="tiny sizes for a quick run")
    args = parser.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)

    counts = (
        {"Normal": 60, "Benign": 25, "Cancer": 8}
        if args.small
        else {"Normal": 600, "Benign": 250, "Cancer": 80}
    )
    rows = [
        {"image_path": f"/images/{label}_{i}.png", "label": label, "patient_id": f"{label}_{i}"}
        for label, n in counts.items()
        for i in range(n)
    ]
    weights = datasets.class_weights(datasets.make_records(rows))
    print("counts:", counts)
    print("class weights:", {datasets.CLASSES[i]: round(w, 2) for i, w in weights.items()})

    losses = {
        "cross-entropy": WeightedCategoricalCrossentropy([1.0, 1.0, 1.0]),
        "weighted cross-entropy": WeightedCategoricalCrossentropy(weights),
        "focal (gamma 2, weighted)": CategoricalFocalLoss(gamma=2.0, alpha=list(weights.values())),
    }
    p_cancer = np.linspace(0.02, 0.98, 49, dtype="float32")
    rest = (1.0 - p_cancer) / 2
    predictions = np.stack([rest, rest, p_cancer], axis=1)
    truth = np.tile(np.eye(3, dtype="float32")[2], (len(p_cancer), 1))

    figure = Figure(figsize=(7, 4))
    axis = figure.subplots()
    for name, loss in losses.items():
        values = [
            float(loss(truth[i : i + 1], predictions[i : i + 1])) for i in range(len(p_cancer))
        ]
        axis.plot(p_cancer, values, label=name)
        print(f"{name}: loss at p(Cancer) = 0.1 is {values[4]:.2f}")
    axis.set_xlabel("predicted probability of the true class (Cancer)")
    axis.set_ylabel("loss")
    axis.set_title("A missed cancer costs more with class weights")
    axis.legend()
    figure.tight_layout()
    figure.savefig(out / "losses_class_weights.png", dpi=110)
    print(f"wrote {out / 'losses_class_weights.png'}")


if __name__ == "__main__":
    main()
