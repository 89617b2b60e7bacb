"""Sides and views: their names, as records, file names and multi-view models use them.

Importable without TensorFlow. A side is ``"LEFT"`` or ``"RIGHT"`` (:func:`parse_side` reads
any spelling a dataset publishes, :func:`side_from_name` a Mini-DDSM-style file name).

A screening exam is four images: the craniocaudal (CC) and mediolateral-oblique (MLO) view
of each breast. A multi-view model (:func:`mammokit.models.multiview_classifier`) reads the
views of one *breast* together, named by view alone (``("CC", "MLO")``), or the views of one
*exam*, named by side and view (``("L-CC", "L-MLO", "R-CC", "R-MLO")``). The names match the
records' ``view`` column (and ``side``: ``L`` for ``LEFT``, ``R`` for ``RIGHT``),
case-insensitively; any view a dataset publishes (``ML``, ``XCCL``, ...) can be named.

Examples
--------
>>> check_views(["cc", "mlo"]), views_level(("L-CC", "R-CC")), input_name("L-MLO")
(('CC', 'MLO'), 'exam', 'l_mlo')
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np

from mammokit.errors import MammokitError, ModelConfigError

__all__ = [
    "BREAST_VIEWS",
    "EXAM_VIEWS",
    "GROUPS",
    "SIDES",
    "check_views",
    "default_views",
    "input_name",
    "parse_side",
    "parse_views",
    "side_from_name",
    "view_batch",
    "view_side",
    "views_level",
]

#: What a multi-view model reads together.
GROUPS = ("breast", "exam")
#: The two standard views of one breast.
BREAST_VIEWS = ("CC", "MLO")
#: The four standard views of one exam, left breast first.
EXAM_VIEWS = ("L-CC", "L-MLO", "R-CC", "R-MLO")

_VIEW = re.compile(r"^(?:([LR])-)?([A-Z][A-Z0-9]*)$")
#: The sides of a records table, as every reader writes them.
SIDES = ("LEFT", "RIGHT")
_SIDE_WORDS = {"L": "LEFT", "R": "RIGHT", "LEFT": "LEFT", "RIGHT": "RIGHT"}
_SIDE_IN_NAME = re.compile(r"(?:^|[._-])(LEFT|RIGHT)(?:[._-]|$)", re.IGNORECASE)


def check_views(views: Sequence[str]) -> tuple[str, ...]:
    """``views`` upper-cased and checked: two or more distinct names, all of one kind.

    Raises
    ------
    ModelConfigError
        A name is not a view (``CC``) or a side and view (``L-CC``), names repeat, fewer
        than two are given, or breast and exam names are mixed.

    Examples
    --------
    >>> check_views(("l-cc", "R-CC"))
    ('L-CC', 'R-CC')
    """
    if isinstance(views, str):
        raise ModelConfigError(f"views must be a sequence of view names, got the string {views!r}")
    names = tuple(str(view).strip().upper() for view in views)
    bad = [name for name in names if not _VIEW.match(name)]
    if bad:
        raise ModelConfigError(
            f"view names must be a view (CC, MLO, ...) or a side and a view (L-CC, R-MLO), "
            f"got {bad}"
        )
    if len(names) < 2 or len(set(names)) != len(names):
        raise ModelConfigError(f"views must be two or more distinct names, got {list(names)}")
    kinds = {view_side(name) is None for name in names}
    if len(kinds) > 1:
        raise ModelConfigError(
            f"views mix breast views (CC) and exam views (L-CC): {list(names)}; name all by "
            "view (one breast) or all by side and view (one exam)"
        )
    return names


def views_level(views: Sequence[str]) -> str:
    """``"breast"`` for views named by view alone, ``"exam"`` for side-and-view names.

    Examples
    --------
    >>> views_level(("CC", "MLO"))
    'breast'
    """
    names = check_views(views)
    return "breast" if view_side(names[0]) is None else "exam"


def default_views(group: str) -> tuple[str, ...]:
    """The standard views of a ``"breast"`` (:data:`BREAST_VIEWS`) or ``"exam"``.

    Examples
    --------
    >>> default_views("exam")
    ('L-CC', 'L-MLO', 'R-CC', 'R-MLO')
    """
    if group not in GROUPS:
        raise ModelConfigError(f"group must be one of {GROUPS}, got {group!r}")
    return BREAST_VIEWS if group == "breast" else EXAM_VIEWS


def view_side(view: str) -> str | None:
    """The side an exam view names (``"L-CC"`` -> ``"LEFT"``); ``None`` for a breast view.

    Examples
    --------
    >>> view_side("R-MLO"), view_side("MLO")
    ('RIGHT', None)
    """
    match = _VIEW.match(view.strip().upper())
    if match is None:
        raise ModelConfigError(f"{view!r} is not a view name")
    return parse_side(match.group(1)) if match.group(1) else None


def parse_side(value: object) -> str:
    """``L``/``R``/``LEFT``/``RIGHT`` (any case, any padding) as ``LEFT``/``RIGHT``; else ``""``.

    Examples
    --------
    >>> parse_side(" r"), parse_side("Left"), parse_side(None), parse_side("both")
    ('RIGHT', 'LEFT', '', '')
    """
    text = value.strip().upper() if isinstance(value, str) else ""
    return _SIDE_WORDS.get(text, "")


def side_from_name(path: str | os.PathLike) -> str:
    """``"LEFT"`` or ``"RIGHT"`` when the file name says so (Mini-DDSM style), else ``""``.

    Examples
    --------
    >>> side_from_name("/data/C_0029_1.RIGHT_MLO.png"), side_from_name("scan.png")
    ('RIGHT', '')
    """
    match = _SIDE_IN_NAME.search(Path(path).name)
    return match.group(1).upper() if match else ""


def input_name(view: str) -> str:
    """The model input (and exported tensor) name of a view: lower case, ``-`` as ``_``.

    Examples
    --------
    >>> input_name("CC"), input_name("R-MLO")
    ('cc', 'r_mlo')
    """
    return view.strip().lower().replace("-", "_")


def parse_views(text: str) -> tuple[str, ...]:
    """Views from a comma-separated list, as the command line takes them.

    Examples
    --------
    >>> parse_views("CC,MLO")
    ('CC', 'MLO')
    """
    return check_views([part for part in text.split(",") if part.strip()])


def view_batch(
    views: Mapping[str, np.ndarray],
    names: Sequence[str],
    shape: tuple[int, ...] | None = None,
) -> dict[str, np.ndarray]:
    """A batch of views for a multi-view model, checked: ``{input name: (N, H, W, C)}``.

    Parameters
    ----------
    views
        One image ``(H, W, C)`` or a batch ``(N, H, W, C)`` per view, keyed by view or input
        name (``"CC"`` or ``"cc"``).
    names
        The model's input names (:func:`input_name` of its views).
    shape
        ``(H, W, C)`` every image must have; ``None`` checks only that the views are 4-D.

    Raises
    ------
    MammokitError
        A view is missing or extra, not an image or a batch, of the wrong shape, or the views
        hold different numbers of images.

    Examples
    --------
    >>> batch = view_batch({"CC": np.zeros((4, 4, 1)), "mlo": np.zeros((4, 4, 1))}, ["cc", "mlo"])
    >>> sorted(batch), batch["cc"].shape
    (['cc', 'mlo'], (1, 4, 4, 1))
    """
    batch = {input_name(key): np.asarray(value, np.float32) for key, value in views.items()}
    if set(batch) != set(names):
        raise MammokitError(f"images must hold the views {sorted(names)}, got {sorted(batch)}")
    for name, view in batch.items():
        view = view[np.newaxis] if view.ndim == 3 else view
        if view.ndim != 4 or (shape is not None and view.shape[1:] != tuple(shape)):
            expected = "(N, H, W, C)" if shape is None else f"{tuple(shape)} or a batch of them"
            raise MammokitError(f"view {name!r} must be {expected}, got {view.shape}")
        batch[name] = np.ascontiguousarray(view)
    if len({len(view) for view in batch.values()}) != 1:
        raise MammokitError("every view needs the same number of images")
    return batch
