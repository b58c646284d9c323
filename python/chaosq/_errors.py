"""The exceptions a program or a caller of chaosq meets."""


class InjectedCrash(Exception):
    """A crash the fault plan injected into one of the program's tasks.

    An `Exception`, so the program's own `except Exception:` handlers meet it as they would
    meet a corrupted payload. `point` says where it struck: "mid-item", "after-ack",
    "waiting in get", ...
    """

    def __init__(self, point: str) -> None:
        super().__init__(f"chaosq injected a crash: {point}")
        self.point = point


class UsageError(Exception):
    """The program, or what was asked of it, cannot run under chaosq; the message says why."""
