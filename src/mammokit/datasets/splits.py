"""Patient-level splits and class weights."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import numpy as np
import pandas as pd

from mammokit.balance import class_weights_from_counts
from mammokit.errors import DatasetError
from mammokit.records import check_patients, check_records, label_indices, record_classes

__all__ = [
    "OFFICIAL_SPLITS",
    "class_weights",
    "official_split",
    "patient_folds",
    "split_by_patient",
]

logger = logging.getLogger("mammokit")

#: The datasets that publish a train/test split, and how their ``split`` column names its
#: parts (``(training, test)``).
OFFICIAL_SPLITS = {
    "cbis-ddsm": ("Training", "Test"),
    "vindr-mammo": ("training", "test"),
}


def split_by_patient(
    records: pd.DataFrame,
    val_size: float = 0.15,
    test_size: float = 0.15,
    seed: int = 0,
    missing_patient: str = "error",
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Split a records table into train, validation and test parts by patient.

    All images of a patient land in the same part, so no patient is seen in training and
    scored in testing. Patients are stratified by their most severe label (the last of the
    records' classes among theirs: Normal < Benign < Cancer for Mini-DDSM), so every class
    appears in every part whenever there are enough patients.

    Parameters
    ----------
    records
        A records table with ``patient_id`` and ``label`` columns.
    val_size, test_size
        Fractions of the patients for validation and test; ``0`` leaves that part empty.
    seed
        The same seed gives the same split.
    missing_patient
        An image without a patient id: ``"error"`` (default, naming the rows) or ``"own"``
        (its own patient, with a warning): :func:`~mammokit.records.check_patients`, which
        also refuses an image listed under two patients. No row is ever dropped.

    Returns
    -------
    tuple of pandas.DataFrame
        ``(train, val, test)``, each keeping the input's columns and ``attrs``.

    Examples
    --------
    >>> from mammokit.records import make_records
    >>> rows = [{"image_path": f"/{p}_{v}.png", "label": ["Normal", "Cancer"][p % 2],
    ...          "patient_id": f"P{p}"} for p in range(20) for v in range(4)]
    >>> train, val, test = split_by_patient(make_records(rows), 0.2, 0.2, seed=0)
    >>> len(train), len(val), len(test)
    (48, 16, 16)
    >>> set(train.patient_id) & set(test.patient_id)
    set()
    """
    check_records(records)
    records = check_patients(records, missing_patient)
    if not (0 <= val_size < 1 and 0 <= test_size < 1 and val_size + test_size < 1):
        raise DatasetError(
            f"val_size and test_size must be in [0, 1) with a sum below 1, "
            f"got {val_size} and {test_size}"
        )
    severity = pd.Series(label_indices(records), index=records.index)
    patients = severity.groupby(records["patient_id"]).max().sort_index()
    rest, test = _split_groups(patients, test_size, seed)
    inner = val_size / (1.0 - test_size) if val_size else 0.0
    train, val = _split_groups(patients.loc[rest], inner, seed + 1)
    parts = []
    for ids in (train, val, test):
        part = records[records["patient_id"].isin(ids)].copy()
        part.attrs = dict(records.attrs)
        parts.append(part)
    return parts[0], parts[1], parts[2]


def official_split(
    records: pd.DataFrame, val_size: float = 0.15, seed: int = 0, missing_patient: str = "error"
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """The dataset's own train/test split, validation drawn by patient from its training part.

    Published results on CBIS-DDSM and VinDr-Mammo are on their published test sets; this
    reproduces them. The readers keep the split in the records' ``split`` column
    (:data:`OFFICIAL_SPLITS`). Where the published split puts a patient on both sides
    (CBIS-DDSM: some patients have a mass in one split and a calcification in the other), it
    is kept as published and a warning gives the count.

    Parameters
    ----------
    records
        Records of one of :data:`OFFICIAL_SPLITS`, with its ``split`` column.
    val_size
        Fraction of the training part's patients for validation.
    seed
        Seeds the validation draw.
    missing_patient
        As for :func:`split_by_patient`.

    Returns
    -------
    tuple of pandas.DataFrame
        ``(train, val, test)``, each keeping the input's columns and ``attrs``.

    Raises
    ------
    DatasetError
        The records have no published split (naming the datasets that do).

    Examples
    --------
    >>> from mammokit.records import make_records
    >>> rows = [{"image_path": f"/{p}_{v}.png", "label": ["Normal", "Cancer"][p % 2],
    ...          "patient_id": f"P{p}", "dataset": "vindr-mammo",
    ...          "split": "test" if p < 4 else "training"} for p in range(20) for v in range(4)]
    >>> train, val, test = official_split(make_records(rows), val_size=0.25)
    >>> len(train), len(val), len(test), sorted(set(test.patient_id))
    (48, 16, 16, ['P0', 'P1', 'P2', 'P3'])
    """
    check_records(records)
    records = check_patients(records, missing_patient)
    datasets = set(records["dataset"].dropna()) if "dataset" in records else set()
    known = sorted(OFFICIAL_SPLITS)
    if "split" not in records or not datasets or not datasets <= set(OFFICIAL_SPLITS):
        raise DatasetError(
            f"no published split in these records (datasets {sorted(datasets) or 'unknown'}); "
            f"{' and '.join(known)} publish one; use a patient split (--split patient) or "
            "folds (--split folds:K) otherwise"
        )
    training = {OFFICIAL_SPLITS[name][0] for name in datasets}
    testing = {OFFICIAL_SPLITS[name][1] for name in datasets}
    unknown = sorted(set(records["split"].astype(str)) - training - testing)
    if unknown:
        raise DatasetError(f"split values {unknown} are neither {sorted(training | testing)}")
    is_test = records["split"].isin(testing)
    both = set(records.loc[is_test, "patient_id"]) & set(records.loc[~is_test, "patient_id"])
    if both:
        logger.warning(
            "the published split puts %d patient(s) on both sides (e.g. %s); kept as published",
            len(both),
            sorted(both)[:3],
        )
    train, val, _ = split_by_patient(records[~is_test], val_size, 0.0, seed, missing_patient)
    test = records[is_test].copy()
    test.attrs = dict(records.attrs)
    return train, val, test


def _split_groups(patients: pd.Series, fraction: float, seed: int) -> tuple[list, list]:
    """Split patient ids (the index) into (keep, take), stratified by label (the values).

    Each class gives ``fraction`` of its patients to ``take`` by largest-remainder
    apportionment, classes not yet represented first, while keeping at least one patient of
    every class on the ``keep`` side whenever the numbers allow. scikit-learn's stratified
    splitters refuse or drop classes at these small counts, hence this small routine.
    """
    ids = sorted(patients.index)
    if fraction <= 0:
        return ids, []
    n_take = int(np.ceil(fraction * len(ids)))
    if n_take >= len(ids):
        raise DatasetError(
            f"too few patients ({len(ids)}) to split off a fraction of {fraction:.2f} and keep "
            "some for training"
        )
    groups = {label: sorted(patients.index[patients == label]) for label in sorted(set(patients))}
    exact = {label: fraction * len(members) for label, members in groups.items()}
    quota = dict.fromkeys(groups, 0)
    for caps in (
        {k: len(v) - 1 for k, v in groups.items()},
        {k: len(v) for k, v in groups.items()},
    ):
        while sum(quota.values()) < n_take:
            open_labels = [label for label in groups if quota[label] < caps[label]]
            if not open_labels:
                break
            label = max(open_labels, key=lambda k: (quota[k] == 0, exact[k] - quota[k], str(k)))
            quota[label] += 1
    rng = np.random.default_rng(seed)
    take = []
    for label, members in groups.items():
        take += [members[i] for i in rng.permutation(len(members))[: quota[label]]]
    chosen = set(take)
    return [i for i in ids if i not in chosen], sorted(take)


def patient_folds(
    records: pd.DataFrame, k: int = 5, seed: int = 0, missing_patient: str = "error"
) -> Iterator[tuple[pd.DataFrame, pd.DataFrame]]:
    """Yield the ``k`` ``(train, test)`` pairs of a cross-validation grouped by patient.

    Every patient is in exactly one test part and never in a train part of the same fold.
    Patients are stratified as :func:`split_by_patient` does, by their most severe label: each
    class's patients, shuffled with ``seed``, are dealt to the fold holding the fewest of that
    class (then the fewest patients), so every class is spread as evenly as its numbers allow
    and the folds differ in size by at most one patient per class. Split a validation part off
    each ``train`` with :func:`split_by_patient` if the training needs one.

    Parameters
    ----------
    records
        A records table.
    k
        Number of folds, at least 2 and at most the number of patients.
    seed
        The same seed gives the same folds.
    missing_patient
        As for :func:`split_by_patient`.

    Yields
    ------
    tuple of pandas.DataFrame
        ``(train, test)``, each keeping the input's columns and ``attrs``.

    Notes
    -----
    scikit-learn's ``StratifiedGroupKFold`` stratifies images, not patients, and how it
    shuffles changed between the versions mammokit supports (1.3 left a class out of a fold
    that 1.9 filled), so the folds are dealt here, the same on every installation.

    Examples
    --------
    >>> from mammokit.records import make_records
    >>> rows = [{"image_path": f"/{p}_{v}.png", "label": ["Normal", "Cancer"][p % 2],
    ...          "patient_id": f"P{p}"} for p in range(10) for v in range(4)]
    >>> folds = list(patient_folds(make_records(rows), k=5, seed=0))
    >>> [len(test) for _, test in folds]
    [8, 8, 8, 8, 8]
    >>> sorted(p for _, test in folds for p in test.patient_id.unique()) == sorted(
    ...     f"P{p}" for p in range(10))
    True
    """
    check_records(records)
    records = check_patients(records, missing_patient)
    severity = pd.Series(label_indices(records), index=records.index)
    patients = severity.groupby(records["patient_id"]).max().sort_index()
    if not isinstance(k, int) or not 2 <= k <= len(patients):
        raise DatasetError(
            f"k must be an integer from 2 to the {len(patients)} patients, got {k!r}"
        )
    rng = np.random.default_rng(seed)
    fold_of: dict = {}
    sizes = np.zeros(k, dtype=np.int64)
    for label in sorted(set(patients)):
        members = sorted(patients.index[patients == label])
        of_class = np.zeros(k, dtype=np.int64)
        for i in rng.permutation(len(members)):
            fold = int(np.lexsort((np.arange(k), sizes, of_class))[0])
            fold_of[members[i]] = fold
            of_class[fold] += 1
            sizes[fold] += 1
    assigned = records["patient_id"].map(fold_of).to_numpy()
    return _fold_parts(records, assigned, k)


def _fold_parts(
    records: pd.DataFrame, assigned: np.ndarray, k: int
) -> Iterator[tuple[pd.DataFrame, pd.DataFrame]]:
    for fold in range(k):
        parts = []
        for rows in (assigned != fold, assigned == fold):
            part = records[rows].copy()
            part.attrs = dict(records.attrs)
            parts.append(part)
        yield parts[0], parts[1]


def class_weights(records: pd.DataFrame) -> dict[int, float]:
    """Per-class loss weights by the thesis's formula: largest class count / class count.

    Parameters
    ----------
    records
        A records table (usually the training part).

    Returns
    -------
    dict
        ``{class_index: weight}`` for every class of the records
        (:func:`~mammokit.records.record_classes`), ready for
        ``model.fit(class_weight=...)`` or
        :class:`mammokit.losses.WeightedCategoricalCrossentropy`.

    Raises
    ------
    DatasetError
        A class has no images, so its weight is undefined.

    Examples
    --------
    >>> from mammokit.records import make_records
    >>> labels = ["Normal"] * 4 + ["Benign"] * 2 + ["Cancer"]
    >>> rows = [{"image_path": f"/{i}.png", "label": l, "patient_id": str(i)}
    ...         for i, l in enumerate(labels)]
    >>> class_weights(make_records(rows))
    {0: 1.0, 1: 2.0, 2: 4.0}
    """
    classes = record_classes(records)
    counts = np.bincount(label_indices(records, classes), minlength=len(classes))
    empty = [classes[i] for i, n in enumerate(counts) if n == 0]
    if empty:
        raise DatasetError(f"class(es) {empty} have no images, so their weights are undefined")
    return dict(enumerate(class_weights_from_counts(counts)))
