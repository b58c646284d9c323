#!/usr/bin/env python3
"""asyncio_driver.py with a planted bug, to test that chaosq_differential catches divergences.

Usage:  planted_bug_driver.py BATCH_FILE

Runs the real driver (one folder up) with LifoQueue replaced by the FIFO asyncio.Queue, so
every program that takes two items out of a LIFO queue in the wrong order diverges. Used by the
ctest test cpython_differential_finds_a_planted_divergence.
"""

import asyncio
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
import asyncio_driver  # noqa: E402

asyncio_driver.QUEUE_CLASSES["lifo"] = asyncio.Queue

if __name__ == "__main__":
    sys.exit(asyncio_driver.main(sys.argv))
