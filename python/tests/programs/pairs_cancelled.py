"""A worker that assembles messages from two parts, holding the header while it waits for the body.

It acknowledges both parts only after handling the message, outside any `finally`: cancelled
while it waits in `get()` for a body (a shutdown, a timeout, chaosq's drawn cancellation), it
ends holding the header unacknowledged, and `queue.join()` never returns:
join-hang/held-by-cancelled.
"""

import asyncio

MESSAGES = 3


async def assembler(queue: asyncio.Queue, handled: list) -> None:
    while True:
        header = await queue.get()
        body = await queue.get()  # BUG: `header` is held, unacknowledged, while this waits
        await asyncio.sleep(0.01)  # handle the message
        handled.append((header, body))
        queue.task_done()
        queue.task_done()


async def receive(queue: asyncio.Queue) -> None:
    for message in range(MESSAGES):
        await queue.put(("header", message))
        await asyncio.sleep(0.1)  # the body arrives a little later
        await queue.put(("body", message))


async def main() -> list:
    queue = asyncio.Queue()
    handled = []
    worker = asyncio.create_task(assembler(queue, handled))
    await receive(queue)
    await queue.join()
    worker.cancel()
    return handled
