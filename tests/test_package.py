import subprocess
import sys

import pytest

import mammokit


@pytest.mark.parametrize(
    "modules",
    [
        "mammokit, mammokit.datasets",
        "mammokit.metrics, mammokit.metrics.levels, mammokit.datasets.tasks, mammokit.model_info",
    ],
)
def test_import_is_light(modules):
    code = f"import sys, {modules}; print('tensorflow' in sys.modules, 'keras' in sys.modules)"
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "False False"


def test_keras_metrics_load_on_first_use():
    code = (
        "import sys; from mammokit.metrics import evaluation_report; a = 'keras' in sys.modules; "
        "from mammokit.metrics import Sensitivity; print(a, 'keras' in sys.modules)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip().splitlines()[-1] == "False True"


def test_error_base_is_value_error():
    assert issubclass(mammokit.MammokitError, ValueError)
    from mammokit.errors import DatasetError, ImageReadError, WeightsError

    for error in (DatasetError, ImageReadError, WeightsError):
        assert issubclass(error, mammokit.MammokitError)


def test_unknown_attribute_raises():
    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        _ = mammokit.nope


def test_missing_extra_names_the_install_command():
    from mammokit.errors import MissingDependencyError, require

    with pytest.raises(MissingDependencyError, match=r"mammokit\[dicom\]"):
        require("surely_not_an_installed_module", "dicom")


def test_python_dash_m_mammokit_runs_the_command():
    result = subprocess.run(
        [sys.executable, "-m", "mammokit", "--version"], capture_output=True, text=True
    )
    assert result.returncode == 0
    assert mammokit.__version__ in result.stdout + result.stderr


def test_the_package_says_it_is_typed():
    from pathlib import Path

    assert (Path(mammokit.__file__).parent / "py.typed").is_file()
