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
    for name, entry in report["models"].items():
        values[f"{name} accuracy"] = 100 * entry["accuracy"]
        values[f"{name} macro sensitivity"] = 100 * entry["evaluation"]["macro"]["sensitivity"]
        values[f"{name} macro specificity"] = 100 * entry["evaluation"]["macro"]["specificity"]
        values[f"{name} epochs"] = entry["epochs"]
        values[f"{name} train s"] = entry["train_seconds"]
    local = report["localization"]
    values[f"pointing game % ({local['method']}, {local['tolerance_px']} px)"] = (
        100 * local["pointing_game"]
    )
    values["IoU"] = local["iou"]
    values["total s"] = report["total_seconds"]
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
        runs[seed] = figures(json.loads((out / "report.json").read_text()))
        print(f"seed {seed}: done", flush=True)
    names = list(next(iter(runs.values())))
    seeds = "  ".join(f"{f'seed {s}':>8}" for s in runs)
    print(f"\n{'figure':<40}{'mean':>8}{'min':>8}{'max':>8}  {seeds}")
    for name in names:
        values = [runs[s][name] for s in runs]
        each = "  ".join(f"{v:>8.1f}" if name != "IoU" else f"{v:>8.2f}" for v in values)
        digits = 2 if name == "IoU" else 1
        print(
            f"{name:<40}{sum(values) / len(values):>8.{digits}f}{min(values):>8.{digits}f}"
            f"{max(values):>8.{digits}f}  {each}"
        )


if __name__ == "__main__":
    main()
