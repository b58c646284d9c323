"""A program whose main() reads the workers' results with a key that one of them never set.

Every job is processed and acknowledged, and `queue.join()` returns, but main() then raises
KeyError on the result of the job that failed: task-error/consumer-raised (an exception no
fault injected, ending the program).
"""

import asyncio

JOBS = ["alpha", "beta", "", "delta"]


async def worker(queue: asyncio.Queue, lengths: dict) -> None:
    while True:
        name = await queue.get()
        try:
            await asyncio.sleep(0.01)
            if name:  # an empty name is skipped...
                lengths[name] = len(name)
        finally:
            queue.task_done()


async def main() -> int:
    queue = asyncio.Queue()
    lengths = {}
    workers = [asyncio.create_task(worker(queue, lengths)) for _ in range(2)]
    for name in JOBS:
        queue.put_nowait(name)
    await queue.join()
    for task in workers:
        task.cancel()
    return sum(lengths[name] for name in JOBS)  # BUG: ...and has no entry here: KeyError
