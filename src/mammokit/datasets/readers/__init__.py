"""One reader per public dataset, plus DICOM archives, class folders and detection.

Every reader returns a records table (:mod:`mammokit.records`) and lists what it could not
use in ``records.attrs["skipped"]``. Each module declares the files that identify its
download (``NAME``, ``is_download``); :func:`detect_dataset` and :func:`load_records` ask
them. A new dataset's reader goes here, in a file of its own, and into
:data:`~mammokit.datasets.readers.loading.DETECTION_ORDER`.

Examples
--------
>>> import tempfile
>>> from mammokit.datasets import make_synthetic
>>> root = make_synthetic(tempfile.mkdtemp(), n_patients=3, image_size=(64, 48))
>>> detect_dataset(root), len(load_records(root))
('mini-ddsm', 12)
"""

from mammokit.datasets.readers.cbis_ddsm import read_cbis_ddsm
from mammokit.datasets.readers.cmmd import read_cmmd
from mammokit.datasets.readers.dicom_folder import read_dicom_folder, read_dicom_headers
from mammokit.datasets.readers.folder import read_folder
from mammokit.datasets.readers.inbreast import read_inbreast
from mammokit.datasets.readers.loading import detect_dataset, load_records
from mammokit.datasets.readers.mias import read_mias
from mammokit.datasets.readers.mini_ddsm import read_mini_ddsm
from mammokit.datasets.readers.prepared import read_prepared
from mammokit.datasets.readers.rsna_screening import read_rsna_screening
from mammokit.datasets.readers.vindr_mammo import read_vindr_mammo

__all__ = [
    "detect_dataset",
    "load_records",
    "read_cbis_ddsm",
    "read_cmmd",
    "read_dicom_folder",
    "read_dicom_headers",
    "read_folder",
    "read_inbreast",
    "read_mias",
    "read_mini_ddsm",
    "read_prepared",
    "read_rsna_screening",
    "read_vindr_mammo",
]
