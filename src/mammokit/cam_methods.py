"""Names of the class-activation-map methods, importable without TensorFlow.

:mod:`mammokit.explain` computes them; the command line builds its choices from here.
"""

__all__ = ["DEFAULT_METHOD", "METHODS"]

#: CAM methods :func:`mammokit.explain.grad_cam` accepts.
METHODS = ("gradcam", "gradcam++", "scorecam", "layercam")
#: The method :func:`~mammokit.explain.grad_cam`, ``mammokit explain`` and the demo use by
#: default.
#: On three trained lesion tasks (synthetic mammograms at 96 px, the demo's CNN at 128 px, a
#: bright disc vs a spiculated star at 96 px) the pointing game within 4 px is a tie (means:
#: Score-CAM 0.97, Layer-CAM 0.95, Grad-CAM++ 0.95, Grad-CAM 0.95: less than one image apart
#: on the smallest task); the overlap with the lesion is not (mean IoU: Grad-CAM 0.34,
#: Grad-CAM++ 0.28, Score-CAM 0.28, Layer-CAM 0.25). Grad-CAM marks most of the lesion, where
#: Grad-CAM++ marks a point of it, and runs compiled, about four times as fast.
DEFAULT_METHOD = "gradcam"
