import os

from tests import background_vm

# Notebooks plot; tests have no display.
os.environ.setdefault("MPLBACKEND", "Agg")


def pytest_collection_modifyitems(items):
    """The tests that drive nbgrader first (they are the longest single tests, and xdist hands work out in this order,
    so starting them early keeps both workers busy until the end), the VM's last: its VM boots in the background
    meanwhile (tests/background_vm.py)."""
    items.sort(key=lambda item: (item.get_closest_marker("vm") is not None,
                                 item.get_closest_marker("nbgrader") is None))


def pytest_collection_finish(session):
    background_vm.start(session)


def pytest_sessionfinish(session, exitstatus):
    background_vm.finish(exitstatus)
