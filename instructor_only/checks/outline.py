"""An adapter or parts module as the trusted side sees it without running it, so that it need not import torch or
TensorFlow for checks that only name the module's functions and classes.

Most checks use an adapter (`instructor_only.frameworks.*`) or parts module (`instructor_only.checks.parts.*`) in
two ways only: they read its constants (`layout`, `momentum`, `TRUSTED`, ...) and they name its functions and classes,
which run in the kernel (`wire` sends them by name; the kernel looks them up there). Neither needs the module's code
to run here. An `Outline` reads the module's source instead: constants that are literals (or tuples and dicts of
literals and the module's own names), and every top-level function and class as a name. Importing the module
would import its framework: ~4 CPU-s for TensorFlow, ~1.5 for torch, in every grading worker.

Anything else imports the module itself (`real`): a name the outline does not know, or a value that is not a
literal; and, when the link has no reference process (stock nbgrader, the fast path), a function the module lists in
`TRUSTED` or one asked for with `RemoteAdapter.here`. With classgrade those run in the reference process, sent by
name (classgrade/reference_link.py). Building one of the module's classes from its outline is an error, never a
silent stand-in.
"""
from __future__ import annotations

import ast
import functools
import importlib
import importlib.util
from pathlib import Path
from types import ModuleType


class OutlineOnly(TypeError):
    """A name of an outline was used as the object itself (called or instantiated) on the trusted side."""


class _Name:
    """A module's function, by name: what `wire` needs to send it to the kernel (callable, module, qualified name)."""

    def __init__(self, module: str, name: str):
        self.__module__, self.__qualname__, self.__name__ = module, name, name

    def __call__(self, *args, **kwargs):
        raise OutlineOnly(f"{self.__module__}.{self.__name__} is known here by name only; it runs in the kernel")

    def __repr__(self) -> str:
        return f"<{self.__module__}.{self.__name__} (by name)>"


def _class_name(module: str, name: str) -> type:
    """A module's class, by name: a class whose module and qualified name are the real one's."""
    def refuse(cls, *args, **kwargs):
        raise OutlineOnly(f"{module}.{name} is known here by name only; it is built in the kernel")
    return type(name, (), {"__module__": module, "__qualname__": name, "__new__": refuse})


class Outline:
    """The constants and names of module `module_name`, read from its source; other attributes import it."""

    def __init__(self, module_name: str):
        spec = importlib.util.find_spec(module_name)
        if spec is None or not spec.origin:
            raise ModuleNotFoundError(f"no module named {module_name!r}")
        self.__name__, self.__file__ = module_name, spec.origin
        self._values: dict[str, object] = {}
        tree = ast.parse(Path(spec.origin).read_text(), spec.origin)
        # The names the module defines at its top level; None if it may define others that its source does not show
        # plainly (a star import, or definitions inside top-level if/try/with/for blocks).
        self._defined: set[str] | None = {
            name for node in tree.body for name in _top_level_names(node)}
        if any(isinstance(node, (ast.If, ast.Try, ast.With, ast.For, ast.While)) for node in tree.body) or any(
                isinstance(node, ast.ImportFrom) and any(alias.name == "*" for alias in node.names) for node in tree.body):
            self._defined = None
        for node in tree.body:
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                self._values[node.name] = _Name(module_name, node.name)
            elif isinstance(node, ast.ClassDef):
                self._values[node.name] = _class_name(module_name, node.name)
            elif isinstance(node, (ast.Assign, ast.AnnAssign)) and node.value is not None:
                targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                for target in targets:
                    self._assign(target, node.value)

    def _assign(self, target: ast.expr, value: ast.expr) -> None:
        if isinstance(target, ast.Tuple) and isinstance(value, ast.Tuple) and len(target.elts) == len(value.elts):
            for one_target, one_value in zip(target.elts, value.elts):
                self._assign(one_target, one_value)
        elif isinstance(target, ast.Name):
            try:
                self._values[target.id] = self._evaluate(value)
            except ValueError:  # not a literal: whoever asks for it imports the module
                self._values.pop(target.id, None)

    def _evaluate(self, node: ast.expr):
        if isinstance(node, ast.Name):
            if node.id in self._values:
                return self._values[node.id]
            raise ValueError(node.id)
        if isinstance(node, (ast.Tuple, ast.List)):
            items = [self._evaluate(item) for item in node.elts]
            return tuple(items) if isinstance(node, ast.Tuple) else items
        if isinstance(node, ast.Dict) and None not in node.keys:
            return {self._evaluate(key): self._evaluate(value) for key, value in zip(node.keys, node.values)}
        return ast.literal_eval(node)  # raises ValueError for anything that is not a literal

    def __getattr__(self, name: str):
        if name.startswith("__"):
            raise AttributeError(name)
        try:
            return self._values[name]
        except KeyError:
            if self._defined is not None and name not in self._defined:
                raise AttributeError(f"module {self.__name__!r} has no attribute {name!r}") from None
            return getattr(self.real(), name)

    def real(self) -> ModuleType:
        """The module itself (imported now if it was not already)."""
        return importlib.import_module(self.__name__)

    def __repr__(self) -> str:
        return f"<outline of {self.__name__}>"


def _top_level_names(node: ast.stmt) -> list[str]:
    if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
        return [node.name]
    if isinstance(node, (ast.Import, ast.ImportFrom)):
        return [(alias.asname or alias.name).split(".")[0] for alias in node.names]
    if isinstance(node, (ast.Assign, ast.AnnAssign, ast.AugAssign)):
        targets = node.targets if isinstance(node, ast.Assign) else [node.target]
        return [n.id for target in targets for n in ast.walk(target) if isinstance(n, ast.Name)]
    return []


@functools.lru_cache(maxsize=None)
def outline(module_name: str) -> Outline:
    return Outline(module_name)


def real(module: Outline | ModuleType) -> ModuleType:
    return module.real() if isinstance(module, Outline) else module
