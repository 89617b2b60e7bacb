"""Bad input, random bytes and reproducibility: what docs/reliability.md promises."""

import io
import subprocess
import sys
import textwrap

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mammokit.datasets import make_records, make_synthetic, read_mini_ddsm, to_tf_dataset
from mammokit.datasets.readers.mini_ddsm import parse_ics
from mammokit.errors import DatasetError, ImageReadError, MammokitError
from mammokit.imaging.io import check_image_file, read_image

HEADERS = [b"", b"\xff\xd8\xff\xe0", b"\x89PNG\r\n\x1a\n", b"\x00" * 128 + b"DICM", b"PK\x03\x04"]


@pytest.mark.slow
@settings(
    max_examples=3000, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    st.sampled_from(HEADERS), st.binary(max_size=4096), st.sampled_from([".png", ".jpg", ".dcm"])
)
def test_random_bytes_never_crash_the_image_reader(tmp_path, header, body, suffix):
    path = tmp_path / f"fuzz{suffix}"
    path.write_bytes(header + body)
    for reader in (read_image, check_image_file):
        try:
            result = reader(path)
        except MammokitError as err:
            assert str(path) in str(err)  # noqa: PT017 - either outcome is valid here
        else:
            assert result is None or (result.ndim == 2 and result.dtype in (np.uint8, np.uint16))


@pytest.mark.slow
@settings(
    max_examples=1000, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.binary(max_size=2048))
def test_random_bytes_never_crash_the_ics_parser(tmp_path, data):
    path = tmp_path / "A-0001-1.ics"
    path.write_bytes(data)
    try:
        values = parse_ics(path)
    except DatasetError as err:
        assert str(path) in str(err)  # noqa: PT017 - either outcome is valid here
    else:
        assert set(values) == {"age", "density"}


@pytest.fixture(scope="module")
def small_root(tmp_path_factory):
    return make_synthetic(tmp_path_factory.mktemp("rel"), n_patients=3, image_size=(64, 48))


@pytest.mark.slow
@settings(
    max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.binary(min_size=1, max_size=4096))
def test_random_bytes_as_the_spreadsheet_are_a_dataset_error(small_root, data):
    sheet = small_root / "MINI-DDSM-Complete-JPEG-8" / "DataWMask.xlsx"
    original = sheet.read_bytes()
    try:
        sheet.write_bytes(data)
        with pytest.raises(DatasetError, match="DataWMask.xlsx"):
            read_mini_ddsm(small_root)
    finally:
        sheet.write_bytes(original)


def test_spreadsheet_bytes_under_an_image_name(tmp_path):
    buffer = io.BytesIO()
    pd.DataFrame({"a": [1]}).to_excel(buffer, index=False)
    path = tmp_path / "C_0001_1.LEFT_CC.png"
    path.write_bytes(buffer.getvalue())
    with pytest.raises(ImageReadError, match=r"C_0001_1.LEFT_CC.png: not an image"):
        read_image(path)


def test_empty_dataset_and_empty_tables(tmp_path):
    (tmp_path / "MINI-DDSM-Complete-JPEG-8" / "Normal").mkdir(parents=True)
    with pytest.raises(DatasetError, match="no Mini-DDSM images"):
        read_mini_ddsm(tmp_path)
    with pytest.raises(DatasetError, match="empty"):
        to_tf_dataset(
            make_records([{"image_path": "/x.png", "label": "Normal", "patient_id": "p"}]).iloc[:0]
        )


REPRODUCE = textwrap.dedent(
    """
    import sys, tempfile, keras, numpy as np, tensorflow as tf
    keras.utils.set_random_seed(7)
    tf.config.experimental.enable_op_determinism()
    from mammokit.datasets import make_synthetic, read_mini_ddsm, to_tf_dataset
    from mammokit.datasets.augment import default_augmenter
    from mammokit.models import cnn_classifier
    from mammokit.training import compile_classifier, fit
    records = read_mini_ddsm(make_synthetic(tempfile.mkdtemp(), 6, (64, 48), seed=1))
    data = to_tf_dataset(records, (32, 32), 8, shuffle=True, seed=3, channels=1,
                         augment=default_augmenter(seed=5))
    model = compile_classifier(cnn_classifier(input_shape=(32, 32, 1), filters=(4, 8)))
    fit(model, data, epochs=2, verbose=0)
    np.save(sys.argv[1], np.concatenate([w.ravel() for w in model.get_weights()]))
    """
)


def test_same_seed_same_trained_weights_on_cpu(tmp_path):
    runs = []
    for name in ("a.npy", "b.npy"):
        result = subprocess.run(
            [sys.executable, "-c", REPRODUCE, str(tmp_path / name)],
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert result.returncode == 0, result.stderr[-3000:]
        runs.append(np.load(tmp_path / name))
    np.testing.assert_array_equal(runs[0], runs[1])


def _rss_mib():
    import resource

    with open("/proc/self/statm") as handle:
        return int(handle.read().split()[1]) * resource.getpagesize() / 2**20


@pytest.mark.parametrize("suffix", [".keras", ".tflite"])
def test_predictor_memory_stays_flat_over_1000_images(tmp_path, suffix):
    from mammokit.export import Predictor, to_tflite
    from mammokit.models import cnn_classifier

    model = cnn_classifier(input_shape=(32, 32, 1), filters=(8, 16))
    path = tmp_path / f"m{suffix}"
    model.save(path) if suffix == ".keras" else to_tflite(model, path)
    predictor = Predictor(path)
    image = np.random.default_rng(0).uniform(0, 255, (32, 32, 1)).astype("float32")
    for _ in range(10):
        predictor.predict(image)
    after_10 = _rss_mib()
    for _ in range(990):
        predictor.predict(image)
    assert _rss_mib() <= after_10 * 1.05


_CSV_PIECES = st.sampled_from(
    ["image_path", "label", "patient_id", "mask_paths", ",", "\n", '"', ";", "[", "]", " ", "a"]
)


@settings(
    max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.lists(_CSV_PIECES | st.text(max_size=8), max_size=40))
def test_random_csv_text_never_crashes_read_records(tmp_path, pieces):
    from mammokit.records import read_records

    path = tmp_path / "records.csv"
    path.write_text("image_path,label,patient_id,mask_paths\n" + "".join(pieces))
    try:
        table = read_records(path)
    except DatasetError as err:
        assert str(path) in str(err) or "records" in str(err)  # noqa: PT017
    else:
        assert all(isinstance(paths, tuple) for paths in table["mask_paths"])


_JSON = st.recursive(
    st.none() | st.booleans() | st.integers(-5, 5000) | st.text(max_size=6),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=6), inner),
    max_leaves=10,
)


@settings(
    max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    st.fixed_dictionaries(
        {},
        optional={
            "input_size": _JSON,
            "channels": _JSON,
            "class_names": _JSON,
            "preprocess": _JSON,
        },
    )
    | _JSON
)
def test_random_sidecars_are_read_or_refused_by_name(tmp_path, config):
    import json

    from mammokit.errors import ModelLoadError
    from mammokit.export.sidecar import SIDECAR_SUFFIX, read_serving_config

    model = tmp_path / "m.tflite"
    (tmp_path / f"m.tflite{SIDECAR_SUFFIX}").write_text(json.dumps(config))
    try:
        read = read_serving_config(model)
    except ModelLoadError as err:
        assert SIDECAR_SUFFIX in str(err)  # noqa: PT017 - either outcome is valid here
    else:
        assert isinstance(read, dict)
