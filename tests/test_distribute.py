"""Training under tf.distribute.MirroredStrategy over two logical CPU devices.

Logical devices must be configured before TensorFlow runs its first op, so the check runs in
a fresh interpreter.
"""

import subprocess
import sys
import textwrap

SCRIPT = textwrap.dedent(
    """
    import numpy as np, tensorflow as tf
    cpu = tf.config.list_physical_devices("CPU")[0]
    tf.config.set_logical_device_configuration(cpu, [tf.config.LogicalDeviceConfiguration()] * 2)
    from mammokit.models import cnn_classifier
    from mammokit.training import compile_classifier, fit

    strategy = tf.distribute.MirroredStrategy(["/cpu:0", "/cpu:1"])
    rng = np.random.default_rng(0)
    labels = rng.integers(0, 3, 32)
    images = rng.uniform(0, 50, (32, 16, 16, 1)).astype("float32")
    images[labels == 2, 4:12, 4:12] = 250.0
    targets = np.eye(3)[labels].astype("float32")
    data = tf.data.Dataset.from_tensor_slices((images, targets)).batch(8)

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
