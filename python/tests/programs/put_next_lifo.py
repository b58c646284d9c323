"""A LifoQueue subclass whose put_next() was ported from a FIFO version, and takes the wrong end.

`put_next` pushes a job and moves it to index 0 of the storage: the head of the deque an
asyncio.Queue takes from the left, but the bottom of the list a LifoQueue takes from the right.
The job meant to go next goes last, after every job pushed before it: a LIFO queue handed out
a job before a newer one, order/lifo.
"""

import asyncio


class JobStack(asyncio.LifoQueue):
    def put_next(self, job) -> None:
        """Pushes `job` so that it is taken next."""
        self.put_nowait(job)
        self._queue.insert(0, self._queue.pop())  # BUG: index 0 is the bottom of a LifoQueue


async def main() -> list:
    stack = JobStack()
    done = []
    for job in ("index a", "index b", "index c"):
        stack.put_nowait(job)
    stack.put_next("reindex urgently")
    while not stack.empty():
        done.append(await stack.get())
        await asyncio.sleep(0.01)
        stack.task_done()
    await stack.join()
    return done  # "reindex urgently" comes out last
