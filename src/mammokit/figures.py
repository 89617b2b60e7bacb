"""Figures: written to a PNG when given a path, returned for a notebook to show when not."""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pragma: no cover - matplotlib loads when a figure is drawn
    from matplotlib.figure import Figure

__all__ = ["save_or_return"]


def save_or_return(figure: Figure, path: str | os.PathLike | None, dpi: int = 110) -> Path | Figure:
    """Write ``figure`` to ``path`` (folders created) and return the path; without a path,
    return the figure (a Jupyter notebook shows it inline).

    Examples
    --------
    >>> from matplotlib.figure import Figure
    >>> save_or_return(Figure(), None).__class__.__name__
    'Figure'
    """
    if path is None:
        return figure
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, dpi=dpi)
    return path
