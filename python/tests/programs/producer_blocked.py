"""A pipeline whose consumer stops at the first sentinel, although two producers each send one.

The bounded queue fills behind the sentinel of the faster producer: the slower producer is left
blocked in `put()` forever, and `main`, gathering everyone, never finishes:
stranded/producer-in-put.
"""

import asyncio

ITEMS = 3
STOP = None


async def produce(queue: asyncio.Queue, name: str, pause: float) -> None:
    for n in range(ITEMS):
        await asyncio.sleep(pause)
        await queue.put(f"{name}-{n}")
    await queue.put(STOP)


async def consume(queue: asyncio.Queue, seen: list) -> None:
    while True:
        item = await queue.get()
        queue.task_done()
        if item is STOP:
            return  # BUG: one sentinel per producer is sent; the first one ends the consumer
        seen.append(item)


async def main() -> list:
    queue = asyncio.Queue(maxsize=2)
    seen = []
    await asyncio.gather(produce(queue, "fast", 0.01), produce(queue, "slow", 0.1),
                         consume(queue, seen))
    return seen
