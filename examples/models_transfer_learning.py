"""Two-stage transfer learning with mobilenet_classifier, next to the thesis's plain CNN.

Stage 1 trains only the head on a frozen backbone, stage 2 unfreezes the top of the backbone
and fine-tunes at a lower learning rate. Offline there are no ImageNet weights, so this script
first trains a MobileNet on synthetic data, saves its weights, and starts the transfer from
that file - exactly how you would pass a downloaded ``*_no_top.h5`` or a ``.weights.h5``.
Writes OUT/models_transfer_learning.png (accuracy per epoch of every stage).

    python examples/models_transfer_learning.py --out example-out   # add --small for a quick run
"""

from __future__ import annotations

import argparse
from pathlib import Path

import keras
from matplotlib.figure import Figure

from mammokit import datasets, models
from mammokit.training import compile_classifier, fit


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default="example-out", help="output folder")
    parser.add_argument("--small", action="store_true", help="tiny sizes for a quick run")
    args = parser.parse_args()
    out = Path(args.out)
    patients, size, epochs = (12, 48, 2) if args.small else (90, 96, 12)

    root = datasets.make_synthetic(out / "data", n_patients=patients, image_size=(192, 120))
    records = datasets.read_mini_ddsm(root, labels="breast")
    train, val, _ = datasets.split_by_patient(records, 0.25, 0.25, seed=0)
    train_data = datasets.to_tf_dataset(train, (size, size), 16, shuffle=True, seed=0, cache=True)
    val_data = datasets.to_tf_dataset(val, (size, size), 16, cache=True)
    weights = datasets.class_weights(train)
    curves = {}

    keras.utils.set_random_seed(0)
    cnn = compile_classifier(models.cnn_classifier(input_shape=(size, size, 3)), weights)
    curves["plain CNN"] = fit(cnn, train_data, val_data, epochs=epochs, verbose=0).history

    # a "pretrained" backbone: any weights file of the same architecture works the same way
    source = models.mobilenet_classifier(input_shape=(size, size, 3), weights=None, alpha=0.25)
    compile_classifier(source, weights)
    fit(source, train_data, val_data, epochs=epochs, verbose=0)
    weights_file = out / "mobilenet_source.weights.h5"
    source.save_weights(weights_file)

    mobilenet = models.mobilenet_classifier(
        input_shape=(size, size, 3), weights=str(weights_file), alpha=0.25, freeze_base=True
    )
    trainable = sum(int(keras.ops.size(w)) for w in mobilenet.trainable_weights)
    print(f"stage 1: frozen backbone, {trainable} trainable parameters (the head)")
    compile_classifier(mobilenet, weights, learning_rate=1e-3)
    curves["MobileNet, head only"] = fit(
        mobilenet, train_data, val_data, epochs=epochs, verbose=0
    ).history

    models.unfreeze(mobilenet, n_layers=10)
    trainable = sum(int(keras.ops.size(w)) for w in mobilenet.trainable_weights)
    print(f"stage 2: top of the backbone unfrozen, {trainable} trainable parameters")
    compile_classifier(mobilenet, weights, learning_rate=1e-4)  # recompile after unfreezing
    curves["MobileNet, fine-tuned"] = fit(
        mobilenet, train_data, val_data, epochs=epochs, verbose=0
    ).history

    figure = Figure(figsize=(7, 4))
    axis = figure.subplots()
    for name, history in curves.items():
        axis.plot(
            range(1, len(history["val_accuracy"]) + 1),
            history["val_accuracy"],
            marker="o",
            label=name,
        )
        print(f"{name}: validation accuracy {history['val_accuracy'][-1]:.1%}")
    axis.set_xlabel("epoch")
    axis.set_ylabel("validation accuracy")
    axis.set_title("Plain CNN and two-stage MobileNet transfer learning")
    axis.legend()
    figure.tight_layout()
    figure.savefig(out / "models_transfer_learning.png", dpi=110)
    print(f"wrote {out / 'models_transfer_learning.png'}")


if __name__ == "__main__":
    main()
