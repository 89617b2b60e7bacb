"""Training on a to_tf_dataset pipeline under MirroredStrategy over two logical CPU devices.

Logical devices must be configured before TensorFlow runs its first op, so the check runs in
a fresh interpreter.
"""

import json
import os
import socket
import subprocess
import sys
import textwrap

import numpy as np

SCRIPT = textwrap.dedent(
    """
    import numpy as np, tensorflow as tf
    cpu = tf.config.list_physical_devices("CPU")[0]
    tf.config.set_logical_device_configuration(cpu, [tf.config.LogicalDeviceConfiguration()] * 2)
    import tempfile
    from mammokit.datasets import make_synthetic, read_mini_ddsm, to_tf_dataset
    from mammokit.models import cnn_classifier
    from mammokit.training import compile_classifier, fit

    strategy = tf.distribute.MirroredStrategy(["/cpu:0", "/cpu:1"])
    records = read_mini_ddsm(make_synthetic(tempfile.mkdtemp(), 6, (64, 48), seed=0))
    data = to_tf_dataset(records, (16, 16), batch_size=8, shuffle=True, seed=0, channels=1)

    def build():
        return compile_classifier(cnn_classifier(input_shape=(16, 16, 1), filters=(4, 8)))

    history = fit(build, data, data, epochs=2, strategy=strategy, verbose=0)
    model = history.model
    assert strategy.num_replicas_in_sync == 2
    kernel = model.get_layer("conv1").kernel.value
    assert isinstance(kernel, tf.distribute.DistributedValues), type(kernel)
    print("replicas", strategy.num_replicas_in_sync, "epochs", len(history.history["loss"]))
    """
)


def test_fit_under_mirrored_strategy_on_two_cpus():
    result = subprocess.run(
        [sys.executable, "-c", SCRIPT], capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert "replicas 2 epochs 2" in result.stdout


WORKER = textwrap.dedent(
    """
    import json, os, sys
    import numpy as np, tensorflow as tf, keras
    from mammokit.datasets import read_mini_ddsm, split_by_patient, to_tf_dataset
    from mammokit.models import cnn_classifier
    from mammokit.training import compile_classifier, fit, is_chief

    root, out, index = sys.argv[1], sys.argv[2], int(sys.argv[3])
    strategy = tf.distribute.MultiWorkerMirroredStrategy()
    train, val, _ = split_by_patient(read_mini_ddsm(root), 0.25, 0, seed=0)

    def data(records, shuffle):
        def make(context):
            return to_tf_dataset(records, (16, 16), batch_size=8, shuffle=shuffle, seed=0,
                                 channels=1, input_context=context)
        return make

    def build():
        keras.utils.set_random_seed(0)
        return compile_classifier(cnn_classifier(input_shape=(16, 16, 1), filters=(4, 8)))

    history = fit(build, data(train, True), data(val, False), epochs=3, strategy=strategy,
                  checkpoint_dir=out, verbose=0)
    model = history.model
    norms = [l for l in model.layers if isinstance(l, keras.layers.BatchNormalization)]
    assert norms and not any(l.synchronized for l in norms)  # synchronised while training only
    weights = {f"w{i}": np.asarray(w) for i, w in enumerate(model.get_weights())}
    np.savez(os.path.join(out, f"weights{index}.npz"), **weights)
    own = to_tf_dataset(train, (16, 16), batch_size=8, channels=1,
                        input_context=tf.distribute.InputContext(2, index, 1))
    seen = sum(int(labels.shape[0]) for _, labels in own)
    print(json.dumps({"chief": is_chief(strategy), "classes": list(model.class_names),
                      "own_images": seen, "train_images": len(train),
                      "epochs": len(history.history["loss"])}))
    """
)


def _free_ports(n: int) -> list[int]:
    sockets = [socket.socket() for _ in range(n)]
    for s in sockets:
        s.bind(("localhost", 0))
    ports = [s.getsockname()[1] for s in sockets]
    for s in sockets:
        s.close()
    return ports


def test_two_local_workers_train_the_same_model_and_only_the_chief_writes(synthetic_root, tmp_path):
    """MultiWorkerMirroredStrategy with two processes on localhost (TF_CONFIG), as on two hosts."""
    workers = [f"localhost:{port}" for port in _free_ports(2)]
    processes = []
    for index in range(2):
        config = {"cluster": {"worker": workers}, "task": {"type": "worker", "index": index}}
        env = {**os.environ, "TF_CONFIG": json.dumps(config), "TF_CPP_MIN_LOG_LEVEL": "2"}
        command = [sys.executable, "-c", WORKER, str(synthetic_root), str(tmp_path), str(index)]
        processes.append(
            subprocess.Popen(
                command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
            )
        )
    outputs = []
    for process in processes:
        stdout, stderr = process.communicate(timeout=400)
        assert process.returncode == 0, stderr[-3000:]
        outputs.append(json.loads(stdout.strip().splitlines()[-1]))
    assert [o["chief"] for o in outputs] == [True, False]
    assert all(o["epochs"] == 3 and o["classes"] == ["Normal", "Benign", "Cancer"] for o in outputs)
    # each worker reads its own half of the files, together all of them
    assert sum(o["own_images"] for o in outputs) == outputs[0]["train_images"]
    assert abs(outputs[0]["own_images"] - outputs[1]["own_images"]) <= 1
    first, second = (np.load(tmp_path / f"weights{i}.npz") for i in range(2))
    assert first.files == second.files
    for name in first.files:
        np.testing.assert_array_equal(first[name], second[name])
    assert (tmp_path / "best.keras").is_file() and (tmp_path / "history.csv").is_file()
    assert len((tmp_path / "history.csv").read_text().strip().splitlines()) == 1 + 3
