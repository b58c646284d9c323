"""``python3 -m chaosq``: chaosq's own command line, running Python programs.

The command is the C++ ``chaosq`` command itself (the native module runs it), so it has the same
subcommands, options, reports, tokens and exit statuses: 0 no violation, 1 violation found,
2 bad input or usage, 3 internal error. What this file adds is the way to name a Python
program (``explore module:function``) and the resolver that imports it.
"""

import asyncio
import importlib
import inspect
import platform
import re
import sys

from . import _loop

COMMAND = "python3 -m chaosq"
# A program's name on the command line: dotted.module:function.
PROGRAM = re.compile(r"[A-Za-z_][\w.]*:[A-Za-z_]\w*")


class Resolver:
    """Turns a program's name, "module:function", into the runner of one schedule of it.

    The native side asks each time it checks or runs a workload: the import is done once.
    """

    def __init__(self):
        self._known = {}

    def resolve(self, name, shutdown="none"):
        if shutdown != "none" and not hasattr(asyncio.Queue, "shutdown"):
            return None, (f"shutdown {shutdown}: asyncio.Queue.shutdown() is new in Python 3.13, "
                          f"and this is Python {platform.python_version()}: draw no shutdown, "
                          "or run it with Python 3.13+")
        if name not in self._known:
            self._known[name] = self._resolve(name)
        return self._known[name]

    @staticmethod
    def _resolve(name):
        module_name, colon, function_name = name.partition(":")
        if not colon or not module_name or not function_name:
            return None, f"'{name}' is not module:function (for example examples.seed:main)"
        try:
            module = importlib.import_module(module_name)
        except Exception as error:  # what the import raised is the message
            return None, (f"module '{module_name}' does not import: "
                          f"{type(error).__name__}: {error}")
        main = getattr(module, function_name, None)
        if main is None:
            return None, f"module '{module_name}' has no '{function_name}'"
        if not inspect.iscoroutinefunction(main):
            return None, (f"{name} is not a coroutine function: chaosq runs an "
                          f"'async def {function_name}()' of no arguments")
        if any(p.default is p.empty and p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)
               for p in inspect.signature(main).parameters.values()):
            return None, f"{name} takes arguments: chaosq calls it with none"

        def run_schedule(run):
            _loop.run_program(run, main)

        return run_schedule, None


def to_native_argv(args):
    """The C++ command line for ``python3 -m chaosq ARGS``: a program named after ``explore``
    (``explore module:function``) becomes ``--mode python --program module:function``."""
    args = list(args)
    if args and args[0] == "explore" and "--program" not in args:
        for i, word in enumerate(args[1:], start=1):
            if PROGRAM.fullmatch(word):
                args[i:i + 1] = ["--mode", "python", "--program", word]
                break
    return [COMMAND] + args


def main(args=None):
    from . import _native  # the engine; imported here so that the package imports without it

    argv = to_native_argv(sys.argv[1:] if args is None else args)
    sys.stdout.flush()
    # With --json, standard output is the report alone: what the program prints goes to stderr.
    program_out = sys.stderr if "--json" in argv else sys.stdout
    saved, sys.stdout = sys.stdout, program_out
    try:
        return _native.main(argv, Resolver())
    finally:
        sys.stdout = saved
        sys.stdout.flush()
