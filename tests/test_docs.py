"""The documentation builds without a warning (mkdocs --strict), examples included."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[1]


def test_mkdocs_build_is_strict_clean(tmp_path):
    pytest.importorskip("mkdocs")
    pytest.importorskip("mkdocstrings")
    result = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(tmp_path / "site")],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "NO_MKDOCS_2_WARNING": "1"},
    )
    assert result.returncode == 0, result.stderr[-3000:]
    page = (tmp_path / "site" / "modules" / "explain" / "index.html").read_text()
    assert "localization_scores" in page and "argparse" in page  # text and the included example
    notebook = (tmp_path / "site" / "quickstart" / "index.html").read_text()
    assert notebook.count("data:image/png") >= 3 and "report_table" in notebook
    api = (tmp_path / "site" / "api" / "datasets" / "index.html").read_text()
    assert "split_by_patient" in api and "patient" in api


def test_every_example_is_shown_in_the_docs():
    pages = " ".join(p.read_text() for p in (ROOT / "docs").rglob("*.md"))
    for example in sorted((ROOT / "examples").glob("*.py")):
        assert f"examples/{example.name}" in pages, f"{example.name} is on no docs page"
