"""Every image reaches the model on one 0..255 scale, whatever bit depth its file holds."""

import zlib

import cv2
import numpy as np
import pytest

from mammokit.datasets import make_records, read_mini_ddsm, synthetic_mammogram
from mammokit.datasets.pipeline import to_tf_dataset
from mammokit.errors import MammokitError
from mammokit.imaging.example import load_example
from mammokit.imaging.intensity import intensity_scale, intensity_survey, read_scaled
from mammokit.imaging.io import read_image_and_format

SIZE = (64, 48)


@pytest.fixture(scope="module")
def mammogram():
    """A digital-style mammogram in [0, 1] and its breast region."""
    sample = synthetic_mammogram("Benign", "LEFT", "CC", (256, 160), seed=3, style="digital")
    return sample.image, sample.breast


def _png(path, pixels, sbit=None):
    """Write a 16-bit PNG, with an ``sBIT`` chunk after the header when ``sbit`` is given."""
    ok, encoded = cv2.imencode(".png", pixels)
    assert ok
    data = encoded.tobytes()
    if sbit is not None:
        body = b"sBIT" + bytes([sbit])
        chunk = (1).to_bytes(4, "big") + body + zlib.crc32(body).to_bytes(4, "big")
        data = data[:33] + chunk + data[33:]  # signature (8) + IHDR chunk (25)
    path.write_bytes(data)
    return path


def _at_depth(image, bits):
    return np.round(image * (2**bits - 1)).astype(np.uint16)


def _model_input(path, **options):
    return load_example(str(path), "LEFT", image_size=SIZE, **options)[0]


@pytest.mark.parametrize("bits", [10, 12, 14, 16])
@pytest.mark.parametrize("sbit", [False, True])
def test_every_bit_depth_reaches_the_same_0_255_image(tmp_path, mammogram, bits, sbit):
    image, _ = mammogram
    path = _png(tmp_path / "m.png", _at_depth(image, bits), bits if sbit else None)
    reference = _model_input(_png(tmp_path / "ref.png", _at_depth(image, 16)))
    result = _model_input(path)
    np.testing.assert_allclose(result, reference, atol=0.6)  # 10-bit rounding: 0.125 of 255
    # breast tissue spread over the scale, not squeezed into its bottom (0..16 for 12 bits)
    assert np.percentile(result, 99) > 150
    expected_rule = "sbit" if sbit else "content"
    assert read_scaled(path)[1].rule == expected_rule


def test_sbit_with_values_scaled_to_16_bits_as_the_png_standard_says(tmp_path, mammogram):
    image, _ = mammogram
    twelve = _at_depth(image, 12)
    spec = (twelve << 4) | (twelve >> 8)  # the PNG standard's left-bit replication
    path = _png(tmp_path / "spec.png", spec, sbit=12)
    assert read_image_and_format(path)[2] == 12
    scaled, scale = read_scaled(path)
    assert (scale.rule, scale.high) == ("sbit", 65535.0)
    raw, _ = read_scaled(_png(tmp_path / "raw.png", twelve, sbit=12))
    np.testing.assert_allclose(scaled, raw, atol=0.1)


def test_done_when_12_bit_and_16_bit_pngs_give_the_same_batches(tmp_path, mammogram):
    image, _ = mammogram
    paths = [
        _png(tmp_path / "twelve.png", _at_depth(image, 12)),
        _png(tmp_path / "sixteen.png", _at_depth(image, 16)),
    ]
    records = make_records(
        [{"image_path": str(p), "label": "Benign", "patient_id": p.stem} for p in paths]
    )
    batch, _ = next(iter(to_tf_dataset(records, SIZE, batch_size=2, channels=1)))
    twelve, sixteen = batch.numpy()[..., 0]
    np.testing.assert_allclose(twelve, sixteen, atol=0.1)
    assert twelve.max() > 200


def test_monochrome1_dicom_with_12_bits(tmp_path, mammogram):
    from conftest import write_dicom

    image, _ = mammogram
    stored = _at_depth(image, 12)
    inverted = write_dicom(
        tmp_path / "m1.dcm", 4095 - stored, photometric="MONOCHROME1", BitsStored=12, HighBit=11
    )
    result, scale = read_scaled(inverted)
    assert scale.rule == "dicom"
    reference, _ = read_scaled(_png(tmp_path / "ref.png", _at_depth(image, 16)))
    np.testing.assert_allclose(result, reference, atol=0.2)


def test_a_mixed_folder_is_visible_and_lands_on_one_scale(tmp_path, mammogram):
    from conftest import write_dicom

    image, _ = mammogram
    files = [
        tmp_path / "a.jpg",
        _png(tmp_path / "b.png", _at_depth(image, 12)),
        _png(tmp_path / "c.png", _at_depth(image, 14), sbit=14),
        _png(tmp_path / "d.png", _at_depth(image, 16)),
        write_dicom(tmp_path / "e.dcm", _at_depth(image, 12), BitsStored=12, HighBit=11),
    ]
    cv2.imwrite(str(files[0]), np.round(image * 255).astype(np.uint8))
    survey = intensity_survey(files)
    assert survey["rule"].tolist() == ["8-bit", "content", "sbit", "content", "dicom"]
    assert survey["bits"].tolist() == [8, 12, 14, 16, 16]
    jpeg, *lossless = (_model_input(path, preprocess=None) for path in files)
    for other in lossless[1:]:
        np.testing.assert_allclose(other, lossless[0], atol=0.6)
    assert np.abs(jpeg - lossless[0]).mean() < 1.0  # JPEG artefacts aside, the same scale


def test_records_bits_stored_is_used_unless_the_values_exceed_it(tmp_path, mammogram):
    image, _ = mammogram
    darker = _png(tmp_path / "dark.png", _at_depth(image * 0.2, 12))  # content says 10 bits
    assert read_scaled(darker)[1].bits == 10
    scaled, scale = read_scaled(darker, bits_stored=12)
    assert (scale.rule, scale.bits) == ("records", 12)
    assert scaled.max() < 0.25 * 255  # a dim exposure stays dim when the depth is known
    full = _png(tmp_path / "full.png", _at_depth(image, 16))
    overruled = read_scaled(full, bits_stored=12)[1]
    assert overruled.rule == "content" and "values reach" in overruled.note


def test_window_evens_out_exposure_bits_do_not(tmp_path, mammogram):
    image, _ = mammogram
    bright = _png(tmp_path / "bright.png", _at_depth(image, 12))
    dim = _png(tmp_path / "dim.png", _at_depth(image * 0.6, 12))
    assert np.abs(_model_input(bright) - _model_input(dim)).max() > 30
    windowed = [_model_input(p, intensity="window") for p in (bright, dim)]
    np.testing.assert_allclose(windowed[0], windowed[1], atol=1.5)
    custom = read_scaled(bright, intensity=(5, 95))[1]
    assert custom.rule == "window" and custom.low > 0


@pytest.mark.parametrize("bad", ["windows", (99, 1), (0, 101), (1, 2, 3)])
def test_bad_intensity_options_fail_before_any_image_is_read(tmp_path, bad):
    records = make_records([{"image_path": "/missing.png", "label": "Normal", "patient_id": "p"}])
    with pytest.raises(MammokitError, match="intensity|percentiles"):
        to_tf_dataset(records, SIZE, validate=False, intensity=bad)
    with pytest.raises(MammokitError):
        intensity_scale(np.zeros((4, 4), np.uint16), intensity=bad)


def test_masks_of_any_bit_depth_are_binarised(tmp_path, mammogram):
    image, _ = mammogram
    path = _png(tmp_path / "m.png", _at_depth(image, 12))
    mask = np.zeros(image.shape, np.uint16)
    mask[100:140, 40:80] = 4095  # a 12-bit mask never reaches half of 65535
    mask_path = _png(tmp_path / "m_Mask.png", mask)
    _, merged = load_example(str(path), "LEFT", (str(mask_path),), SIZE, preprocess=None)
    assert merged.sum() > 0


def test_mini_ddsm_png16_records_carry_the_ics_bits(tmp_path):
    from mammokit.datasets import make_synthetic

    root = make_synthetic(tmp_path, 3, (96, 64), seed=0, variants=("png16",), style="digital")
    records = read_mini_ddsm(root, variant="png16")
    assert (records["bits_stored"] == 12).all()
    survey = intensity_survey(records)
    assert set(survey["rule"]) == {"records"}
    batch, _ = next(iter(to_tf_dataset(records, (48, 32), batch_size=12, channels=1)))
    assert np.percentile(batch.numpy(), 99) > 150
