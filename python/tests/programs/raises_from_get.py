"""A queue that refuses to hand out work while "paused", by raising out of get().

The override breaks asyncio.Queue's contract: get() raises only QueueShutDown (once shut down),
and a consumer written against that contract dies on the unexpected RuntimeError with nothing in
hand; the jobs left queued hang join(). chaosq reports the call that raised, not the hang it
leads to: task-error/queue-raised.
"""

import asyncio


class PausableQueue(asyncio.Queue):
    def __init__(self):
        super().__init__()
        self.paused = False

    async def get(self):
        if self.paused:
            raise RuntimeError("queue is paused")
        return await super().get()


async def main() -> None:
    queue = PausableQueue()
    for job in range(3):
        queue.put_nowait(job)

    async def worker() -> None:
        while True:
            await queue.get()
            await asyncio.sleep(0.1)
            queue.task_done()

    workers = [asyncio.create_task(worker()) for _ in range(2)]
    await asyncio.sleep(0.15)
    queue.paused = True  # a maintenance window opens
    await asyncio.sleep(0.1)
    queue.paused = False
    await queue.join()
    for task in workers:
        task.cancel()
