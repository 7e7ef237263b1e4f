"""Adapters that let one hidden check talk to either framework.

Each adapter module exposes the same small set of functions; `load(name)` returns the module. They are imported
lazily so a torch-track check never pays for importing TensorFlow, and vice versa.
"""
from __future__ import annotations

import importlib
from types import ModuleType

FRAMEWORKS = ("torch", "tensorflow")


def load(framework: str, topic: str = "adapter") -> ModuleType:
    """The adapter module `<framework>_<topic>` (topic "adapter": tensors and layers; "batchnorm": the BN lab)."""
    if framework not in FRAMEWORKS:
        raise ValueError(f"unknown framework {framework!r}; expected one of {FRAMEWORKS}")
    return importlib.import_module(f"instructor_only.frameworks.{framework}_{topic}")
