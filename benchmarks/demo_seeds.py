"""The demo's figures over several seeds: mean and range, as the README reports them.

Runs ``mammokit demo --seed S`` for each seed in a fresh process (as a user would), then
prints, per figure, the mean and the range over the seeds, and each seed's values.

    python benchmarks/demo_seeds.py --seeds 0 1 2 --out demo-seeds
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path


def figures(report: dict) -> dict[str, float]:
    """The numbers the README quotes, from one ``report.json``."""
    values = {}
    runs = [
        (name, entry["evaluation"]["levels"], entry) for name, entry in report["models"].items()
    ]
    if "case_labels" in report:
        cost = report["case_labels"]
        runs.append((cost["model"], cost["levels"], cost))
    for name, levels, entry in runs:
        for level in ("image", "breast", "patient"):
            values[f"{name} {level} accuracy"] = 100 * levels[level]["accuracy"]
        auc = levels["patient"]["per_class"]["Cancer"]["auc"]
        values[f"{name} patient Cancer AUC"] = float("nan") if auc is None else auc
        if "evaluation" in entry:
            macro = entry["evaluation"]["macro"]
            values[f"{name} image macro sensitivity"] = 100 * macro["sensitivity"]
            values[f"{name} image macro specificity"] = 100 * macro["specificity"]
        else:  # the case-label model, also scored on its own labels
            values[f"{name} image accuracy on case labels"] = (
                100 * entry["image_accuracy_case_labels"]
            )
        values.update(decision_figures(name, levels))
        values[f"{name} epochs"] = entry["epochs"]
        values[f"{name} train s"] = entry["train_seconds"]
    by_model = report.get("localization_by_model") or {"best": report["localization"]}
    for name, local in by_model.items():
        values[f"{name} pointing game % ({local['method']}, {local['tolerance_px']} px)"] = (
            100 * local["pointing_game"]
        )
        values[f"{name} IoU"] = local["iou"]
    values["total s"] = report["total_seconds"]
    return values


def decision_figures(name: str, levels: dict) -> dict[str, float]:
    """Per breast: the test figures at the operating point chosen on validation, and the
    calibration error of the Cancer probability before and after the temperature."""
    nan = float("nan")
    point, calibration = levels["breast"]["operating_point"], levels["breast"]["calibration"]
    values = {}
    if point.get("source") == "validation":
        for key in ("sensitivity", "specificity"):
            value = point[key]
            values[f"{name} breast {key} at val. point %"] = nan if value is None else 100 * value
    before = calibration.get("before")
    values[f"{name} breast ECE before calibration"] = before["ece"] if before else nan
    values[f"{name} breast ECE after calibration"] = calibration["ece"]
    return values


def clean_breast_normal(out: Path, report: dict) -> dict[str, float]:
    """Each model's mean probability of Normal on the lesion-free breasts of lesion cases.

    Those images show nothing; breast labels call them Normal, case labels Benign or Cancer.
    A model trained on case labels may still pick Normal (its likeliest class for a clean
    image) but spreads probability over the lesion classes: that is what the labels cost.
    """
    from mammokit.datasets import read_mini_ddsm

    records = read_mini_ddsm(out / "data", labels="breast").set_index("image_path")
    clean = records[(records["case_label"] != "Normal") & (records["label"] == "Normal")]
    names = list(report["models"]) + ([report["case_labels"]["model"]] * ("case_labels" in report))
    values = {}
    for name in names:
        saved = json.loads((out / f"{name}_report.json").read_text())["predictions"]
        chosen = [p["probabilities"][0] for p in saved if p["image_path"] in clean.index]
        values[f"{name} P(Normal), clean breasts"] = sum(chosen) / len(chosen)
    return values


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--out", type=Path, default=Path("demo-seeds"))
    parser.add_argument("--reuse", action="store_true", help="read existing reports, run none")
    args = parser.parse_args()
    runs = {}
    for seed in args.seeds:
        out = args.out / f"seed{seed}"
        if not args.reuse:
            command = [sys.executable, "-m", "mammokit.cli", "demo", "--out", str(out)]
            subprocess.run([*command, "--seed", str(seed)], check=True, capture_output=True)
        report = json.loads((out / "report.json").read_text())
        runs[seed] = {**figures(report), **clean_breast_normal(out, report)}
        print(f"seed {seed}: done", flush=True)
    names = list(next(iter(runs.values())))
    seeds = "  ".join(f"{f'seed {s}':>8}" for s in runs)
    print(f"\n{'figure':<48}{'mean':>8}{'min':>8}{'max':>8}  {seeds}")
    for name in names:
        values = [runs[s][name] for s in runs]
        digits = (
            3
            if name.endswith(("AUC", "calibration"))
            else 2
            if name.endswith("IoU") or "P(" in name
            else 1
        )
        each = "  ".join(f"{v:>8.{digits}f}" for v in values)
        print(
            f"{name:<48}{sum(values) / len(values):>8.{digits}f}{min(values):>8.{digits}f}"
            f"{max(values):>8.{digits}f}  {each}"
        )


if __name__ == "__main__":
    main()
