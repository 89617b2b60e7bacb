"""Building the records table of the RSNA screening set: 54,706 images on disk.

Writes a tree of empty files laid out like the Kaggle download
(``train_images/<patient_id>/<image_id>.dcm``, 11,913 patients) and a ``train.csv`` in its
published format (the real table may not be redistributed, so its rows are drawn at random
with the published columns, codes and blanks), then times, side by side in one process:

* ``per-row check``: the obvious way, ``Path.is_file()`` for each row of the table, then
  ``make_records`` (one ``stat`` per image);
* ``read_rsna_screening``: mammokit's reader (one directory listing per patient folder, the
  table joined to it with pandas, every column built vectorised).

Each is run three times after one warm-up run; the best time is reported and the ratio.
Target (issue #12): at most 10 s for the reader on a 2-core machine.

    python benchmarks/records.py                  # the RSNA size
    python benchmarks/records.py --images 5000    # quick
"""

from __future__ import annotations

import argparse
import os
import platform
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

from mammokit.datasets import make_records, read_rsna_screening

COLUMNS = [
    "site_id",
    "patient_id",
    "image_id",
    "laterality",
    "view",
    "age",
    "cancer",
    "biopsy",
    "invasive",
    "BIRADS",
    "implant",
    "density",
    "machine_id",
    "difficult_negative_case",
]


def write_download(root: Path, n_images: int, seed: int = 0) -> None:
    """A train.csv in the published format and one empty file per row."""
    rng = np.random.default_rng(seed)
    n_patients = max(1, round(n_images * 11913 / 54706))
    patients = np.sort(rng.choice(np.arange(10000, 70000), n_patients, replace=False))
    patient = patients[np.minimum(np.arange(n_images) * n_patients // n_images, n_patients - 1)]
    image_ids = rng.choice(np.arange(1, 2**31 - 1), n_images, replace=False)
    cancer = (rng.random(n_images) < 0.021).astype(int)
    table = pd.DataFrame(
        {
            "site_id": rng.integers(1, 3, n_images),
            "patient_id": patient,
            "image_id": image_ids,
            "laterality": rng.choice(["L", "R"], n_images),
            "view": rng.choice(["CC", "MLO", "AT"], n_images, p=[0.49, 0.5, 0.01]),
            "age": np.where(rng.random(n_images) < 0.001, np.nan, rng.integers(35, 90, n_images)),
            "cancer": cancer,
            "biopsy": np.maximum(cancer, rng.random(n_images) < 0.03).astype(int),
            "invasive": cancer * (rng.random(n_images) < 0.7),
            "BIRADS": np.where(rng.random(n_images) < 0.52, np.nan, rng.integers(0, 3, n_images)),
            "implant": (rng.random(n_images) < 0.03).astype(int),
            "density": rng.choice(["A", "B", "C", "D", ""], n_images),
            "machine_id": rng.choice([49, 48, 29, 21, 93, 216, 210, 170, 190, 197], n_images),
            "difficult_negative_case": rng.random(n_images) < 0.1,
        },
        columns=COLUMNS,
    )
    table.to_csv(root / "train.csv", index=False, float_format="%.0f")
    for patient_id, image_id in zip(table["patient_id"], table["image_id"], strict=True):
        folder = root / "train_images" / str(patient_id)
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"{image_id}.dcm").touch()


def per_row_check(root: Path) -> pd.DataFrame:
    """The obvious reader: one ``is_file`` per row, then the records table."""
    table = pd.read_csv(root / "train.csv", dtype={"patient_id": str, "image_id": str})
    rows = []
    for entry in table.to_dict("records"):
        path = root / "train_images" / entry["patient_id"] / f"{entry['image_id']}.dcm"
        if path.is_file():
            rows.append(
                {
                    "image_path": str(path),
                    "label": "Cancer" if entry["cancer"] == 1 else "NoCancer",
                    "patient_id": entry["patient_id"],
                    "side": {"L": "LEFT", "R": "RIGHT"}[entry["laterality"]],
                    "view": entry["view"],
                    "age": entry["age"],
                }
            )
    return make_records(rows, classes=("NoCancer", "Cancer"))


def best_of(function, root: Path, repeats: int = 3) -> tuple[float, int]:
    function(root)  # warm-up: the file system's caches hold the tree
    times, n = [], 0
    for _ in range(repeats):
        start = time.perf_counter()
        n = len(function(root))
        times.append(time.perf_counter() - start)
    return min(times), n


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--images", type=int, default=54706)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        start = time.perf_counter()
        write_download(root, args.images)
        n_patients = sum(1 for _ in os.scandir(root / "train_images"))
        print(
            f"wrote {args.images:,} empty files of {n_patients:,} patients in "
            f"{time.perf_counter() - start:.1f} s"
        )
        print(f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores")
        naive, n_naive = best_of(per_row_check, root)
        reader, n_reader = best_of(read_rsna_screening, root)
        assert n_naive == n_reader == args.images
        print(f"{'contender':<22} {'images':>8} {'seconds':>8}")
        print(f"{'per-row check':<22} {n_naive:>8,} {naive:>8.2f}")
        print(f"{'read_rsna_screening':<22} {n_reader:>8,} {reader:>8.2f}")
        print(
            f"ratio per-row / reader: {naive / reader:.1f}x; target reader <= 10 s: "
            f"{'met' if reader <= 10 else 'NOT met'}"
        )


if __name__ == "__main__":
    main()
