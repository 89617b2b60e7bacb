"""A two-view model: each breast read from its CC and MLO views together.

Writes synthetic mammograms (a lesion case's lesion in one breast, seen in both views), reads
them with breast labels, drops the MLO view of a few breasts to show how a missing view is
handled, trains the two-view CNN (one encoder shared by both views, attention fusion), reports
per breast with 95% intervals, explains one test breast view by view into
OUT/multiview_gradcam.png, and serves the model from TFLite, one row per breast.

    python examples/models_multiview.py --out example-out  # add --small for a quick run
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

from mammokit import datasets
from mammokit.datasets.grouping import group_views
from mammokit.datasets.pipeline import view_loader
from mammokit.experiment import TrainConfig, train_model
from mammokit.explain import explanation_figure, grad_cam
from mammokit.export import Predictor, to_tflite
from mammokit.models import load_model
from mammokit.views import input_name


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default="example-out", help="output folder")
    parser.add_argument("--small", action="store_true", help="tiny sizes for a quick run")
    args = parser.parse_args()
    out = Path(args.out)
    patients, size, epochs = (12, 48, 1) if args.small else (90, 96, 40)

    root = datasets.make_synthetic(out / "data", n_patients=patients, image_size=(192, 120))
    records = datasets.read_mini_ddsm(root, labels="breast")
    dropped = records.index[records["view"] == "MLO"][:: max(1, patients // 4)]
    records = records.drop(index=dropped).reset_index(drop=True)  # some breasts lack an MLO
    breasts = group_views(records)  # one row per breast; a missing view becomes zeros
    print(f"{len(records)} images, {len(breasts)} breasts, {(breasts['n_views'] < 2).sum()} "
          "of them without an MLO view")  # fmt: skip

    train, val, test = datasets.split_by_patient(records, 0.2, 0.25, seed=0)
    config = TrainConfig(
        image_size=(size, size), batch_size=16, epochs=epochs, patience=8, channels=1,
        learning_rate=2e-3, verbose=0,
    )  # fmt: skip
    entry = train_model(
        "multiview_cnn", train, val, test, out, config=config, filters=(16, 32, 64),
        fusion="attention",
    )  # fmt: skip
    breast = entry["evaluation"]["levels"]["breast"]
    interval = breast["accuracy_ci"]  # None, with a note, below 10 patients
    shown = (
        f"[{interval[0]:.1%}, {interval[1]:.1%}]" if interval else f"({breast['interval_note']})"
    )
    print(f"test breasts: accuracy {breast['accuracy']:.1%} {shown}, n = {breast['n']}")

    model = load_model(out / "multiview_cnn.keras")
    test_breasts = group_views(test)
    chosen = int(np.argmax((test_breasts["label"] != "Normal") & (test_breasts["n_views"] == 2)))
    cc, mlo = view_loader(test, test_breasts, (size, size))(chosen)
    views = {input_name("CC"): cc[None, ..., None], input_name("MLO"): mlo[None, ..., None]}
    probabilities = model.predict(views, verbose=0)[0]
    heatmaps = grad_cam(model, views)
    figure = explanation_figure(
        {"CC": cc, "MLO": mlo}, {"CC": heatmaps["cc"][0], "MLO": heatmaps["mlo"][0]},
        probabilities, model.class_names,
        title=f"{test_breasts.loc[chosen, 'group_id']} (truth {test_breasts.loc[chosen, 'label']})",
    )  # fmt: skip
    figure.savefig(out / "multiview_gradcam.png", dpi=120)

    served = Predictor(to_tflite(model, out / "multiview_cnn.tflite")).predict_breasts(test)
    print(served.drop(columns="missing_views").head().round(3).to_string(index=False))


if __name__ == "__main__":
    main()
