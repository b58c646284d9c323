"""No bug: a Queue subclass whose qsize() also counts the jobs in progress, for a dashboard.

Its storage holds what it should; chaosq must judge the storage, not the program's own notion of
size, or it reports items that are not there.
"""

import asyncio

JOBS = 3


class BacklogQueue(asyncio.Queue):
    in_progress = 0

    def qsize(self) -> int:
        return super().qsize() + self.in_progress


async def worker(queue: BacklogQueue, done: list) -> None:
    while True:
        job = await queue.get()
        queue.in_progress += 1
        try:
            await asyncio.sleep(0.01)
            done.append(job)
        finally:
            queue.task_done()
            # BacklogQueue leaves in_progress counting up: only its dashboard reads it.


async def main() -> list:
    queue = BacklogQueue()
    done = []
    consumer = asyncio.create_task(worker(queue, done))
    for job in range(JOBS):
        queue.put_nowait(job)
    while len(done) < JOBS:  # no join(): the oracles judge what is left at the end
        await asyncio.sleep(0.1)
    consumer.cancel()
    return done
