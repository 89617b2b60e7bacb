"""Explaining predictions: Grad-CAM and its relatives, overlays, and scores against lesion masks.

The CAM methods come from tf-keras-vis (Gradcam, GradcamPlusPlus, Scorecam, Layercam) and work
on the flat models :mod:`mammokit.models` builds. Heatmaps are ``(N, H, W)`` float arrays in
[0, 1] at the input resolution; Mini-DDSM's lesion masks let :func:`localization_scores`
measure how well they point at the lesion.
"""

from __future__ import annotations

import contextlib
import warnings
import weakref
from collections.abc import Mapping, Sequence

import cv2
import keras
import numpy as np
import tensorflow as tf

from mammokit.cam_methods import DEFAULT_METHOD, METHODS
from mammokit.errors import MammokitError
from mammokit.imaging.preprocess import to_uint8
from mammokit.models.features import find_last_conv_layer, is_spatial, view_feature_layers
from mammokit.models.layers import TemperatureScaling
from mammokit.views import input_name, view_batch

__all__ = [
    "DEFAULT_METHOD",
    "METHODS",
    "explanation_figure",
    "find_last_conv_layer",
    "grad_cam",
    "localization_scores",
    "overlay",
]


_COMPILED_GRAD_CAM: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def _class_score_source(model: keras.Model) -> tuple[keras.KerasTensor, str]:
    """The tensor Grad-CAM differentiates, and how it becomes the class score.

    Grad-CAM's score is the class's logit, before the softmax (Selvaraju et al., 2017). The
    log-probability or probability would be contrastive: their gradient subtracts the other
    classes' logits, so evidence two lesion classes share (the lesion itself) cancels, and the
    map points at what tells them apart, often not the lesion. On a 96x96 disc/star/none task
    that dropped the pointing game from 1.00 to 0.94. A softmax ``Dense`` head gives its input
    (logits computed from its weights); a separate softmax layer gives its input; other models
    fall back to the log-probability. A calibrated model's temperature divides every logit
    by one number, which scales the gradient and leaves the normalised map as it is: the
    layer before it is the head.
    """
    last = _head(model)
    softmax = keras.activations.softmax
    if isinstance(last, keras.layers.Dense) and last.activation is softmax:
        return last.input, "dense"
    if isinstance(last, keras.layers.Activation) and last.activation is softmax:
        return last.input, "logits"
    return model.output, "log-probability"


def _head(model: keras.Model) -> keras.layers.Layer:
    """The model's last layer, or for a calibrated model the one its temperature scales."""
    last = model.layers[-1]
    if isinstance(last, TemperatureScaling):
        return next(layer for layer in model.layers if layer.output is last.input)
    return last


def _compiled_grad_cam(model: keras.Model, layers: tuple[str, ...]):
    """Grad-CAM as one traced TensorFlow function, cached per model and layer(s).

    tf-keras-vis rebuilds a feature model and runs eagerly on every call; for plain Grad-CAM,
    the method used most, this compiled path is about four times faster (see
    ``benchmarks/explain.py``) and reuses one function for every batch of the same shape.
    With several layers (a multi-view model: one per view), one pass gives the map of each,
    resized to the input of the same position.
    """
    per_model = _COMPILED_GRAD_CAM.setdefault(model, {})
    if layers not in per_model:
        source, kind = _class_score_source(model)
        outputs = [model.get_layer(layer).output for layer in layers]
        features = keras.Model(model.input, [outputs, source])
        head = _head(model)

        @tf.function(reduce_retracing=True)
        def compute(images, targets: tf.Tensor) -> list[tf.Tensor]:
            with tf.GradientTape() as tape:
                maps, values = features(images, training=False)
                if kind == "dense":
                    values = tf.matmul(values, head.kernel) + head.bias
                elif kind == "log-probability":
                    values = tf.math.log(values + 1e-7)
                predicted = tf.argmax(values, axis=-1, output_type=tf.int32)
                chosen = tf.where(targets < 0, predicted, targets)
                score = tf.gather(values, chosen, batch_dims=1)
            gradients = tape.gradient(score, maps)
            inputs = tf.nest.flatten(images)
            return [
                _normalised_cam(feature_map, gradient, tf.shape(inputs[i])[1:3])
                for i, (feature_map, gradient) in enumerate(zip(maps, gradients, strict=True))
            ]

        per_model[layers] = compute
    return per_model[layers]


def _normalised_cam(maps: tf.Tensor, gradients: tf.Tensor, size: tf.Tensor) -> tf.Tensor:
    """Grad-CAM of one feature map: channel weights from the gradients, ReLU, to [0, 1]."""
    weights = tf.reduce_mean(gradients, axis=(1, 2), keepdims=True)
    cam = tf.nn.relu(tf.reduce_sum(maps * weights, axis=-1, keepdims=True))
    cam = tf.image.resize(cam, size, method="bilinear")[..., 0]
    low = tf.reduce_min(cam, axis=(1, 2), keepdims=True)
    high = tf.reduce_max(cam, axis=(1, 2), keepdims=True)
    return tf.math.divide_no_nan(cam - low, high - low)


@contextlib.contextmanager
def _quiet():
    """No Keras progress bars and no input-structure warnings from tf-keras-vis's calls."""
    interactive = keras.config.is_interactive_logging_enabled()
    keras.config.disable_interactive_logging()
    try:
        with warnings.catch_warnings():
            warnings.filterwarnings(
                "ignore", message=".*structure of `inputs`", category=UserWarning
            )
            yield
    finally:
        if interactive:
            keras.config.enable_interactive_logging()


def _visualizer(model: keras.Model, method: str):
    from tf_keras_vis.gradcam_plus_plus import GradcamPlusPlus
    from tf_keras_vis.layercam import Layercam
    from tf_keras_vis.scorecam import Scorecam

    classes = {"gradcam++": GradcamPlusPlus, "scorecam": Scorecam, "layercam": Layercam}
    return classes[method](model, clone=False)


def grad_cam(
    model: keras.Model,
    images: np.ndarray,
    class_index: int | Sequence[int] | None = None,
    layer: str | None = None,
    method: str = DEFAULT_METHOD,
    batch_size: int = 32,
    max_n: int | None = 64,
) -> np.ndarray:
    """Class activation maps of a classifier for a batch of images.

    Parameters
    ----------
    model
        A Keras classifier with a softmax output, e.g. from :mod:`mammokit.models`.
    images
        ``(N, H, W, C)`` or one ``(H, W, C)`` image, as the model takes them (0..255 scale).
        For a multi-view model (:func:`mammokit.models.multiview_classifier`): a dict of the
        views' batches, keyed by view or input name (``{"cc": ..., "mlo": ...}``, as
        ``to_tf_dataset(..., group=...)`` yields them); each view's map is read from its own
        feature layer (:func:`~mammokit.models.view_feature_layers`; ``layer`` is ignored).
    class_index
        Class to explain: ``None`` for each image's predicted class, an int for all images,
        or one int per image.
    layer
        Name of the convolutional layer to read; ``None`` finds the last spatial layer.
    method
        ``"gradcam"`` (default, :data:`DEFAULT_METHOD`), ``"gradcam++"``, ``"scorecam"`` or
        ``"layercam"``. Plain Grad-CAM runs as one compiled function (about four times the
        throughput of the others); the rest come from tf-keras-vis.
    batch_size
        Images per forward/backward pass.
    max_n
        For ``"scorecam"``: how many activation channels to use (the strongest); ``None``
        uses all, which is slow.

    Returns
    -------
    numpy.ndarray or dict
        ``(N, H, W)`` float32 heatmaps in [0, 1] at the input resolution, without NaN; for a
        multi-view model a dict of them by input name (all zeros for a missing view, which the
        model does not read).

    Examples
    --------
    >>> import numpy as np
    >>> from mammokit.models import cnn_classifier
    >>> model = cnn_classifier(input_shape=(32, 32, 1), filters=(8, 16))
    >>> heatmaps = grad_cam(model, np.random.default_rng(0).uniform(0, 255, (2, 32, 32, 1)))
    >>> heatmaps.shape, float(heatmaps.min()) >= 0.0, float(heatmaps.max()) <= 1.0
    ((2, 32, 32), True, True)
    """
    from tf_keras_vis.utils.scores import CategoricalScore

    if method not in METHODS:
        raise MammokitError(f"method must be one of {METHODS}, got {method!r}")
    if isinstance(images, Mapping):
        return _view_cams(model, images, class_index, method, batch_size, max_n)
    images = np.asarray(images, dtype=np.float32)
    if images.ndim == 3:
        images = images[np.newaxis]
    if images.ndim != 4:
        raise MammokitError(f"images must be (N, H, W, C) or (H, W, C), got shape {images.shape}")
    layer = layer or find_last_conv_layer(model)
    valid = [candidate.name for candidate in model.layers if is_spatial(candidate)]
    if layer not in valid:
        raise MammokitError(
            f"layer {layer!r} is not a spatial layer of {model.name!r}; valid: {valid}"
        )
    maps = []
    targets = _targets(model, class_index, len(images))
    if method == "gradcam":
        compute = _compiled_grad_cam(model, (layer,))
        for start in range(0, len(images), batch_size):
            chunk = slice(start, start + batch_size)
            maps.append(compute(tf.constant(images[chunk]), tf.constant(targets[chunk]))[0].numpy())
        return _clean(maps)
    if class_index is None:  # tf-keras-vis needs the predicted classes spelled out
        targets = model.predict(images, batch_size=batch_size, verbose=0).argmax(axis=1)
    visualizer = _visualizer(model, method)
    for start in range(0, len(images), batch_size):
        batch = images[start : start + batch_size]
        score = CategoricalScore(targets[start : start + batch_size].tolist())
        with _quiet():
            cams = visualizer(score, tf.constant(batch), **_cam_options(layer, method, max_n))
        maps.append(np.asarray(cams, dtype=np.float32).reshape(len(batch), *images.shape[1:3]))
    return _clean(maps)


def _cam_options(layer: str, method: str, max_n: int | None) -> dict:
    """tf-keras-vis's arguments: the layer to read, and Score-CAM's channel count."""
    options = {"penultimate_layer": layer, "seek_penultimate_conv_layer": False}
    if method == "scorecam":
        options["max_N"] = -1 if max_n is None else max_n
    return options


def _view_cams(
    model: keras.Model,
    views: Mapping[str, np.ndarray],
    class_index: int | Sequence[int] | None,
    method: str,
    batch_size: int,
    max_n: int | None,
) -> dict[str, np.ndarray]:
    """Heatmaps of each view of a multi-view model, keyed by input name."""
    layers = {input_name(view): layer for view, layer in view_feature_layers(model).items()}
    batch = view_batch(views, list(layers))
    count = len(next(iter(batch.values())))
    names = sorted(layers)  # a dict's order inside TensorFlow
    targets = _targets(model, class_index, count)
    maps: dict[str, list[np.ndarray]] = {name: [] for name in names}
    if method == "gradcam":
        compute = _compiled_grad_cam(model, tuple(layers[name] for name in names))
        for start in range(0, count, batch_size):
            chunk = {name: tf.constant(batch[name][start : start + batch_size]) for name in names}
            cams = compute(chunk, tf.constant(targets[start : start + batch_size]))
            for name, cam in zip(names, cams, strict=True):
                maps[name].append(cam.numpy())
        return {name: _clean(maps[name]) for name in names}
    from tf_keras_vis.utils.scores import CategoricalScore

    if class_index is None:
        targets = model.predict(batch, batch_size=batch_size, verbose=0).argmax(axis=1)
    order = [tensor.name for tensor in model.inputs]  # tf-keras-vis takes a list in this order
    visualizer = _visualizer(model, method)
    for name in names:
        for start in range(0, count, batch_size):
            seeds = [tf.constant(batch[key][start : start + batch_size]) for key in order]
            score = CategoricalScore(targets[start : start + batch_size].tolist())
            with _quiet():
                cams = visualizer(score, seeds, **_cam_options(layers[name], method, max_n))
            maps[name].append(np.asarray(cams[order.index(name)], np.float32))
    return {name: _clean(maps[name]) for name in names}


def _clean(maps: list[np.ndarray]) -> np.ndarray:
    heatmaps = np.nan_to_num(
        np.concatenate(maps).astype(np.float32), nan=0.0, posinf=0.0, neginf=0.0
    )
    return np.clip(heatmaps, 0.0, 1.0)


def _targets(model: keras.Model, class_index: int | Sequence[int] | None, n: int) -> np.ndarray:
    """Class to explain per image; -1 means "the predicted class"."""
    if class_index is None:
        return np.full(n, -1, dtype=np.int32)
    num_classes = model.output_shape[-1]
    try:
        targets = np.broadcast_to(np.asarray(class_index, dtype=np.int32), (n,))
    except ValueError as err:
        raise MammokitError(f"class_index must be one int or {n} ints, got {class_index}") from err
    if ((targets < 0) | (targets >= num_classes)).any():
        raise MammokitError(f"class_index must be in [0, {num_classes}), got {class_index}")
    return targets


def overlay(
    image: np.ndarray,
    heatmap: np.ndarray,
    opacity: float = 0.4,
    colormap: int = cv2.COLORMAP_JET,
    *,
    alpha: float | None = None,
) -> np.ndarray:
    """Blend a heatmap over a grayscale (8- or 16-bit) or RGB image.

    Parameters
    ----------
    image
        ``(H, W)``, ``(H, W, 1)`` or ``(H, W, 3)``; ``uint8``, ``uint16`` or float (min-max
        scaled).
    heatmap
        ``(h, w)`` values in [0, 1]; resized to the image.
    opacity
        Weight of the heatmap colours, 0 to 1 (0 shows only the image).
    colormap
        An OpenCV colormap, default ``cv2.COLORMAP_JET``.
    alpha
        Deprecated name of ``opacity`` (mammokit 0.1); removed in 0.3.

    Returns
    -------
    numpy.ndarray
        ``(H, W, 3)`` ``uint8`` RGB image.

    Examples
    --------
    >>> import numpy as np
    >>> out = overlay(np.full((8, 8), 30000, np.uint16), np.eye(4))
    >>> out.shape, out.dtype
    ((8, 8, 3), dtype('uint8'))
    """
    if alpha is not None:
        warnings.warn(
            "overlay(alpha=...) is deprecated and will be removed in 0.3; use opacity=...",
            DeprecationWarning,
            stacklevel=2,
        )
        opacity = alpha
    if not 0.0 <= opacity <= 1.0:
        raise MammokitError(f"opacity must be in [0, 1], got {opacity}")
    image = np.asarray(image)
    if image.ndim == 3 and image.shape[2] == 1:
        image = image[..., 0]
    if image.ndim not in (2, 3) or (image.ndim == 3 and image.shape[2] != 3):
        raise MammokitError(f"image must be (H, W), (H, W, 1) or (H, W, 3), got {image.shape}")
    heatmap = np.asarray(heatmap, dtype=np.float32)
    if heatmap.ndim != 2:
        raise MammokitError(f"heatmap must be 2-D, got shape {heatmap.shape}")
    gray = to_uint8(image)
    rgb = cv2.cvtColor(gray, cv2.COLOR_GRAY2RGB) if gray.ndim == 2 else gray
    height, width = rgb.shape[:2]
    heat = cv2.resize(np.nan_to_num(heatmap), (width, height), interpolation=cv2.INTER_LINEAR)
    heat = np.round(np.clip(heat, 0.0, 1.0) * 255).astype(np.uint8)
    colours = cv2.cvtColor(cv2.applyColorMap(heat, colormap), cv2.COLOR_BGR2RGB)
    return cv2.addWeighted(rgb, 1.0 - opacity, colours, opacity, 0.0)


def explanation_figure(
    image: np.ndarray,
    heatmap: np.ndarray,
    probabilities: Sequence[float],
    class_names: Sequence[str],
    explained: int | None = None,
    title: str | None = None,
    method: str = DEFAULT_METHOD,
    opacity: float = 0.4,
):
    """The image beside its heatmap overlay, a colour bar and the class probabilities.

    Parameters
    ----------
    image
        The image as the model saw it before resizing (e.g. the breast crop), any bit depth;
        for a multi-view model a dict of the views' images (``{"CC": ..., "MLO": ...}``),
        drawn side by side, each above its overlay.
    heatmap
        ``(h, w)`` map in [0, 1] from :func:`grad_cam`; a dict with the same keys as
        ``image`` for a multi-view model.
    probabilities
        The model's probability of each class.
    class_names
        The class of each probability.
    explained
        Index of the class the heatmap explains; default the predicted one.
    title
        First caption line, e.g. the file name.
    method
        The CAM method's name, for the caption.
    opacity
        Weight of the heatmap colours.

    Returns
    -------
    matplotlib.figure.Figure
        Save it with ``figure.savefig(path)``; a notebook shows it inline.

    Examples
    --------
    >>> import numpy as np
    >>> figure = explanation_figure(np.zeros((40, 24), np.uint8), np.eye(8), [0.2, 0.8],
    ...                             ["Benign", "Malignant"], title="case 1")
    >>> figure.axes[1].get_title()
    'gradcam of Malignant'
    """
    import matplotlib.cm
    from matplotlib.colors import Normalize
    from matplotlib.figure import Figure

    probabilities = np.asarray(probabilities, dtype=np.float64)
    if len(probabilities) != len(class_names):
        raise MammokitError(f"{len(probabilities)} probabilities for {len(class_names)} classes")
    predicted = int(np.argmax(probabilities))
    explained = predicted if explained is None else int(explained)
    if isinstance(image, Mapping) != isinstance(heatmap, Mapping):
        raise MammokitError("give images and heatmaps both as arrays or both as dicts of views")
    images = dict(image) if isinstance(image, Mapping) else {"": image}
    heatmaps = dict(heatmap) if isinstance(heatmap, Mapping) else {"": heatmap}
    if list(images) != list(heatmaps):
        raise MammokitError(f"views {list(images)} of the images, {list(heatmaps)} of the maps")
    shown = {view: to_uint8(np.asarray(picture)) for view, picture in images.items()}
    height, width = next(iter(shown.values())).shape[:2]
    panel = 3.2 * width / max(height, width)
    if len(shown) == 1:  # one image: the image beside its overlay
        figure = Figure(figsize=(2 * panel + 1.4, 4.4), layout="constrained")
        axes = figure.subplots(1, 2).reshape(2, 1)
    else:  # the views side by side, each image above its overlay
        figure = Figure(figsize=(len(shown) * panel + 1.4, 7.8), layout="constrained")
        axes = figure.subplots(2, len(shown), squeeze=False)
    for column, (view, picture) in enumerate(shown.items()):
        plain, blended = axes[:, column]
        plain.imshow(picture, cmap="gray")
        plain.set_title(view or "image")
        blended.imshow(overlay(picture, heatmaps[view], opacity=opacity))
        blended.set_title(f"{method} of {class_names[explained]}")
        plain.axis("off")
        blended.axis("off")
    scale = matplotlib.cm.ScalarMappable(Normalize(0.0, 1.0), cmap="jet")
    figure.colorbar(scale, ax=list(axes[1]), fraction=0.046, pad=0.04, label="relevance")
    ranked = np.argsort(-probabilities)
    shares = ", ".join(f"{class_names[i]} {probabilities[i]:.1%}" for i in ranked)
    caption = f"predicted {class_names[predicted]}  ({shares})"
    figure.suptitle(f"{title}\n{caption}" if title else caption, fontsize=10)
    return figure


def localization_scores(
    heatmaps: np.ndarray, masks: np.ndarray, threshold: float = 0.5, tolerance: int = 0
) -> dict[str, float | int]:
    """How well heatmaps point at lesions: pointing game and IoU against lesion masks.

    Only images whose mask holds a lesion are scored (Normal images have nothing to point at).

    Parameters
    ----------
    heatmaps
        ``(N, H, W)`` values in [0, 1].
    masks
        ``(N, H, W)`` or ``(N, H, W, 1)`` lesion masks (non-zero = lesion), same H and W.
    threshold
        Heatmap level above which a pixel counts as highlighted, for the IoU.
    tolerance
        Pointing-game tolerance in pixels: a maximum within this distance of the lesion counts
        as a hit (Zhang et al., 2016, use 15 pixels at 224x224). CAMs are upsampled from a
        coarse map, so their peak often lands on the lesion's rim; 0 (default) is strict.

    Returns
    -------
    dict
        ``"pointing_game"``: share of images whose heatmap maximum lies inside the lesion;
        ``"iou"``: mean IoU of the thresholded heatmap with the mask; ``"n_scored"``: images
        with a lesion.

    Examples
    --------
    >>> import numpy as np
    >>> masks = np.zeros((1, 8, 8)); masks[0, 2:4, 2:4] = 1
    >>> localization_scores(masks * 0.9, masks)
    {'pointing_game': 1.0, 'iou': 1.0, 'n_scored': 1}
    """
    heatmaps = np.asarray(heatmaps, dtype=np.float32)
    masks = np.asarray(masks)
    if masks.ndim == 4 and masks.shape[-1] == 1:
        masks = masks[..., 0]
    if heatmaps.ndim != 3 or heatmaps.shape != masks.shape:
        raise MammokitError(
            f"heatmaps and masks must both be (N, H, W) of one shape, got {heatmaps.shape} "
            f"and {masks.shape}"
        )
    lesion = masks > 0
    has_lesion = lesion.reshape(len(lesion), -1).any(axis=1)
    if not has_lesion.any():
        return {"pointing_game": float("nan"), "iou": float("nan"), "n_scored": 0}
    heat, lesion = heatmaps[has_lesion], lesion[has_lesion]
    if tolerance < 0:
        raise MammokitError(f"tolerance must be >= 0 pixels, got {tolerance}")
    target = lesion
    if tolerance:
        disk = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * tolerance + 1,) * 2)
        target = np.stack([cv2.dilate(m.astype(np.uint8), disk) > 0 for m in lesion])
    flat = heat.reshape(len(heat), -1)
    hits = target.reshape(len(target), -1)[np.arange(len(flat)), flat.argmax(axis=1)]
    highlighted = heat >= threshold
    intersection = (highlighted & lesion).sum(axis=(1, 2))
    union = (highlighted | lesion).sum(axis=(1, 2))
    return {
        "pointing_game": float(hits.mean()),
        "iou": float((intersection / np.maximum(union, 1)).mean()),
        "n_scored": int(has_lesion.sum()),
    }
