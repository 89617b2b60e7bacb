"""Where a model's input came from: the flip, crop, scale and padding of one image.

The per-image recipe mirrors a right breast to the left, crops to the breast and resizes to
the model's size, either stretching to it (``fit="stretch"``, mammokit's default before 0.2)
or keeping the aspect ratio and padding (``fit="pad"``: the crop is scaled to fit, placed
against the left edge, where the chest wall is after the flip, and centred vertically; the
rest is background, 0). A :class:`Placement` records those steps, so points, boxes, masks and
heatmaps move between the original pixels and the model's input in both directions.

Examples
--------
>>> import numpy as np
>>> image = np.zeros((400, 300), np.float32); image[50:350, 100:300] = 200.0
>>> fitted, placement = fit_to_size(image[50:350, 100:300], (64, 64), "pad")
>>> fitted.shape, placement.scale, placement.offset       # 300x200 fits as 64x43
((64, 64), (0.21333333333333335, 0.215), (0, 0))
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import cv2
import numpy as np

from mammokit.errors import MammokitError
from mammokit.model_info import FITS

__all__ = ["FITS", "PLACEMENT_COLUMNS", "Placement", "fit_to_size"]


@dataclass(frozen=True)
class Placement:
    """The flip, crop and resize that took an original image to a model input.

    Attributes
    ----------
    source_shape
        ``(height, width)`` of the original image.
    flipped
        Whether it was mirrored left-right (a right breast, to the left).
    box
        ``(y0, y1, x0, x1)``: the crop, in the (flipped) original.
    scale
        ``(sy, sx)``: input pixels per original pixel along each axis.
    offset
        ``(oy, ox)``: where the scaled crop's top-left corner lies in the input.
    size
        ``(height, width)`` of the input.
    """

    source_shape: tuple[int, int]
    flipped: bool
    box: tuple[int, int, int, int]
    scale: tuple[float, float]
    offset: tuple[int, int]
    size: tuple[int, int]

    def to_input(self, points: np.ndarray | Sequence) -> np.ndarray:
        """Original ``(y, x)`` points (pixel centres) in input coordinates, ``(N, 2)``.

        Examples
        --------
        >>> p = Placement((100, 80), True, (10, 90, 0, 40), (0.5, 0.5), (5, 0), (50, 30))
        >>> p.to_input([[10, 79]]).round(2).tolist()      # flipped: x 79 becomes 0
        [[4.75, -0.25]]
        >>> p.to_source(p.to_input([[30, 60]])).round(6).tolist()
        [[30.0, 60.0]]
        """
        points = np.asarray(points, np.float64).reshape(-1, 2)
        y, x = points[:, 0], points[:, 1]
        if self.flipped:
            x = self.source_shape[1] - 1 - x
        (y0, _, x0, _), (sy, sx), (oy, ox) = self.box, self.scale, self.offset
        return np.stack([(y - y0 + 0.5) * sy - 0.5 + oy, (x - x0 + 0.5) * sx - 0.5 + ox], 1)

    def to_source(self, points: np.ndarray | Sequence) -> np.ndarray:
        """Input ``(y, x)`` points in original coordinates, ``(N, 2)`` (:meth:`to_input`'s
        inverse)."""
        points = np.asarray(points, np.float64).reshape(-1, 2)
        (y0, _, x0, _), (sy, sx), (oy, ox) = self.box, self.scale, self.offset
        y = (points[:, 0] - oy + 0.5) / sy - 0.5 + y0
        x = (points[:, 1] - ox + 0.5) / sx - 0.5 + x0
        if self.flipped:
            x = self.source_shape[1] - 1 - x
        return np.stack([y, x], 1)

    def map_to_source(self, values: np.ndarray, nearest: bool = False) -> np.ndarray:
        """An input-sized map (a mask or heatmap) laid over the original image's pixels.

        Outside the crop the result is 0; ``nearest`` keeps labels (masks) unblended.

        Examples
        --------
        >>> p = Placement((100, 80), False, (20, 60, 10, 50), (0.5, 0.5), (0, 0), (20, 20))
        >>> heat = np.ones((20, 20), np.float32)
        >>> back = p.map_to_source(heat)
        >>> back.shape, float(back[20:60, 10:50].min()), float(back.sum())
        ((100, 80), 1.0, 1600.0)
        """
        (y0, y1, x0, x1), (oy, ox) = self.box, self.offset
        height = round((y1 - y0) * self.scale[0])
        width = round((x1 - x0) * self.scale[1])
        region = np.asarray(values, np.float32)[oy : oy + height, ox : ox + width]
        method = cv2.INTER_NEAREST_EXACT if nearest else cv2.INTER_LINEAR
        out = np.zeros(self.source_shape, np.float32)
        out[y0:y1, x0:x1] = cv2.resize(region, (x1 - x0, y1 - y0), interpolation=method)
        return np.ascontiguousarray(out[:, ::-1]) if self.flipped else out

    def to_dict(self) -> dict:
        """Flat JSON- and CSV-ready fields (:meth:`from_dict` reads them)."""
        return {
            "source_height": self.source_shape[0],
            "source_width": self.source_shape[1],
            "flipped": bool(self.flipped),
            "box_y0": self.box[0],
            "box_y1": self.box[1],
            "box_x0": self.box[2],
            "box_x1": self.box[3],
            "scale_y": float(self.scale[0]),
            "scale_x": float(self.scale[1]),
            "offset_y": self.offset[0],
            "offset_x": self.offset[1],
            "height": self.size[0],
            "width": self.size[1],
        }

    @classmethod
    def from_dict(cls, values: dict) -> Placement:
        """The placement :meth:`to_dict` wrote (a records row holds the same fields)."""
        return cls(
            (int(values["source_height"]), int(values["source_width"])),
            bool(values["flipped"]),
            tuple(int(values[f"box_{k}"]) for k in ("y0", "y1", "x0", "x1")),
            (float(values["scale_y"]), float(values["scale_x"])),
            (int(values["offset_y"]), int(values["offset_x"])),
            (int(values["height"]), int(values["width"])),
        )


#: The :meth:`Placement.to_dict` fields, as records columns of a prepared dataset.
PLACEMENT_COLUMNS = tuple(
    Placement((1, 1), False, (0, 1, 0, 1), (1.0, 1.0), (0, 0), (1, 1)).to_dict()
)


def fit_to_size(
    image: np.ndarray,
    size: tuple[int, int],
    fit: str = "stretch",
    interpolation: int = cv2.INTER_AREA,
) -> tuple[np.ndarray, Placement]:
    """Resize ``image`` to ``size`` (``(height, width)``), stretching or padding.

    Returns the resized image and its :class:`Placement` (of the whole ``image``: no flip, no
    crop; :meth:`Placement.with_crop` adds them).
    """
    if fit not in FITS:
        raise MammokitError(f"fit must be one of {FITS}, got {fit!r}")
    height, width = int(size[0]), int(size[1])
    rows, columns = (int(v) for v in image.shape[:2])
    if fit == "stretch":
        inner, top = (height, width), 0
    else:
        factor = min(height / rows, width / columns)
        inner = (
            max(1, min(height, round(rows * factor))),
            max(1, min(width, round(columns * factor))),
        )
        top = (height - inner[0]) // 2
    resized = cv2.resize(image, (inner[1], inner[0]), interpolation=interpolation)
    if inner != (height, width):
        canvas = np.zeros((height, width), resized.dtype)
        canvas[top : top + inner[0], : inner[1]] = resized
        resized = canvas
    placement = Placement(
        (rows, columns),
        False,
        (0, rows, 0, columns),
        (inner[0] / rows, inner[1] / columns),
        (top, 0),
        (height, width),
    )
    return resized, placement
