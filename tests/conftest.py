import os

# Notebooks plot; tests have no display.
os.environ.setdefault("MPLBACKEND", "Agg")
