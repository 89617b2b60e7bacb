"""Bootstrap resamples as weights: how often each example (or patient) is drawn.

Every interval of :mod:`mammokit.metrics` comes from these: a resample is a row of weights
over the examples, so statistics are computed for many resamples at once without copying
the data, chunk by chunk to bound memory.

Examples
--------
>>> import numpy as np
>>> chunks = list(resample_weights(4, ["a", "a", "b", "c"], n_bootstrap=3, seed=0))
>>> weights = np.concatenate(chunks)
>>> weights.shape, bool((weights[:, 0] == weights[:, 1]).all())  # a patient is drawn whole
((3, 4), True)
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

import numpy as np
import pandas as pd

from mammokit.progress import progress_bar

__all__ = ["resample_weights"]

#: Most bootstrap weights (resamples x examples) held at once; about 16 MB of float64.
_CHUNK_CELLS = 2_000_000


def resample_weights(
    size: int, groups: Sequence | np.ndarray | None, n_bootstrap: int, seed: int
) -> Iterator[np.ndarray]:
    """Bootstrap resamples as weights, ``(chunk, size)`` arrays: how often each example is
    drawn, chunk by chunk (``n_bootstrap`` rows in all), with a progress bar.

    Without ``groups`` examples are drawn with replacement; with them whole groups (patients)
    are, so examples of one patient stay together. For a fixed seed the resamples are the
    same whatever the chunk size.
    """
    if groups is None:
        members, count = np.arange(size), size
    else:
        members, uniques = pd.factorize(pd.Series(groups), sort=True)
        count = len(uniques)
    rng = np.random.default_rng(seed)
    chunk = max(1, _CHUNK_CELLS // max(size, count))
    with progress_bar(n_bootstrap, "bootstrap", unit="resample") as bar:
        for start in range(0, n_bootstrap, chunk):
            rows = min(chunk, n_bootstrap - start)
            draws = rng.integers(0, count, size=(rows, count))
            offsets = np.arange(rows)[:, np.newaxis] * count
            drawn = np.bincount((draws + offsets).ravel(), minlength=rows * count)
            yield drawn.reshape(rows, count)[:, members].astype(np.float64)
            bar.update(rows)
