"""Deprecated: moved to :mod:`mammokit.datasets.readers.inbreast`; this path goes in 0.3."""

from mammokit import _deprecation
from mammokit.datasets.readers import inbreast as _moved

_deprecation.alias_module(__name__, _moved)
