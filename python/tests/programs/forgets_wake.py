"""A Queue subclass that re-implements task_done() to keep statistics, and forgets to wake join().

Its task_done() checks and lowers the unfinished count as asyncio's does, but never sets the
"finished" event: the count reaches zero and the waiting `queue.join()` is never woken:
join-late/not-woken.
"""

import asyncio

JOBS = 3


class StatsQueue(asyncio.Queue):
    acknowledged = 0

    def task_done(self) -> None:
        if self._unfinished_tasks <= 0:
            raise ValueError("task_done() called too many times")
        self._unfinished_tasks -= 1
        self.acknowledged += 1
        # BUG: asyncio's task_done() also does this, which wakes join():
        #     if self._unfinished_tasks == 0:
        #         self._finished.set()


async def worker(queue: asyncio.Queue) -> None:
    while True:
        await queue.get()
        try:
            await asyncio.sleep(0.01)
        finally:
            queue.task_done()


async def main() -> int:
    queue = StatsQueue()
    consumer = asyncio.create_task(worker(queue))
    for job in range(JOBS):
        await queue.put(job)
    await queue.join()
    consumer.cancel()
    return queue.acknowledged
