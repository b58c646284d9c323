"""chaosq for Python: run a real asyncio program under chaosq's decisions, faults and oracles.

`run_program(run, main)` runs `main()` (the program's `async def main`) on a controlled event
loop, reporting every step and queue operation to `run`, the native engine's per-schedule
object. `explore(main, ...)` explores it in-process and returns what it found; `@explores(...)`
makes an `async def` test of it that fails with the minimal trace and its token. The native
module is imported only by the functions that need it, never here.
"""

from chaosq._errors import InjectedCrash, UsageError
from chaosq._loop import point, run_program
from chaosq._testing import Exploration, explore, explores

__all__ = ["Exploration", "InjectedCrash", "UsageError", "explore", "explores", "point",
           "run_program"]
