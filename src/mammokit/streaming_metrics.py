"""Deprecated: moved to :mod:`mammokit.metrics.streaming`; this path goes in 0.3."""

from mammokit import _deprecation
from mammokit.metrics import streaming as _moved

_deprecation.alias_module(__name__, _moved)
