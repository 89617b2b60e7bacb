"""``python -m mammokit``: the same as the ``mammokit`` command."""

import sys

from mammokit.cli import main

sys.exit(main())
