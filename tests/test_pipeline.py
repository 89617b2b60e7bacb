import shutil

import numpy as np
import pytest

from mammokit.datasets import to_tf_dataset
from mammokit.datasets.augment import default_augmenter
from mammokit.errors import ImageReadError, MammokitError


def test_batches_have_the_documented_shapes(records):
    data = to_tf_dataset(records, image_size=(40, 32), batch_size=8)
    batches = list(data)
    assert sum(len(y) for _, y in batches) == len(records)
    images, labels = batches[0]
    assert images.shape == (8, 40, 32, 3) and images.dtype.name == "float32"
    assert labels.shape == (8, 3)
    assert float(np.min(images)) >= 0.0 and float(np.max(images)) <= 255.0
    np.testing.assert_array_equal(np.sum(labels, axis=1), 1.0)


def test_masks_follow_their_images(records):
    lesions = records[records["mask_paths"].map(len) > 0]
    data = to_tf_dataset(lesions, image_size=(64, 48), batch_size=64, with_masks=True, channels=1)
    (images, masks), _ = next(iter(data))
    images, masks = images.numpy()[..., 0], masks.numpy()[..., 0]
    assert set(np.unique(masks)) <= {0.0, 1.0}
    for image, mask in zip(images, masks, strict=True):
        assert mask.sum() > 0
        assert image[mask > 0].mean() > image[(mask == 0) & (image > 40)].mean()


def test_sixteen_bit_images_land_on_the_same_scale(synthetic_root, records):
    from mammokit.datasets import read_mini_ddsm

    png = read_mini_ddsm(synthetic_root, variant="png16")
    eight = next(iter(to_tf_dataset(records, (32, 32), 4, preprocess=None)))[0].numpy()
    sixteen = next(iter(to_tf_dataset(png, (32, 32), 4, preprocess=None)))[0].numpy()
    assert np.abs(eight - sixteen).mean() < 3.0  # JPEG loss only


def test_cache_shuffle_and_augment_run(records, tmp_path):
    data = to_tf_dataset(
        records,
        (32, 32),
        6,
        shuffle=True,
        seed=0,
        cache=tmp_path,
        augment=default_augmenter(seed=0),
    )
    first = [y.numpy().argmax(1).tolist() for _, y in data]
    second = [y.numpy().argmax(1).tolist() for _, y in data]
    assert sorted(np.concatenate(first)) == sorted(np.concatenate(second))
    assert first != second  # reshuffled each epoch
    assert any(p.name.startswith("mammokit-cache") for p in tmp_path.iterdir())


def test_corrupt_file_error_names_the_file(records, tmp_path):
    broken = records.copy()
    target = tmp_path / "broken.jpg"
    shutil.copy(broken.loc[5, "image_path"], target)
    target.write_bytes(target.read_bytes()[:200])
    broken.loc[5, "image_path"] = str(target)
    with pytest.raises(
        ImageReadError, match=r"(?s)1 unusable image file.*broken.jpg: truncated JPEG"
    ):
        to_tf_dataset(broken, (32, 32), 4)
    # unchecked, the decoder meets it while iterating, and the error still names the file
    with pytest.raises(Exception, match="broken.jpg"):
        for _ in to_tf_dataset(broken, (32, 32), 4, validate=False):
            pass


def test_bad_arguments(records):
    with pytest.raises(MammokitError, match="channels"):
        to_tf_dataset(records, channels=2)
    with pytest.raises(MammokitError, match="empty"):
        to_tf_dataset(records.iloc[:0])


def test_augmenter_moves_image_and_mask_together_and_repeats_per_seed():
    rng = np.random.default_rng(0)
    images = np.zeros((4, 48, 48, 1), np.float32)
    masks = np.zeros((4, 48, 48, 1), np.float32)
    for i, (y, x) in enumerate(rng.integers(8, 36, (4, 2))):
        images[i, y : y + 6, x : x + 6] = 200.0
        masks[i, y : y + 6, x : x + 6] = 1.0
    augmenter = default_augmenter(rotation=0.1, zoom=0.2, contrast=0.0, brightness=0.0, seed=3)
    out_images, out_masks = (np.asarray(t) for t in augmenter((images, masks)))
    assert set(np.unique(out_masks)) <= {0.0, 1.0}
    for image, mask in zip(out_images[..., 0], out_masks[..., 0], strict=True):
        assert mask.sum() > 0
        assert image[mask > 0].mean() > 150  # the square is still under its mask
    moved = default_augmenter(rotation=0.1, zoom=0.2, contrast=0.0, brightness=0.0, seed=3)
    again, _ = moved((images, masks))
    np.testing.assert_allclose(np.asarray(again), out_images)
    assert not np.allclose(out_images, images)


def test_metadata_columns_ride_along(records):
    data = to_tf_dataset(
        records, (32, 32), 36, with_masks=True, metadata=("age", "view", "patient_id")
    )
    inputs, labels = next(iter(data))
    assert set(inputs) == {"image", "mask", "age", "view", "patient_id"}
    assert labels.shape == (36, 3)
    assert inputs["image"].shape == (36, 32, 32, 3) and inputs["mask"].shape == (36, 32, 32, 1)
    np.testing.assert_allclose(inputs["age"].numpy(), records["age"].to_numpy(np.float32))
    assert [v.decode() for v in inputs["view"].numpy()] == list(records["view"])
    with pytest.raises(MammokitError, match="'nope'"):
        to_tf_dataset(records, metadata=("nope",))


def test_mask_follows_the_image_when_the_side_is_guessed(tmp_path):
    """With side unknown the image is mirrored by a guess; the mask must get the same flip."""
    import cv2

    from mammokit.datasets import synthetic_mammogram
    from mammokit.imaging.example import load_example

    sample = synthetic_mammogram("Benign", "RIGHT", "CC", (128, 80), seed=4)
    image, mask = tmp_path / "x.png", tmp_path / "x_mask.png"
    cv2.imwrite(str(image), np.round(sample.image * 255).astype(np.uint8))
    cv2.imwrite(str(mask), sample.mask.astype(np.uint8) * 255)
    known = load_example(str(image), "RIGHT", (str(mask),), (64, 48))
    guessed = load_example(str(image), "", (str(mask),), (64, 48))
    np.testing.assert_array_equal(guessed[0], known[0])
    np.testing.assert_array_equal(guessed[1], known[1])
    lesion = guessed[1] > 0
    assert lesion.sum() > 20
    assert guessed[0][lesion].mean() > guessed[0][~lesion & (guessed[0] > 40)].mean() + 20
