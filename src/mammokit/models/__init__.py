"""Model builders: the thesis's plain CNN, MobileNet transfer learning, other backbones.

Examples
--------
>>> from mammokit.models import cnn_classifier, mobilenet_classifier
>>> mobilenet_classifier(input_shape=(64, 64, 3), weights=None, alpha=0.25).output_shape
(None, 3)
"""

import warnings

from mammokit.errors import LegacyModelWarning
from mammokit.model_info import ModelInfo, info_of
from mammokit.models.backbones import backbone_classifier
from mammokit.models.classifier import Classifier, as_classifier
from mammokit.models.cnn import cnn_classifier
from mammokit.models.factory import create_classifier
from mammokit.models.features import view_feature_layers
from mammokit.models.layers import BackbonePreprocessing, GrayToRGB
from mammokit.models.mobilenet import mobilenet_classifier
from mammokit.models.multiview import multiview_classifier
from mammokit.models.saving import ModelLoadError, load_model
from mammokit.models.tuning import unfreeze
from mammokit.registry import available_models, register_model

__all__ = [
    "BackbonePreprocessing",
    "Classifier",
    "GrayToRGB",
    "LegacyModelWarning",
    "ModelInfo",
    "ModelLoadError",
    "as_classifier",
    "available_models",
    "backbone_classifier",
    "cnn_classifier",
    "create_classifier",
    "info_of",
    "load_model",
    "mobilenet_classifier",
    "multiview_classifier",
    "register_model",
    "unfreeze",
    "view_feature_layers",
]


def __getattr__(name: str) -> object:
    if name == "model_info":  # one name for the module, the class and this function, until 0.2
        warnings.warn(
            "mammokit.models.info_of is deprecated and will be removed in 0.3; use "
            "mammokit.models.info_of (the function; mammokit.model_info is the module)",
            DeprecationWarning,
            stacklevel=2,
        )
        return info_of
    if name == "BACKBONES":  # deprecated: warns in mammokit.models.backbones
        from mammokit.models import backbones

        return backbones.__getattr__(name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
