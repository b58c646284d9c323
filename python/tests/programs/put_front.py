"""A Queue subclass that stores an item itself (`self._queue.appendleft(job)`), bypassing `_put`.

chaosq learns which item a get takes from the storage hooks `_put` and `_get`: an item that did
not come through `_put` cannot be told apart, and chaosq refuses the program by name instead of
judging it.
"""

import asyncio


class FrontQueue(asyncio.Queue):
    def put_front(self, job) -> None:
        self._queue.appendleft(job)
        self._unfinished_tasks += 1
        self._finished.clear()
        self._wakeup_next(self._getters)


async def main() -> list:
    queue = FrontQueue()
    queue.put_nowait("later")
    queue.put_front("first")
    taken = [await queue.get(), await queue.get()]
    queue.task_done()
    queue.task_done()
    return taken
