"""Export a trained classifier to TFLite (float32 and int8) and ONNX, and serve it.

Trains the plain CNN on synthetic mammograms, exports it, compares the Predictor's speed and
agreement across formats on the test images, and draws OUT/export_speed.png.

    python examples/export_tflite.py --out example-out              # add --small for a quick run
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import keras
import numpy as np
from matplotlib.figure import Figure

from mammokit import datasets, models
from mammokit.export import Predictor, to_onnx, to_tflite
from mammokit.training import compile_classifier, fit


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default="example-out", help="output folder")
    parser.add_argument("--small", action="store_true", help="tiny sizes for a quick run")
    args = parser.parse_args()
    out = Path(args.out)
    patients, size, epochs = (12, 48, 2) if args.small else (90, 96, 12)

    root = datasets.make_synthetic(out / "data", n_patients=patients, image_size=(192, 120))
    records = datasets.read_mini_ddsm(root, labels="breast")
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
    model.save(out / "cnn.keras")
    files = {
        "Keras": out / "cnn.keras",
        "TFLite fp32": to_tflite(model, out / "cnn.tflite"),
        "TFLite int8": to_tflite(model, out / "cnn.int8.tflite", "int8", representative_data=train),
        "ONNX": to_onnx(model, out / "cnn.onnx"),
    }
    paths = list(test["image_path"])
    reference = Predictor(files["Keras"]).predict_files(paths).argmax(1)
    speeds = {}
    for name, path in files.items():
        predictor = Predictor(path)
        predictor.predict_files(paths[:1])  # warm up
        start = time.perf_counter()
        labels = predictor.predict_files(paths).argmax(1)
        speeds[name] = len(paths) / (time.perf_counter() - start)
        print(
            f"{name:<12} {path.stat().st_size / 1024:8.0f} KiB  {speeds[name]:6.1f} files/s  "
            f"agreement with Keras {np.mean(labels == reference):.1%}"
        )
    figure = Figure(figsize=(6, 3.5))
    axis = figure.subplots()
    axis.barh(list(speeds), list(speeds.values()))
    axis.set_xlabel("files per second (read, preprocess, predict)")
    axis.set_title("Serving the same model from each format")
    figure.tight_layout()
    figure.savefig(out / "export_speed.png", dpi=110)
    print(f"wrote {out / 'export_speed.png'}")


if __name__ == "__main__":
    main()
