"""Class-balancing weights, shared by :mod:`mammokit.datasets` and :mod:`mammokit.losses`."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from mammokit.errors import MammokitError

__all__ = ["class_weights_from_counts"]


def class_weights_from_counts(counts: Sequence[int] | np.ndarray) -> list[float]:
    """Weights by the thesis's formula: count of the largest class / count of each class.

    Parameters
    ----------
    counts
        Number of training examples of each class, in class-index order.

    Returns
    -------
    list of float
        One weight per class; the largest class gets 1.0.

    Raises
    ------
    MammokitError
        A count is zero or negative (its weight would be infinite).

    Examples
    --------
    >>> class_weights_from_counts([2408, 2684, 2716])
    [1.127906976744186, 1.0119225037257824, 1.0]
    """
    values = np.asarray(counts, dtype=np.float64)
    if values.ndim != 1 or values.size == 0:
        raise MammokitError(f"counts must be a non-empty 1-D sequence, got shape {values.shape}")
    if (values <= 0).any():
        bad = [i for i, v in enumerate(values) if v <= 0]
        raise MammokitError(f"class(es) {bad} have a count of zero or less; weights are undefined")
    return [float(values.max() / v) for v in values]
