"""Calls, as the method rules' evaluator reads them (`source_evaluator.Evaluator` mixes this in): getattr-like
reflection with constant (or folded) names, imports by name, exec/eval/compile of constant strings, IPython's magics,
functools.partial, and the folding of constant strings.
"""
from __future__ import annotations

import ast
import string

from instructor_only.checks.source_model import PYTHON_CELL_MAGICS, PYTHON_LINE_MAGICS, Scope, string_code
from instructor_only.checks.source_values import (MAX_CONST_CHARS, UNKNOWN, Const, Definition, Helper, Instance, Items,
                                                  Namespace, Qual, Seq, consts, qual, strings, text_of)

SAFE_LINE_MAGICS = {"matplotlib", "pwd", "ls", "who", "whos", "who_ls", "precision", "pprint", "history", "xmode",
                    "lsmagic", "magic", "page", "pinfo", "pinfo2", "psearch", "colors", "config", "pdef", "pdoc",
                    "autoreload", "aimport", "load_ext autoreload", "env", "pip", "conda", "mamba", "cd", "pushd",
                    "popd", "dirs", "dhist", "bookmark", "store", "reset", "reset_selective", "pdb", "tb",
                    "automagic", "autocall", "autosave", "doctest_mode", "load_ext tensorboard",
                    "reload_ext autoreload", "debug", "load_ext line_profiler", "load_ext memory_profiler",
                    "load_ext watermark", "watermark", "tensorboard"}  # (load_ext: with its argument)
OTHER_CELL_MAGICS = {"writefile", "file", "bash", "sh", "script", "html", "HTML", "javascript", "js", "latex",
                     "markdown", "svg", "perl", "ruby", "sx", "system", "python", "python3"}  # not run by the kernel
SHELL_SAFE = {"system", "getoutput", "system_piped", "system_raw"}
PASS_THROUGH = {"functools.partial", "functools.partialmethod", "functools.cache", "functools.lru_cache",
                "functools.update_wrapper", "builtins.staticmethod", "builtins.classmethod", "builtins.property"}
CONTAINERS = {"builtins." + n for n in ("iter", "next", "list", "tuple", "reversed", "sorted", "set", "frozenset",
                                       "dict", "enumerate", "zip", "filter", "map")}


class CallValues:
    """The values of calls (needs the evaluator's `value`, `attribute`, `elements`, `fact`, `dep`, `namespace_item`)."""

    def _call(self, node: ast.Call, scope: Scope) -> frozenset:
        func = node.func
        if isinstance(func, ast.Attribute) and func.attr in ("__getattribute__", "__getattr__"):
            return self._dunder_getattr(node, scope, self.value(func.value, scope))
        out = set()
        for callee in self.value(func, scope):
            if isinstance(callee, Definition):
                out.add(Instance(callee.node, callee.scope) if isinstance(callee.node, ast.ClassDef) else UNKNOWN)
            elif isinstance(callee, Qual):
                out |= self._qual_call(callee.path, node, scope)
            elif isinstance(callee, Helper):
                out |= self._helper_call(callee, node, scope)
            elif isinstance(callee, (Seq, Items)):
                out.add(callee)
            else:
                out.add(UNKNOWN)
        return frozenset(out)

    def _dunder_getattr(self, node: ast.Call, scope: Scope, owners: frozenset) -> frozenset:
        """`obj.__getattribute__(name)`, or unbound: `type.__getattribute__(obj, name)`."""
        if len(node.args) == 2:
            return self._getattr(node, scope, self.value(node.args[0], scope), node.args[1:], [])
        return self._getattr(node, scope, owners, node.args[:1], [])

    def _getattr(self, node, scope, objects: frozenset, name_args: list, default_args: list) -> frozenset:
        names = strings(self.value(name_args[0], scope)) if name_args else None
        if names is None:
            self.fact(node, "unreadable", f"uses `{text_of(node)}`, a name the grader cannot read")
            return frozenset({UNKNOWN})
        out = set().union(*(self.value(d, scope) for d in default_args))
        for obj in objects:
            for name in names:
                out |= self.attribute(obj, name, node, scope)
        return frozenset(out)

    def _qual_call(self, path: str, node: ast.Call, scope: Scope) -> frozenset:
        args, value = node.args, self.value
        first = args[0] if args else None
        if path == "builtins.getattr":
            return self._getattr(node, scope, value(first, scope) if first else frozenset(), args[1:2], args[2:3])
        if path.endswith((".__getattribute__", ".__getattr__")):
            return self._dunder_getattr(node, scope, frozenset({qual(path.rsplit(".", 1)[0])}))
        if path in ("builtins.globals", "builtins.locals", "builtins.vars") and not args:
            return frozenset({UNKNOWN if scope.late and path != "builtins.globals" else Namespace("globals")})
        if path == "builtins.vars":
            out = set()
            for obj in value(first, scope):
                if isinstance(obj, Qual):
                    out.add(Namespace(obj.path))
                elif isinstance(obj, Definition) and not isinstance(obj.node, ast.ClassDef):
                    out.add(UNKNOWN)
                else:
                    if not isinstance(obj, (Definition, Instance)):
                        self.fact(node, "unreadable", f"uses `{text_of(node)}`, which the grader cannot follow")
                    out.add(UNKNOWN)
            return frozenset(out)
        if path in ("builtins.__import__", "importlib.__import__", "importlib.import_module"):
            names = strings(value(first, scope)) if first else None
            if names is None or any(n.startswith(".") for n in names):
                self.fact(node, "unreadable", f"uses `{text_of(node)}`, a module name the grader cannot read")
                return frozenset({UNKNOWN})
            fromlist = args[3] if len(args) > 3 else next((k.value for k in node.keywords if k.arg == "fromlist"), None)
            whole = path == "importlib.import_module" or (fromlist is not None and not (
                isinstance(fromlist, (ast.List, ast.Tuple)) and not fromlist.elts))
            return frozenset(qual(n if whole else n.split(".")[0]) for n in names)
        if path in ("builtins.exec", "builtins.eval", "builtins.compile"):
            return self._code_call(path.split(".")[1], node, scope)
        if path in PASS_THROUGH and first is not None:
            return value(first, scope)
        if path == "operator.attrgetter":
            names = [strings(value(a, scope)) for a in args]
            if not args or None in names:
                self.fact(node, "unreadable", f"uses `{text_of(node)}`, a name the grader cannot read")
                return frozenset({UNKNOWN})
            return frozenset({Helper("attrgetter", tuple(n for group in names for n in group))})
        if path == "operator.methodcaller":
            names = strings(value(first, scope)) if first else None
            if names is None:
                self.fact(node, "unreadable", f"uses `{text_of(node)}`, a name the grader cannot read")
                return frozenset({UNKNOWN})
            return frozenset({Helper("attrgetter", tuple(names))})
        if path in CONTAINERS:
            return frozenset({Items(frozenset().union(*(self.elements(value(a, scope)) for a in args)))})
        return frozenset({UNKNOWN})

    def _code_call(self, kind: str, node: ast.Call, scope: Scope) -> frozenset:
        """exec/eval/compile: the code of a constant string is read where it runs; any other is opaque."""
        first = node.args[0] if node.args else None
        if kind == "compile":
            mode = node.args[2] if len(node.args) > 2 else next((k.value for k in node.keywords if k.arg == "mode"), None)
            mode = mode.value if isinstance(mode, ast.Constant) and mode.value in ("exec", "eval", "single") else "exec"
            code = string_code(node, first, "exec" if mode == "single" else mode)
        else:
            code = string_code(node, first, kind)
        codes = [code] if code is not None else [
            v.data[0] for v in (self.value(first, scope) if first is not None else ()) if isinstance(v, Helper)
            and v.kind == "code"]
        if not codes:
            self.fact(node, "opaque", f"runs {kind} on a string the grader cannot read")
            return frozenset({UNKNOWN})
        for tree in codes:
            self.dep(node, (tree, scope))
        if kind == "compile":
            return frozenset({Helper("code", (codes[0],))})
        return self.value(codes[0], scope) if kind == "eval" else frozenset({UNKNOWN})

    def _helper_call(self, helper: Helper, node: ast.Call, scope: Scope) -> frozenset:
        args = node.args
        if helper.kind == "namespace_get":
            names = strings(self.value(args[0], scope)) if args else None
            return self.namespace_item(helper.data[0], names, node, scope)
        if helper.kind == "attrgetter":
            out = set()
            for obj in (self.value(args[0], scope) if args else ()):
                for dotted in helper.data:
                    current = frozenset({obj})
                    for name in dotted.split("."):
                        current = frozenset().union(*(self.attribute(c, name, node, scope) for c in current))
                    out |= current
            return frozenset(out or {UNKNOWN})
        if helper.kind == "str":
            return self._string_method(helper.data[0], helper.data[1], node, scope)
        if helper.kind == "get_ipython":
            return frozenset({Helper("shell")})
        if helper.kind in ("line_magic", "cell_magic"):
            return self._magic(helper.kind, node, scope)
        return frozenset({UNKNOWN})

    def _shell_attribute(self, name: str, node: ast.AST) -> frozenset:
        if name == "run_line_magic":
            return frozenset({Helper("line_magic")})
        if name == "run_cell_magic":
            return frozenset({Helper("cell_magic")})
        if name == "user_ns":
            return frozenset({Namespace("globals")})
        if name not in SHELL_SAFE:
            self.fact(node, "opaque", f"uses get_ipython().{name}, through which code can change what the notebook "
                                      f"runs")
        return frozenset({UNKNOWN})

    def _magic(self, kind: str, node: ast.Call, scope: Scope) -> frozenset:
        args = node.args
        name = args[0].value if args and isinstance(args[0], ast.Constant) else None
        if kind == "line_magic" and name in PYTHON_LINE_MAGICS:
            code = string_code(node, args[1] if len(args) > 1 else None)
            if code is not None:
                self.dep(node, (code, scope))
                return frozenset({UNKNOWN})
        elif kind == "line_magic" and (name in SAFE_LINE_MAGICS or len(args) > 1 and isinstance(args[1], ast.Constant)
                                       and f"{name} {args[1].value}" in SAFE_LINE_MAGICS):
            return frozenset({UNKNOWN})
        elif kind == "cell_magic" and name in PYTHON_CELL_MAGICS:
            code = string_code(node, args[2] if len(args) > 2 else None)
            if code is not None:
                self.dep(node, (code, scope))
                return frozenset({UNKNOWN})
        elif kind == "cell_magic" and name in OTHER_CELL_MAGICS:
            return frozenset({UNKNOWN})
        magic = ("%" if kind == "line_magic" else "%%") + str(name if name is not None else "?")[:40]
        self.fact(node, "opaque", f"runs the {magic} magic, whose code the grader cannot read")
        return frozenset({UNKNOWN})

    # --- constant strings ----------------------------------------------------------------------------------------

    def _string_method(self, text: str, method: str, node: ast.Call, scope: Scope) -> frozenset:
        if node.keywords:
            return frozenset({UNKNOWN})
        if method == "join":
            parts = self.value(node.args[0], scope) if len(node.args) == 1 else frozenset()
            results = set()
            for part in parts:
                pieces = [strings(e) for e in part.elements] if isinstance(part, Seq) else [None]
                if None in pieces or any(len(p) != 1 for p in pieces):
                    return frozenset({UNKNOWN})
                results.add(text.join(p[0] for p in pieces))
            return consts(results) if results else frozenset({UNKNOWN})
        options = [strings(self.value(a, scope)) for a in node.args]
        if None in options or any(len(o) != 1 for o in options):
            return frozenset({UNKNOWN})
        args = [o[0] for o in options]
        if method == "format":
            fields = list(string.Formatter().parse(text))
            if any(spec or conversion or (name and not name.isidentifier() and not name.isdigit())
                   for _, name, spec, conversion in fields):
                return frozenset({UNKNOWN})
        if method == "replace" and len(args) >= 2 and len(text) * max(1, len(args[1])) > 10 * MAX_CONST_CHARS:
            return frozenset({UNKNOWN})
        try:
            result = getattr(str, method)(text, *args)
        except Exception:  # noqa: BLE001 -- (the call would fail in the kernel too)
            return frozenset({UNKNOWN})
        return consts({result})

    def _fstring(self, node: ast.JoinedStr, scope: Scope) -> frozenset:
        results = {""}
        for part in node.values:
            if isinstance(part, ast.Constant):
                options = [str(part.value)]
            elif isinstance(part, ast.FormattedValue) and part.conversion == -1 and part.format_spec is None:
                values = self.value(part.value, scope)
                options = [str(v.value) for v in values if isinstance(v, Const) and isinstance(v.value, (str, int))]
                if len(options) != len(values):
                    return frozenset({UNKNOWN})
            else:
                return frozenset({UNKNOWN})
            results = {r + o for r in results for o in options}
            if len(results) > 16:
                return frozenset({UNKNOWN})
        return consts(results)

    def _binop(self, node: ast.BinOp, scope: Scope) -> frozenset:
        left, right = self.value(node.left, scope), self.value(node.right, scope)
        if isinstance(node.op, ast.Add):
            if all(isinstance(v, Seq) for v in [*left, *right]) and left and right:
                return frozenset(Seq(a.elements + b.elements) for a in left for b in right)
            a, b = strings(left), strings(right)
            if a is not None and b is not None and len(a) * len(b) <= 16:
                return consts({x + y for x in a for y in b})
        if isinstance(node.op, ast.Mult):
            a = strings(left) or strings(right)
            counts = [v.value for v in (right if strings(left) else left) if isinstance(v, Const)
                      and type(v.value) is int]
            if a and len(a) == 1 and len(counts) == 1 and 0 <= counts[0] * len(a[0]) <= MAX_CONST_CHARS:
                return consts({a[0] * counts[0]})
        if isinstance(node.op, ast.Mod):
            a = strings(left)
            items = [right] if not any(isinstance(v, Seq) for v in right) else [
                e for v in right if isinstance(v, Seq) for e in v.elements]
            b = [strings(i) for i in items]
            if a and len(a) == 1 and None not in b and all(len(x) == 1 for x in b) \
                    and a[0].replace("%%", "").count("%") == a[0].replace("%%", "").count("%s"):
                try:
                    return consts({a[0] % tuple(x[0] for x in b)})
                except (TypeError, ValueError):
                    pass
        return frozenset({UNKNOWN})
