"""A Queue subclass with an express lane: put_urgent() moves the new event to the head of the line.

The queue carries the events of orders, which must be applied in the order they happened. An
urgent event jumps ahead of the events it refers to: the customer's "cancel" overtakes the
"create" and "pay" of the same order, finds no order to cancel, and the order ends up paid:
a FIFO queue handed out an event before older ones, order/fifo.
"""

import asyncio


class EventQueue(asyncio.Queue):
    def put_urgent(self, event) -> None:
        """Puts `event` at the head of the line."""
        self.put_nowait(event)
        self._queue.rotate(1)  # BUG: overtakes the events it may refer to


async def apply(queue: asyncio.Queue, orders: dict) -> None:
    while True:
        kind, order = await queue.get()
        try:
            await asyncio.sleep(0.01)
            if kind == "create":
                orders[order] = "open"
            elif order in orders:  # "pay" or "cancel" of an order that exists
                orders[order] = {"pay": "paid", "cancel": "cancelled"}[kind]
        finally:
            queue.task_done()


async def main() -> dict:
    queue = EventQueue()
    orders = {}
    consumer = asyncio.create_task(apply(queue, orders))
    queue.put_nowait(("create", 1))
    queue.put_nowait(("pay", 1))
    queue.put_urgent(("cancel", 1))  # the customer cancelled at once
    await queue.join()
    consumer.cancel()
    return orders  # {1: 'paid'}: the cancellation was applied before the order existed
