"""Model builders: the thesis's plain CNN, MobileNet transfer learning, other backbones.

Examples
--------
>>> from mammokit.models import cnn_classifier, mobilenet_classifier
>>> mobilenet_classifier(input_shape=(64, 64, 3), weights=None, alpha=0.25).output_shape
(None, 3)
"""

from mammokit.models.backbones import BACKBONES, backbone_classifier
from mammokit.models.cnn import cnn_classifier
from mammokit.models.layers import BackbonePreprocessing, GrayToRGB
from mammokit.models.mobilenet import mobilenet_classifier
from mammokit.models.saving import ModelLoadError, load_model
from mammokit.models.tuning import unfreeze

__all__ = [
    "BACKBONES",
    "BackbonePreprocessing",
    "GrayToRGB",
    "ModelLoadError",
    "backbone_classifier",
    "cnn_classifier",
    "load_model",
    "mobilenet_classifier",
    "unfreeze",
]
