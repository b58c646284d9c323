"""A pytest plugin: an ``async def`` test marked ``@pytest.mark.chaosq(...)`` is explored by chaosq.

Load it with ``pytest -p chaosq.pytest_plugin`` or ``pytest_plugins = ["chaosq.pytest_plugin"]``
in a conftest.py. The marker takes `chaosq.explore`'s keywords (schedules, seed, crash_budget,
...); the test fails with the minimal trace, its token and the command that replays it.
``--chaosq-schedules N`` and ``--chaosq-seed N`` override every marked test's own, so that CI
can explore longer, or elsewhere, without editing the tests. Unmarked tests are left to pytest.
"""

import inspect

import pytest

from chaosq import _testing
from chaosq._errors import UsageError

# Command-line overrides: the pytest option's destination, and the keyword it sets.
_OVERRIDES = {"chaosq_schedules": "schedules", "chaosq_seed": "seed"}


def pytest_addoption(parser):
    group = parser.getgroup("chaosq", "chaosq explorations (tests marked @pytest.mark.chaosq)")
    group.addoption("--chaosq-schedules", type=int, metavar="N", dest="chaosq_schedules",
                    help="schedules each marked test explores, whatever its marker says")
    group.addoption("--chaosq-seed", type=int, metavar="N", dest="chaosq_seed",
                    help="the seed of each marked test's exploration, whatever its marker says")


def pytest_configure(config):
    config.addinivalue_line(
        "markers", "chaosq(**options): explore this async def test under chaosq, with "
                   "chaosq.explore's keywords (schedules, seed, crash_budget, ...)")


@pytest.hookimpl(tryfirst=True)
def pytest_pyfunc_call(pyfuncitem):
    """Runs a marked ``async def`` test as an exploration; returns None (pytest's own call)
    for every other test."""
    marker = pyfuncitem.get_closest_marker("chaosq")
    if marker is None:
        return None
    if not inspect.iscoroutinefunction(pyfuncitem.obj):
        pytest.fail("@pytest.mark.chaosq marks an 'async def' test", pytrace=False)
    if marker.args:
        pytest.fail("@pytest.mark.chaosq takes keywords only (chaosq.explore's)", pytrace=False)
    options = dict(marker.kwargs)
    for dest, keyword in _OVERRIDES.items():
        value = pyfuncitem.config.getoption(dest)
        if value is not None:
            options[keyword] = value
    try:
        result = _testing.explore(pyfuncitem.obj, **options)
    except (TypeError, UsageError) as error:  # the marker's keywords or values: say which
        raise pytest.fail.Exception(f"@pytest.mark.chaosq: {error}", pytrace=False) from None
    if not result.passed:
        pytest.fail(result.failure, pytrace=False)
    return True
