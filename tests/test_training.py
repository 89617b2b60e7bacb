import keras
import numpy as np
import pytest
import tensorflow as tf

from mammokit.errors import MammokitError
from mammokit.models import cnn_classifier
from mammokit.training import fit, plot_history


def _data(n=24, seed=0):
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, 3, n)
    images = rng.uniform(0, 40, (n, 16, 16, 1)).astype("float32")
    images[labels == 2, 4:12, 4:12] += 200  # a learnable bright square
    return tf.data.Dataset.from_tensor_slices((images, np.eye(3)[labels].astype("float32"))).batch(
        8
    )


def test_fit_writes_checkpoint_and_log(tmp_path):
    model = cnn_classifier(input_shape=(16, 16, 1), filters=(4, 8))
    model.compile("adam", "categorical_crossentropy", metrics=["accuracy"])
    history = fit(
        model, _data(), _data(seed=1), epochs=3, patience=1, checkpoint_dir=tmp_path, verbose=0
    )
    assert 1 <= len(history.history["loss"]) <= 3
    assert (tmp_path / "best.keras").is_file()
    assert (tmp_path / "history.csv").read_text().startswith("epoch")


def test_fit_needs_a_compiled_model():
    with pytest.raises(MammokitError, match="compile"):
        fit(cnn_classifier(input_shape=(16, 16, 1), filters=(4,)), _data(), epochs=1, verbose=0)


def test_plot_history_png(tmp_path):
    import cv2

    path = plot_history(
        {"loss": [1, 0.5, 0.4], "val_loss": [1.2, 0.8, 0.9], "accuracy": [0.3, 0.6, 0.7]},
        tmp_path / "h.png",
        title="t",
    )
    assert cv2.imread(str(path)).shape[1] > 600  # two panels side by side
    with pytest.raises(MammokitError, match="loss"):
        plot_history({"accuracy": [0.1]}, tmp_path / "x.png")


class _ScriptedValidationLoss(keras.callbacks.Callback):
    """Replaces each epoch's validation loss by a scripted one (before early stopping reads
    it) and keeps each epoch's weights."""

    def __init__(self, losses):
        super().__init__()
        self.losses, self.weights_after = losses, []

    def on_epoch_end(self, epoch, logs=None):
        logs["val_loss"] = self.losses[epoch]
        self.weights_after.append(self.model.get_weights())


@pytest.mark.parametrize("files", ["checkpoint_dir", "backup_dir"])
@pytest.mark.parametrize(("start_from_epoch", "restored"), [(0, 0), (2, 3)])
def test_start_from_epoch_keeps_early_epochs_from_being_restored(
    tmp_path, files, start_from_epoch, restored
):
    model = cnn_classifier(input_shape=(16, 16, 1), filters=(4,))
    model.compile(keras.optimizers.SGD(0.1), "categorical_crossentropy")
    script = _ScriptedValidationLoss([0.1, 0.9, 0.8, 0.5])  # epoch 0: a lucky low loss
    fit(
        model, _data(), _data(seed=1), epochs=4, patience=10, verbose=0, callbacks=[script],
        start_from_epoch=start_from_epoch, **{files: tmp_path},
    )  # fmt: skip
    expected = script.weights_after[restored]
    for kept, want in zip(model.get_weights(), expected, strict=True):
        np.testing.assert_array_equal(kept, want)
    best = keras.saving.load_model(tmp_path / "best.keras", safe_mode=True, compile=False)
    for saved, want in zip(best.get_weights(), expected, strict=True):
        np.testing.assert_array_equal(saved, want)


def test_start_from_epoch_must_not_be_negative():
    model = cnn_classifier(input_shape=(16, 16, 1), filters=(4,))
    model.compile("adam", "categorical_crossentropy")
    with pytest.raises(MammokitError, match="start_from_epoch"):
        fit(model, _data(), _data(), epochs=1, start_from_epoch=-1, verbose=0)
