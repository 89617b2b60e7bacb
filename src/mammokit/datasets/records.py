"""Deprecated: moved to :mod:`mammokit.records`; this path goes in 0.3."""

from mammokit import _deprecation
from mammokit import records as _moved

_deprecation.alias_module(__name__, _moved)
