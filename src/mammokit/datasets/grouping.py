"""The images of one breast (or exam) side by side: the table multi-view models read.

:func:`group_views` turns a records table (one row per image) into one row per breast or
exam with one image column per view, the label at that level, and what is missing. The
multi-view pipeline (``to_tf_dataset(..., group=...)``), training, evaluation and
:meth:`mammokit.export.Predictor.predict_breasts` all read it.

A missing view is never dropped silently; ``missing`` says what happens:

``"zeros"`` (default)
    The view is an all-zero image. The multi-view models treat an all-zero view as absent:
    its features are left out of the fusion (masked from the mean and the attention, zeroed in
    the concatenation), so a breast with one view is read from that view alone.
``"repeat"``
    The view is another image of the group: the other view of the same breast, else the
    first view present. Models trained without missing views then see a familiar input.
``"skip"``
    The group is left out; it is listed in ``attrs["skipped"]`` and a warning counts them.
``"error"``
    :class:`~mammokit.errors.DatasetError` naming the groups.

A group none of whose listed views exists (a breast imaged only as ``ML``) is skipped under
every rule but ``"error"``. When a group has more than one image of a view (a retake), the
first in the records' order is used and the others are listed in ``attrs["unused"]``, with
the images of views the model does not read.

Examples
--------
>>> from mammokit.records import make_records
>>> rows = [{"image_path": f"/{v}.png", "label": "Cancer", "patient_id": "P1", "side": "LEFT",
...          "view": v} for v in ("CC", "MLO")]
>>> rows.append({"image_path": "/R_CC.png", "label": "Normal", "patient_id": "P1",
...              "side": "RIGHT", "view": "CC"})
>>> table = group_views(make_records(rows))
>>> table[["patient_id", "side", "label", "CC_path", "MLO_path", "missing_views"]]
  patient_id   side   label    CC_path  MLO_path missing_views
0         P1   LEFT  Cancer    /CC.png  /MLO.png            ()
1         P1  RIGHT  Normal  /R_CC.png                  (MLO,)
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

import numpy as np
import pandas as pd

from mammokit.errors import DatasetError
from mammokit.records import check_records, label_indices, level_keys, make_records
from mammokit.views import check_views, default_views, view_side, views_level

__all__ = ["MISSING_VIEW_RULES", "group_keys", "group_views", "unit_records", "view_rows"]

#: What :func:`group_views` does with a missing view (see the module's description).
MISSING_VIEW_RULES = ("zeros", "repeat", "skip", "error")

logger = logging.getLogger("mammokit")


def group_views(
    records: pd.DataFrame,
    group: str = "breast",
    views: Sequence[str] | None = None,
    missing: str = "zeros",
    classes: Sequence[str] | None = None,
) -> pd.DataFrame:
    """One row per breast (or exam) with an image column per view and its label.

    Parameters
    ----------
    records
        A records table with ``side`` and ``view`` columns.
    group
        ``"breast"`` (patient, exam and side; views named ``CC``, ``MLO``) or ``"exam"``
        (patient and exam; views named ``L-CC``, ... by side and view).
    views
        The views to read, in the model's input order; default
        :func:`~mammokit.views.default_views` of ``group``.
    missing
        ``"zeros"``, ``"repeat"``, ``"skip"`` or ``"error"``: see the module's description.
    classes
        The class names in order of severity; default the records' classes.

    Returns
    -------
    pandas.DataFrame
        The group's key columns (:func:`mammokit.records.level_keys`), ``group_id`` (the keys
        joined by ``/``), ``label`` (the most severe label of the group's images: the last of
        the classes among them), ``<VIEW>_path`` per view (``""`` where missing; the
        repeated image's file under ``"repeat"``), ``<VIEW>_row`` per view (the image's
        position in ``records``, -1 where missing), ``n_views`` (views present) and
        ``missing_views``. ``attrs``: ``classes``, ``group``, ``views``, ``missing``,
        ``skipped`` (groups left out, with the reason) and ``unused`` (images not read).

    Raises
    ------
    DatasetError
        An image has no side, the views do not fit ``group``, or ``missing="error"`` and a
        view is missing.
    """
    classes = check_records(records, classes=classes)
    if missing not in MISSING_VIEW_RULES:
        raise DatasetError(f"missing must be one of {MISSING_VIEW_RULES}, got {missing!r}")
    views = check_views(views) if views is not None else default_views(group)
    if views_level(views) != group:
        raise DatasetError(
            f"group={group!r} reads views named "
            + ("by view alone (CC, MLO)" if group == "breast" else "by side and view (L-CC)")
            + f", got {list(views)}"
        )
    if "view" not in records:
        raise DatasetError("records without a 'view' column cannot be grouped into views")
    table = records.reset_index(drop=True)
    keys = level_keys(table, "breast" if group == "breast" else "exam")
    slots = _slots(table, group)
    severity = label_indices(table, classes)
    rows, skipped, unused, gaps = [], [], [], []
    for key, members in table.groupby(keys, sort=True, dropna=False).indices.items():
        key = key if isinstance(key, tuple) else (key,)
        group_id = "/".join(str(part) for part in key)
        chosen = {}
        for index in members:
            slot = slots[index]
            if slot in views and slot not in chosen:
                chosen[slot] = int(index)
            else:
                reason = f"a second {slot} image" if slot in chosen else f"view {slot!r} not read"
                unused.append({"path": table.at[index, "image_path"], "reason": reason})
        absent = tuple(view for view in views if view not in chosen)
        if len(absent) == len(views):
            skipped.append({"group": group_id, "reason": f"none of the views {list(views)}"})
            gaps.append(group_id)
            continue
        if absent:
            gaps.append(group_id)
            if missing == "skip":
                skipped.append({"group": group_id, "reason": f"no {', '.join(absent)} view"})
                continue
        row = dict(zip(keys, key, strict=True))
        row["group_id"] = group_id
        row["label"] = classes[int(severity[members].max())]
        for view in views:
            index = chosen.get(view, -1)
            if index < 0 and missing == "repeat":
                index = chosen[_stand_in(view, chosen)]
            row[f"{view}_path"] = table.at[index, "image_path"] if index >= 0 else ""
            row[f"{view}_row"] = index
        row["n_views"] = len(views) - len(absent)
        row["missing_views"] = absent
        rows.append(row)
    if missing == "error" and gaps:
        raise DatasetError(
            f"{len(gaps)} {group}(s) lack a view among {list(views)} (e.g. {gaps[:5]}); choose "
            "missing='zeros', 'repeat' or 'skip'"
        )
    if skipped:
        logger.warning(
            "%d %s(s) left out for missing views (e.g. %s: %s); see attrs['skipped']",
            len(skipped),
            group,
            skipped[0]["group"],
            skipped[0]["reason"],
        )
    if unused:
        logger.info("%d image(s) not read by the views %s; see attrs['unused']", len(unused), views)
    result = pd.DataFrame(rows, columns=_columns(keys, views))
    result.attrs = {
        "classes": classes,
        "group": group,
        "views": views,
        "missing": missing,
        "skipped": skipped,
        "unused": unused,
    }
    if result.empty:
        raise DatasetError(f"no {group} has any of the views {list(views)}")
    return result


def group_keys(groups: pd.DataFrame) -> list[str]:
    """The columns that identify a group: those before ``group_id`` (patient, exam, side).

    Examples
    --------
    >>> from mammokit.records import make_records
    >>> rows = [{"image_path": "/a", "label": "Normal", "patient_id": "p", "side": "LEFT",
    ...          "view": "CC"}]
    >>> group_keys(group_views(make_records(rows)))
    ['patient_id', 'side']
    """
    return list(groups.columns[: groups.columns.get_loc("group_id")])


def view_rows(groups: pd.DataFrame) -> np.ndarray:
    """``(groups, views)`` positions of each view's image in the records; -1 where missing.

    Examples
    --------
    >>> from mammokit.records import make_records
    >>> rows = [{"image_path": "/a", "label": "Normal", "patient_id": "p", "side": "LEFT",
    ...          "view": "MLO"}]
    >>> view_rows(group_views(make_records(rows))).tolist()
    [[-1, 0]]
    """
    columns = [f"{view}_row" for view in groups.attrs["views"]]
    return groups[columns].to_numpy(dtype=np.int64)


def _slots(table: pd.DataFrame, group: str) -> list[str]:
    """Each image's view name as the grouping reads it: ``CC``, or ``L-CC`` for an exam."""
    view = table["view"].fillna("").astype(str).str.strip().str.upper()
    if group == "breast":
        return view.tolist()
    side = table["side"].fillna("").astype(str).str.strip().str.upper().str[:1]
    return [f"{s}-{v}" if s in ("L", "R") else "" for s, v in zip(side, view, strict=True)]


def _stand_in(view: str, chosen: dict[str, int]) -> str:
    """The view repeated for a missing one: the same breast's other view, else the first."""
    side = view_side(view)
    same_breast = [name for name in chosen if side is not None and view_side(name) == side]
    return (same_breast or list(chosen))[0]


def _columns(keys: list[str], views: Sequence[str]) -> list[str]:
    per_view = [f"{view}_{part}" for part in ("path", "row") for view in views]
    return [*keys, "group_id", "label", *per_view, "n_views", "missing_views"]


def unit_records(groups: pd.DataFrame) -> pd.DataFrame:
    """The groups as a records table, one row per breast (exam), for weights and reports.

    ``image_path`` is the ``group_id``, so :func:`~mammokit.datasets.class_weights`,
    :func:`~mammokit.metrics.level_report` and :func:`~mammokit.metrics.aggregate_predictions`
    count breasts (exams) and resample patients.

    Examples
    --------
    >>> from mammokit.records import make_records
    >>> rows = [{"image_path": f"/{s}{v}", "label": "Normal", "patient_id": "p", "side": s,
    ...          "view": v} for s in ("LEFT", "RIGHT") for v in ("CC", "MLO")]
    >>> unit_records(group_views(make_records(rows)))["image_path"].tolist()
    ['p/LEFT', 'p/RIGHT']
    """
    rows = groups[[*group_keys(groups), "label"]].assign(image_path=groups["group_id"])
    return make_records(rows.to_dict("records"), classes=groups.attrs["classes"])
