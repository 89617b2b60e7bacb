"""The ``mammokit`` command: a thin layer that parses arguments and calls the library."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

from mammokit import __version__
from mammokit.errors import MammokitError


def _demo(args: argparse.Namespace) -> int:
    from mammokit.demo import DEFAULT, QUICK, run_demo

    report = run_demo(args.out, QUICK if args.quick else DEFAULT, seed=args.seed)
    return 0 if report["models"] else 1


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of the ``mammokit`` command."""
    parser = argparse.ArgumentParser(
        prog="mammokit",
        description="Mammogram classification on TensorFlow/Keras: data, models, explanations.",
    )
    parser.add_argument("--version", action="version", version=f"mammokit {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    demo = commands.add_parser(
        "demo",
        help="run the whole job on built-in synthetic mammograms",
        description=(
            "Write synthetic Mini-DDSM-style mammograms, split them by patient, train the plain "
            "CNN and MobileNet with weighted cross-entropy, evaluate on the test split and "
            "explain test images with Grad-CAM."
        ),
    )
    demo.add_argument("--out", default="demo-out", help="output folder (default: demo-out)")
    demo.add_argument("--seed", type=int, default=0, help="seed of data, split and training")
    demo.add_argument(
        "--quick", action="store_true", help="tiny sizes for a smoke test (seconds, low accuracy)"
    )
    demo.set_defaults(handler=_demo)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``mammokit`` command; returns the exit status."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    args = build_parser().parse_args(argv)
    try:
        return args.handler(args)
    except MammokitError as err:
        print(f"mammokit: error: {err}", file=sys.stderr)
        return 2


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
