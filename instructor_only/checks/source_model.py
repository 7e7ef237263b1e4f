"""The notebook's code as the method rules read it (`method_rules.py`): its cells parsed, their scopes, and where each
name is bound. Standard library `ast` only: nothing here imports or runs the student's code or a framework.

Positions: module-level code runs in order, so a module-level expression sees the bindings made before it (the last
unconditional one and every conditional one after it); a function body runs later, when the checks call it, so it
sees the bindings as they stand after the last cell (`END`).
"""
from __future__ import annotations

import ast
from dataclasses import dataclass, field

MAX_SOURCE_CHARS = 500_000  # of all cells together: a lab notebook's code is ~25 KB
END = float("inf")
COMPREHENSIONS = (ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)
FUNCTIONS = (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)
SCOPES = (*FUNCTIONS, ast.ClassDef, *COMPREHENSIONS)
CONDITIONAL = (ast.If, ast.For, ast.AsyncFor, ast.While, ast.Try, ast.Match, *([ast.TryStar] if hasattr(ast, "TryStar") else []))
LOOPS = (ast.For, ast.AsyncFor, ast.While)
# Cell magics whose body is Python the kernel runs (IPython turns `%%time` into run_cell_magic('time', '', body)).
PYTHON_CELL_MAGICS = frozenset({"time", "timeit", "capture", "prun"})
PYTHON_LINE_MAGICS = frozenset({"time", "timeit", "prun", "lprun", "memit"})  # `%time x = f()`: the argument is Python
# Options of those that take a value (`%timeit -n 100 f()`, `%prun -s cumtime f()`, `%lprun -f f g()`).
MAGIC_OPTIONS_WITH_VALUE = frozenset({"-n", "-r", "-p", "-s", "-l", "-T", "-D", "-f", "-m", "-i"})


def without_magic_options(text: str) -> str:
    """A Python line magic's argument without its leading options: `-n 100 -r 3 f()` -> `f()`."""
    words = text.split(" ")
    while words and (not words[0] or words[0].startswith("-")):
        option = words.pop(0)
        if option in MAGIC_OPTIONS_WITH_VALUE and words:
            words.pop(0)
    return " ".join(words)


@dataclass(eq=False)
class Binding:
    """One place that binds `name`. kind: import (node: the alias; qual: the name imported), def (node: the def or
    class), assign (node: the statement, with target and value), iter (node and value: the iterable of a for loop or
    comprehension), param (node: the argument; value: its default), unknown (with ... as, except ... as, match)."""
    name: str
    kind: str
    node: ast.AST
    scope: "Scope"              # where `value` is evaluated
    value: ast.AST | None = None
    target: ast.AST | None = None
    position: float = END       # module bindings: when the binding happens
    conditional: bool = False   # module bindings: whether it may not happen
    qual: str = ""


@dataclass(eq=False)
class Scope:
    node: ast.AST | None        # None: the notebook's module scope
    parent: "Scope | None"
    kind: str                   # module, function, class, comprehension
    bindings: dict[str, list[Binding]] = field(default_factory=dict)
    declared_global: set[str] = field(default_factory=set)
    declared_nonlocal: set[str] = field(default_factory=set)
    instance_attributes: dict[str, list[Binding]] = field(default_factory=dict)  # class: `self.x = ...` in methods

    @property
    def late(self) -> bool:
        """Whether its code runs when called (in a function body), not where it is written."""
        return self.kind == "function" or (self.parent is not None and self.parent.late)

    def bind(self, binding: Binding) -> None:
        self.bindings.setdefault(binding.name, []).append(binding)


def annotate(tree: ast.AST, cell: int, owner: ast.AST | None = None, line: int = 0) -> ast.AST:
    """Mark every node with its parent and the node whose scope it runs in (`_owner`: a function, lambda, class or
    comprehension; None: the module), in one pass, and index on the root the nodes the rules scan in every cell.
    The root knows its cell (1-based) and, for code from a string (exec, a cell magic: `line` given), the line of
    the call that ran it."""
    tree._cell, tree._from_string, tree._line = cell, bool(line), line
    index = tree._index = {"calls": [], "attributes": [], "aliases": [], "stores": [], "globals": [], "writes": []}
    stack = [(tree, owner)]
    while stack:
        node, owner = stack.pop()
        node._owner = owner
        kind = type(node)
        if kind is ast.Call:
            index["calls"].append(node)
            if isinstance(node.func, ast.Attribute) and node.func.attr == "update" and is_namespace_call(node.func.value):
                index["writes"].append(node)
        elif kind is ast.Attribute or kind is ast.Subscript:
            index["stores" if type(node.ctx) is ast.Store else "attributes"].append(node)
        elif kind is ast.alias:
            index["aliases"].append(node)
        elif kind is ast.Global:
            index["globals"].append(node)
        elif kind is ast.Assign or kind is ast.AugAssign or kind is ast.AnnAssign:
            if any(isinstance(t, ast.Subscript) and is_namespace_call(t.value) for t, _ in _assignments(node)):
                index["writes"].append(node)
        for child, child_owner in children(node, owner):
            child._parent = node
            stack.append((child, child_owner))
    return tree


def children(node: ast.AST, owner: ast.AST | None):
    """(child, the node whose scope the child runs in): a def's decorators, defaults and annotations, a class's
    bases, a comprehension's first iterable run outside the scope the node opens."""
    if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
        args = node.args
        outside = [*getattr(node, "decorator_list", []), *args.defaults, *(d for d in args.kw_defaults if d),
                   *(a.annotation for a in [*args.posonlyargs, *args.args, *args.kwonlyargs] if a.annotation),
                   *([node.returns] if getattr(node, "returns", None) else [])]
        inside = [node.body] if isinstance(node, ast.Lambda) else node.body
        return [(c, owner) for c in outside] + [(c, node) for c in inside]
    if isinstance(node, ast.ClassDef):
        return ([(c, owner) for c in [*node.decorator_list, *node.bases, *node.keywords]]
                + [(c, node) for c in node.body])
    if isinstance(node, COMPREHENSIONS):
        first = node.generators[0].iter
        rest = [c for c in ast.iter_child_nodes(node) if c is not node.generators[0]]
        rest += [c for c in ast.iter_child_nodes(node.generators[0]) if c is not first]
        return [(first, owner)] + [(c, node) for c in rest]
    return [(c, owner) for c in ast.iter_child_nodes(node)]


def origin(node: ast.AST) -> tuple[int, int, bool]:
    """(cell, line, whether the code came from a string) of a node."""
    line = getattr(node, "lineno", 0)
    while not hasattr(node, "_cell") and getattr(node, "_parent", None) is not None:
        node = node._parent
    if getattr(node, "_from_string", False):
        return node._cell, node._line, True
    return getattr(node, "_cell", 0), line, False


def parse_cell(source: str) -> ast.Module | None:
    """The cell as Python; IPython syntax (magics, shell escapes) as IPython transforms it; None if neither parses
    (then the kernel could not run it either)."""
    try:
        return ast.parse(source)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        pass
    try:
        from IPython.core.inputtransformer2 import TransformerManager  # what the kernel does with the cell
        return ast.parse(TransformerManager().transform_cell(source))
    except Exception:  # noqa: BLE001 -- no IPython here, or still not Python: the cell did not run
        return None


_PARSED: dict[tuple[str, ...], ast.Module | None] = {}
PARSED_CELLS = 128  # kept: a notebook's checks read the same cells again, each up to its own test cell


def _parsed(cells: tuple[str, ...]) -> ast.Module | None:
    """The last of `cells`, parsed and annotated (cached by the cells up to it: its positions depend on them)."""
    if cells not in _PARSED:
        if len(_PARSED) >= PARSED_CELLS:
            del _PARSED[next(iter(_PARSED))]
        tree = parse_cell(cells[-1])
        _PARSED[cells] = annotate(tree, len(cells)) if tree is not None else None
    return _PARSED[cells]


def is_cell_magic(call: ast.Call) -> bool:
    func = call.func
    return (isinstance(func, ast.Attribute) and func.attr == "run_cell_magic" and isinstance(func.value, ast.Call)
            and isinstance(func.value.func, ast.Name) and func.value.func.id == "get_ipython")


def string_code(call: ast.Call, text: ast.AST | None, mode: str = "exec") -> ast.AST | None:
    """The code a constant string `text` (an argument of `call`: exec, eval, compile, a cell magic) holds."""
    if not (isinstance(text, ast.Constant) and isinstance(text.value, str)):
        return None
    parsed = call.__dict__.setdefault("_code", {})  # one tree per call: the bindings and the rules share it
    if mode not in parsed:
        source = text.value
        if isinstance(call.func, ast.Attribute) and call.func.attr == "run_line_magic":  # `%timeit -n 100 f()`
            source = without_magic_options(source)
        try:
            tree = ast.parse(source, mode=mode)
        except (SyntaxError, ValueError, RecursionError, MemoryError):
            tree = None
        if tree is not None:
            annotate(tree, origin(call)[0], call._owner, origin(call)[1] or 1)
            tree._parent = call
        parsed[mode] = tree
    return parsed[mode]


def statement_code(statement: ast.stmt) -> ast.Module | None:
    """The code a module-level statement runs from a constant string (`exec("...")`, a Python cell magic): its
    bindings are the notebook's."""
    if not (isinstance(statement, ast.Expr) and isinstance(statement.value, ast.Call)):
        return None
    call = statement.value
    if isinstance(call.func, ast.Name) and call.func.id == "exec" and len(call.args) == 1:
        return string_code(call, call.args[0])
    if (is_cell_magic(call) and len(call.args) == 3 and isinstance(call.args[0], ast.Constant)
            and call.args[0].value in PYTHON_CELL_MAGICS):
        return string_code(call, call.args[2])
    if (isinstance(call.func, ast.Attribute) and call.func.attr == "run_line_magic" and len(call.args) == 2
            and isinstance(call.args[0], ast.Constant) and call.args[0].value in PYTHON_LINE_MAGICS):
        return string_code(call, call.args[1])
    return None


class Notebook:
    """The code cells run so far, in order: their trees and the module scope's bindings."""

    def __init__(self, sources: list[str]):
        self.too_large = sum(len(s) for s in sources) > MAX_SOURCE_CHARS
        self._walrus_used = any(":=" in s for s in sources)  # (rare: skip looking for it)
        self.cells: list[ast.Module] = []
        for index in range(1, 0 if self.too_large else len(sources) + 1):
            tree = _parsed(tuple(sources[:index]))
            if tree is not None:
                self.cells.append(tree)
        self.module = Scope(None, None, "module")
        self.star_imports: list[str] = []
        self._scopes: dict[int, Scope] = {}
        self._position = 0
        for tree in self.cells:
            self._collect(tree.body, self.module, module_level=True, conditional=False)
        for tree in self.cells:
            self._writes_from_elsewhere(tree)

    def scope_of(self, node: ast.AST, parent: Scope) -> Scope:
        """The scope a function, lambda, class or comprehension opens (built once)."""
        if id(node) in self._scopes:
            return self._scopes[id(node)]
        kind = ("class" if isinstance(node, ast.ClassDef) else
                "comprehension" if isinstance(node, COMPREHENSIONS) else "function")
        scope = self._scopes[id(node)] = Scope(node, parent, kind)
        if isinstance(node, FUNCTIONS):
            self._parameters(node, scope, parent)
        if isinstance(node, ast.Lambda):
            self._walrus(node.body, scope, END, False)
        elif isinstance(node, COMPREHENSIONS):
            for generator in node.generators:
                for name in _stored_names(generator.target):
                    scope.bind(Binding(name.id, "iter", generator.iter, scope, generator.iter, generator.target))
        else:
            self._collect(node.body, scope, module_level=False, conditional=False)
        if isinstance(node, ast.ClassDef):
            self._instance_attributes(node, scope)
        return scope

    def scope_at(self, node: ast.AST) -> Scope:
        """The scope code at `node` runs in."""
        owner = getattr(node, "_owner", None)
        return self.module if owner is None else self.scope_of(owner, self.scope_at(owner))

    def module_bindings(self, name: str, position: float) -> list[Binding]:
        """The module bindings of `name` that may hold when code at `position` runs: the last unconditional one
        before it and every conditional one after that."""
        before = [b for b in self.module.bindings.get(name, []) if b.position < position]
        last = max((i for i, b in enumerate(before) if not b.conditional), default=None)
        return before if last is None else before[last:]

    # --- building ------------------------------------------------------------------------------------------------

    def _parameters(self, node, scope: Scope, parent: Scope) -> None:
        args = node.args
        positional = [*args.posonlyargs, *args.args]
        defaults = [None] * (len(positional) - len(args.defaults)) + list(args.defaults)
        pairs = [*zip(positional, defaults), *zip(args.kwonlyargs, args.kw_defaults)]
        pairs += [(a, None) for a in (args.vararg, args.kwarg) if a is not None]
        for arg, default in pairs:
            scope.bind(Binding(arg.arg, "param", arg, parent, default))

    def _instance_attributes(self, node: ast.ClassDef, scope: Scope) -> None:
        """`self.name = value` in the class's methods: what `self.name` may hold."""
        for method in node.body:
            if not isinstance(method, (ast.FunctionDef, ast.AsyncFunctionDef)) or not method.args.args:
                continue
            self_name = method.args.args[0].arg
            for statement in ast.walk(method):
                for target, value in _assignments(statement):
                    if (isinstance(target, ast.Attribute) and isinstance(target.value, ast.Name)
                            and target.value.id == self_name):
                        scope.instance_attributes.setdefault(target.attr, []).append(
                            Binding(target.attr, "assign", statement, self.scope_at(statement), value))

    def _collect(self, body: list[ast.stmt], scope: Scope, module_level: bool, conditional: bool) -> None:
        """Bind in `scope` the names `body` binds (nested functions and classes: their names only)."""
        for statement in body:
            position = float(self._position)
            if module_level:
                self._position += 1
                statement._position = statement._lookup = position

            def bind(name, kind, node, value=None, target=None, qual=""):
                scope.bind(Binding(name, kind, node, scope, value, target, position, conditional, qual))

            if isinstance(statement, ast.Global):
                scope.declared_global.update(statement.names)
            elif isinstance(statement, ast.Nonlocal):
                scope.declared_nonlocal.update(statement.names)
            elif isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                bind(statement.name, "def", statement)
            elif isinstance(statement, ast.Import):
                for alias in statement.names:
                    qual = alias.name if alias.asname else alias.name.split(".")[0]
                    bind(alias.asname or qual, "import", alias, qual=qual)
            elif isinstance(statement, ast.ImportFrom):
                base = "" if statement.level else (statement.module or "")
                for alias in statement.names:
                    if alias.name == "*":
                        if module_level and base:
                            self.star_imports.append(base)
                    else:
                        bind(alias.asname or alias.name, "import", alias, qual=f"{base}.{alias.name}" if base else "")
            elif isinstance(statement, (ast.For, ast.AsyncFor)):
                for name in _stored_names(statement.target):
                    bind(name.id, "iter", statement.iter, statement.iter, statement.target)
            elif isinstance(statement, (ast.With, ast.AsyncWith)):
                for item in statement.items:
                    for name in _stored_names(item.optional_vars):
                        bind(name.id, "unknown", item.context_expr)
            elif isinstance(statement, ast.Match):
                for case in statement.cases:
                    for node in ast.walk(case.pattern):
                        for name in (getattr(node, "name", None), getattr(node, "rest", None)):
                            if isinstance(name, str):
                                bind(name, "unknown", statement.subject)
            else:
                for target, value in _assignments(statement):
                    for name in _stored_names(target):
                        bind(name.id, "assign", statement, value, target)
            if isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                continue
            self._walrus(statement, scope, position, conditional)
            code = statement_code(statement) if module_level else None
            if code is not None:
                self._collect(code.body, scope, module_level, conditional)
            inner = conditional or isinstance(statement, CONDITIONAL)
            self._collect([*getattr(statement, "body", []), *getattr(statement, "orelse", []),
                           *getattr(statement, "finalbody", [])], scope, module_level, inner)
            for handler in [*getattr(statement, "handlers", []), *getattr(statement, "cases", [])]:
                if getattr(handler, "name", None):
                    bind(handler.name, "unknown", handler.type or handler)
                self._collect(handler.body, scope, module_level, inner)
            if module_level and isinstance(statement, LOOPS):
                # A loop's code may run again after its later statements: it sees everything bound up to its end.
                for node in ast.walk(statement):
                    if hasattr(node, "_lookup"):
                        node._lookup = float(self._position)

    def _walrus(self, node: ast.AST, scope: Scope, position: float, conditional: bool) -> None:
        """Walrus targets in a statement's own expressions (they bind in the enclosing function or module, even
        from a comprehension)."""
        if not self._walrus_used:
            return
        stack = list(ast.iter_child_nodes(node)) if isinstance(node, ast.stmt) else [node]
        while stack:
            current = stack.pop()
            if isinstance(current, (ast.stmt, *FUNCTIONS, ast.ClassDef, ast.ExceptHandler, ast.match_case)):
                continue
            if isinstance(current, ast.NamedExpr):
                scope.bind(Binding(current.target.id, "assign", current, scope, current.value, current.target,
                                   position, conditional))
            stack.extend(ast.iter_child_nodes(current))

    def _writes_from_elsewhere(self, tree: ast.Module) -> None:
        """Module bindings made from elsewhere, which may happen any time after the code that makes them has run:
        assignments to names a function declares `global`, and `globals()["name"] = value`,
        `globals().update(name=value)` anywhere."""
        for node in tree._index["globals"]:
            function = _enclosing_function(node)
            if function is None:
                continue
            for statement in ast.walk(function):
                if _enclosing_function(statement) is function:
                    for target, value in _assignments(statement):
                        for name in _stored_names(target):
                            if name.id in node.names:
                                self._bind_from_elsewhere(name.id, statement, value, target)
        for node in tree._index["writes"]:
            for target, value in _assignments(node):
                if (isinstance(target, ast.Subscript) and isinstance(target.slice, ast.Constant)
                        and isinstance(target.slice.value, str)):
                    self._bind_from_elsewhere(target.slice.value, node, value)
            if isinstance(node, ast.Call):
                for keyword in node.keywords:
                    if keyword.arg:
                        self._bind_from_elsewhere(keyword.arg, node, keyword.value)
                for arg in node.args:
                    for key, value in zip(getattr(arg, "keys", []), getattr(arg, "values", [])):
                        if isinstance(key, ast.Constant) and isinstance(key.value, str):
                            self._bind_from_elsewhere(key.value, node, value)

    def _bind_from_elsewhere(self, name: str, node: ast.AST, value: ast.AST | None, target: ast.AST | None = None):
        self.module.bind(Binding(name, "assign", node, self.scope_at(node), value, target, _top_position(node), True))


def _top_position(node: ast.AST) -> float:
    """The position of the module-level statement that holds `node` (a function's code: where it is defined)."""
    while node is not None and not hasattr(node, "_position"):
        node = getattr(node, "_parent", None)
    return getattr(node, "_position", 0.0)


def _assignments(statement: ast.AST) -> list[tuple[ast.AST, ast.AST | None]]:
    """(target, value) pairs of an assignment statement."""
    if isinstance(statement, ast.Assign):
        return [(t, statement.value) for t in statement.targets]
    if isinstance(statement, (ast.AugAssign, ast.AnnAssign)) and statement.value is not None:
        return [(statement.target, statement.value)]
    if isinstance(statement, ast.NamedExpr):
        return [(statement.target, statement.value)]
    return []


def _stored_names(target: ast.AST | None) -> list[ast.Name]:
    if isinstance(target, ast.Name):
        return [target]
    if isinstance(target, (ast.Tuple, ast.List)):
        return [n for element in target.elts for n in _stored_names(element)]
    if isinstance(target, ast.Starred):
        return _stored_names(target.value)
    return []


def _enclosing_function(node: ast.AST) -> ast.AST | None:
    node = getattr(node, "_parent", None)
    while node is not None and not isinstance(node, FUNCTIONS):
        node = getattr(node, "_parent", None)
    return node


def is_namespace_call(node: ast.AST) -> bool:
    return (isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and not node.args
            and node.func.id in ("globals", "vars", "locals"))
