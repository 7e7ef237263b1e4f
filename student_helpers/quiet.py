"""Keep a framework's start-up log lines out of the notebook."""
from __future__ import annotations

import contextlib
import os
import sys


@contextlib.contextmanager
def startup_messages_hidden():
    """While the block runs, what C/C++ code writes to standard error (file descriptor 2) goes nowhere.

    TensorFlow's C++ libraries print log lines as they load ("oneDNN custom operations are on ..."), and Jupyter
    shows whatever reaches file descriptor 2 in the cell. Wrap only the import: messages written later still reach
    you, and Python's own warnings and errors are not affected.
    """
    sys.stderr.flush()
    saved = os.dup(2)
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, 2)
        yield
    finally:
        sys.stderr.flush()
        os.dup2(saved, 2)
        os.close(saved)
        os.close(devnull)
