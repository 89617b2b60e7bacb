"""Deprecated: moved to :mod:`mammokit.imaging.io`; this path goes in 0.3."""

from mammokit import _deprecation
from mammokit.imaging import io as _moved

_deprecation.alias_module(__name__, _moved)
