"""Synthetic mammograms in the Mini-DDSM layout, read back, split by patient, drawn.

Writes a small synthetic Mini-DDSM into OUT/data, reads it with the same reader used for the
real download, splits it by patient and saves OUT/datasets_synthetic.png: one row per class,
the four views of one patient, the lesion masks outlined in green.

    python examples/datasets_synthetic.py --out example-out          # add --small for a quick run
"""

from __future__ import annotations

import argparse
from pathlib import Path

import cv2
import numpy as np

from mammokit import datasets
from mammokit.imaging.io import read_image


def contact_sheet(records, tile: tuple[int, int] = (200, 128)) -> np.ndarray:
    """One row per case class: the four views of its first patient, lesions outlined.

    Each view is captioned with its breast label: the lesion-free breast of a Benign or Cancer
    case is Normal.
    """
    rows = []
    for case in datasets.CLASSES:
        patient = records[records["case_label"] == case]["patient_id"].iloc[0]
        tiles = []
        for _, row in records[records["patient_id"] == patient].iterrows():
            image = cv2.resize(read_image(row["image_path"]), tile[::-1])
            colour = cv2.cvtColor(image, cv2.COLOR_GRAY2BGR)
            for mask_path in row["mask_paths"]:
                mask = cv2.resize(read_image(mask_path), tile[::-1]) > 127
                contours, _ = cv2.findContours(
                    mask.astype(np.uint8), cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE
                )
                cv2.drawContours(colour, contours, -1, (0, 255, 0), 1)
            caption = f"{row['label']} {row['side'][0]}-{row['view']}"
            cv2.putText(
                colour, caption, (4, tile[0] - 6), cv2.FONT_HERSHEY_SIMPLEX, 0.4, (0, 200, 255), 1
            )
            tiles.append(colour)
        rows.append(np.hstack(tiles))
    return np.vstack(rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default="example-out", help="output folder")
    parser.add_argument("--small", action="store_true", help="tiny sizes for a quick run")
    args = parser.parse_args()
    out = Path(args.out)
    n_patients, image_size = (9, (160, 100)) if args.small else (12, (320, 200))

    root = datasets.make_synthetic(out / "data", n_patients=n_patients, image_size=image_size)
    records = datasets.read_mini_ddsm(root, labels="breast")
    train, val, test = datasets.split_by_patient(records, val_size=0.25, test_size=0.25, seed=0)
    print(f"{len(records)} images of {records['patient_id'].nunique()} patients")
    print(f"split by patient: {len(train)} train / {len(val)} validation / {len(test)} test images")
    print("class weights (largest class / class):", datasets.class_weights(train))

    path = out / "datasets_synthetic.png"
    cv2.imwrite(str(path), contact_sheet(records))
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
