import os

# Notebooks plot; tests have no display.
os.environ.setdefault("MPLBACKEND", "Agg")


def pytest_collection_modifyitems(items):
    """The VM test first, then the tests that drive nbgrader: they are the longest single tests, and xdist hands work
    out in this order, so starting them early keeps both workers busy until the end."""
    items.sort(key=lambda item: (item.get_closest_marker("vm") is None, item.get_closest_marker("nbgrader") is None))
