"""Pixels: reading mammograms, their 0..255 intensity scale, crops and flips, and the one
per-image recipe a model is trained and served with.

Four modules, each on the one below it: :mod:`~mammokit.imaging.io` reads files (JPEG, PNG,
TIFF, PGM, DICOM; 8- and 16-bit), :mod:`~mammokit.imaging.preprocess` finds the breast and
mirrors, crops, removes the pectoral muscle and equalises, :mod:`~mammokit.imaging.intensity`
puts every bit depth on one 0..255 scale, and :mod:`~mammokit.imaging.example` combines them
into :class:`InputSpec`, the recipe derived from a model. No TensorFlow is imported.

Examples
--------
>>> from mammokit.imaging import InputSpec
>>> InputSpec((512, 256), channels=1).size
(512, 256)
"""

from mammokit.imaging.example import (
    ExampleReader,
    InputSpec,
    load_example,
    prepare_example,
    standard_preprocess,
)
from mammokit.imaging.intensity import intensity_scale, intensity_survey, read_scaled
from mammokit.imaging.io import check_image_file, read_image
from mammokit.imaging.preprocess import clahe, crop_breast, flip_to_left, remove_pectoral

__all__ = [
    "ExampleReader",
    "InputSpec",
    "check_image_file",
    "clahe",
    "crop_breast",
    "flip_to_left",
    "intensity_scale",
    "intensity_survey",
    "load_example",
    "prepare_example",
    "read_image",
    "read_scaled",
    "remove_pectoral",
    "standard_preprocess",
]
