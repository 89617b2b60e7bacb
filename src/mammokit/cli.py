"""The ``mammokit`` command: a thin layer that parses arguments and calls the library."""

from __future__ import annotations

import argparse
import contextlib
import csv
import logging
import os
import re
import sys
import traceback
from collections.abc import Sequence
from pathlib import Path

from mammokit._version import __version__
from mammokit.cam_methods import DEFAULT_METHOD, METHODS
from mammokit.datasets.readers.mini_ddsm import LABEL_LEVELS
from mammokit.datasets.tasks import TASKS
from mammokit.errors import MammokitError
from mammokit.model_info import FITS, INVERSIONS
from mammokit.records import LEVELS, without_patient
from mammokit.registry import MODELS, available_models, model_entry
from mammokit.runs import run_folder
from mammokit.views import input_name, side_from_name, view_side

#: Exit statuses: success, a data or model problem the library reported, a usage error, an
#: unexpected internal error (a bug: please report it), interrupted (Ctrl-C: 128 + SIGINT).
EXIT_OK, EXIT_ERROR, EXIT_USAGE, EXIT_INTERNAL, EXIT_INTERRUPTED = 0, 1, 2, 3, 130
#: ``--weights`` when not given: each model's own default (ImageNet for the backbones).
_MODEL_DEFAULT = "model default"


class _UsageError(MammokitError):
    """A command-line option that does not fit the command (exit status 2, as argparse's)."""


def _demo(args: argparse.Namespace) -> int:
    from mammokit.demo import DEFAULT, QUICK, run_demo

    report = run_demo(args.out, QUICK if args.quick else DEFAULT, seed=args.seed)
    return EXIT_OK if report["models"] else EXIT_ERROR


def _model_name(value: str) -> str:
    """A registry name as the command line takes it: ``multiview-mobilenet`` is accepted."""
    return value if value in MODELS else value.replace("-", "_")


def _weights(value: str) -> str | None:
    return None if value.lower() == "none" else value


def _weight_option(args: argparse.Namespace) -> dict:
    return {} if args.weights == _MODEL_DEFAULT else {"weights": args.weights}


def _model_options(args: argparse.Namespace) -> dict:
    """The registry options given on the command line, refused for a model without them."""
    entry = model_entry(args.model)
    own = {option.name for option in entry.options}
    given = {
        option.name: getattr(args, option.name)
        for model in MODELS.values()
        for option in model.options
        if getattr(args, option.name, None) is not None
    }
    foreign = sorted(set(given) - own)
    if foreign:
        flags = ", ".join(f"--{name.replace('_', '-')}" for name in foreign)
        raise _UsageError(f"{flags} does not apply to --model {args.model}")
    return given


def _train(args: argparse.Namespace) -> int:
    from mammokit import datasets
    from mammokit.datasets.readers.prepared import prepared_recipe
    from mammokit.datasets.tasks import apply_task
    from mammokit.experiment import TrainConfig
    from mammokit.records import record_classes

    if args.resume:
        args = _resumed_arguments(args)
    elif args.data is None:
        raise _UsageError("give DATA, or --resume DIR to continue an unfinished run")
    options = _model_options(args)  # a wrong option fails before any data is read
    _check_training_options(args)
    records = datasets.load_records(args.data, variant=args.variant, labels=args.labels or "case")
    blank = without_patient(records)
    print(
        f"read {len(records)} images of {records['patient_id'][~blank].nunique()} patients "
        f"from {args.data}"
        + (f" ({blank.sum()} image(s) without a patient id)" if blank.any() else "")
    )
    _report_skipped(records)
    if args.task:
        kept = len(records)
        records = apply_task(records, args.task)
        print(f"task {args.task}: {len(records)} of {kept} images kept")
    counts = records["label"].value_counts()
    print("classes: " + ", ".join(f"{c} {counts.get(c, 0)}" for c in record_classes(records)))
    recipe = prepared_recipe(records) or {}
    if recipe:
        print(f"prepared data: {recipe['size'][0]}x{recipe['size'][1]}, fit {recipe['fit']}")
    side = model_entry(args.model).input_size
    config = TrainConfig(
        image_size=args.image_size or tuple(recipe.get("size", (side, side))),
        batch_size=args.batch_size,
        epochs=args.epochs,
        patience=args.patience,
        start_from_epoch=args.start_from_epoch,
        learning_rate=args.learning_rate,
        augment=args.augment,
        seed=args.seed,
        fit=args.fit,
        inversion=args.inversion,
        blank=args.blank,
        calibrate=args.calibrate,
        operating_target=args.operating_point,
        optimizer=args.optimizer,
        weight_decay=args.weight_decay,
        clipnorm=args.clipnorm,
        warmup_epochs=args.warmup_epochs,
        label_smoothing=args.label_smoothing,
        head_epochs=args.head_epochs,
        fine_tune=args.fine_tune,
    )
    out = Path(args.out)
    command = "mammokit " + " ".join(sys.argv[1:]) if sys.argv[1:] else "mammokit train"
    holding = {
        "command": command,
        "overwrite": args.overwrite,
        "resume": args.resume is not None,
        "arguments": _recorded_arguments(args),
    }
    if args.split.startswith("folds:"):
        folds = list(datasets.patient_folds(records, int(args.split[6:]), args.seed))
        with run_folder(out, **holding):
            return _train_folds(args, folds, config, options, out)
    if args.split == "official":
        train, val, test = datasets.official_split(records, args.val_size, args.seed)
        how = "the dataset's published split"
    else:
        train, val, test = datasets.split_by_patient(
            records, args.val_size, args.test_size, args.seed
        )
        how = "patient"
    with run_folder(out, **holding):  # checked and split: now it may write
        entry = _train_part(args, train, val, test, config, options, out)
    print(f"split by {how}: {len(train)} train, {len(val)} validation, {len(test)} test images")
    level = entry["evaluation"].get("level", "image")
    print(f"test accuracy per {level} {entry['accuracy']:.1%} after {entry['epochs']} epochs")
    _print_decision(entry["evaluation"])
    print(f"model: {out / (args.model + '.keras')}; report: {out / (args.model + '_report.json')}")
    return 0


#: What a run records of its options, so that ``--resume`` takes it up as it was started.
_NOT_RECORDED = ("handler", "command", "verbose", "quiet", "resume", "overwrite")


def _recorded_arguments(args: argparse.Namespace) -> dict:
    return {
        name: list(value) if isinstance(value, tuple) else value
        for name, value in vars(args).items()
        if name not in _NOT_RECORDED
    }


def _resumed_arguments(args: argparse.Namespace) -> argparse.Namespace:
    """The options of the unfinished run in ``--resume DIR``; any other given is refused."""
    from mammokit.runs import RunFolderError, read_run

    defaults = vars(build_parser().parse_args(["train", "--resume", args.resume]))
    given = sorted(
        name
        for name, value in vars(args).items()
        if name not in _NOT_RECORDED and value != defaults[name]
    )
    if given:
        flags = ", ".join("DATA" if n == "data" else "--" + n.replace("_", "-") for n in given)
        raise _UsageError(f"--resume takes the run's own options; leave out {flags}")
    run = read_run(args.resume)
    if run is None or not run.get("arguments"):
        what = "no run" if run is None else "a run that did not record its options"
        raise RunFolderError(f"{args.resume}: {what} to resume; start it with mammokit train")
    recorded = dict(run["arguments"], out=args.resume)
    if recorded.get("image_size") is not None:
        recorded["image_size"] = tuple(recorded["image_size"])
    print(f"resuming the run in {args.resume}: {run.get('command', 'mammokit train')}")
    return argparse.Namespace(**{**vars(args), **recorded})


def _check_training_options(args: argparse.Namespace) -> None:
    """Every number a training run needs, checked before anything is read or written."""
    for name in ("epochs", "batch_size"):
        if getattr(args, name) < 1:
            raise _UsageError(f"--{name.replace('_', '-')} must be at least 1")
    if args.patience < 0 or args.start_from_epoch < 0 or args.learning_rate <= 0:
        raise _UsageError(
            "--patience and --start-from-epoch must be >= 0 and --learning-rate above 0"
        )
    if args.weight_decay < 0 or args.warmup_epochs < 0 or args.head_epochs < 0:
        raise _UsageError("--weight-decay, --warmup-epochs and --head-epochs must be >= 0")
    if args.clipnorm is not None and args.clipnorm <= 0:
        raise _UsageError("--clipnorm must be above 0")
    if not 0 <= args.label_smoothing < 1:
        raise _UsageError("--label-smoothing must be in [0, 1)")


def _train_part(args, train, val, test, config, options: dict, out: Path) -> dict:
    """Train one model on a split into ``out``; resumed, the split must be the one saved."""
    from mammokit import datasets
    from mammokit.experiment import train_model

    resume = args.resume is not None
    parts = {"train": train, "val": val, "test": test}
    if resume:
        _check_same_split(parts, out)
    for part, table in parts.items():
        datasets.save_records(table, out / f"{part}.csv")
    return train_model(
        args.model,
        train,
        val,
        test,
        out,
        args.model,
        config,
        resume=resume,
        **_weight_option(args),
        **options,
    )


def _check_same_split(parts: dict, out: Path) -> None:
    """A resumed run's split, made again from its data and seed, against the one it saved."""
    from mammokit.runs import RunFolderError

    for part, table in parts.items():
        saved = out / f"{part}.csv"
        if not saved.is_file():
            continue
        before = sorted(csv.DictReader(saved.open(newline="")), key=lambda row: row["image_path"])
        paths = [row["image_path"] for row in before]
        if paths != sorted(table["image_path"].astype(str)):
            raise RunFolderError(
                f"{saved}: the data changed since the run started (its {part} part differs); "
                "start a new run"
            )


def _train_folds(args, folds: list, config, options: dict, out: Path) -> int:
    """``--split folds:K``: one model per fold, each tested on its fold; mean and sd."""
    import json
    import statistics

    from mammokit import datasets

    k = len(folds)
    rows = []
    for fold, (rest, test) in enumerate(folds, start=1):
        share = min(args.val_size / (1 - 1 / k), 0.5)
        train, val, _ = datasets.split_by_patient(rest, share, 0.0, args.seed)
        folder = out / f"fold{fold}"
        entry = _finished_fold(args, folder) or _train_part(
            args, train, val, test, config, options, folder
        )
        evaluation = entry["evaluation"]
        auc = evaluation["per_class"][evaluation["operating_point"]["class"]]["auc"]
        rows.append({"fold": fold, "accuracy": entry["accuracy"], "auc": auc, "n": len(test)})
        print(f"fold {fold}/{k}: {len(test)} test images, accuracy {entry['accuracy']:.1%}")
    summary = {"folds": rows}
    for name in ("accuracy", "auc"):
        values = [row[name] for row in rows if row[name] is not None]
        if values:
            spread = statistics.stdev(values) if len(values) > 1 else 0.0
            summary[name] = {"mean": statistics.fmean(values), "sd": spread}
    (out / "folds.json").write_text(json.dumps(summary, indent=2))
    accuracy = summary["accuracy"]
    print(
        f"{k}-fold patient cross-validation: accuracy {accuracy['mean']:.1%} "
        f"± {accuracy['sd']:.1%}; every fold in {out / 'folds.json'}"
    )
    return 0


def _finished_fold(args, folder: Path) -> dict | None:
    """A resumed cross-validation's fold that was finished before: its report's entry."""
    import json

    report = folder / f"{args.model}_report.json"
    if args.resume is None or not report.is_file() or (folder / f"{args.model}_resume").exists():
        return None
    evaluation = json.loads(report.read_text())
    return {"accuracy": evaluation["accuracy"], "evaluation": evaluation}


def _prepare(args: argparse.Namespace) -> int:
    from mammokit.datasets import prepare

    client = None
    if args.scheduler:
        from mammokit.errors import require

        client = require("distributed", "scale").Client(args.scheduler)
    prepared = prepare(
        args.data,
        args.out,
        args.image_size,
        intensity=args.intensity,
        fit=args.fit,
        inversion=args.inversion or "detect",
        blank=True if args.blank is None else args.blank,
        with_masks=args.masks,
        workers=args.workers,
        engine="dask" if args.engine == "dask" or client else "processes",
        client=client,
        overwrite=args.overwrite,
        variant=args.variant,
        labels=args.labels or "case",
    )
    failed = prepared.attrs.get("skipped", [])
    height, width = args.image_size
    listed = " (listed in the manifest)" if failed else ""
    print(f"prepared {len(prepared)} images at {height}x{width} in {args.out}; ", end="")
    print(f"{len(failed)} failed{listed}")
    return 0


def _image_size(text: str) -> tuple[int, int]:
    """``HxW`` (``1024x512``) or one side (``512``, square), both at least 8 pixels."""
    parts = text.lower().replace("\u00d7", "x").split("x")  # 1024x512 or 1024\u00d7512
    try:
        size = tuple(int(part) for part in parts)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected HxW or a side, got {text!r}") from None
    if len(size) == 1:
        size = (size[0], size[0])
    if len(size) != 2 or min(size) < 8:
        raise argparse.ArgumentTypeError(f"expected HxW with sides of 8 or more, got {text!r}")
    return size


def _operating_target(text: str) -> str:
    from mammokit.metrics.operating import parse_target

    try:
        parse_target(text)
    except MammokitError as err:
        raise argparse.ArgumentTypeError(str(err)) from None
    return text


def _split(text: str) -> str:
    """``patient``, ``official`` or ``folds:K`` (K >= 2)."""
    if text in ("patient", "official"):
        return text
    if text.startswith("folds:") and text[6:].isdigit() and int(text[6:]) >= 2:
        return text
    raise argparse.ArgumentTypeError(f"expected patient, official or folds:K, got {text!r}")


def _evaluate(args: argparse.Namespace) -> int:
    from mammokit import datasets
    from mammokit.datasets.tasks import apply_task
    from mammokit.experiment import evaluate_model
    from mammokit.models import info_of, load_model

    model = load_model(args.model)
    info = info_of(model, source=args.model)
    labels = args.labels or (info.labels if info.labels in LABEL_LEVELS else "case")
    records = datasets.load_records(args.data, variant=args.variant, labels=labels)
    _report_skipped(records)
    fits = set(records["label"]) <= set(info.class_names)
    if args.task or (info.task and not fits):  # a test.csv from train is relabelled already
        records = apply_task(records, args.task or info.task)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    levels = ("image", "breast", "patient") if args.level == "all" else (args.level,)
    if info.views and args.level not in ("all", *LEVELS[LEVELS.index(info.level) :]):
        raise _UsageError(f"a model of {info.level}s gives no {args.level}-level results")
    report = evaluate_model(
        model, records, out_dir=out, name=args.name, levels=levels, how=args.how,
        batch_size=args.batch_size,
    )  # fmt: skip
    for level, result in report["levels"].items():
        if level not in levels:
            continue
        macro = result["macro"]
        auc = result["per_class"][result["operating_point"]["class"]]["auc"]
        auc_text = "n/a" if auc is None else f"{auc:.3f}"
        print(
            f"{level:<8}{result['n']:>6} {'images' if level == 'image' else level + 's':<9}"
            f"accuracy {result['accuracy']:.1%}, macro sensitivity {macro['sensitivity']:.1%}, "
            f"macro specificity {macro['specificity']:.1%}, "
            f"{result['operating_point']['class']} AUC {auc_text}"
        )
        _print_decision(result)
    for level, note in report["levels_left_out"].items():
        print(f"{level}: left out ({note})")
    print(f"report: {out / (args.name + '_report.json')}")
    return 0


def _print_decision(result: dict) -> None:
    """The figures at the model's operating point and its calibration, as two lines."""
    from mammokit.export.predictor import operating_point_name

    point = result["operating_point"]
    if point.get("source") == "validation":

        def rate(key: str) -> str:
            value, bounds = point[key], point.get(f"{key}_ci")
            text = "n/a" if value is None else f"{value:.1%}"
            return text + (f" [{bounds[0]:.1%}, {bounds[1]:.1%}]" if bounds else "")

        print(
            f"  at the operating point {operating_point_name(point)}: sensitivity "
            f"{rate('sensitivity')}, specificity {rate('specificity')}, recalls "
            f"{point['recall_rate_per_1000']:.0f} and finds "
            f"{point['cancer_detection_rate_per_1000']:.0f} {point['class']} per 1,000"
        )
    calibration = result.get("calibration")
    if calibration and calibration.get("before"):
        before = calibration["before"]
        print(
            f"  calibration (temperature {calibration['temperature']:.2f}): ECE "
            f"{before['ece']:.3f} -> {calibration['ece']:.3f}, Brier {before['brier']:.3f} -> "
            f"{calibration['brier']:.3f}"
        )


def _explain(args: argparse.Namespace) -> int:
    from mammokit.explain import explanation_figure, grad_cam
    from mammokit.imaging import InputSpec
    from mammokit.models import info_of, load_model

    opacity = args.opacity
    if args.alpha is not None:
        print("mammokit: explain --alpha is deprecated; use --opacity", file=sys.stderr)
        opacity = args.alpha
    model = load_model(args.model)
    info = info_of(model, source=args.model)
    spec = InputSpec.from_info(info, tuple(model.inputs[0].shape[1:]))  # one warning at most
    if info.views:
        return _explain_views(args, model, info, spec, opacity)
    classes = info.class_names
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    rows = []
    for path in args.images:
        image, shown = spec.read_shown(path)
        batch = spec.to_input([image])
        probabilities = model.predict(batch, verbose=0)[0]
        heatmap = grad_cam(model, batch, args.class_index, args.layer, args.method)[0]
        figure = explanation_figure(
            shown, heatmap, probabilities, classes, args.class_index, Path(path).name,
            args.method, opacity,
        )  # fmt: skip
        target = out / f"{Path(path).stem}_{args.method.replace('+', 'p')}.png"
        figure.savefig(target, dpi=150)
        rows.append(_explained_row([path], probabilities, classes, target))
    _write_explained(out, ["image_path"], classes, rows)
    return 0


def _explain_views(args: argparse.Namespace, model, info, spec, opacity: float) -> int:
    """``explain`` for a multi-view model: the images in groups of its views, one figure each."""
    from mammokit.explain import explanation_figure, grad_cam

    views, classes = info.views, info.class_names
    if len(args.images) % len(views):
        raise _UsageError(
            f"the model reads the views {list(views)} of a {info.level} together: give "
            f"{len(views)} images per {info.level} ({len(args.images)} given)"
        )
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    rows = []
    for start in range(0, len(args.images), len(views)):
        paths = _by_view(args.images[start : start + len(views)], views)
        inputs, shown = {}, {}
        for view, path in paths.items():
            image, shown[view] = spec.read_shown(path)
            inputs[input_name(view)] = spec.to_input([image])
        probabilities = model.predict(inputs, verbose=0)[0]
        heatmaps = grad_cam(model, inputs, args.class_index, method=args.method)
        figure = explanation_figure(
            shown, {view: heatmaps[input_name(view)][0] for view in views}, probabilities,
            classes, args.class_index, " + ".join(Path(p).name for p in paths.values()),
            args.method, opacity,
        )  # fmt: skip
        first = Path(next(iter(paths.values()))).stem
        target = out / f"{first}_{info.level}_{args.method.replace('+', 'p')}.png"
        figure.savefig(target, dpi=150)
        rows.append(_explained_row(list(paths.values()), probabilities, classes, target))
    _write_explained(out, [f"{view}_path" for view in views], classes, rows)
    return 0


def _explained_row(paths: list[str], probabilities, classes, target: Path) -> list:
    """A ``predictions.csv`` row of ``explain``, printed as a progress line too."""
    predicted = classes[int(probabilities.argmax())]
    print(f"{' + '.join(map(str, paths))}: {predicted} ({probabilities.max():.1%}) -> {target}")
    return [*paths, predicted, *(f"{p:.6f}" for p in probabilities), str(target)]


def _write_explained(out: Path, path_columns: list[str], classes, rows: list[list]) -> None:
    with open(out / "predictions.csv", "w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow([*path_columns, "predicted", *(f"p_{c}" for c in classes), "overlay"])
        writer.writerows(rows)
    print(f"probabilities: {out / 'predictions.csv'}")


def _by_view(paths: list[str], views: tuple[str, ...]) -> dict[str, str]:
    """The files of one breast (exam) by view: as their names say (``..._CC``), else in order."""
    found = {}
    for path in paths:
        tokens = {token.upper() for token in re.split(r"[._\-\s]+", Path(path).stem)}
        side = side_from_name(path)
        for view in views:
            name = view.split("-")[-1]
            if name in tokens and view_side(view) in (None, side) and view not in found:
                found[view] = path
                break
    if len(found) == len(views):
        return {view: found[view] for view in views}
    return dict(zip(views, paths, strict=True))


def _export(args: argparse.Namespace) -> int:
    from mammokit import export
    from mammokit.models import load_model

    model = load_model(args.model)
    source = Path(args.model)
    if args.format == "tflite":
        calibration = None
        if args.int8:
            if not args.calibration:
                raise _UsageError("--int8 needs --calibration DATA (a dataset folder or CSV)")
            from mammokit.datasets import load_records

            calibration = load_records(args.calibration)
        target = Path(args.out or source.with_suffix(".int8.tflite" if args.int8 else ".tflite"))
        export.to_tflite(model, target, "int8" if args.int8 else None, calibration)
    elif args.format == "onnx":
        target = export.to_onnx(model, args.out or source.with_suffix(".onnx"))
    else:
        target = export.to_saved_model(model, args.out or source.with_suffix(""))
    print(f"wrote {target} ({_size(target)})")
    return 0


def _size(path: Path) -> str:
    files = [path] if path.is_file() else [p for p in path.rglob("*") if p.is_file()]
    return f"{sum(p.stat().st_size for p in files) / 2**20:.1f} MiB"


def _predict(args: argparse.Namespace) -> int:
    from mammokit.export import Predictor
    from mammokit.imaging.io import DICOM_SUFFIXES, IMAGE_SUFFIXES

    predictor = Predictor(args.model)
    if predictor.views is not None or args.per_breast:
        return _predict_breasts(args, predictor)
    paths = []
    for item in map(Path, args.inputs):
        if item.is_dir():
            found = sorted(
                p for p in item.rglob("*") if p.suffix.lower() in IMAGE_SUFFIXES + DICOM_SUFFIXES
            )
            paths += [p for p in found if "mask" not in p.name.lower()]
        else:
            paths.append(item)
    if not paths:
        raise MammokitError(f"no images found in {args.inputs}")
    import numpy as np
    import pandas as pd

    from mammokit.export.predictor import add_decision

    batches = []
    for start in _progress(range(0, len(paths), args.batch_size), len(paths), args.batch_size):
        batches.append(predictor.predict_files(paths[start : start + args.batch_size]))
    probabilities = np.concatenate(batches)
    classes = predictor.class_names
    table = pd.DataFrame(
        {
            "image_path": [str(path) for path in paths],
            "predicted": [classes[i] for i in probabilities.argmax(axis=1)],
        }
    )
    add_decision(table, probabilities, predictor.operating_point("image"), classes)
    table[[f"p_{c}" for c in classes]] = probabilities
    if args.csv:
        table.to_csv(args.csv, index=False, float_format="%.6f")
        print(f"wrote {len(table)} predictions to {args.csv}")
    else:
        table.to_csv(sys.stdout, index=False, float_format="%.6f")
    return 0


def _predict_breasts(args: argparse.Namespace, predictor) -> int:
    """``predict`` for a multi-view model or with ``--per-breast``: a dataset in, one row per
    breast (exam) out."""
    from mammokit import datasets

    source = Path(args.inputs[0])
    if len(args.inputs) != 1 or not (source.is_dir() or source.suffix.lower() == ".csv"):
        raise _UsageError(
            (
                f"{Path(args.model).name} reads the views {list(predictor.views)} of a "
                f"{predictor.info.level} together"
                if predictor.views
                else "--per-breast calls each breast from its images"
            )
            + ": give one dataset (a download, a folder of class folders or a records CSV) "
            "whose records name each image's patient, side and view"
        )
    records = datasets.load_records(source)
    _report_skipped(records)
    table = predictor.predict_breasts(records, args.batch_size)
    if "missing_views" in table:
        table["missing_views"] = [",".join(views) for views in table["missing_views"]]
    table = table.rename(columns={name: f"p_{name}" for name in predictor.class_names})
    if args.csv:
        table.to_csv(args.csv, index=False, float_format="%.6f")
        level = predictor.info.level if predictor.views else "breast"
        print(f"wrote {len(table)} {level} predictions to {args.csv}")
    else:
        table.to_csv(sys.stdout, index=False, float_format="%.6f")
    return 0


def _progress(steps: range, total: int, batch_size: int):
    """Yield ``steps``, drawing a progress bar on stderr when it is a terminal."""
    for done, step in enumerate(steps):
        if sys.stderr.isatty():
            count = min(total, (done + 1) * batch_size)
            bar = "#" * (30 * count // total)
            print(f"\r[{bar:<30}] {count}/{total} images", end="", file=sys.stderr, flush=True)
        yield step
    if sys.stderr.isatty():
        print(file=sys.stderr)


def _add_pixel_options(parser: argparse.ArgumentParser, default: str) -> None:
    """``--inversion`` and ``--blank/--no-blank``: the recipe's real-world pixel steps."""
    parser.add_argument(
        "--inversion", choices=INVERSIONS, default=None,
        help="detect: bring an image in negative (bright background) to normal polarity; "
        f"off: take values as stored ({default}detect)",
    )  # fmt: skip
    parser.add_argument(
        "--blank", action=argparse.BooleanOptionalAction, default=None,
        help="set what is not breast inside the crop (labels, markers, a film edge's glow) to "
        f"the background level ({default}on)",
    )  # fmt: skip


def _add_model_options(parser: argparse.ArgumentParser) -> None:
    """One flag per option of the registry's models, saying which models take it."""
    takers: dict[str, list] = {}
    for entry in MODELS.values():
        for option in entry.options:
            takers.setdefault(option.name, [option]).append(entry.name)
    for name, (option, *models) in takers.items():
        parser.add_argument(
            f"--{name.replace('_', '-')}",
            type=option.type,
            default=None,
            help=f"{option.help} ({', '.join(models)}; default {option.default})",
        )


def _add_label_options(parser: argparse.ArgumentParser, evaluating: bool = False) -> None:
    task_default = "the model's task" if evaluating else "the labels as read"
    parser.add_argument(
        "--task",
        default=None,
        choices=sorted(TASKS),
        help="; ".join(f"{t.name}: {t.description}" for t in TASKS.values())
        + f" (default: {task_default})",
    )
    parser.add_argument(
        "--labels",
        default=None,
        choices=LABEL_LEVELS,
        help="Mini-DDSM labels: 'case' (every view gets its case's class) or 'breast' (a lesion "
        "case's breast without an outline is Normal); default "
        + ("the model's, else case" if evaluating else "case"),
    )


def _report_skipped(records) -> None:
    skipped = records.attrs.get("skipped", [])
    if skipped:
        print(f"skipped {len(skipped)} file(s):")
        for entry in skipped[:10]:
            print(f"  {entry['path']}: {entry['reason']}")
        if len(skipped) > 10:
            print(f"  ... and {len(skipped) - 10} more")


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of the ``mammokit`` command."""
    parser = argparse.ArgumentParser(
        prog="mammokit",
        description="Mammogram classification on TensorFlow/Keras: data, models, explanations.",
        epilog="Exit status: 0 success, 1 a data or model problem (named on stderr), 2 a usage "
        "error, 3 an unexpected internal error (please report it), 130 interrupted (Ctrl-C).",
    )
    parser.add_argument("--version", action="version", version=f"mammokit {__version__}")
    loudness = parser.add_mutually_exclusive_group()
    loudness.add_argument(
        "-v", "--verbose", action="store_true",
        help="also debug lines, and TensorFlow's own start-up and warning lines",
    )  # fmt: skip
    loudness.add_argument("-q", "--quiet", action="store_true", help="only warnings and errors")
    commands = parser.add_subparsers(
        dest="command", required=True, metavar="COMMAND", parser_class=_Parser
    )

    demo = commands.add_parser(
        "demo",
        help="run the whole job on built-in synthetic mammograms",
        description=(
            "Write synthetic Mini-DDSM-style mammograms, split them by patient, train the plain "
            "CNN and MobileNet with weighted cross-entropy, evaluate on the test split and "
            "explain test images with Grad-CAM."
        ),
    )
    demo.add_argument("--out", default="demo-out", help="output folder")
    demo.add_argument("--seed", type=int, default=0, help="seed of data, split and training")
    demo.add_argument(
        "--quick", action="store_true", help="tiny sizes for a smoke test (seconds, low accuracy)"
    )
    demo.set_defaults(handler=_demo)

    train = commands.add_parser(
        "train",
        help="train a classifier on a dataset and evaluate it on a held-out test part",
        description=(
            "Read DATA (a download of Mini-DDSM, CBIS-DDSM, VinDr-Mammo, RSNA, INbreast or "
            "CMMD, recognised by its files; a folder of class folders; or a records CSV), "
            "optionally map its labels to a --task, split it by patient, train with weighted "
            "cross-entropy and early stopping, evaluate on the test part per image, breast and "
            "patient. Writes the model (which records its classes and preprocessing), curves, "
            "confusion matrix, report and the split (train/val/test.csv) into --out."
        ),
    )
    train.add_argument(
        "data", nargs="?", help="dataset download, folder of class folders, or records CSV"
    )
    train.add_argument(
        "--model",
        default="cnn",
        type=_model_name,
        choices=available_models(),
        metavar="MODEL",
        help="; ".join(
            f"{entry.name} ({entry.input_size} px): {entry.description}"
            for entry in MODELS.values()
        ),
    )
    train.add_argument("--out", default="mammokit-run", help="output folder")
    train.add_argument(
        "--overwrite", action="store_true",
        help="replace the run already in --out (its model, reports, splits and exports)",
    )  # fmt: skip
    train.add_argument(
        "--resume", metavar="DIR", default=None,
        help="continue the unfinished run in DIR (stopped by Ctrl-C, a crash or a lost machine) "
        "with its own data, split, seed and options, from the epoch after the last finished",
    )  # fmt: skip
    train.add_argument("--epochs", type=int, default=30, help="most epochs to train")
    train.add_argument("--patience", type=int, default=5, help="early-stopping patience")
    train.add_argument(
        "--start-from-epoch", type=int, default=0, metavar="N",
        help="epochs at the start of each stage that early stopping does not watch (none of "
        "them restored as the best; default 0)",
    )  # fmt: skip
    train.add_argument(
        "--image-size", type=_image_size, default=None, metavar="HxW",
        help="input size, e.g. 1024x512 (a mammogram is about 2:1) or 224 for a square; "
        "default the prepared data's, else the model's (224 for mobilenet)",
    )  # fmt: skip
    train.add_argument(
        "--fit", choices=FITS, default=None,
        help="how the breast crop reaches the size: stretch, or pad (aspect kept); default the "
        "prepared data's, else stretch",
    )  # fmt: skip
    _add_pixel_options(train, "default the prepared data's, else ")
    train.add_argument("--batch-size", type=int, default=32, help="images per training step")
    train.add_argument(
        "--learning-rate", type=float, default=1e-3,
        help="peak learning rate, after a linear warm-up, decayed by a cosine over each stage",
    )  # fmt: skip
    train.add_argument(
        "--optimizer", choices=("adamw", "adam"), default="adamw",
        help="AdamW (decoupled weight decay) or Adam (0.1's recipe)",
    )  # fmt: skip
    train.add_argument("--weight-decay", type=float, default=0.01, help="AdamW's weight decay")
    train.add_argument(
        "--clipnorm", type=float, default=None,
        help="clip the gradients to this global norm (default: no clipping)",
    )  # fmt: skip
    train.add_argument(
        "--warmup-epochs", type=float, default=1.0, help="linear warm-up at the start of a stage"
    )
    train.add_argument(
        "--label-smoothing", type=float, default=0.0, help="share of each target spread evenly"
    )
    train.add_argument(
        "--head-epochs", type=int, default=3,
        help="with a frozen ImageNet backbone: epochs of the head alone before the whole network "
        "trains at a tenth of the rate (batch normalisation in inference mode)",
    )  # fmt: skip
    train.add_argument(
        "--fine-tune", action=argparse.BooleanOptionalAction, default=True,
        help="after the head epochs, train the whole backbone (--no-fine-tune: keep it frozen)",
    )  # fmt: skip
    train.add_argument(
        "--weights",
        type=_weights,
        default=_MODEL_DEFAULT,
        help="'imagenet', a local weights file, or 'none' for random weights; by default each "
        "model's own: ImageNet for the backbones (downloaded once), random for cnn",
    )
    _add_model_options(train)
    train.add_argument(
        "--variant", default="jpeg8", choices=["jpeg8", "png16"], help="Mini-DDSM image variant"
    )
    _add_label_options(train)
    train.add_argument(
        "--val-size", type=float, default=0.15, help="share of patients for validation"
    )
    train.add_argument("--test-size", type=float, default=0.15, help="share of patients for test")
    train.add_argument(
        "--split", type=_split, default="patient", metavar="patient|official|folds:K",
        help="patient: a patient split (--val-size, --test-size); official: the dataset's "
        "published train/test split (CBIS-DDSM, VinDr-Mammo), validation by patient from its "
        "training part; folds:K: K-fold patient cross-validation, one model per fold",
    )  # fmt: skip
    train.add_argument(
        "--augment", action=argparse.BooleanOptionalAction, default=True,
        help="flip, rotate, zoom, contrast and brightness while training",
    )  # fmt: skip
    train.add_argument(
        "--operating-point", default="sensitivity=0.9", type=_operating_target,
        metavar="sensitivity=S|specificity=S|youden|pf1",
        help="the decision threshold chosen on the validation part, per image, breast and "
        "patient, recorded in the model and measured on the test part (default sensitivity=0.9)",
    )  # fmt: skip
    train.add_argument(
        "--calibrate", action=argparse.BooleanOptionalAction, default=True,
        help="fit temperature scaling on the validation part, inside the model, so saved and "
        "exported models give calibrated probabilities",
    )  # fmt: skip
    train.add_argument("--seed", type=int, default=0, help="seed of split, weights and order")
    train.set_defaults(handler=_train)

    prepare = commands.add_parser(
        "prepare",
        help="apply the per-image recipe once and store a prepared dataset for fast training",
        description=(
            "Read DATA (anything train reads), apply the per-image recipe (intensity rule, flip "
            "to the left, breast crop, resize) once on every core, or on a Dask cluster, and "
            "write 16-bit PNGs, the records with each image's placement, and a manifest into "
            "--out. A rerun resumes; a failed file is listed, never fatal. Train on --out."
        ),
    )
    prepare.add_argument("data", help="dataset download, folder of class folders, or records CSV")
    prepare.add_argument("--out", required=True, help="the prepared dataset's folder")
    prepare.add_argument(
        "--image-size", type=_image_size, required=True, metavar="HxW",
        help="stored size, e.g. 1024x512",
    )  # fmt: skip
    prepare.add_argument("--fit", choices=FITS, default="pad", help="pad (aspect kept) or stretch")
    _add_pixel_options(prepare, "default ")
    prepare.add_argument(
        "--intensity", choices=["bits", "window"], default="bits",
        help="0..255 rule: bits (the stored bit depth) or window (breast percentiles)",
    )  # fmt: skip
    prepare.add_argument(
        "--masks", action=argparse.BooleanOptionalAction, default=True,
        help="also store lesion masks where the records have them",
    )  # fmt: skip
    prepare.add_argument("--workers", type=int, default=None, help="processes (default: all cores)")
    prepare.add_argument(
        "--engine", choices=["processes", "dask"], default="processes",
        help="processes on this machine, or dask (extra 'scale'): a local cluster, or "
        "--scheduler's",
    )  # fmt: skip
    prepare.add_argument(
        "--scheduler", default=None, help="address of a Dask scheduler (tcp://host:8786)"
    )
    prepare.add_argument(
        "--overwrite", action="store_true", help="replace an earlier preparation in --out"
    )
    prepare.add_argument(
        "--variant", default="jpeg8", choices=["jpeg8", "png16"], help="Mini-DDSM image variant"
    )
    prepare.add_argument("--labels", default=None, choices=LABEL_LEVELS, help="Mini-DDSM labels")
    prepare.set_defaults(handler=_prepare)

    evaluate = commands.add_parser(
        "evaluate",
        help="evaluate a saved model on a dataset: report JSON and confusion matrix",
        description="Evaluate a saved .keras model on DATA (e.g. the test.csv train wrote).",
    )
    evaluate.add_argument("model", help="a .keras model file")
    evaluate.add_argument("data", help="dataset download, folder of class folders, or records CSV")
    evaluate.add_argument("--out", default="mammokit-eval", help="output folder")
    evaluate.add_argument("--name", default="evaluation", help="prefix of the output files")
    evaluate.add_argument("--batch-size", type=int, default=32, help="images per prediction step")
    evaluate.add_argument(
        "--variant", default="jpeg8", choices=["jpeg8", "png16"], help="Mini-DDSM image variant"
    )
    _add_label_options(evaluate, evaluating=True)
    evaluate.add_argument(
        "--level",
        default="all",
        choices=[*LEVELS, "all"],
        help="report per image, breast, exam or patient (default: all of image, breast, "
        "patient); intervals resample patients",
    )
    evaluate.add_argument(
        "--how",
        default=None,
        choices=["max", "mean"],
        help="call a breast or patient by its most suspicious image (max) or by the mean of its "
        "images' probabilities; default mean for a model trained on case labels, else max",
    )
    evaluate.set_defaults(handler=_evaluate)

    explain = commands.add_parser(
        "explain",
        help="Grad-CAM overlays and probabilities for images on disk",
        description=(
            "Preprocess each image as in training (flip to the left, crop to the breast), "
            "predict, and write a heatmap overlay PNG per image plus predictions.csv. Reads "
            "JPEG, 8/16-bit PNG and DICOM. For a multi-view model give the views of each breast "
            "(exam) together (e.g. x_CC.png x_MLO.png): one figure shows them side by side."
        ),
    )
    explain.add_argument("model", help="a .keras model file")
    explain.add_argument("images", nargs="+", help="image files")
    explain.add_argument("--out", default="mammokit-explain", help="output folder")
    explain.add_argument("--method", default=DEFAULT_METHOD, choices=METHODS, help="CAM method")
    explain.add_argument("--class-index", type=int, default=None, help="default: predicted class")
    explain.add_argument("--layer", default=None, help="default: last convolutional layer")
    explain.add_argument("--opacity", type=float, default=0.4, help="heatmap opacity, 0 to 1")
    explain.add_argument(
        "--alpha", type=float, default=None, help="deprecated: use --opacity (removed in 0.3)"
    )
    explain.set_defaults(handler=_explain)

    export = commands.add_parser(
        "export",
        help="export a .keras model to TFLite, ONNX or a TensorFlow SavedModel",
        description="Convert a saved .keras model for serving; a .mammokit.json sidecar keeps "
        "the preprocessing next to the exported file.",
    )
    export.add_argument("model", help="a .keras model file")
    export.add_argument(
        "--format", required=True, choices=["tflite", "onnx", "saved_model"], help="target format"
    )
    export.add_argument("--out", default=None, help="output path (default: next to the model)")
    export.add_argument("--int8", action="store_true", help="TFLite full-integer quantization")
    export.add_argument("--calibration", default=None, help="dataset or CSV for --int8")
    export.set_defaults(handler=_export)

    predict = commands.add_parser(
        "predict",
        help="class probabilities for image files or folders (.keras, .tflite or .onnx model)",
        description="Class probabilities per image file, and the decision at the model's "
        "operating point (chosen on validation at training); per breast with --per-breast, or "
        "for a multi-view model, per breast (exam) of one dataset given as the input (a "
        "download, class folders or a records CSV).",
    )
    predict.add_argument("model", help="a .keras, .tflite or .onnx file")
    predict.add_argument("inputs", nargs="+", help="image files and/or folders")
    predict.add_argument("--csv", default=None, help="write predictions to this CSV")
    predict.add_argument("--batch-size", type=int, default=32, help="images per prediction step")
    predict.add_argument(
        "--per-breast", action="store_true",
        help="one row per breast, called from its images (INPUTS: one dataset or records CSV)",
    )  # fmt: skip
    predict.set_defaults(handler=_predict)
    return parser


class _HelpFormatter(argparse.ArgumentDefaultsHelpFormatter):
    """Shows each option's default, unless it has none or its help already says it."""

    def _get_help_string(self, action: argparse.Action) -> str | None:
        if action.default is None or "default" in (action.help or ""):
            return action.help
        return super()._get_help_string(action)


class _Parser(argparse.ArgumentParser):
    """Subcommand parsers: every option's default shown in its help."""

    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("formatter_class", _HelpFormatter)
        super().__init__(*args, **kwargs)


@contextlib.contextmanager
def _native_stderr_silenced():
    """Standard error at the file-descriptor level sent to the null device for a while.

    TensorFlow 2.19 and later print their C++ start-up lines (oneDNN, CUDA probing, "failed
    call to cuInit" on a CPU-only machine) whatever ``TF_CPP_MIN_LOG_LEVEL`` says
    (tensorflow/tensorflow#100442); Python's own ``sys.stderr`` is untouched.
    """
    sys.stderr.flush()
    saved = os.dup(2)
    try:
        with open(os.devnull, "w") as null:
            os.dup2(null.fileno(), 2)
            yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)


def _load_tensorflow_quietly() -> None:
    """Import TensorFlow and probe its devices with its start-up lines silenced."""
    with _native_stderr_silenced():
        import tensorflow as tf

        tf.config.list_physical_devices()


@contextlib.contextmanager
def _logging_for(args: argparse.Namespace):
    """Progress lines of the library to standard output while a command runs.

    TensorFlow's C++ start-up lines are silenced unless ``-v``. The ``mammokit`` logger is
    restored afterwards, so calling :func:`main` from Python leaves logging as it found it.
    """
    # before TensorFlow is first imported (the commands import it lazily)
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "0" if args.verbose else "3")
    if not args.verbose:
        _load_tensorflow_quietly()
    tf_logger = logging.getLogger("tensorflow")  # its retracing warnings are not the user's
    tf_saved = tf_logger.level
    if not args.verbose:
        tf_logger.setLevel(logging.ERROR)
    logger = logging.getLogger("mammokit")
    saved = (logger.level, logger.propagate)
    handler = logging.StreamHandler(sys.stdout)
    handler.setFormatter(logging.Formatter("%(message)s"))
    logger.addHandler(handler)
    logger.setLevel(
        logging.DEBUG if args.verbose else logging.WARNING if args.quiet else logging.INFO
    )
    logger.propagate = False
    try:
        yield logger
    finally:
        logger.removeHandler(handler)
        logger.setLevel(saved[0])
        logger.propagate = saved[1]
        tf_logger.setLevel(tf_saved)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``mammokit`` command; returns the exit status (:data:`EXIT_OK`, ...)."""
    args = build_parser().parse_args(argv)
    try:
        with _logging_for(args):
            return args.handler(args)
    except _UsageError as err:
        print(f"mammokit {args.command}: error: {err}", file=sys.stderr)
        return EXIT_USAGE
    except MammokitError as err:
        print(f"mammokit: error: {err}", file=sys.stderr)
        return EXIT_ERROR
    except KeyboardInterrupt:
        print(f"mammokit {args.command}: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except Exception as err:  # a bug, not bad input: say so, with what to report
        traceback.print_exc()
        print(
            f"mammokit {args.command}: internal error ({type(err).__name__}: {err}); this is a "
            f"bug in mammokit {__version__}: please report it with the traceback above",
            file=sys.stderr,
        )
        return EXIT_INTERNAL


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
