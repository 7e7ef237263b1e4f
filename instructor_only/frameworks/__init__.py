"""Adapters that let one hidden check talk to either framework.

Each adapter module (`<framework>_<topic>`) exposes the same small set of functions for its framework. The kernel
side imports one when a check names it; the trusted side reads them as outlines (`instructor_only/checks/outline.py`)
and imports none, so a torch-track check never pays for importing TensorFlow, and the grading worker for neither.
"""
from __future__ import annotations

FRAMEWORKS = ("torch", "tensorflow")


def module_name(framework: str, topic: str = "adapter") -> str:
    """The adapter module `<framework>_<topic>` (topic "adapter": tensors and layers; "batchnorm": the BN lab)."""
    if framework not in FRAMEWORKS:
        raise ValueError(f"unknown framework {framework!r}; expected one of {FRAMEWORKS}")
    return f"instructor_only.frameworks.{framework}_{topic}"
