"""The evaluator of the method rules: what each expression of the notebook may be (`source_values.py`), from its
source (`source_model.py`), and what code it makes run.

While evaluating, it records per node: `deps`, code that then runs or is bound (a module binding, the body of a
notebook function, code given as a string), and `facts`: "unreadable" (a reflective access it cannot resolve) and
"attribute" (an attribute read from an object it cannot identify, which a rule may forbid by name). Code that the
grader cannot read and that may run or rebind names anywhere is collected in `opaque`.
"""
from __future__ import annotations

import ast
import builtins

from instructor_only.checks.source_calls import CallValues
from instructor_only.checks.source_model import COMPREHENSIONS, END, Binding, Notebook, Scope, is_namespace_call
from instructor_only.checks.source_values import (MAX_CONST_CHARS, MAX_VALUES, UNKNOWN, Const, Definition, Helper,
                                                  Instance, Items, Namespace, Qual, Seq, lookup_position, qual,
                                                  strings, text_of)

IPYTHON_NAMES = {"In", "Out", "_ih", "_oh", "_dh", "_", "__", "___", "_i", "_ii", "_iii", "exit", "quit", "display",
                 "__doc__", "__spec__", "__loader__", "__package__"}
STRING_METHODS = {"join", "format", "replace", "lower", "upper", "strip", "lstrip", "rstrip", "title", "capitalize",
                  "casefold", "swapcase", "removeprefix", "removesuffix", "__add__"}
# Attributes through which an object reaches names the grader cannot follow.
NAMESPACE_WRITES = {"update", "__setitem__", "setdefault", "pop", "popitem", "clear", "__delitem__"}
# Attributes that reach classes and code by walking the type system, whatever they are read on.
REFLECTION = {"__subclasses__", "__mro__", "__bases__", "__base__", "mro"}
ESCAPES = {"__globals__", "__builtins__", "__subclasses__", "__dict__", "f_globals", "f_locals", "f_back",
           "f_builtins", "tb_frame", "gi_frame", "cr_frame", "ag_frame", "__closure__"}


class Evaluator(CallValues):
    """Values of the notebook's expressions. `late_opaque`: global names a function body must not be followed
    into (the checks put their own correct version in their place in the kernel)."""

    def __init__(self, notebook: Notebook, late_opaque: frozenset[str] = frozenset()):
        self.notebook, self.late_opaque = notebook, late_opaque
        self.facts: dict[int, list[tuple[str, str]]] = {}
        self.opaque: list[tuple[ast.AST, str]] = []
        self.deps: dict[int, list[tuple[ast.AST, Scope]]] = {}
        self._memo: dict[int, frozenset] = {}
        self._binding_memo: dict[int, frozenset] = {}
        self._busy: set[int] = set()

    # --- bookkeeping ---------------------------------------------------------------------------------------------

    def fact(self, node: ast.AST, kind: str, text: str) -> None:
        if kind == "opaque":  # (reported wherever it is: the rules' scan may not visit this node)
            self.opaque.append((node, text))
            return
        facts = self.facts.setdefault(id(node), [])
        if (kind, text) not in facts:
            facts.append((kind, text))

    def dep(self, node: ast.AST, region: tuple[ast.AST, Scope] | None) -> None:
        if region is not None and region[0] is not None:
            self.deps.setdefault(id(node), []).append(region)

    def value(self, node: ast.AST | None, scope: Scope) -> frozenset:
        if node is None:
            return frozenset({UNKNOWN})
        key = id(node)
        if key in self._memo:
            return self._memo[key]
        if key in self._busy:  # a cycle (`a = b`, `b = a`): it adds nothing new
            return frozenset()
        self._busy.add(key)
        try:
            result = self._compute(node, scope)
        finally:
            self._busy.discard(key)
        if len(result) > MAX_VALUES:
            result = frozenset({v for v in result if not isinstance(v, (Const, Seq, Items))} | {UNKNOWN})
        self._memo[key] = result
        return result

    # --- expressions ---------------------------------------------------------------------------------------------

    def _compute(self, node: ast.AST, scope: Scope) -> frozenset:
        value = self.value
        if isinstance(node, ast.Constant):
            small = not isinstance(node.value, (str, bytes)) or len(node.value) <= MAX_CONST_CHARS
            return frozenset({Const(node.value) if small else UNKNOWN})
        if isinstance(node, ast.JoinedStr):
            return self._fstring(node, scope)
        if isinstance(node, ast.Name):
            return self._name(node, scope)
        if isinstance(node, ast.Attribute):
            return frozenset().union(*(self.attribute(b, node.attr, node, scope) for b in value(node.value, scope)))
        if isinstance(node, ast.Subscript):
            return self._subscript(value(node.value, scope), value(node.slice, scope), node, scope)
        if isinstance(node, ast.Call):
            return self._call(node, scope)
        if isinstance(node, ast.BinOp):
            return self._binop(node, scope)
        if isinstance(node, ast.BoolOp):
            return frozenset().union(*(value(v, scope) for v in node.values))
        if isinstance(node, ast.IfExp):
            return value(node.body, scope) | value(node.orelse, scope)
        if isinstance(node, (ast.List, ast.Tuple)):
            if any(isinstance(e, ast.Starred) for e in node.elts):
                return frozenset({Items(frozenset().union(*(self.elements(value(e, scope)) for e in node.elts)))})
            return frozenset({Seq(tuple(value(e, scope) for e in node.elts))})
        if isinstance(node, (ast.Set, ast.Dict)):
            parts = node.elts if isinstance(node, ast.Set) else node.values
            return frozenset({Items(frozenset().union(*(value(e, scope) for e in parts)))})
        if isinstance(node, (ast.NamedExpr, ast.Starred, ast.Await)):
            return value(node.value, scope)
        if isinstance(node, ast.Lambda):
            return frozenset({Definition(node, scope)})
        if isinstance(node, COMPREHENSIONS):
            inner = self.notebook.scope_of(node, scope)
            result = node.value if isinstance(node, ast.DictComp) else node.elt
            return frozenset({Items(value(result, inner))})
        if isinstance(node, ast.Expression):
            return value(node.body, scope)
        return frozenset({UNKNOWN})

    def _name(self, node: ast.Name, scope: Scope) -> frozenset:
        name, current, first = node.id, scope, True
        while current.kind != "module":
            if name in current.declared_global:
                break
            if current.kind == "class" and not first:  # a class body's names are not visible in its methods
                current = current.parent
                continue
            if name in current.bindings and name not in current.declared_nonlocal:
                values = set()
                for binding in current.bindings[name]:
                    self.dep(node, self.region(binding))
                    values |= self.binding_value(binding, current)
                return frozenset(values)
            first, current = False, current.parent
        return self.module_name(name, node, scope)

    def module_name(self, name: str, node: ast.AST, scope: Scope) -> frozenset:
        if scope.late and name in self.late_opaque:
            return frozenset({UNKNOWN})
        bindings = self.notebook.module_bindings(name, END if scope.late else lookup_position(node))
        values = set()
        for binding in bindings:
            self.dep(node, self.region(binding))
            values |= self.binding_value(binding, self.notebook.module)
        if all(b.conditional for b in bindings):
            values |= self._unbound(name, node, quiet=bool(bindings))
        return frozenset(values)

    def _unbound(self, name: str, node: ast.AST, quiet: bool) -> set:
        if name == "get_ipython":
            return {Helper("get_ipython")}
        if name == "__name__":
            return {Const("__main__")}
        if name == "__builtins__":
            return {Qual("builtins")}
        if name in IPYTHON_NAMES or name.startswith("_i") and name[2:].isdigit() or name[1:].isdigit() and name[0] == "_":
            return {UNKNOWN}
        if hasattr(builtins, name):
            return {Qual(f"builtins.{name}")}
        if self.notebook.star_imports:
            return {Qual(f"{module}.{name}") for module in self.notebook.star_imports}
        if not quiet:
            self.fact(node, "unreadable", f"uses `{name}`, which no cell the grader can read defines")
        return {UNKNOWN}

    def region(self, binding: Binding) -> tuple[ast.AST, Scope] | None:
        """The code that runs when `binding` binds (what a rule must read if the name is used)."""
        if binding.kind == "param":
            return (binding.value, binding.scope) if binding.value is not None else None
        return binding.node, binding.scope

    def binding_value(self, binding: Binding, home: Scope) -> frozenset:
        key = id(binding)
        if key not in self._binding_memo:
            self._binding_memo[key] = frozenset()  # (while being computed: a cycle adds nothing)
            self._binding_memo[key] = self._binding_value(binding, home)
        return self._binding_memo[key]

    def _binding_value(self, binding: Binding, home: Scope) -> frozenset:
        kind, scope = binding.kind, binding.scope
        if kind == "import":
            return frozenset({qual(binding.qual) if binding.qual else UNKNOWN})
        if kind == "def":
            return frozenset({Definition(binding.node, scope)})
        if kind == "param":
            owner = home.node
            if (isinstance(owner, (ast.FunctionDef, ast.AsyncFunctionDef)) and home.parent.kind == "class"
                    and [*owner.args.posonlyargs, *owner.args.args][:1] == [binding.node]):
                decorators = {text_of(d) for d in owner.decorator_list}
                if "staticmethod" not in decorators:
                    cls = (home.parent.node, home.parent.parent)
                    return frozenset({Definition(*cls) if "classmethod" in decorators else Instance(*cls)})
            default = self.value(binding.value, scope) if binding.value is not None else frozenset()
            return default | {UNKNOWN}
        if kind == "iter":
            return self._destructure(binding.target, None, binding.name, scope, self.elements(self.value(binding.value, scope)))
        if kind == "assign":
            extra = {UNKNOWN} if isinstance(binding.node, ast.AugAssign) else set()
            return self._destructure(binding.target, binding.value, binding.name, scope) | extra
        return frozenset({UNKNOWN})

    def _destructure(self, target, value_node, name: str, scope: Scope, values: frozenset | None = None) -> frozenset:
        """What `name` gets when `target = value` runs (or target takes each of `values`)."""
        if values is None:
            if (isinstance(target, (ast.Tuple, ast.List)) and isinstance(value_node, (ast.Tuple, ast.List))
                    and len(target.elts) == len(value_node.elts)
                    and not any(isinstance(e, ast.Starred) for e in [*target.elts, *value_node.elts])):
                for element, element_value in zip(target.elts, value_node.elts):
                    if any(isinstance(n, ast.Name) and n.id == name for n in ast.walk(element)):
                        return self._destructure(element, element_value, name, scope)
            values = self.value(value_node, scope)
        if target is None or isinstance(target, ast.Name):
            return values
        return self.elements(values) | self.elements(self.elements(values)) | {UNKNOWN}

    def elements(self, values: frozenset) -> frozenset:
        out = set()
        for v in values:
            if isinstance(v, Seq):
                out.update(*v.elements)
            elif isinstance(v, Items):
                out.update(v.values)
            else:
                out.add(UNKNOWN)
        return frozenset(out)

    # --- attributes and subscripts -------------------------------------------------------------------------------

    def attribute(self, base, name: str, node: ast.AST, scope: Scope | None = None) -> frozenset:
        if name in REFLECTION:  # on anything, a module or a built-in type too (`object.__subclasses__()`)
            self.fact(node, "unreadable", f"uses `{text_of(node)}`, which the grader cannot follow")
            return frozenset({UNKNOWN})
        if base == Qual("__main__"):  # the notebook itself (sys.modules["__main__"], import __main__)
            if name == "__dict__":
                return frozenset({Namespace("globals")})
            return self.module_name(name, node, scope or self.notebook.scope_at(node))
        if isinstance(base, Qual):
            return frozenset({Namespace(base.path) if name == "__dict__" else qual(f"{base.path}.{name}")})
        if isinstance(base, Namespace):
            if name in ("get", "__getitem__"):
                return frozenset({Helper("namespace_get", (base,))})
            if name == "__contains__":
                return frozenset({UNKNOWN})
            call = getattr(node, "_parent", None)
            if not (name == "update" and isinstance(call, ast.Call) and call.func is node
                    and is_namespace_call(node.value)):  # (that one: Notebook._writes_from_elsewhere)
                kind = "opaque" if name in NAMESPACE_WRITES else "unreadable"
                self.fact(node, kind, f"uses {base} through .{name}, which the grader cannot follow")
            return frozenset({UNKNOWN})
        if isinstance(base, (Definition, Instance)):
            if isinstance(base.node, ast.ClassDef):
                return self.class_attribute(base, name, node)
            if name == "__globals__":
                return frozenset({Namespace("globals")})
            return frozenset({base}) if name in ("__wrapped__", "__func__", "__call__") else frozenset({UNKNOWN})
        if isinstance(base, Const) and isinstance(base.value, str) and name in STRING_METHODS:
            return frozenset({Helper("str", (base.value, name))})
        if isinstance(base, (Seq, Items)):
            return frozenset({base})  # its methods (get, values, pop, copy, ...) give back its elements
        if isinstance(base, Helper) and base.kind == "shell":
            return self._shell_attribute(name, node)
        if name in ESCAPES:
            self.fact(node, "unreadable", f"uses `{text_of(node)}`, which the grader cannot follow")
        self.fact(node, "attribute", name)
        return frozenset({UNKNOWN})

    def class_attribute(self, base: Definition | Instance, name: str, node: ast.AST, depth: int = 0) -> frozenset:
        """`name` looked up on a notebook class (or an instance): its body, `self.name = ...` in its methods, its
        notebook base classes; else an attribute of a class the grader cannot read."""
        scope = self.notebook.scope_of(base.node, base.scope)
        bindings = list(scope.bindings.get(name, []))
        if isinstance(base, Instance):
            bindings += scope.instance_attributes.get(name, [])
        values = set()
        for binding in bindings:
            self.dep(node, self.region(binding))
            values |= self.binding_value(binding, scope)
        if not bindings and depth < 20:
            for base_class in base.node.bases:
                for parent in self.value(base_class, base.scope):
                    if isinstance(parent, Definition) and isinstance(parent.node, ast.ClassDef):
                        cls = Instance if isinstance(base, Instance) else Definition
                        values |= self.class_attribute(cls(parent.node, parent.scope), name, node, depth + 1)
        if not values:
            self.fact(node, "attribute", name)
            values.add(UNKNOWN)
        return frozenset(values)

    def _subscript(self, bases: frozenset, keys: frozenset, node: ast.AST, scope: Scope) -> frozenset:
        names, out = strings(keys), set()
        for base in bases:
            if isinstance(base, Namespace):
                out |= self.namespace_item(base, names, node, scope)
            elif isinstance(base, Seq):
                indices = [k.value for k in keys if isinstance(k, Const) and type(k.value) is int]
                if len(indices) == len(keys) and all(-len(base.elements) <= i < len(base.elements) for i in indices):
                    out.update(*(base.elements[i] for i in indices))
                else:
                    out.update(*base.elements)
            elif isinstance(base, Items):
                out |= base.values
            elif isinstance(base, Qual) and names:
                out |= {qual(f"{base.path}.{n}") for n in names} | {UNKNOWN}
            else:
                for n in names or []:
                    self.fact(node, "attribute", n)
                out.add(UNKNOWN)
        return frozenset(out)

    def namespace_item(self, namespace: Namespace, names: list[str] | None, node: ast.AST, scope: Scope) -> frozenset:
        if names is None:
            self.fact(node, "unreadable", f"reads {namespace} with a key the grader cannot read")
            return frozenset({UNKNOWN})
        if namespace.of == "globals":
            return frozenset().union(*(self.module_name(n, node, scope) for n in names))
        if namespace.of == "sys.modules":
            return frozenset(qual(n) for n in names)
        return frozenset(qual(f"{namespace.of}.{n}") for n in names)

    # --- calls ---------------------------------------------------------------------------------------------------
