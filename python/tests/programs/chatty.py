"""A worker pool that prints as it works, as the asyncio documentation's example does: with
--json, what the program prints must not reach the report on standard output."""

import asyncio


async def main() -> None:
    queue = asyncio.Queue()
    for job in range(3):
        queue.put_nowait(job)

    async def worker(name: str) -> None:
        while True:
            job = await queue.get()
            try:
                await asyncio.sleep(0.1)
                print(f"{name} did job {job}")
            finally:
                queue.task_done()

    workers = [asyncio.create_task(worker(f"worker-{i}")) for i in range(2)]
    await queue.join()
    for task in workers:
        task.cancel()
