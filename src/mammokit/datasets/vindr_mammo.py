"""Deprecated: moved to :mod:`mammokit.datasets.readers.vindr_mammo`; this path goes in 0.3."""

from mammokit import _deprecation
from mammokit.datasets.readers import vindr_mammo as _moved

_deprecation.alias_module(__name__, _moved)
