"""Grad-CAM, Grad-CAM++, Score-CAM and Layer-CAM on test mammograms, scored against the masks.

Trains the plain CNN on synthetic mammograms, explains a few test images with every method,
and writes OUT/explain_gradcam.png (one row per image, one column per method, lesion outlined
in green) and the pointing game and IoU of each method over all test lesions.

    python examples/explain_gradcam.py --out example-out            # add --small for a quick run
"""

from __future__ import annotations

import argparse
from pathlib import Path

import cv2
import keras
import numpy as np

from mammokit import datasets, explain, models
from mammokit.training import compile_classifier, fit


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default="example-out", help="output folder")
    parser.add_argument("--small", action="store_true", help="tiny sizes for a quick run")
    args = parser.parse_args()
    out = Path(args.out)
    patients, size, epochs = (12, 48, 2) if args.small else (90, 96, 25)

    root = datasets.make_synthetic(out / "data", n_patients=patients, image_size=(192, 120), seed=1)
    records = datasets.read_mini_ddsm(root, labels="breast")  # the clean breast is Normal
    train, val, test = datasets.split_by_patient(records, 0.2, 0.2, seed=0)
    keras.utils.set_random_seed(0)
    model = compile_classifier(
        models.cnn_classifier(input_shape=(size, size, 1), filters=(16, 32, 64))
    )
    fit(
        model,
        datasets.to_tf_dataset(
            train, (size, size), 16, shuffle=True, seed=0, cache=True, channels=1
        ),
        datasets.to_tf_dataset(val, (size, size), 16, cache=True, channels=1),
        epochs=epochs,
        verbose=0,
    )
    lesions = test[test["mask_paths"].map(len) > 0]
    (images, masks), _ = next(
        iter(datasets.to_tf_dataset(lesions, (size, size), 500, with_masks=True, channels=1))
    )
    images, masks = images.numpy(), masks.numpy()[..., 0]

    rows = []
    for method in explain.METHODS:
        heatmaps = explain.grad_cam(model, images, method=method, max_n=16)
        scores = explain.localization_scores(heatmaps, masks, tolerance=2)
        print(f"{method:<10} pointing game {scores['pointing_game']:.0%}  IoU {scores['iou']:.2f}")
        rows.append(
            [
                explain.overlay(image[..., 0].astype(np.uint8), heat)
                for image, heat in zip(images[:4], heatmaps[:4], strict=True)
            ]
        )
    grid = []
    for i in range(min(4, len(images))):
        contours, _ = cv2.findContours(
            (masks[i] > 0).astype(np.uint8), cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE
        )
        tiles = []
        for column in rows:
            tile = column[i].copy()
            cv2.drawContours(tile, contours, -1, (0, 255, 0), 1)
            tiles.append(cv2.resize(tile, (192, 192), interpolation=cv2.INTER_NEAREST))
        grid.append(np.hstack(tiles))
    cv2.imwrite(str(out / "explain_gradcam.png"), cv2.cvtColor(np.vstack(grid), cv2.COLOR_RGB2BGR))
    print(f"wrote {out / 'explain_gradcam.png'} (columns: {', '.join(explain.METHODS)})")


if __name__ == "__main__":
    main()
