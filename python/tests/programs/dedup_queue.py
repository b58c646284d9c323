"""No bug: a Queue subclass that drops a job already waiting in the queue (`job in self._queue`).

Under chaosq the storage holds chaosq's tagged items: they must compare equal to the program's
own, or the duplicate is queued twice and the program behaves as it never does under asyncio.
"""

import asyncio


class DedupQueue(asyncio.Queue):
    def put_nowait(self, job) -> None:
        if job in self._queue:  # already waiting: once is enough
            return
        super().put_nowait(job)


async def worker(queue: asyncio.Queue, done: list) -> None:
    while True:
        job = await queue.get()
        try:
            await asyncio.sleep(0.01)
            done.append(job)
        finally:
            queue.task_done()


async def main() -> list:
    queue = DedupQueue()
    done = []
    consumer = asyncio.create_task(worker(queue, done))
    for job in ("a", "b", "a", "c", "b"):
        queue.put_nowait(job)
    await queue.join()
    consumer.cancel()
    if sorted(done) != ["a", "b", "c"]:
        raise AssertionError(f"duplicates were queued: {done}, queue {queue!r}")
    return done
