"""Synthetic mammograms with lesion masks, written in the exact Mini-DDSM layout.

The phantoms are not meant to fool a radiologist; they carry the features the real task turns
on, so every part of the library can be exercised and tested without a download:

* a breast-shaped region on a dark film background, chest wall on the image edge of its side,
  brighter towards the chest wall, with low-frequency parenchymal texture and fibrous strands
  whose amount follows the BI-RADS density;
* the pectoral muscle as a bright triangle in the upper chest-wall corner of MLO views;
* a view label burnt into the far top corner, like the letters on digitised films;
* **Normal** images have no lesion; **Benign** images carry a round or oval, circumscribed mass;
  **Cancer** images carry an irregular mass with spicules, and often a calcification cluster.

Two styles: ``"film"`` (the default) looks like a digitised screen-film mammogram; ``"digital"``
like a full-field digital one: background near 0, a large fatty breast at 5-20% of the dense
tissue's brightness around a bright fibroglandular core, no film label, and (in the 16-bit
variant) 12-bit values in a 16-bit PNG, as digital mammograms are commonly exported.

As in the real Mini-DDSM, a Benign or Cancer case has its lesion in one breast, seen in both
of its views, and the other breast is lesion-free while its images still carry the case's
label (its masks column reads ``-``): read them with ``read_mini_ddsm(root, labels="breast")``
for labels that follow what each image shows. ``make_synthetic(lesion_breasts="both")`` keeps
the old, simpler data where every view of a lesion case shows a lesion.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np
import pandas as pd

from mammokit.datasets.readers.mini_ddsm import VARIANT_DIRS
from mammokit.errors import MammokitError
from mammokit.records import CLASSES

__all__ = ["FINDINGS", "STYLE_BITS", "make_synthetic", "synthetic_mammogram"]

_CLASS_PREFIX = {"Normal": "A", "Benign": "B", "Cancer": "C"}
_VIEWS = (("LEFT", "CC"), ("LEFT", "MLO"), ("RIGHT", "CC"), ("RIGHT", "MLO"))
#: Synthetic styles and the significant bits of their 16-bit PNGs.
STYLE_BITS = {"film": 16, "digital": 12}
#: What lesions look like: ``"masses"`` (a benign oval mass; a spiculated cancer mass, often
#: with calcifications: the demo's, visible at any size) or ``"subtle"`` (small, faint
#: masses, a third of the size, and cancers that are mostly a cluster of
#: microcalcifications a few pixels wide: gone at 224 px, visible at mammogram resolution).
FINDINGS = ("masses", "subtle")


@dataclass(frozen=True)
class SyntheticImage:
    """One synthetic mammogram: ``image`` in [0, 1], its lesion ``mask`` and ``breast`` region."""

    image: np.ndarray
    mask: np.ndarray
    breast: np.ndarray


def synthetic_mammogram(
    label: str,
    side: str = "LEFT",
    view: str = "CC",
    image_size: tuple[int, int] = (320, 200),
    density: int = 2,
    seed: int | np.random.Generator = 0,
    style: str = "film",
    lesion_contrast: float = 1.0,
    findings: str = "masses",
) -> SyntheticImage:
    """Draw one synthetic mammogram in memory.

    Parameters
    ----------
    label
        ``"Normal"``, ``"Benign"`` or ``"Cancer"``.
    side, view
        ``"LEFT"``/``"RIGHT"`` and ``"CC"``/``"MLO"``. LEFT images have the chest wall on the
        left image edge, RIGHT images on the right.
    image_size
        ``(height, width)`` in pixels.
    density
        BI-RADS density 1-4: how much glandular texture the breast holds.
    seed
        An int or a NumPy generator; the same seed gives the same image.
    style
        ``"film"`` (digitised film: grey film background, view label) or ``"digital"``
        (background near 0, fatty tissue at 5-20% of the dense tissue's brightness).
    lesion_contrast
        How bright the lesion stands out, as a share of the default (1.0): at 0.3 a mass is
        about as bright as the parenchymal texture around it, hard to see in one view.
    findings
        ``"masses"`` or ``"subtle"`` (:data:`FINDINGS`).

    Returns
    -------
    SyntheticImage
        ``image`` float32 in [0, 1], ``mask`` and ``breast`` boolean, all ``image_size``.

    Examples
    --------
    >>> sample = synthetic_mammogram("Cancer", "RIGHT", "MLO", image_size=(128, 80), seed=1)
    >>> sample.image.shape, bool(sample.mask.any()), bool((sample.mask <= sample.breast).all())
    ((128, 80), True, True)
    >>> digital = synthetic_mammogram("Normal", style="digital", image_size=(128, 80), seed=1)
    >>> background, breast = digital.image[~digital.breast], digital.image[digital.breast]
    >>> float(background.mean()) < 0.01 < float(breast.min())
    True
    """
    if label not in CLASSES:
        raise MammokitError(f"label must be one of {CLASSES}, got {label!r}")
    if side not in ("LEFT", "RIGHT") or view not in ("CC", "MLO"):
        raise MammokitError(f"side must be LEFT/RIGHT and view CC/MLO, got {side!r}, {view!r}")
    height, width = image_size
    if height < 32 or width < 32:
        raise MammokitError(f"image_size must be at least 32x32, got {image_size}")
    if style not in STYLE_BITS:
        raise MammokitError(f"style must be one of {tuple(STYLE_BITS)}, got {style!r}")
    if not 0.0 < lesion_contrast <= 1.0:
        raise MammokitError(f"lesion_contrast must be in (0, 1], got {lesion_contrast}")
    if findings not in FINDINGS:
        raise MammokitError(f"findings must be one of {FINDINGS}, got {findings!r}")
    rng = seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)

    image, breast, thickness = _breast(rng, height, width, view, density)
    if style == "digital":
        image = _digital_tissue(rng, image, breast, thickness, density)
    mask = np.zeros((height, width), bool)
    if label != "Normal" and findings == "masses":
        draw = _benign_mass if label == "Benign" else _malignant_mass
        mask = draw(rng, image, breast, thickness, lesion_contrast)
    elif label != "Normal":
        mask = _subtle_finding(rng, image, breast, thickness, lesion_contrast, label)
    if side == "RIGHT":
        image, mask, breast = image[:, ::-1], mask[:, ::-1], breast[:, ::-1]
    if style == "digital":
        image = _digital_finish(rng, image)
    else:
        image = _film_finish(rng, image, side, view)
    return SyntheticImage(
        np.ascontiguousarray(image, np.float32),
        np.ascontiguousarray(mask),
        np.ascontiguousarray(breast),
    )


def make_synthetic(
    out_dir: str | os.PathLike,
    n_patients: int = 60,
    image_size: tuple[int, int] = (320, 200),
    seed: int = 0,
    variants: tuple[str, ...] = ("jpeg8",),
    style: str = "film",
    lesion_breasts: str = "one",
    lesion_contrast: float = 1.0,
    findings: str = "masses",
) -> Path:
    """Write a synthetic dataset in the Mini-DDSM layout, readable by ``read_mini_ddsm``.

    Patients are spread evenly over :data:`CLASSES`, four views each (LEFT/RIGHT x CC/MLO).
    A Benign or Cancer case has its lesion in one breast (side drawn at random), in both of
    its views; its other breast is lesion-free but, as in the real download, filed under the
    case's class.
    The layout follows the published download: ``MINI-DDSM-Complete-JPEG-8/<Class>/<case>/``
    with ``<P>_<case>_1.<SIDE>_<VIEW>.jpg`` images, ``..._Mask.jpg`` lesion masks, one
    ``<P>-<case>-1.ics`` file a case (``PATIENT_AGE``, ``DENSITY``) and ``DataWMask.xlsx``.
    As in the real data, case folder numbers repeat across classes; the file stem (the
    ``patient_id``) does not.

    Parameters
    ----------
    out_dir
        Folder to write into (created if missing). Existing files of the same names are replaced.
    n_patients
        Number of patients (cases); at least 3 so that every class is present.
    image_size
        ``(height, width)`` of each image. Mammograms are portrait: height > width.
    seed
        Same seed, same files (byte for byte for PNG; JPEG encoding is deterministic too).
    variants
        ``"jpeg8"`` (8-bit JPEG) and/or ``"png16"`` (16-bit PNG, masks as PNG).
    style
        ``"film"`` or ``"digital"`` (see :func:`synthetic_mammogram`). The 16-bit PNGs of the
        digital style hold 12-bit values (0-4095), as the ``.ics`` files say
        (``BITS_PER_PIXEL 12``); film-style PNGs use the full 16 bits.
    lesion_breasts
        ``"one"`` (default, as in the real data) or ``"both"``: every view of a lesion case
        shows a lesion, so case labels are always visible (the data of mammokit 0.1).
    lesion_contrast
        How bright lesions stand out, as a share of the default (see
        :func:`synthetic_mammogram`); lower values make subtle lesions, where reading both
        views of a breast can pay (``benchmarks/multiview.py --contrast``).
    findings
        ``"masses"`` (default) or ``"subtle"``: small faint masses and microcalcification
        clusters, for full-size images where resolution matters (:data:`FINDINGS`,
        ``benchmarks/recipe.py``).

    Returns
    -------
    pathlib.Path
        ``out_dir``, ready for ``read_mini_ddsm(out_dir)``.

    Examples
    --------
    >>> import tempfile
    >>> root = make_synthetic(tempfile.mkdtemp(), n_patients=3, image_size=(64, 48))
    >>> sorted(p.name for p in (root / "MINI-DDSM-Complete-JPEG-8").iterdir())
    ['Benign', 'Cancer', 'DataWMask.xlsx', 'Normal']
    """
    if n_patients < 3:
        raise MammokitError(f"n_patients must be >= 3 so every class is present, got {n_patients}")
    if style not in STYLE_BITS:
        raise MammokitError(f"style must be one of {tuple(STYLE_BITS)}, got {style!r}")
    if lesion_breasts not in ("one", "both"):
        raise MammokitError(f"lesion_breasts must be 'one' or 'both', got {lesion_breasts!r}")
    if findings not in FINDINGS:
        raise MammokitError(f"findings must be one of {FINDINGS}, got {findings!r}")
    bits = STYLE_BITS[style]
    unknown = [v for v in variants if v not in VARIANT_DIRS]
    if unknown or not variants:
        raise MammokitError(f"variants must be a non-empty subset of {tuple(VARIANT_DIRS)}")
    out_dir = Path(out_dir)
    patient_seeds = np.random.SeedSequence(seed).spawn(n_patients)
    rows = []
    for index, patient_seed in enumerate(patient_seeds):
        rng = np.random.default_rng(patient_seed)
        label = CLASSES[index % len(CLASSES)]
        case = f"{index // len(CLASSES) + 1:04d}"
        age = int(rng.integers(38, 80))
        density = int(rng.integers(1, 5))
        stem = f"{_CLASS_PREFIX[label]}_{case}_1"
        for variant in variants:
            _write_ics(out_dir / VARIANT_DIRS[variant] / label / case, stem, age, density, bits)
        lesion_side = _VIEWS[int(rng.integers(2)) * 2][0] if lesion_breasts == "one" else None
        for side, view in _VIEWS:
            shown = label if lesion_side in (None, side) else "Normal"
            sample = synthetic_mammogram(
                shown, side, view, image_size, density, rng, style, lesion_contrast, findings
            )
            name = f"{stem}.{side}_{view}"
            for variant in variants:
                folder = out_dir / VARIANT_DIRS[variant] / label / case
                _write_view(folder, name, sample, variant, bits)
            relative = f"{label}\\{case}\\{name}"
            rows.append(
                {
                    "fullPath": f"{relative}.jpg",
                    "fileName": f"{name}.jpg",
                    "View": view,
                    "Side": side,
                    "Status": label,
                    "Tumour_Contour": f"{relative}_Mask.jpg" if sample.mask.any() else "-",
                    "Tumour_Contour2": "-",
                    "Age": age,
                    "Density": density,
                }
            )
    sheet_dir = out_dir / VARIANT_DIRS["jpeg8"]
    sheet_dir.mkdir(parents=True, exist_ok=True)
    pd.DataFrame(rows).to_excel(sheet_dir / "DataWMask.xlsx", index=False)
    return out_dir


# --------------------------------------------------------------------------- drawing


def _smooth_noise(rng: np.random.Generator, shape: tuple[int, int], sigma: float) -> np.ndarray:
    """Gaussian-filtered white noise rescaled to zero mean, unit standard deviation."""
    noise = cv2.GaussianBlur(rng.standard_normal(shape).astype(np.float32), (0, 0), sigma)
    return (noise - noise.mean()) / (noise.std() + 1e-6)


def _breast(
    rng: np.random.Generator, height: int, width: int, view: str, density: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A LEFT breast (chest wall at x = 0): image, breast region and tissue thickness."""
    ys, xs = np.mgrid[0:height, 0:width].astype(np.float32)
    center_y = height * rng.uniform(0.46, 0.54) if view == "CC" else height * rng.uniform(0.42, 0.5)
    radius_y = height * (rng.uniform(0.34, 0.42) if view == "CC" else rng.uniform(0.4, 0.46))
    radius_x = width * rng.uniform(0.72, 0.86)
    angle = np.arctan2(ys - center_y, xs + 1.0)
    boundary = 1.0 + sum(
        rng.uniform(0.0, 0.035) * np.cos(k * angle + rng.uniform(0, 2 * np.pi)) for k in (2, 3, 5)
    )
    radius = np.sqrt(((ys - center_y) / radius_y) ** 2 + (xs / radius_x) ** 2) / boundary
    breast = radius < 1.0
    if view == "MLO":  # the axillary tail reaches up along the chest wall
        tail = xs < width * 0.32 * (1.0 - ys / max(center_y, 1.0)) + width * 0.05
        breast |= tail & (ys < center_y)
    thickness = np.sqrt(np.clip(1.0 - radius**2, 0.0, 1.0))
    thickness = np.where(breast, np.maximum(thickness, 0.25), 0.0).astype(np.float32)

    glandular = 0.05 + 0.025 * density
    texture = glandular * _smooth_noise(rng, (height, width), width / 30)
    texture += 0.4 * glandular * _smooth_noise(rng, (height, width), width / 90)
    strands = np.zeros((height, width), np.float32)
    nipple = (int(radius_x * 0.98), int(center_y))
    for _ in range(int(8 + 4 * density)):
        end_y = int(center_y + rng.uniform(-1, 1) * radius_y * 1.1)
        cv2.line(strands, nipple, (0, end_y), 1.0, max(1, width // 160), cv2.LINE_AA)
    strands = cv2.GaussianBlur(strands, (0, 0), max(1.0, width / 120))
    tissue = 0.32 + 0.3 * thickness + thickness * texture + 0.1 * glandular * 4 * strands
    image = np.where(breast, np.clip(tissue, 0.12, 0.92), 0.0).astype(np.float32)

    if view == "MLO":
        top = width * rng.uniform(0.3, 0.42)
        left = height * rng.uniform(0.34, 0.46)
        pectoral = (xs / top + ys / left) < 1.0
        muscle = 0.74 + 0.04 * _smooth_noise(rng, (height, width), width / 25)
        image = np.where(pectoral & breast, muscle, image)
        thickness = np.where(pectoral, 0.0, thickness)  # keep lesions out of the muscle
    return image, breast, thickness


def _digital_tissue(
    rng: np.random.Generator,
    film: np.ndarray,
    breast: np.ndarray,
    thickness: np.ndarray,
    density: int,
) -> np.ndarray:
    """Digital-style breast: a bright glandular core inside a large, dim fatty breast."""
    height, width = breast.shape
    fat = rng.uniform(0.05, 0.2)  # fat's brightness as a share of the dense tissue's
    deep = breast & (thickness > 0)  # the pectoral muscle has thickness 0
    field = _smooth_noise(rng, (height, width), width / 14) + 3.0 * thickness
    share = 0.12 + 0.1 * density  # of the breast that is glandular
    cut = np.quantile(field[deep], 1.0 - share) if deep.any() else 0.0
    glandular = 1.0 / (1.0 + np.exp(-(field - cut) / 0.25))
    fine = 1.0 + 0.08 * _smooth_noise(rng, (height, width), max(1.0, width / 80))
    tissue = (fat + (0.85 - fat) * glandular) * fine
    image = np.where(deep, tissue, 0.0)
    muscle = breast & ~deep
    image = np.where(muscle, film * 0.9, image)
    return np.clip(image, 0.0, 1.0).astype(np.float32)


def _lesion_site(
    rng: np.random.Generator, breast: np.ndarray, thickness: np.ndarray, reach: float
) -> tuple[int, int]:
    """A pixel deep enough inside the breast that a lesion of ``reach`` stays inside."""
    inside = (breast & (thickness > 0.3)).astype(np.uint8)
    inside[[0, -1], :] = 0  # the image edge (chest wall) bounds the lesion like the skin does
    inside[:, [0, -1]] = 0
    depth = cv2.distanceTransform(inside, cv2.DIST_L2, 5)
    candidates = np.argwhere(depth > reach)
    if len(candidates) == 0:
        candidates = np.argwhere(depth >= depth.max() * 0.8)
    y, x = candidates[rng.integers(len(candidates))]
    return int(y), int(x)


def _subtle_finding(
    rng: np.random.Generator,
    image: np.ndarray,
    breast: np.ndarray,
    thickness: np.ndarray,
    contrast: float,
    label: str,
) -> np.ndarray:
    """A small faint benign mass; for a cancer a microcalcification cluster, with a small
    faint mass under it one time in three."""
    if label == "Benign":
        return _benign_mass(rng, image, breast, thickness, contrast * 0.6, scale=0.35)
    height, width = image.shape
    spread = width * rng.uniform(0.02, 0.03)
    y, x = _lesion_site(rng, breast, thickness, spread * 2)
    mask = np.zeros((height, width), np.uint8)
    if rng.random() < 1 / 3:
        mass = _malignant_mass(rng, image, breast, thickness, contrast * 0.5, scale=0.3)
        mask |= mass.astype(np.uint8)
        ys, xs = np.nonzero(mass)
        if len(ys):
            y, x = int(ys.mean()), int(xs.mean())
    dots = np.zeros((height, width), np.float32)
    dot = max(1, round(width / 700))  # about 0.3 mm on a full-size film
    for _ in range(int(rng.integers(8, 16))):
        cy, cx = rng.normal((y, x), spread * 0.5)
        cv2.circle(dots, (int(cx), int(cy)), dot, 1.0, -1, cv2.LINE_AA)
    image += contrast * 0.5 * dots * breast
    np.clip(image, 0.0, 1.0, out=image)
    cv2.circle(mask, (x, y), int(spread * 1.3), 1, -1)
    return mask.astype(bool) & breast


def _benign_mass(
    rng: np.random.Generator,
    image: np.ndarray,
    breast: np.ndarray,
    thickness: np.ndarray,
    contrast: float = 1.0,
    scale: float = 1.0,
) -> np.ndarray:
    """Round or oval, circumscribed mass with a sharp, smooth margin."""
    height, width = image.shape
    radius = width * rng.uniform(0.06, 0.09) * scale
    y, x = _lesion_site(rng, breast, thickness, radius * 1.6)
    axes = (
        max(2, int(radius * rng.uniform(0.9, 1.15))),
        max(2, int(radius * rng.uniform(0.7, 1.0))),
    )
    mask = np.zeros((height, width), np.uint8)
    cv2.ellipse(mask, (x, y), axes, float(rng.uniform(0, 180)), 0, 360, 1, -1, cv2.LINE_AA)
    body = cv2.GaussianBlur(mask.astype(np.float32), (0, 0), max(0.5, radius * 0.05))
    image += contrast * rng.uniform(0.3, 0.36) * body
    np.clip(image, 0.0, 1.0, out=image)
    return mask.astype(bool) & breast


def _malignant_mass(
    rng: np.random.Generator,
    image: np.ndarray,
    breast: np.ndarray,
    thickness: np.ndarray,
    contrast: float = 1.0,
    scale: float = 1.0,
) -> np.ndarray:
    """Irregular, spiculated mass, often with a cluster of micro-calcifications."""
    height, width = image.shape
    radius = width * rng.uniform(0.05, 0.075) * scale
    y, x = _lesion_site(rng, breast, thickness, radius * 2.6)
    angles = np.linspace(0, 2 * np.pi, 48, endpoint=False)
    wobble = 1.0 + sum(
        rng.uniform(0.1, 0.22) * np.cos(k * angles + rng.uniform(0, 2 * np.pi)) for k in (3, 5, 7)
    )
    outline = np.stack(
        [x + radius * wobble * np.cos(angles), y + radius * wobble * np.sin(angles)], 1
    )
    mask = np.zeros((height, width), np.uint8)
    cv2.fillPoly(mask, [np.round(outline).astype(np.int32)], 1, cv2.LINE_AA)

    spicules = np.zeros((height, width), np.float32)
    thickness_px = max(1, round(width / 200))
    for angle in rng.uniform(0, 2 * np.pi, int(rng.integers(10, 18))):
        length = radius * rng.uniform(1.8, 2.6)
        end = (int(x + length * np.cos(angle)), int(y + length * np.sin(angle)))
        cv2.line(spicules, (x, y), end, 1.0, thickness_px, cv2.LINE_AA)
    core = cv2.GaussianBlur(mask.astype(np.float32), (0, 0), max(0.6, radius * 0.12))
    image += contrast * rng.uniform(0.26, 0.32) * core + contrast * 0.18 * spicules * breast
    if rng.random() < 0.6:
        dot = max(1, round(width / 220))
        for _ in range(int(rng.integers(5, 11))):
            cy, cx = rng.normal((y, x), radius * 0.9)
            level = 1.0 - 0.6 * (1.0 - contrast)  # 1.0 (white) at full contrast
            cv2.circle(image, (int(cx), int(cy)), dot, level, -1, cv2.LINE_AA)
    np.clip(image, 0.0, 1.0, out=image)
    return mask.astype(bool) & breast


def _film_finish(rng: np.random.Generator, image: np.ndarray, side: str, view: str) -> np.ndarray:
    """Film background, the view label in the top corner away from the chest wall, noise."""
    height, width = image.shape
    image = np.maximum(image, 0.04 + 0.015 * _smooth_noise(rng, image.shape, width / 20))
    scale = width / 400
    text = f"{side[0]} {view}"
    (text_w, text_h), _ = cv2.getTextSize(text, cv2.FONT_HERSHEY_SIMPLEX, scale, 1)
    margin = max(2, width // 40)
    x = width - text_w - margin if side == "LEFT" else margin
    origin = (x, text_h + max(2, height // 60))
    label = np.zeros(image.shape, np.uint8)  # OpenCV draws text on 8-bit images only
    cv2.putText(label, text, origin, cv2.FONT_HERSHEY_SIMPLEX, scale, 230, max(1, width // 200))
    image = np.maximum(image, label.astype(np.float32) / 255)
    image = image + rng.normal(0.0, 0.008, image.shape).astype(np.float32)
    return np.clip(image, 0.0, 1.0)


def _digital_finish(rng: np.random.Generator, image: np.ndarray) -> np.ndarray:
    """Detector noise over a background just above 0; no film label."""
    image = np.maximum(image, 0.002) + rng.normal(0.0, 0.002, image.shape).astype(np.float32)
    return np.clip(image, 0.0, 1.0)


# --------------------------------------------------------------------------- writing


def _write_view(
    folder: Path, name: str, sample: SyntheticImage, variant: str, bits: int = 16
) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    if variant == "jpeg8":
        pixels = np.round(sample.image * 255).astype(np.uint8)
        _imwrite(folder / f"{name}.jpg", pixels, [cv2.IMWRITE_JPEG_QUALITY, 92])
        if sample.mask.any():
            _imwrite(folder / f"{name}_Mask.jpg", sample.mask.astype(np.uint8) * 255, [])
    else:
        pixels = np.round(sample.image * (2**bits - 1)).astype(np.uint16)
        _imwrite(folder / f"{name}.png", pixels, [])
        if sample.mask.any():
            _imwrite(folder / f"{name}_Mask.png", sample.mask.astype(np.uint8) * 255, [])


def _imwrite(path: Path, pixels: np.ndarray, params: list[int]) -> None:
    if not cv2.imwrite(str(path), pixels, params):
        raise OSError(f"{path}: could not write image")


def _write_ics(folder: Path, stem: str, age: int, density: int, bits: int = 16) -> None:
    """A DDSM-style ``.ics`` case file (``A_0001_1`` -> ``A-0001-1.ics``)."""
    folder.mkdir(parents=True, exist_ok=True)
    ics_name = stem.replace("_", "-")
    lines = [
        "ics_version 1.0",
        f"filename {ics_name}",
        "DATE_OF_STUDY 1 1 98",
        f"PATIENT_AGE {age}",
        "FILM",
        "FILM_TYPE REGULAR",
        f"DENSITY {density}",
        "DATE_DIGITIZED 1 1 98",
        "DIGITIZER SYNTHETIC mammokit",
        "SEQUENCE",
    ]
    lines += [
        f"{s}_{v} LINES 0 PIXELS_PER_LINE 0 BITS_PER_PIXEL {bits} RESOLUTION 50" for s, v in _VIEWS
    ]
    (folder / f"{ics_name}.ics").write_text("\n".join(lines) + "\n")
