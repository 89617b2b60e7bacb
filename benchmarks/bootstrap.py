"""Bootstrap intervals at dataset scale: gathering resamples against counting draws.

Side by side in one process, on the same predictions (N images, 3 classes, 1,000 resamples,
seed 0), each contender run once:

* ``gather``: mammokit 0.1's way, kept here as the reference: draw resample indices
  ``(B, N)`` at once and gather the labels and probabilities of every resample
  (``B x N x C`` floats), then compute each statistic with ranks;
* ``evaluation_report``: mammokit's way now, counting how often each image is drawn and
  weighting, in chunks of at most two million draws;
* ``evaluation_report(groups=patients)``: the same, resampling patients of four images.

It prints seconds and the peak memory each needs above the inputs (tracemalloc: NumPy's
allocations), their ratios, and checks that both ways give the same intervals.

    python benchmarks/bootstrap.py                 # 20,000 images
    python benchmarks/bootstrap.py --images 54706  # the RSNA screening set's size
"""

from __future__ import annotations

import argparse
import os
import platform
import time
import tracemalloc

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np
from scipy.stats import rankdata

from mammokit.metrics import evaluation_report

CLASSES = ("Normal", "Benign", "Cancer")


def gather_intervals(truth: np.ndarray, prob: np.ndarray, n_bootstrap: int, seed: int) -> dict:
    """0.1's bootstrap: gather every resample, rank-based AUC; percentile intervals."""
    rng = np.random.default_rng(seed)
    samples = rng.integers(0, truth.size, size=(n_bootstrap, truth.size))
    t, p = truth[samples], prob[samples]
    guess = p.argmax(axis=-1)
    accuracy = (guess == t).mean(axis=-1)
    aucs = []
    for c in range(prob.shape[1]):
        positive = (t == c).astype(np.float64)
        ranks = rankdata(p[..., c], axis=-1)
        n_pos = positive.sum(axis=-1)
        n_neg = positive.shape[-1] - n_pos
        aucs.append(((ranks * positive).sum(axis=-1) - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg))
    return {
        "accuracy_ci": np.percentile(accuracy, [2.5, 97.5]).tolist(),
        "auc_ci": [np.percentile(a, [2.5, 97.5]).tolist() for a in aucs],
    }


def measure(function):
    tracemalloc.start()
    tic = time.perf_counter()
    result = function()
    seconds = time.perf_counter() - tic
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return result, seconds, peak / 2**20


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--images", type=int, default=20_000)
    parser.add_argument("--resamples", type=int, default=1000)
    args = parser.parse_args()
    rng = np.random.default_rng(0)
    truth = rng.integers(0, 3, args.images)
    prob = rng.dirichlet(np.ones(3), args.images)
    prob[np.arange(args.images), truth] += 0.3
    prob /= prob.sum(axis=1, keepdims=True)
    patients = np.arange(args.images) // 4

    old, old_s, old_mb = measure(lambda: gather_intervals(truth, prob, args.resamples, 0))
    new, new_s, new_mb = measure(
        lambda: evaluation_report(truth, prob, CLASSES, n_bootstrap=args.resamples, seed=0)
    )
    grouped, grouped_s, grouped_mb = measure(
        lambda: evaluation_report(
            truth, prob, CLASSES, n_bootstrap=args.resamples, seed=0, groups=patients
        )
    )
    same = np.allclose(old["accuracy_ci"], new["accuracy_ci"]) and all(
        np.allclose(old["auc_ci"][c], new["per_class"][name]["auc_ci"])
        for c, name in enumerate(CLASSES)
    )
    print(f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores")
    print(f"{args.images} images x {args.resamples} resamples, {len(CLASSES)} classes")
    print(f"{'contender':<40}{'seconds':>9}{'peak MiB':>10}")
    print(f"{'gather (0.1)':<40}{old_s:>9.2f}{old_mb:>10.0f}")
    print(f"{'evaluation_report (counting)':<40}{new_s:>9.2f}{new_mb:>10.0f}")
    print(f"{'evaluation_report(groups=patients of 4)':<40}{grouped_s:>9.2f}{grouped_mb:>10.0f}")
    print(f"counting vs gather: {old_s / new_s:.1f}x faster, {old_mb / new_mb:.1f}x less memory")
    print(f"same intervals as gather: {same}")
    print(f"accuracy CI, images {new['accuracy_ci']}, patients {grouped['accuracy_ci']}")


if __name__ == "__main__":
    main()
