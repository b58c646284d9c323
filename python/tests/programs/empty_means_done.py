"""A Queue subclass that wakes join() as soon as nothing is left to hand out.

Its task_done() also sets the "finished" event when the queue is empty, confusing "no item left
to take" with "no item left unfinished": `join()` returns while other workers still process
the items they took, and the unfinished count never reached zero: join-early/no-zero.
"""

import asyncio

JOBS = 4
WORKERS = 2


class DrainQueue(asyncio.Queue):
    def task_done(self) -> None:
        super().task_done()
        if self.empty():
            self._finished.set()  # BUG: taken items may still be in progress


async def worker(queue: asyncio.Queue, results: list, pause: float) -> None:
    while True:
        job = await queue.get()
        try:
            await asyncio.sleep(pause)
            results.append(job)
        finally:
            queue.task_done()


async def main() -> list:
    queue = DrainQueue()
    for job in range(JOBS):
        queue.put_nowait(job)
    results = []
    workers = [asyncio.create_task(worker(queue, results, 0.01 * (n + 1)))
               for n in range(WORKERS)]
    await queue.join()
    for task in workers:
        task.cancel()
    return results
