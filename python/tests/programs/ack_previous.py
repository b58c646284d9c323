"""A worker that acknowledges the previous job when it asks for the next one.

The first `task_done()` of each worker acknowledges nothing it took: with the jobs already
queued it is accepted, lowering the count for a job nobody has finished. The count reaches zero
with jobs still queued or in progress, and `queue.join()` returns early: join-early/unacked.
ack_previous_started_first.py starts the workers before the jobs exist.
"""

import asyncio

JOBS = 4
WORKERS = 2


async def worker(queue: asyncio.Queue, results: list) -> None:
    while True:
        queue.task_done()  # BUG: "done with the previous job", also before the first one
        job = await queue.get()
        await asyncio.sleep(0.01)
        results.append(job)


async def main() -> list:
    queue = asyncio.Queue()
    for job in range(JOBS):
        queue.put_nowait(job)
    results = []
    workers = [asyncio.create_task(worker(queue, results)) for _ in range(WORKERS)]
    await queue.join()
    for task in workers:
        task.cancel()
    return results
