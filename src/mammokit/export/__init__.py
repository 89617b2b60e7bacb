"""Export for fast CPU and mobile inference, and serving what was exported.

:mod:`~mammokit.export.convert` writes TFLite (float32, float16, int8), ONNX and SavedModel
files, each with a sidecar (:mod:`~mammokit.export.sidecar`) recording the model's classes and
per-image recipe; :mod:`~mammokit.export.predictor` serves ``.keras``, ``.tflite`` and
``.onnx`` files with that recipe.

Examples
--------
>>> import tempfile, os, numpy as np
>>> from mammokit.models import cnn_classifier
>>> path = to_tflite(cnn_classifier(input_shape=(16, 16, 1), filters=(4,)),
...                  os.path.join(tempfile.mkdtemp(), "cnn.tflite"))
>>> Predictor(path).predict(np.zeros((2, 16, 16, 1), np.float32)).shape
(2, 3)
"""

from mammokit.export.convert import to_onnx, to_saved_model, to_tflite
from mammokit.export.predictor import Predictor, tflite_interpreter
from mammokit.export.sidecar import read_serving_config

__all__ = [
    "Predictor",
    "read_serving_config",
    "tflite_interpreter",
    "to_onnx",
    "to_saved_model",
    "to_tflite",
]
