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
