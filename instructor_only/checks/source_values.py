"""What an expression of the notebook may evaluate to, as the method rules read it (`source_evaluator.py` computes it,
`method_rules.py` decides with it).

A value is a set of possibilities: `Qual` (a name in an importable module, by its qualified name: `torch.nn.functional
.batch_norm`, however the notebook spelled it), `Const` (a constant; strings folded: `"batch" + "_norm"`, f-strings,
`"".join([...])`), `Seq`/`Items` (a container literal's elements), `Namespace` (`globals()`, `sys.modules`,
`vars(torch)`, `torch.__dict__`: read with constant keys), `Definition`/`Instance` (a function or class of the
notebook, or an instance of one), `Helper` (getattr-like callables, IPython's shell) or `UNKNOWN`.
"""
from __future__ import annotations

import ast
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from instructor_only.checks.source_model import Scope

MAX_VALUES = 64          # possibilities kept per expression (then: unknown, keeping names and definitions)
MAX_CONST_CHARS = 1_000  # of a folded string
END = float("inf")  # (source_model.END)


class _Unknown:
    def __repr__(self):
        return "UNKNOWN"


UNKNOWN = _Unknown()


@dataclass(frozen=True)
class Qual:
    path: str


@dataclass(frozen=True)
class Const:
    value: object


@dataclass(frozen=True)
class Seq:
    elements: tuple  # of frozensets


@dataclass(frozen=True)
class Items:
    values: frozenset


@dataclass(frozen=True)
class Namespace:
    of: str  # "globals", "sys.modules" or a qualified name

    def __str__(self):
        return {"globals": "globals()", "sys.modules": "sys.modules"}.get(self.of, f"vars({self.of})")


@dataclass(frozen=True)
class Definition:
    node: ast.AST   # FunctionDef, AsyncFunctionDef, Lambda or ClassDef
    scope: Scope    # where it is defined


@dataclass(frozen=True)
class Instance:
    node: ast.ClassDef
    scope: Scope


@dataclass(frozen=True)
class Helper:
    kind: str
    data: tuple = ()


GET_IPYTHON = {"IPython.get_ipython", "IPython.core.getipython.get_ipython"}  # the shell, as the notebook's get_ipython


def qual(path: str):
    if path in GET_IPYTHON:
        return Helper("get_ipython")
    return Namespace("sys.modules") if path == "sys.modules" else Qual(path)


def text_of(node: ast.AST, limit: int = 60) -> str:
    try:
        text = ast.unparse(node)
    except Exception:  # noqa: BLE001 -- (nested too deeply to print)
        text = type(node).__name__
    return text if len(text) <= limit else text[:limit - 3] + "..."


def strings(values: frozenset) -> list[str] | None:
    """The strings `values` may be, if it can only be constant strings."""
    if values and all(isinstance(v, Const) and isinstance(v.value, str) for v in values):
        return sorted(v.value for v in values)
    return None


def consts(results: set[str]) -> frozenset:
    return frozenset(Const(r) if len(r) <= MAX_CONST_CHARS else UNKNOWN for r in results)


def lookup_position(node: ast.AST) -> float:
    """When module-level code at `node` runs (see source_model's positions)."""
    while node is not None and not hasattr(node, "_lookup"):
        node = getattr(node, "_parent", None)
    return getattr(node, "_lookup", END)
