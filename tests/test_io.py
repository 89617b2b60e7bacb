import cv2
import numpy as np
import pytest

from mammokit.errors import ImageReadError
from mammokit.imaging.io import read_image


@pytest.fixture
def gradient():
    return np.tile(np.linspace(0, 1, 64), (48, 1))


def test_keeps_8_and_16_bit(tmp_path, gradient):
    eight = (gradient * 255).astype(np.uint8)
    sixteen = (gradient * 65535).astype(np.uint16)
    cv2.imwrite(str(tmp_path / "a.png"), eight)
    cv2.imwrite(str(tmp_path / "b.png"), sixteen)
    cv2.imwrite(str(tmp_path / "c.jpg"), eight)
    np.testing.assert_array_equal(read_image(tmp_path / "a.png"), eight)
    np.testing.assert_array_equal(read_image(tmp_path / "b.png"), sixteen)
    jpeg = read_image(tmp_path / "c.jpg")
    assert jpeg.dtype == np.uint8 and np.abs(jpeg.astype(int) - eight).max() < 8


def test_colour_becomes_gray(tmp_path, gradient):
    rgb = np.dstack([(gradient * 255).astype(np.uint8)] * 3)
    cv2.imwrite(str(tmp_path / "rgb.png"), rgb)
    assert read_image(tmp_path / "rgb.png").shape == (48, 64)


def test_dct_downscaled_jpeg_is_never_smaller_than_asked(tmp_path):
    image = np.random.default_rng(0).integers(0, 255, (800, 480), dtype=np.uint8)
    cv2.imwrite(str(tmp_path / "big.jpg"), image)
    assert read_image(tmp_path / "big.jpg", min_size=(200, 120)).shape == (200, 120)
    assert read_image(tmp_path / "big.jpg", min_size=(201, 120)).shape == (400, 240)
    assert read_image(tmp_path / "big.jpg", min_size=(900, 10)).shape == (800, 480)


def _file(folder, name, data):
    path = folder / name
    path.write_bytes(data)
    return path


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda d: d / "missing.png", "no such file"),
        (lambda d: d, "is a directory"),
        (lambda d: _file(d, "empty.png", b""), "empty file"),
        (lambda d: _file(d, "text.png", b"hello"), "not an image"),
        (
            lambda d: _file(d, "fake.png", b"\x89PNG\r\n\x1a\n" + bytes(64) + b"IEND"),
            "not a readable image",
        ),
    ],
)
def test_unreadable_input_names_the_file(tmp_path, make, message):
    path = make(tmp_path)
    with pytest.raises(ImageReadError, match=message) as info:
        read_image(path)
    assert str(path) in str(info.value)


@pytest.mark.parametrize("suffix", [".jpg", ".png"])
def test_truncated_files_are_refused(tmp_path, gradient, suffix):
    path = tmp_path / f"full{suffix}"
    cv2.imwrite(str(path), (gradient * 255).astype(np.uint8))
    cut = tmp_path / f"cut{suffix}"
    cut.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
    with pytest.raises(ImageReadError, match="cut"):
        read_image(cut)


def test_dicom_monochrome2_and_monochrome1(tmp_path, gradient):
    from conftest import write_dicom

    pixels = (gradient * 4095).astype(np.uint16)
    twelve = {"BitsStored": 12, "HighBit": 11}
    plain = read_image(write_dicom(tmp_path / "a.dcm", pixels, **twelve))
    inverted = read_image(
        write_dicom(tmp_path / "b.dcm", pixels, photometric="MONOCHROME1", **twelve)
    )
    assert plain.dtype == np.uint16 and plain.shape == pixels.shape
    assert plain[0, 0] == 0 and plain[0, -1] == 65535  # 12 stored bits fill the 16-bit scale
    np.testing.assert_array_equal(inverted, 65535 - plain)


def test_dicom_scale_follows_bits_stored_not_the_image_content(tmp_path, gradient):
    from conftest import write_dicom

    pixels = (gradient * 4095).astype(np.uint16)
    darker = pixels // 2  # the same 12-bit image, exposed at half the dose
    image = read_image(write_dicom(tmp_path / "a.dcm", darker, BitsStored=12, HighBit=11))
    np.testing.assert_allclose(image, darker * (65535 / 4095), atol=1)  # not stretched to max
    sixteen = read_image(write_dicom(tmp_path / "b.dcm", pixels))  # the header says 16 bits
    np.testing.assert_array_equal(sixteen, pixels)


def test_dicom_window_is_applied(tmp_path, gradient):
    from conftest import write_dicom

    pixels = (gradient * 4000).astype(np.uint16)
    path = write_dicom(tmp_path / "w.dcm", pixels, WindowCenter=1000, WindowWidth=1000)
    image = read_image(path)
    assert image[0, 0] == 0 and image[0, -1] == 65535
    assert (image[0] == 65535).sum() > pixels.shape[1] // 2  # everything above 1500 saturates


def test_dicom_without_pixels_or_with_colour_is_refused(tmp_path, gradient):
    from conftest import write_dicom

    pixels = (gradient * 4000).astype(np.uint16)
    path = write_dicom(tmp_path / "rgb.dcm", pixels, photometric="RGB")
    with pytest.raises(ImageReadError, match="photometric"):
        read_image(path)
    pydicom = pytest.importorskip("pydicom")
    dataset = pydicom.dcmread(write_dicom(tmp_path / "n.dcm", pixels))
    del dataset.PixelData
    dataset.save_as(tmp_path / "n.dcm")
    with pytest.raises(ImageReadError, match="no pixel data"):
        read_image(tmp_path / "n.dcm")


@pytest.mark.parametrize(
    ("syntax", "decoder"), [("RLELossless", None), ("JPEG2000Lossless", "openjpeg")]
)
def test_compressed_dicom(tmp_path, gradient, syntax, decoder):
    from conftest import write_dicom

    pydicom = pytest.importorskip("pydicom")
    uid = pytest.importorskip("pydicom.uid")
    if decoder:
        pytest.importorskip(decoder)
    pixels = (gradient * 4000).astype(np.uint16)
    dataset = pydicom.dcmread(write_dicom(tmp_path / "plain.dcm", pixels))
    dataset.compress(getattr(uid, syntax))
    dataset.save_as(tmp_path / "packed.dcm")
    np.testing.assert_array_equal(
        read_image(tmp_path / "packed.dcm"), read_image(tmp_path / "plain.dcm")
    )
