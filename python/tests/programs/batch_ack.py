"""A Queue subclass with a batch acknowledgement that does not check for underflow, and a consumer
that always acknowledges a full batch.

`task_done_many(n)` lowers the unfinished count by n at once, without asyncio's check that n
items are unfinished. The consumer acknowledges BATCH items per batch, even when fewer arrived
in time: the count goes below zero unseen, until the consumer's plain `task_done()` for the stop
signal finds it negative (and raises ValueError): over-ack/negative-count.
"""

import asyncio

JOBS = 3
BATCH = 2
STOP = None


class BatchQueue(asyncio.Queue):
    def task_done_many(self, n: int) -> None:
        """Acknowledges n items in one call."""
        self._unfinished_tasks -= n  # BUG: unlike task_done(), no check that n are unfinished
        if self._unfinished_tasks <= 0:
            self._finished.set()


async def batcher(queue: BatchQueue, done: list) -> None:
    while True:
        batch = [await queue.get()]
        while len(batch) < BATCH and not queue.empty():
            batch.append(queue.get_nowait())
        if STOP in batch:
            queue.task_done_many(len(batch) - 1)
            queue.task_done()  # the stop signal's
            return
        await asyncio.sleep(0.01)  # one request for the whole batch
        done.extend(batch)
        queue.task_done_many(BATCH)  # BUG: a batch may be short: len(batch)


async def main() -> list:
    queue = BatchQueue()
    done = []
    consumer = asyncio.create_task(batcher(queue, done))
    for job in range(JOBS):
        await asyncio.sleep(0.05)  # jobs arrive one at a time: every batch is short
        queue.put_nowait(job)
    queue.put_nowait(STOP)
    await consumer
    return done
