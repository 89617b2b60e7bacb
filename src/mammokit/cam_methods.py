"""Names of the class-activation-map methods, importable without TensorFlow.

:mod:`mammokit.explain` computes them; the command line builds its choices from here.
"""

__all__ = ["DEFAULT_METHOD", "METHODS"]

#: CAM methods :func:`mammokit.explain.grad_cam` accepts.
METHODS = ("gradcam", "gradcam++", "scorecam", "layercam")
#: The method :func:`~mammokit.explain.grad_cam`, ``mammokit explain`` and the demo use by
#: default.
#: Pointing game within 4 px on three trained lesion tasks (synthetic mammograms at 96 px,
#: the demo's CNN at 128 px, bright disc vs spiculated star at 96 px): Grad-CAM++ 0.85 / 1.00 /
#: 1.00, Grad-CAM 0.85 / 0.99 / 1.00, Layer-CAM 0.90 / 0.98 / 0.99, Score-CAM 0.94 / 0.96 /
#: 1.00. Grad-CAM++ is never behind Grad-CAM and at most 0.09 behind Score-CAM, which takes
#: 30-100 times as long.
DEFAULT_METHOD = "gradcam++"
