"""Training on a to_tf_dataset pipeline under MirroredStrategy over two logical CPU devices.

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
