"""The sdist and wheel a release would upload: twine-clean, licensed, typed, and complete.

Built without build isolation (the test extra installs a setuptools that reads the SPDX
licence), so no network is needed.
"""

from __future__ import annotations

import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path

import pytest

import mammokit

ROOT = Path(__file__).parents[1]


@pytest.fixture(scope="module")
def dist(tmp_path_factory):
    pytest.importorskip("build")
    out = tmp_path_factory.mktemp("dist")
    result = subprocess.run(
        [sys.executable, "-m", "build", "--no-isolation", "--sdist", "--wheel",
         "--outdir", str(out), str(ROOT)],
        capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    return out


def test_twine_accepts_both(dist):
    pytest.importorskip("twine")
    files = sorted(str(p) for p in dist.iterdir())
    result = subprocess.run(
        [sys.executable, "-m", "twine", "check", "--strict", *files],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert len(files) == 2


def test_the_wheel_is_licensed_typed_and_versioned(dist):
    wheel = next(dist.glob("*.whl"))
    assert f"mammokit-{mammokit.__version__}-" in wheel.name
    with zipfile.ZipFile(wheel) as archive:
        names = archive.namelist()
        metadata = next(n for n in names if n.endswith(".dist-info/METADATA"))
        text = archive.read(metadata).decode()
    assert "mammokit/py.typed" in names
    assert any(n.endswith(".dist-info/licenses/LICENSE") for n in names)
    assert "License-Expression: Apache-2.0" in text
    assert f"Version: {mammokit.__version__}" in text
    assert not any(n.startswith("tests/") for n in names)
    assert "Requires-Dist: keras<4,>=3.9" in text


def test_the_sdist_carries_what_its_tests_need(dist):
    sdist = next(dist.glob("*.tar.gz"))
    with tarfile.open(sdist) as archive:
        names = {name.split("/", 1)[1] for name in archive.getnames() if "/" in name}
    for needed in ("tests/conftest.py", "tests/data/mini-ddsm-Data.xlsx", "mkdocs.yml",
                   "examples/datasets_synthetic.py", "docs/index.md", "LICENSE",
                   "CITATION.cff", "CHANGELOG.md"):  # fmt: skip
        assert needed in names, needed
    assert not any("__pycache__" in name for name in names)
