"""Small asyncio programs, each with one planted bug of the kind real code has (and a few fixed
variants, *_fixed.py, and programs without a bug), run by tests/test_verdicts.py under
`python3 -m chaosq explore` to show that every verdict kind a real asyncio.Queue program can
earn is reachable from Python.

Each module's `main()` is the program: an `async def` of no arguments, as chaosq runs it.
"""
