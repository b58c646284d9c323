"""chaosq inside a test suite: explore a coroutine function in-process and fail with the trace.

`explore(main, **options)` runs ``python3 -m chaosq explore`` on `main` without a subprocess:
the native command runs in this interpreter, so `main` may be any coroutine function, importable
by name or not (a nested function, a method, a decorated test). `explores(**options)` turns an
``async def test_...`` into a plain test that fails with the minimal trace and its replay token.

One exploration runs at a time per process: the command prints to file descriptors 1 and 2,
which are redirected around the call, and the program's asyncio.Queue is patched while it runs.
"""

import contextlib
import dataclasses
import difflib
import functools
import inspect
import json
import os
import re
import shutil
import sys
import tempfile

from chaosq import _cli, _loop
from chaosq._errors import UsageError

# explore's keywords and their defaults; each is the command's flag of the same name with '-'
# for '_' (schedules -> --schedules). None leaves the flag out (the command's own default);
# True and False switch a flag that takes no value.
_OPTIONS = {
    "schedules": 10_000,
    "seed": 1,
    "strategy": "random",
    "depth": None,
    "preemptions": None,
    "max_faults": None,
    "crash_budget": 1,
    "cancel_budget": 0,
    "shutdown": "none",
    "fault_odds": None,
    "crash_points": None,
    "step_budget": None,
    "shrink_time": None,
    "keep_going": False,
    "keep_workload": False,
    "save_scenario": None,
}

# A name the command accepts for a program: letters, digits and - _ . / : (code_name_problem).
_NOT_IN_A_NAME = re.compile(r"[^A-Za-z0-9_./:-]")


@dataclasses.dataclass(frozen=True)
class Exploration:
    """What `explore` found.

    passed: no schedule violated an oracle. summary: the command's SUMMARY line, without
    "SUMMARY: ". failure: the report a test fails with (verdict, minimal trace, unacknowledged
    items, token, replay command), None when passed; signature, token and replay_command are
    None then too. report: the command's --json report, parsed. program: the name the program
    ran under, module:qualname, which the tokens carry.
    """

    program: str
    passed: bool
    summary: str
    failure: str | None = dataclasses.field(repr=False)
    signature: str | None
    token: str | None
    replay_command: str | None
    report: dict = dataclasses.field(repr=False)


def _check_options(options, caller="explore"):
    """`options` merged over the defaults; a keyword explore does not take is a TypeError, as
    Python's own for a function, naming it (and the nearest keyword it does take)."""
    for name in options:
        if name not in _OPTIONS:
            near = difflib.get_close_matches(name, _OPTIONS, n=1)
            hint = f" (did you mean '{near[0]}'?)" if near else ""
            raise TypeError(f"{caller}() got an unexpected keyword argument '{name}'{hint}")
    return {**_OPTIONS, **options}


def _program_name(main):
    """module:qualname of `main`, as tokens carry it: `<locals>` becomes `locals`, so that a
    nested function's name reads as its place in the module (the command accepts no '<')."""
    function = main
    while isinstance(function, functools.partial):
        function = function.func
    function = getattr(function, "__func__", function)  # a bound method: its function
    qualname = function.__qualname__.replace("<", "").replace(">", "")
    return _NOT_IN_A_NAME.sub("_", f"{function.__module__ or '__main__'}:{qualname}")


def _check_program(main):
    """Refuses, before anything runs, what the command's resolver would refuse by name."""
    if not inspect.iscoroutinefunction(main):
        raise TypeError(f"{main!r} is not a coroutine function: chaosq runs an 'async def' of no "
                        f"arguments (functools.partial binds some)")
    try:
        parameters = inspect.signature(main).parameters.values()
    except (TypeError, ValueError):  # no signature to read: calling it with none will tell
        return
    if any(p.default is p.empty and p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)
           for p in parameters):
        raise TypeError(f"{_program_name(main)} takes arguments: chaosq calls it with none "
                        f"(functools.partial binds them)")


class _Resolver(_cli.Resolver):
    """The command's resolver, with one program registered under its name for one call: that
    name runs `main` itself and is never imported; any other name imports as usual. What the
    command's resolver checks besides the name (the Python version a workload needs) applies
    to both."""

    def __init__(self, name, main):
        super().__init__()
        self._name = name
        self._main = main

    def _resolve(self, name):
        if name != self._name:
            return super()._resolve(name)

        def run_schedule(run):
            _loop.run_program(run, self._main)

        return run_schedule, None


def _run_command(args, resolver):
    """Runs the command in-process: (exit status, its stdout, its stderr).

    The native command writes to file descriptors 1 and 2, so those are pointed at temporary
    files for the call and put back in `finally`. What the program prints through sys.stdout
    and sys.stderr is kept apart (it would otherwise land in the middle of the JSON) and passed
    on to them afterwards.
    """
    from chaosq import _native  # the engine; imported here so that the package imports without it

    sys.stdout.flush()
    sys.stderr.flush()
    with contextlib.ExitStack() as stack:
        out, err = (stack.enter_context(tempfile.TemporaryFile()) for _ in range(2))
        printed_out, printed_err = (
            stack.enter_context(tempfile.SpooledTemporaryFile(mode="w+", max_size=1 << 20))
            for _ in range(2))
        saved_out, saved_err = os.dup(1), os.dup(2)
        try:
            os.dup2(out.fileno(), 1)
            os.dup2(err.fileno(), 2)
            with contextlib.redirect_stdout(printed_out), contextlib.redirect_stderr(printed_err):
                status = _native.main([_cli.COMMAND, *args], resolver)
        finally:
            os.dup2(saved_out, 1)
            os.dup2(saved_err, 2)
            os.close(saved_out)
            os.close(saved_err)
        for printed, stream in ((printed_out, sys.stdout), (printed_err, sys.stderr)):
            if stream is not None:
                printed.seek(0)
                shutil.copyfileobj(printed, stream)
        texts = []
        for captured in (out, err):
            captured.seek(0)
            texts.append(captured.read().decode("utf-8", errors="replace"))
    return status, texts[0], texts[1]


def _flags(settings):
    """The command-line flags of explore's keywords (already checked by _check_options)."""
    flags = []
    for name, value in settings.items():
        flag = "--" + name.replace("_", "-")
        if isinstance(value, bool):
            if value:
                flags.append(flag)
        elif value is not None:
            if name == "crash_points" and not isinstance(value, str):
                value = ",".join(value)  # a list of points, as the flag's comma-separated list
            flags += [flag, str(value)]
    return flags


def _summary(stderr):
    """The command's last SUMMARY line, without "SUMMARY: "."""
    lines = [line for line in stderr.splitlines() if line.startswith("SUMMARY: ")]
    return lines[-1][len("SUMMARY: "):] if lines else ""


def _refuse(status, stdout, stderr):
    """The exception for an exit status that is not a verdict (0 or 1)."""
    try:
        message = json.loads(stdout)["message"]  # a usage error, as --json prints it
    except (ValueError, KeyError, TypeError):
        message = stderr.strip() or f"exit status {status}"
    if status == 2:
        return UsageError(message)
    if status == 128 + 2:  # SIGINT stopped the exploration
        return KeyboardInterrupt(message)
    return RuntimeError(f"{_cli.COMMAND} exited {status}: {message}")


def _failure_text(name, summary, first, replayed):
    """The report of a failure: the summary, the replayed minimal trace and verdict, the
    unacknowledged items, the token and the command that replays it."""
    trace = [line for line in replayed.rstrip("\n").splitlines()
             if not line.startswith("SUMMARY: ")]
    lines = [f"chaosq: {summary} exploring {name}", "", "minimal trace, replayed from its token:",
             *trace]
    if first.get("unacknowledged"):
        lines.append("unacknowledged:")
        lines += [f"  {item['text']}" for item in first["unacknowledged"]]
    lines += [f"token: {first['token']}", f"replay: {first['reproduce']}"]
    # The command line finds a program by importing its name, which a nested function, a method
    # or a decorated test cannot be: say so, in the command's own words. Here __main__ is the
    # script that called explore; there it is the command's own.
    module_name, _, function_name = name.partition(":")
    if module_name == "__main__":
        problem = f"module '__main__' has no '{function_name}'"
    else:
        problem = _cli.Resolver().resolve(name)[1]
    if problem is not None:
        lines.append(f"  (in a shell that command imports {name} and would refuse it: "
                     f"{problem}; this exploration, run again with the same seed, finds it again)")
    return "\n".join(lines)


def explore(main, **options):
    """Explores schedules of the coroutine function `main` under chaosq and returns an
    `Exploration`.

    Keywords, each the ``python3 -m chaosq explore`` flag of that name (see its --help):
    schedules=10_000, seed=1, strategy="random" (pct, pos, surw, dfs, portfolio), depth (pct),
    preemptions and max_faults (dfs), crash_budget=1, cancel_budget=0, shutdown="none"
    (graceful, immediate, any), fault_odds, crash_points (a comma-separated string or a list),
    step_budget, shrink_time (seconds), keep_going, keep_workload, save_scenario (a file).
    None leaves a flag at the command's default. A keyword it does not take is a TypeError;
    a value the command refuses is a chaosq.UsageError with the command's message.

    `main` runs under the name module:qualname, registered for this call only, so it need not
    be importable; its tokens replay from a shell (``python3 -m chaosq replay TOKEN``) only where
    that name imports as the same coroutine function.
    """
    settings = _check_options(options)
    _check_program(main)
    name = _program_name(main)
    resolver = _Resolver(name, main)
    args = ["explore", "--mode", "python", "--program", name, "--json", "--progress", "never",
            *_flags(settings)]
    status, stdout, stderr = _run_command(args, resolver)
    if status not in (0, 1):
        raise _refuse(status, stdout, stderr)
    report = json.loads(stdout)
    summary = _summary(stderr)
    if status == 0:
        return Exploration(name, True, summary, None, None, None, None, report)
    first = report["first_failure"]
    # The JSON has the trace as records; the command's text of it comes from replaying the
    # minimal token, which is deterministic.
    replay_status, replayed, replay_err = _run_command(["replay", first["token"]], resolver)
    if replay_status not in (0, 1):
        raise _refuse(replay_status, replayed, replay_err)
    return Exploration(name, False, summary,
                       _failure_text(name, summary, first, replayed),
                       first["signature"], first["token"], first["reproduce"], report)


def explores(**options):
    """Decorates an ``async def test_...`` (a function or a TestCase method) into a plain test
    that explores it with `explore`'s keywords and raises AssertionError with the failure's
    report (minimal trace, token, replay command) when a schedule violates an oracle."""
    _check_options(options, "explores")

    def decorate(main):
        if not inspect.iscoroutinefunction(main):
            raise TypeError(f"@chaosq.explores decorates an 'async def', not {main!r}")

        @functools.wraps(main)
        def test(*instance):
            """`instance`: the TestCase when `main` is a method, else nothing."""
            result = explore(functools.partial(main, *instance), **options)
            if not result.passed:
                raise AssertionError(result.failure)

        return test

    return decorate
