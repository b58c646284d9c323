"""``python3 -m chaosq``: see _cli.py.

Runs with string hashing fixed (PYTHONHASHSEED=0), re-executing itself once if it is not: a
program that iterates a set of strings then visits them in the same order in every process, so
a token replays the same run tomorrow as today.
"""

import os
import sys

if os.environ.get("PYTHONHASHSEED") != "0":
    os.environ["PYTHONHASHSEED"] = "0"
    sys.stdout.flush()
    os.execv(sys.executable, [sys.executable, "-m", "chaosq", *sys.argv[1:]])

from ._cli import main  # noqa: E402 - after the re-execution

sys.exit(main())
