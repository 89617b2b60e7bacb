"""Multi-view classifiers: a breast read from its CC and MLO views together, or a whole exam.

A radiologist confirms a finding on both views of a breast. :func:`multiview_classifier`
applies one backbone (shared weights by default) to each view, pools each view's last feature
map, fuses the views' features and calls the breast (or exam) with one softmax. It is one
functional model with one named input per view; the feature map of each view is the output of
a layer ``<view>_features`` (e.g. ``cc_features``), which Grad-CAM reads per view
(:func:`mammokit.explain.grad_cam` with a dict of views).

A missing view is an all-zero image (:mod:`mammokit.datasets.grouping`): a
:class:`~mammokit.models.layers.ViewPresence` flag per view leaves it out of the fusion.
"""

from __future__ import annotations

import os
from collections.abc import Sequence

import keras

from mammokit.errors import ModelConfigError
from mammokit.models.classifier import Classifier, resolve_classes
from mammokit.models.factory import create_classifier
from mammokit.models.features import find_last_conv_layer, view_feature_layers
from mammokit.models.layers import FUSIONS, ViewFusion, ViewPresence, global_pooling
from mammokit.registry import model_entry
from mammokit.views import BREAST_VIEWS, check_views, input_name

__all__ = ["multiview_classifier", "multiview_cnn", "multiview_mobilenet", "view_feature_layers"]


def multiview_classifier(
    backbone: str = "mobilenet",
    views: Sequence[str] = BREAST_VIEWS,
    num_classes: int | None = None,
    input_shape: tuple[int, int, int] = (224, 224, 3),
    weights: str | os.PathLike | None = "imagenet",
    fusion: str = "concat",
    shared: bool = True,
    dropout: float = 0.2,
    pooling: str | None = None,
    class_names: Sequence[str] | None = None,
    **backbone_options,
) -> Classifier:
    """One backbone applied to each view, the views' features fused, one softmax.

    Parameters
    ----------
    backbone
        A single-image model of the registry (:func:`mammokit.models.available_models`):
        ``"mobilenet"``, ``"cnn"``, ``"efficientnet_b0"``, ...; its layers up to the last
        spatial feature map become the per-view encoder.
    views
        The views read together, in input order: ``("CC", "MLO")`` (default) for one breast,
        ``("L-CC", "L-MLO", "R-CC", "R-MLO")`` for one exam (:mod:`mammokit.views`). Each is a
        model input named :func:`~mammokit.views.input_name` (``cc``, ``l_mlo``, ...).
    num_classes
        Number of output classes; default ``len(class_names)``, else 3.
    input_shape
        ``(height, width, channels)`` of each view.
    weights
        The backbone's weights, as its builder takes them: ``"imagenet"`` (backbones), a local
        weights file, or ``None``. A ``*.weights.h5`` of a trained single-view mammokit model of
        the same architecture starts every view's encoder from it.
    fusion
        ``"concat"`` (default: the views' features side by side, so the head learns what each
        view adds), ``"mean"`` (the average over the views present: fewer head weights, any
        view order) or ``"attention"`` (a learnt weighting of the views present, gated
        attention). See :class:`~mammokit.models.layers.ViewFusion`.
    shared
        One encoder for every view (default: the views are projections of the same tissue,
        and sharing halves the weights) or one encoder per view (``<view>_encoder``).
    dropout
        Dropout rate before the softmax layer.
    pooling
        Global pooling of each view's feature map, ``"avg"`` or ``"max"``; default the
        backbone's own (max for ``cnn``, average for the ImageNet backbones).
    class_names
        The class of each output, recorded in the model with the views.
    **backbone_options
        Passed to the backbone's builder (``alpha=0.25``, ``freeze_base=False``,
        ``filters=(16, 32)``, ``batch_norm_momentum=0.9``, ...).

    Returns
    -------
    Classifier
        Uncompiled. Inputs: a dict of raw 0..255 views keyed by input name; output: the class
        probabilities of the breast (exam). ``model.info.views`` records the views.

    Examples
    --------
    >>> model = multiview_classifier("mobilenet", input_shape=(64, 64, 1), weights=None,
    ...                              alpha=0.25)
    >>> sorted(model.input), model.output_shape, model.info.views
    (['cc', 'mlo'], (None, 3), ('CC', 'MLO'))
    >>> view_feature_layers(model)
    {'CC': 'cc_features', 'MLO': 'mlo_features'}
    """

    views = check_views(views)
    if model_entry(backbone).reads_views:
        raise ModelConfigError(f"the backbone must be a single-image model, got {backbone!r}")
    if fusion not in FUSIONS:
        raise ModelConfigError(f"fusion must be one of {FUSIONS}, got {fusion!r}")
    num_classes, info = resolve_classes(num_classes, class_names)

    def encoder(name: str) -> keras.Model:
        single = create_classifier(
            backbone, input_shape=tuple(input_shape), weights=weights, **backbone_options
        )
        features = single.get_layer(find_last_conv_layer(single)).output
        return keras.Model(single.inputs, features, name=name), single

    inputs, pooled, present = {}, [], []
    shared_encoder = encoder("encoder") if shared else None
    for view in views:
        name = input_name(view)
        inputs[name] = keras.Input(shape=tuple(input_shape), name=name)
        view_encoder, single = shared_encoder or encoder(f"{name}_encoder")
        kind = pooling or _pooling_of(single)
        features = view_encoder(inputs[name])
        features = keras.layers.Identity(name=f"{name}_features")(features)
        pooled.append(global_pooling(kind, name=f"{name}_pool")(features))
        present.append(ViewPresence(name=f"{name}_present")(inputs[name]))
    x = ViewFusion(fusion, name="fusion")([*pooled, *present])
    x = keras.layers.Dropout(dropout, name="head_dropout")(x)
    # float32 softmax under a mixed-precision policy (Keras guidance); no change otherwise
    outputs = keras.layers.Dense(
        num_classes, activation="softmax", dtype="float32", name="predictions"
    )(x)
    return Classifier(inputs, outputs, name=f"multiview_{backbone}", info=info.replace(views=views))


def multiview_mobilenet(**kwargs) -> Classifier:
    """:func:`multiview_classifier` on MobileNet v1 (registry name ``multiview_mobilenet``).

    Examples
    --------
    >>> multiview_mobilenet(input_shape=(64, 64, 1), weights=None, alpha=0.25).name
    'multiview_mobilenet'
    """
    return multiview_classifier("mobilenet", **kwargs)


def multiview_cnn(**kwargs) -> Classifier:
    """:func:`multiview_classifier` on the thesis's plain CNN (registry name ``multiview_cnn``).

    Examples
    --------
    >>> multiview_cnn(input_shape=(32, 32, 1), filters=(8, 16)).name
    'multiview_cnn'
    """
    kwargs.setdefault("weights", None)
    return multiview_classifier("cnn", **kwargs)


def _pooling_of(single: keras.Model) -> str:
    layer = single.get_layer("global_pool")
    return "max" if isinstance(layer, keras.layers.GlobalMaxPooling2D) else "avg"
