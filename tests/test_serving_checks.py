"""Serving that checks what it is told: sidecars against their model, threads."""

import json
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pytest

from mammokit.errors import ModelLoadError
from mammokit.export import Predictor, to_tflite
from mammokit.export.sidecar import SIDECAR_SUFFIX
from mammokit.models import cnn_classifier


@pytest.fixture(scope="module")
def tflite(tmp_path_factory):
    model = cnn_classifier(input_shape=(16, 16, 3), filters=(4,), class_names=["N", "B", "C"])
    return to_tflite(model, tmp_path_factory.mktemp("served") / "cnn.tflite")


def _with_sidecar(tflite, tmp_path, change):
    copy = tmp_path / "cnn.tflite"
    copy.write_bytes(Path(tflite).read_bytes())
    config = json.loads(Path(f"{tflite}{SIDECAR_SUFFIX}").read_text())
    Path(f"{copy}{SIDECAR_SUFFIX}").write_text(change(config))
    return copy


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda c: json.dumps({**c, "class_names": ["B", "C"]}), "names 2 classes .* 3 outputs"),
        (lambda c: json.dumps({**c, "input_size": [32, 16]}), r"input size \[32, 16\]"),
        (lambda c: json.dumps({**c, "channels": 1}), "says 1 channel"),
        (lambda c: json.dumps({**c, "input_size": [0, 16]}), "input_size must be"),
        (lambda c: "{not json", "not a JSON sidecar"),
        (lambda c: json.dumps(["a", "list"]), "expected a JSON object"),
    ],
)
def test_a_sidecar_that_does_not_describe_its_model_is_refused(tflite, tmp_path, change, message):
    with pytest.raises(ModelLoadError, match=message):
        Predictor(_with_sidecar(tflite, tmp_path, change))


def test_a_tflite_predictor_serves_several_threads_at_once(tflite):
    predictor = Predictor(tflite, num_threads=1)
    images = np.random.default_rng(0).uniform(0, 255, (8, 4, 16, 16, 3)).astype(np.float32)
    alone = [predictor.predict(batch) for batch in images]
    with ThreadPoolExecutor(4) as pool:
        for _ in range(5):
            together = list(pool.map(predictor.predict, images))
            for a, b in zip(alone, together, strict=True):
                np.testing.assert_allclose(a, b, atol=1e-6)


def test_nan_images_are_refused(tflite):
    from mammokit.errors import MammokitError

    with pytest.raises(MammokitError, match="NaN"):
        Predictor(tflite).predict(np.full((16, 16, 3), np.nan, np.float32))


def test_an_oversized_png_is_refused_from_its_header(tmp_path):
    import zlib

    from mammokit.errors import ImageReadError
    from mammokit.imaging.io import read_image

    # a valid 30,000 x 30,000 8-bit PNG header: the pixel count is known before any decoding
    def chunk(kind, data):
        return (
            len(data).to_bytes(4, "big") + kind + data + zlib.crc32(kind + data).to_bytes(4, "big")
        )

    header = (30000).to_bytes(4, "big") * 2 + bytes([8, 0, 0, 0, 0])
    png = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"\0"))
    path = tmp_path / "huge.png"
    path.write_bytes(png + chunk(b"IEND", b""))
    with pytest.raises(ImageReadError, match="30000 x 30000 pixels is over the limit"):
        read_image(path)


def test_a_dicom_of_another_modality_is_refused(tmp_path):
    pydicom = pytest.importorskip("pydicom")
    from mammokit.errors import ImageReadError
    from mammokit.imaging.io import read_image

    dataset = pydicom.Dataset()
    dataset.file_meta = pydicom.dataset.FileMetaDataset()
    dataset.file_meta.TransferSyntaxUID = pydicom.uid.ExplicitVRLittleEndian
    dataset.file_meta.MediaStorageSOPClassUID = "1.2.840.10008.5.1.4.1.1.2"
    dataset.file_meta.MediaStorageSOPInstanceUID = pydicom.uid.generate_uid()
    dataset.Modality, dataset.PhotometricInterpretation = "CT", "MONOCHROME2"
    dataset.Rows = dataset.Columns = 8
    dataset.SamplesPerPixel, dataset.PixelRepresentation = 1, 0
    dataset.BitsAllocated, dataset.BitsStored, dataset.HighBit = 16, 12, 11
    dataset.PixelData = np.zeros((8, 8), np.uint16).tobytes()
    path = tmp_path / "head.dcm"
    dataset.save_as(path, enforce_file_format=True)
    with pytest.raises(ImageReadError, match="modality 'CT' is not a mammogram"):
        read_image(path)


def test_a_colour_photograph_warns(tmp_path, caplog):
    import logging

    import cv2

    from mammokit.imaging.io import read_image

    photo = np.zeros((64, 64, 3), np.uint8)
    photo[..., 2] = 200  # red
    cv2.imwrite(str(tmp_path / "photo.png"), photo)
    gray = np.repeat(np.full((64, 64, 1), 90, np.uint8), 3, axis=2)
    cv2.imwrite(str(tmp_path / "gray.png"), gray)
    with caplog.at_level(logging.WARNING, logger="mammokit"):
        read_image(tmp_path / "gray.png")
        assert not caplog.text
        read_image(tmp_path / "photo.png")
    assert "photo.png: a colour image" in caplog.text


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda c: {**c, "class_names": ["B", "N", "C"]}, "class_names: sidecar \\['B', 'N'"),
        (lambda c: {**c, "preprocess": "none"}, "preprocess: sidecar 'none'"),
    ],
)
def test_a_sidecar_that_disagrees_with_the_files_own_record_is_refused(
    tflite, tmp_path, change, message
):
    copy = _with_sidecar(tflite, tmp_path, lambda c: json.dumps(change(c)))
    with pytest.raises(
        ModelLoadError, match=f"disagrees with the record inside the file .*{message}"
    ):
        Predictor(copy)


def test_an_export_without_its_sidecar_is_served_by_its_own_record(tflite, tmp_path):
    import warnings

    copy = tmp_path / "alone.tflite"
    copy.write_bytes(Path(tflite).read_bytes())
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no LegacyModelWarning: nothing is assumed
        predictor = Predictor(copy)
    assert predictor.class_names == ["N", "B", "C"] and predictor.input_shape == (16, 16, 3)


def test_an_onnx_export_carries_its_record_too(tmp_path):
    pytest.importorskip("tf2onnx")
    from mammokit.export import to_onnx

    model = cnn_classifier(input_shape=(16, 16, 1), filters=(4,), class_names=["x", "y"])
    path = to_onnx(model, tmp_path / "m.onnx")
    sidecar = Path(f"{path}{SIDECAR_SUFFIX}")
    sidecar.write_text(json.dumps({**json.loads(sidecar.read_text()), "class_names": ["y", "x"]}))
    with pytest.raises(ModelLoadError, match="class_names: sidecar \\['y', 'x'\\], file"):
        Predictor(path)
    sidecar.unlink()
    assert Predictor(path).class_names == ["x", "y"]


@pytest.mark.parametrize("shape", [(1, 1), (31, 200), (200, 20)])
def test_an_image_below_the_minimum_size_is_refused(tmp_path, shape, monkeypatch):
    import cv2

    from mammokit.errors import ImageReadError
    from mammokit.imaging import io

    path = tmp_path / "tiny.png"
    cv2.imwrite(str(path), np.full(shape, 100, np.uint8))
    jpeg = tmp_path / "tiny.jpg"
    cv2.imwrite(str(jpeg), np.full(shape, 100, np.uint8))
    for file in (path, jpeg):
        with pytest.raises(ImageReadError, match=f"tiny.* {shape[0]} x {shape[1]} pixels is below"):
            io.read_image(file)
    monkeypatch.setattr(io, "MIN_SIDE", 1)
    assert io.read_image(path).shape == shape
