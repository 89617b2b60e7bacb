"""Prepare a dataset once: every image read, scaled, flipped, cropped and resized, then stored.

Full-size mammograms (2,000-5,000 px, 12-16 bit, DICOM RLE or JPEG 2000) take far longer to
decode than a model takes to train on them at 512 px. :func:`prepare` applies a model's
per-image recipe (:class:`~mammokit.imaging.InputSpec`: intensity rule, flip to the left,
breast crop, resize stretching or padding) once, on every core or on a Dask cluster, and
writes a **prepared dataset**:

```
DIR/
  mammokit-prepared.json    the manifest: mammokit version, recipe, source fingerprint, status
  records.csv               the records, image_path pointing at the prepared files, plus
                            source_path and each image's placement (flip, crop box, scale,
                            padding: mammokit.imaging.geometry.Placement)
  images/ab/ab12....png     16-bit grayscale PNG, the 0..255 scale times 257 (lossless at 1/257)
  masks/ab/ab12....png      8-bit lesion masks (0/255), where the records have masks
  progress.jsonl            one line per finished image: what a rerun skips
```

TensorFlow decodes the PNGs in the graph (``tf.io.decode_png``), so training on prepared data
runs no Python per image (:func:`mammokit.datasets.make_dataset`). A rerun skips finished
images; a changed recipe or source is refused, never mixed with stale files; a file that fails
is listed (``records.attrs["skipped"]``, the manifest), never fatal and never dropped silently.

Examples
--------
>>> import tempfile
>>> from mammokit.datasets import make_synthetic
>>> root = make_synthetic(tempfile.mkdtemp(), n_patients=3, image_size=(96, 64))
>>> prepared = prepare(root, tempfile.mkdtemp(), (48, 24), workers=1)
>>> len(prepared), prepared.attrs["prepared"]["size"], prepared.attrs["prepared"]["fit"]
(12, [48, 24], 'pad')
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import cv2
import numpy as np
import pandas as pd

from mammokit._version import __version__
from mammokit.datasets.readers.loading import load_records
from mammokit.datasets.readers.prepared import (
    MANIFEST,
    RECORDS,
    is_prepared_table,
    read_manifest,
    read_prepared,
    recipe_of,
)
from mammokit.errors import DatasetError, MammokitError, require
from mammokit.imaging.example import InputSpec, standard_preprocess, to_stored
from mammokit.imaging.geometry import PLACEMENT_COLUMNS
from mammokit.imaging.intensity import Intensity
from mammokit.progress import progress_bar
from mammokit.records import check_records, record_classes, save_records

__all__ = ["ENGINES", "fingerprint", "prepare", "prepare_one"]

logger = logging.getLogger("mammokit")

#: Where the work runs: ``"processes"`` (every core of this machine) or ``"dask"`` (a Dask
#: distributed cluster: the ``scale`` extra).
ENGINES = ("processes", "dask")
_PROGRESS = "progress.jsonl"
_FORMAT = 1  # the prepared layout's version


def prepare(
    source: str | os.PathLike | pd.DataFrame,
    out_dir: str | os.PathLike,
    image_size: tuple[int, int],
    *,
    intensity: Intensity = "bits",
    fit: str = "pad",
    inversion: str = "detect",
    blank: bool = True,
    with_masks: bool = True,
    workers: int | None = None,
    engine: str = "processes",
    client: object | None = None,
    overwrite: bool = False,
    variant: str = "jpeg8",
    labels: str = "case",
) -> pd.DataFrame:
    """Apply the per-image recipe to every image once and store the results losslessly.

    Parameters
    ----------
    source
        Anything ``mammokit train`` reads (:func:`~mammokit.datasets.load_records`: a public
        dataset's download, a DICOM archive with labels, class folders, a records CSV) or a
        records table.
    out_dir
        The prepared dataset's folder.
    image_size
        ``(height, width)`` of the stored images, e.g. ``(1024, 512)``.
    intensity, fit, inversion, blank
        The recipe: the 0..255 intensity rule (:mod:`mammokit.imaging.intensity`), how the
        breast crop reaches ``image_size`` (``"pad"``: aspect kept; ``"stretch"``), whether an
        image in negative is brought to normal polarity (``"detect"``) and whether what is
        not breast inside the crop is set to the background level; the side flip and breast
        crop are the standard ones (:class:`~mammokit.imaging.InputSpec`).
    with_masks
        Also store each image's merged lesion mask, placed like its image.
    workers
        Processes (``engine="processes"``, default every core) or, with ``engine="dask"`` and
        no ``client``, the workers of a local Dask cluster.
    engine, client
        ``"processes"`` or ``"dask"``; with ``"dask"``, a ``dask.distributed.Client`` of your
        cluster (``dask-jobqueue``, Kubernetes, ...), or none for a ``LocalCluster``.
    overwrite
        Replace a prepared dataset of another recipe or source in ``out_dir`` (refused
        otherwise).
    variant, labels
        For a Mini-DDSM source (:func:`~mammokit.datasets.read_mini_ddsm`).

    Returns
    -------
    pandas.DataFrame
        The prepared records (:func:`read_prepared`), the failures in ``attrs["skipped"]``.

    Raises
    ------
    DatasetError
        ``out_dir`` holds another preparation (without ``overwrite``), or no image could be
        prepared.
    """
    if engine not in ENGINES:
        raise MammokitError(f"engine must be one of {ENGINES}, got {engine!r}")
    if workers is not None and workers < 1:
        raise MammokitError(f"workers must be >= 1, got {workers}")
    spec = InputSpec(
        image_size, 1, intensity, standard_preprocess, fit=fit, inversion=inversion, blank=blank
    )
    records = source if isinstance(source, pd.DataFrame) else load_records(source, variant, labels)
    check_records(records)
    if is_prepared_table(records):
        raise MammokitError("these records are prepared already; prepare the original source")
    out = Path(out_dir)
    recipe = recipe_of(spec)
    manifest = {
        "format": _FORMAT,
        "mammokit_version": __version__,
        "recipe": recipe,
        "with_masks": bool(with_masks),
        "source": str(source) if not isinstance(source, pd.DataFrame) else "records table",
        "fingerprint": fingerprint(records, with_masks),
        "images": len(records),
    }
    done = _start(out, manifest, overwrite)
    rows = records.reset_index(drop=True)
    jobs = [
        _job(index, row, out, with_masks)
        for index, row in rows.iterrows()
        if _key(row["image_path"]) not in done
    ]
    if done:
        logger.info("%s: %d of %d images prepared already, skipped", out, len(done), len(rows))
    run = _run_dask if engine == "dask" else _run_processes
    with open(out / _PROGRESS, "a") as log, progress_bar(len(jobs), "preparing", "image") as bar:
        for result in run(jobs, spec, workers, client):
            log.write(json.dumps(result) + "\n")
            log.flush()
            done[result["key"]] = result
            bar.update(1)
    return _finish(out, rows, done, manifest)


def fingerprint(records: pd.DataFrame, with_masks: bool = True) -> str:
    """A hash of the source: each image's path, side, stored bits, masks, file size and time.

    It reads file metadata only (``os.stat``), so it is quick on 50,000 files; a replaced or
    touched file, a new row or a changed side gives another fingerprint.
    """
    digest = hashlib.sha256()
    columns = [c for c in ("image_path", "side", "bits_stored") if c in records]
    for values in records[columns].astype(str).itertuples(index=False):
        digest.update("|".join(values).encode())
        digest.update(_stat(values[0]).encode())
    if with_masks and "mask_paths" in records:
        for paths in records["mask_paths"]:
            for path in paths:
                digest.update(f"{path}{_stat(path)}".encode())
    return digest.hexdigest()


# ---------------------------------------------------------------------------------- the work


def prepare_one(job: dict, spec: InputSpec) -> dict:
    """Prepare one image (in a worker process): write its PNG (and mask), return its row.

    Never raises: a failure comes back as ``{"key": ..., "error": ...}``.
    """
    try:
        image, mask, placement = spec.read_placed(
            job["path"], job["side"], tuple(job["masks"]), job["bits"]
        )
        _write_png(job["image_out"], to_stored(image))
        if job["mask_out"]:
            _write_png(job["mask_out"], (mask > 0).astype(np.uint8) * 255)
        return {"key": job["key"], **placement.to_dict()}
    except Exception as err:  # reported and listed, never fatal
        return {"key": job["key"], "error": f"{job['path']}: {err}"}


def _run_processes(jobs: list[dict], spec: InputSpec, workers: int | None, _client) -> Iterator:
    workers = workers or os.cpu_count() or 1
    if workers == 1:
        yield from (prepare_one(job, spec) for job in jobs)
        return
    # chunks small enough that every worker gets its share of a short list (an image takes
    # a few hundred ms, a chunk's round trip well under one)
    chunk = max(1, min(16, len(jobs) // (workers * 8)))
    with ProcessPoolExecutor(workers) as pool:
        yield from pool.map(prepare_one, jobs, [spec] * len(jobs), chunksize=chunk)


def _run_dask(jobs: list[dict], spec: InputSpec, workers: int | None, client) -> Iterator:
    distributed = require("distributed", "scale")
    own = None
    if client is None:
        cluster = distributed.LocalCluster(
            n_workers=workers or os.cpu_count() or 1, threads_per_worker=1, processes=True
        )
        own = client = distributed.Client(cluster)
    try:
        futures = client.map(prepare_one, jobs, spec=spec, pure=False)
        for future in distributed.as_completed(futures):
            yield future.result()
    finally:
        if own is not None:
            own.close()
            own.cluster.close()


def _job(index: int, row: pd.Series, out: Path, with_masks: bool) -> dict:
    key = _key(row["image_path"])
    masks = tuple(row["mask_paths"]) if with_masks and "mask_paths" in row else ()
    bits = pd.to_numeric(row.get("bits_stored"), errors="coerce") if "bits_stored" in row else None
    return {
        "key": key,
        "index": int(index),
        "path": str(row["image_path"]),
        "side": "" if pd.isna(row.get("side", "")) else str(row.get("side", "")),
        "masks": masks,
        "bits": None if bits is None or pd.isna(bits) else float(bits),
        "image_out": str(out / "images" / key[:2] / f"{key}.png"),
        "mask_out": str(out / "masks" / key[:2] / f"{key}.png") if masks else "",
    }


def _write_png(path: str, array: np.ndarray) -> None:
    """Write atomically: a half-written file never has the final name."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(f".{target.name}.partial.png")
    if not cv2.imwrite(str(partial), array):
        raise MammokitError(f"{target}: could not write")
    os.replace(partial, target)


def _key(path: str) -> str:
    return hashlib.sha1(str(path).encode()).hexdigest()[:20]


def _stat(path: str) -> str:
    try:
        info = os.stat(path)
    except OSError:
        return "missing"
    return f"{info.st_size}:{info.st_mtime_ns}"


# -------------------------------------------------------------------------- the bookkeeping


def _write_manifest(folder: Path, manifest: dict) -> None:
    partial = folder / f".{MANIFEST}.partial"
    partial.write_text(json.dumps(manifest, indent=2))
    os.replace(partial, folder / MANIFEST)


def _start(out: Path, manifest: dict, overwrite: bool) -> dict[str, dict]:
    """Check ``out`` against the manifest; the finished images of an earlier run by key."""
    previous = read_manifest(out) if out.exists() else None
    same = previous is not None and all(
        previous.get(k) == manifest[k] for k in ("format", "recipe", "fingerprint", "with_masks")
    )
    if previous is not None and not same:
        if not overwrite:
            changed = [
                k for k in ("recipe", "fingerprint", "with_masks") if previous.get(k) != manifest[k]
            ]
            raise DatasetError(
                f"{out} holds a dataset prepared with another {' and '.join(changed)}; choose "
                "another folder or pass overwrite=True (--overwrite) to replace it"
            )
        _clear(out)
    elif previous is None and out.exists() and any(out.iterdir()):
        raise DatasetError(f"{out} is not empty and holds no prepared dataset; choose another")
    out.mkdir(parents=True, exist_ok=True)
    done = _finished(out) if same else {}
    _write_manifest(out, {**manifest, "status": "incomplete", "done": len(done)})
    return done


def _finished(out: Path) -> dict[str, dict]:
    """The images an earlier run finished: logged, and their files there."""
    done: dict[str, dict] = {}
    log = out / _PROGRESS
    if not log.is_file():
        return done
    for line in log.read_text().splitlines():
        try:
            entry = json.loads(line)
        except json.JSONDecodeError:  # the last line of a killed run
            continue
        if (
            "error" not in entry
            and (out / "images" / entry["key"][:2] / f"{entry['key']}.png").is_file()
        ):
            done[entry["key"]] = entry
    return done


def _clear(out: Path) -> None:
    for name in ("images", "masks"):
        shutil.rmtree(out / name, ignore_errors=True)
    for name in (_PROGRESS, RECORDS, MANIFEST):
        (out / name).unlink(missing_ok=True)


def _finish(out: Path, rows: pd.DataFrame, done: dict[str, dict], manifest: dict) -> pd.DataFrame:
    keys = [_key(path) for path in rows["image_path"]]
    good = [key in done and "error" not in done[key] for key in keys]
    failed = [
        {"path": path, "reason": done[key]["error"]}
        for path, key in zip(rows["image_path"], keys, strict=True)
        if key in done and "error" in done[key]
    ]
    for entry in failed:
        logger.warning("could not prepare %s", entry["reason"])
    if not any(good):
        _write_manifest(out, {**manifest, "status": "failed", "failed": failed})
        raise DatasetError(f"{out}: no image could be prepared ({failed[:3]})")
    table = rows[good].copy()
    kept = [key for key, ok in zip(keys, good, strict=True) if ok]
    table["source_path"] = table["image_path"]
    table["image_path"] = [str(out / "images" / k[:2] / f"{k}.png") for k in kept]
    if "mask_paths" in table:
        table["mask_paths"] = [
            (str(out / "masks" / k[:2] / f"{k}.png"),) if masks and manifest["with_masks"] else ()
            for k, masks in zip(kept, table["mask_paths"], strict=True)
        ]
    placements = pd.DataFrame([{c: done[k][c] for c in PLACEMENT_COLUMNS} for k in kept])
    table = pd.concat([table.reset_index(drop=True), placements], axis=1)
    table["prepared_recipe"] = json.dumps(manifest["recipe"], sort_keys=True)
    table.attrs = dict(rows.attrs)
    save_records(table, out / RECORDS)
    extra = {name: rows.attrs.get(name) for name in ("task", "labels") if rows.attrs.get(name)}
    extra["classes"] = list(record_classes(rows))  # their order is the model's output order
    _write_manifest(
        out, {**manifest, **extra, "status": "complete", "done": len(kept), "failed": failed}
    )
    return read_prepared(out)
