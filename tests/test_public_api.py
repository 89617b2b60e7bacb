"""Every public name and documented module path imports; the old paths warn, the new don't.

Each check runs in a fresh interpreter: an old path warns on its first import only.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "src" / "mammokit"

#: The public names of DESIGN.md that exist (the operating-point, calibration and mini-MIAS
#: names there belong to open issues), by module.
CONTRACT = {
    "mammokit.datasets": (
        "CLASSES read_mini_ddsm read_cbis_ddsm read_vindr_mammo read_rsna_screening "
        "read_inbreast read_cmmd read_dicom_folder read_folder relabel make_synthetic "
        "split_by_patient patient_folds class_weights to_tf_dataset"
    ),
    "mammokit.datasets.augment": "default_augmenter",
    "mammokit.models": (
        "mobilenet_classifier cnn_classifier backbone_classifier create_classifier "
        "available_models unfreeze load_model"
    ),
    "mammokit.losses": (
        "WeightedCategoricalCrossentropy class_weights_from_counts CategoricalFocalLoss"
    ),
    "mammokit.metrics": (
        "Sensitivity Specificity sensitivity_specificity evaluation_report aggregate_predictions"
    ),
    "mammokit.explain": "grad_cam overlay localization_scores",
    "mammokit.training": "fit plot_history",
    "mammokit.export": "to_tflite to_onnx Predictor",
    "mammokit.imaging": (
        "read_image crop_breast flip_to_left remove_pectoral clahe InputSpec ExampleReader"
    ),
}
READERS = (
    "cbis_ddsm",
    "cmmd",
    "dicom_folder",
    "folder",
    "inbreast",
    "loading",
    "mini_ddsm",
    "rsna_screening",
    "vindr_mammo",
)
#: Where each moved path went: ``old -> new`` (a module, or a module's name).
MOVED_MODULES = {
    "mammokit.io": "mammokit.imaging.io",
    "mammokit.intensity": "mammokit.imaging.intensity",
    "mammokit.levels": "mammokit.metrics.levels",
    "mammokit.streaming_metrics": "mammokit.metrics.streaming",
    "mammokit.datasets.records": "mammokit.records",
    "mammokit.datasets.preprocess": "mammokit.imaging.preprocess",
    **{f"mammokit.datasets.{reader}": f"mammokit.datasets.readers.{reader}" for reader in READERS},
}
MOVED_NAMES = {
    "mammokit.datasets.pipeline.load_example": "mammokit.imaging.example.load_example",
    "mammokit.datasets.pipeline.prepare_example": "mammokit.imaging.example.prepare_example",
    "mammokit.datasets.pipeline.standard_preprocess": (
        "mammokit.imaging.example.standard_preprocess"
    ),
    "mammokit.datasets.pipeline.preprocess_name": "mammokit.imaging.example.preprocess_name",
    "mammokit.datasets.pipeline.resolve_preprocess": (
        "mammokit.imaging.example.resolve_preprocess"
    ),
    "mammokit.datasets.pipeline.side_from_name": "mammokit.views.side_from_name",
    "mammokit.registry.create_classifier": "mammokit.models.factory.create_classifier",
    "mammokit.models.model_info": "mammokit.model_info.info_of",
}


def _run(script: str) -> dict:
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"}
    completed = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(script)],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr[-3000:]
    return json.loads(completed.stdout.strip().splitlines()[-1])


def _new_modules() -> list[str]:
    modules = []
    for path in sorted(PACKAGE.rglob("*.py")):
        if "_deprecation.alias_module(" in path.read_text() or path.name == "__main__.py":
            continue
        parts = ["mammokit", *path.relative_to(PACKAGE).with_suffix("").parts]
        modules.append(".".join(parts[:-1] if parts[-1] == "__init__" else parts))
    return modules


def test_every_public_name_imports_without_a_deprecation_warning():
    result = _run(
        f"""
        import importlib, json, warnings
        warnings.simplefilter("always")
        missing, warned = [], []
        with warnings.catch_warnings(record=True) as caught:
            for module in {_new_modules()!r}:
                loaded = importlib.import_module(module)
                for name in getattr(loaded, "__all__", ()):
                    if not hasattr(loaded, name):
                        missing.append(f"{{module}}.{{name}}")
            for module, names in {CONTRACT!r}.items():
                loaded = importlib.import_module(module)
                missing += [f"{{module}}.{{n}}" for n in names.split() if not hasattr(loaded, n)]
        warned = [str(w.message) for w in caught
                  if issubclass(w.category, DeprecationWarning) and "mammokit" in str(w.message)]
        print(json.dumps({{"missing": missing, "warned": warned}}))
        """
    )
    assert result == {"missing": [], "warned": []}


def test_old_module_paths_work_and_warn():
    result = _run(
        f"""
        import importlib, json, warnings
        moved = {MOVED_MODULES!r}
        report = {{}}
        for old, new in moved.items():
            new_module = importlib.import_module(new)
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                old_module = importlib.import_module(old)
            messages = [str(w.message) for w in caught if w.category is DeprecationWarning]
            report[old] = {{
                "same": old_module is new_module,
                "warns": any(new in m and "0.3" in m for m in messages),
            }}
        print(json.dumps(report))
        """
    )
    assert result == {old: {"same": True, "warns": True} for old in MOVED_MODULES}


def test_old_names_work_and_warn():
    result = _run(
        f"""
        import importlib, json, warnings
        report = {{}}
        for old, new in {MOVED_NAMES!r}.items():
            new_module, _, new_name = new.rpartition(".")
            target = getattr(importlib.import_module(new_module), new_name)
            old_module, _, old_name = old.rpartition(".")
            module = importlib.import_module(old_module)
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                found = getattr(module, old_name)
            messages = [str(w.message) for w in caught if w.category is DeprecationWarning]
            report[old] = {{"same": found is target, "warns": any("0.3" in m for m in messages)}}
        print(json.dumps(report))
        """
    )
    assert result == {old: {"same": True, "warns": True} for old in MOVED_NAMES}


def test_old_package_attributes_still_resolve():
    """``mammokit.io``, ``mammokit.datasets.records``... as attributes, as 0.1 code wrote."""
    result = _run(
        """
        import json, warnings
        warnings.simplefilter("ignore", DeprecationWarning)
        import mammokit, mammokit.datasets
        print(json.dumps([mammokit.io.read_image.__module__,
                          mammokit.datasets.preprocess.crop_breast.__module__,
                          mammokit.datasets.records.label_indices.__module__,
                          mammokit.datasets.mini_ddsm.read_mini_ddsm.__module__,
                          mammokit.levels.LEVELS]))
        """
    )
    assert result == [
        "mammokit.imaging.io",
        "mammokit.imaging.preprocess",
        "mammokit.records",
        "mammokit.datasets.readers.mini_ddsm",
        list(_levels()),
    ]


def _levels() -> tuple[str, ...]:
    from mammokit.records import LEVELS

    return LEVELS


@pytest.mark.parametrize("module", ["mammokit", "mammokit.datasets", "mammokit.imaging"])
def test_light_imports_do_not_load_tensorflow(module):
    result = _run(
        f"""
        import importlib, json, sys
        importlib.import_module({module!r})
        print(json.dumps("tensorflow" in sys.modules or "keras" in sys.modules))
        """
    )
    assert result is False
