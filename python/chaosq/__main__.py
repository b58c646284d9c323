"""``python3 -m chaosq``: see _cli.py."""

import sys

from ._cli import main

sys.exit(main())
