"""The one place mammokit's version is written (the build and ``mammokit.__version__`` read it)."""

__version__ = "0.2.0.dev0"
