"""Data augmentation from Keras preprocessing layers, keeping lesion masks aligned."""

from __future__ import annotations

import keras
import tensorflow as tf

__all__ = ["MammogramAugmenter", "default_augmenter"]


class MammogramAugmenter:
    """Random geometry (shared by image and mask) and photometry (image only) for batches.

    Call it on a batch of images ``(B, H, W, C)`` on a 0..255 scale, or on a tuple
    ``(images, masks)``; the same flip, rotation and zoom reach both, so masks stay aligned.
    Masks come back binary. Use :func:`default_augmenter` to make one.

    Examples
    --------
    >>> import numpy as np
    >>> augment = MammogramAugmenter(flip="horizontal", rotation=0.0, zoom=0.0, contrast=0.0,
    ...                              brightness=0.0, seed=1)
    >>> tuple(augment(np.zeros((2, 8, 8, 1), np.float32)).shape)
    (2, 8, 8, 1)
    """

    def __init__(
        self,
        flip: str | None = "vertical",
        rotation: float = 0.03,
        zoom: float = 0.1,
        contrast: float = 0.1,
        brightness: float = 0.1,
        seed: int | None = None,
    ) -> None:
        seeds = iter(range(seed, seed + 5)) if seed is not None else iter([None] * 5)
        geometric = []
        if flip:
            geometric.append(keras.layers.RandomFlip(flip, seed=next(seeds)))
        if rotation:
            geometric.append(
                keras.layers.RandomRotation(rotation, fill_mode="constant", seed=next(seeds))
            )
        if zoom:
            geometric.append(keras.layers.RandomZoom(zoom, fill_mode="constant", seed=next(seeds)))
        photometric = []
        if contrast:
            photometric.append(
                keras.layers.RandomContrast(contrast, value_range=(0, 255), seed=next(seeds))
            )
        if brightness:
            photometric.append(
                keras.layers.RandomBrightness(brightness, value_range=(0, 255), seed=next(seeds))
            )
        self.geometric = keras.Sequential(geometric, name="geometric") if geometric else None
        self.photometric = (
            keras.Sequential(photometric, name="photometric") if photometric else None
        )

    def __call__(self, batch: tf.Tensor | tuple[tf.Tensor, tf.Tensor]):
        images, masks = batch if isinstance(batch, tuple) else (batch, None)
        if self.geometric is not None:
            if masks is None:
                images = self.geometric(images, training=True)
            else:
                channels = images.shape[-1]
                both = self.geometric(tf.concat([images, masks], axis=-1), training=True)
                images, masks = both[..., :channels], tf.round(both[..., channels:])
        if self.photometric is not None:
            images = tf.clip_by_value(self.photometric(images, training=True), 0.0, 255.0)
        return images if masks is None else (images, masks)


def default_augmenter(
    flip: str | None = "vertical",
    rotation: float = 0.03,
    zoom: float = 0.1,
    contrast: float = 0.1,
    brightness: float = 0.1,
    seed: int | None = None,
) -> MammogramAugmenter:
    """The augmentation mammokit trains with: flip, small rotation and zoom, contrast, brightness.

    Parameters
    ----------
    flip
        ``"vertical"`` (default: keeps the chest wall on the left after
        :func:`~mammokit.imaging.preprocess.flip_to_left`), ``"horizontal"``,
        ``"horizontal_and_vertical"`` or ``None``.
    rotation
        Largest rotation as a fraction of a full turn (0.03 is about 11 degrees).
    zoom
        Largest zoom in or out, as a fraction of the image size.
    contrast, brightness
        Largest contrast and brightness change, as fractions; images stay within 0..255.
    seed
        Seed of the random layers.

    Returns
    -------
    MammogramAugmenter
        A callable for ``to_tf_dataset(augment=...)`` or for a batch directly.

    Examples
    --------
    >>> import numpy as np
    >>> augment = default_augmenter(seed=0)
    >>> images = np.full((2, 32, 32, 1), 128.0, np.float32)
    >>> masks = np.zeros((2, 32, 32, 1), np.float32)
    >>> out_images, out_masks = augment((images, masks))
    >>> tuple(out_images.shape), float(np.max(out_masks))
    ((2, 32, 32, 1), 0.0)
    """
    return MammogramAugmenter(flip, rotation, zoom, contrast, brightness, seed)
