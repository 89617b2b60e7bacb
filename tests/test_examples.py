"""Every script in examples/ runs at its small size and writes its pictures."""

import subprocess
import sys
from pathlib import Path

import cv2
import pytest

EXAMPLES = sorted((Path(__file__).parents[1] / "examples").glob("*.py"))


@pytest.mark.parametrize("script", EXAMPLES, ids=[p.stem for p in EXAMPLES])
def test_example_runs_and_writes_a_picture(script, tmp_path):
    result = subprocess.run(
        [sys.executable, str(script), "--out", str(tmp_path), "--small"],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    pictures = list(tmp_path.glob("*.png"))
    assert pictures, f"{script.name} wrote no PNG"
    for picture in pictures:
        assert cv2.imread(str(picture)) is not None, picture


def test_there_are_examples():
    assert EXAMPLES
