"""A bounded Queue subclass whose full() has an off-by-one.

`full()` is what both put() and put_nowait() ask before storing an item; this one answers
"full" only past maxsize, so the queue holds maxsize + 1 items and the memory bound it was made
for does not hold: capacity/over-maxsize.
"""

import asyncio

ITEMS = 6
MAXSIZE = 2


class BoundedQueue(asyncio.Queue):
    def full(self) -> bool:
        return self.maxsize > 0 and self.qsize() > self.maxsize  # BUG: should be >=


async def consume(queue: asyncio.Queue, seen: list) -> None:
    for _ in range(ITEMS):
        seen.append(await queue.get())
        await asyncio.sleep(0.01)
        queue.task_done()


async def main() -> list:
    queue = BoundedQueue(maxsize=MAXSIZE)
    seen = []
    consumer = asyncio.create_task(consume(queue, seen))
    for item in range(ITEMS):
        await queue.put(item)
    await queue.join()
    await consumer
    return seen
