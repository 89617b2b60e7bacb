"""Deprecated: moved to :mod:`mammokit.datasets.readers.cbis_ddsm`; this path goes in 0.3."""

from mammokit import _deprecation
from mammokit.datasets.readers import cbis_ddsm as _moved

_deprecation.alias_module(__name__, _moved)
