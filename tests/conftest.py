import os

# Notebooks plot; tests have no display.
os.environ.setdefault("MPLBACKEND", "Agg")

# The suite runs two workers on a two-core machine, and each worker starts nbgrader kernels: one compute thread per
# process avoids oversubscription (torch, TensorFlow and OpenMP threads spinning against each other cost more CPU
# than they save). Set before any framework is imported; kernels inherit it through nbgrader's environment.
for _variable in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS", "TF_NUM_INTRAOP_THREADS",
                  "TF_NUM_INTEROP_THREADS"):
    os.environ.setdefault(_variable, "1")


def pytest_collection_modifyitems(items):
    """Tests that drive nbgrader first: they are the longest single tests, and xdist hands work out in this order
    (after the multi-test groups), so starting them early keeps both workers busy until the end."""
    items.sort(key=lambda item: item.get_closest_marker("nbgrader") is None)
