"""Method rules ("written from scratch", "by hand"), decided on the trusted side from the notebook's source.

The hidden checks of a value see what the student's code computes, not how: a batch norm that calls the framework's
own gives the right numbers. A rule names the answers it governs and the framework names they must not reach; given
the sources of the code cells in the order they ran (up to the graded test cell), `findings` reads the governed
definitions as last bound and, transitively, every notebook function, class and module-level variable they use,
and reports each place that reaches a forbidden name, however it is spelled: `import x as y`, `from x import y as
z`, module-level aliases, attribute chains, default arguments, class attributes, closures, `functools.partial`,
`getattr` with constant or folded strings, `__import__`, `importlib.import_module`, `sys.modules`, `vars()`,
`__dict__`, `globals()`, exec/eval of constant strings (`source_evaluator.py` and `source_calls.py` say how).

What it cannot read it reports instead of guessing: reflection whose name it cannot fold (`getattr(torch, name)`),
and, anywhere in the notebook, code the grader cannot read that may rebind names (exec of a computed string,
unpickling, import hooks, IPython's input transformers, a module that is not installed with the course). It also
reads what the notebook patches into a library (`torch.var = ...`): that code may run behind any call.

The kernel side keeps its own guard (`frameworks/*_batchnorm.forbid_builtin_batch_norm`); this is the rule the
trusted side decides.
"""
from __future__ import annotations

import ast
import contextlib
import gc
import importlib.machinery
import os
import re
import sys
from collections import deque
from dataclasses import dataclass

from instructor_only.checks.source_model import END, Notebook, children, is_namespace_call, origin
from instructor_only.checks.source_evaluator import Evaluator
from instructor_only.checks.source_values import (Const, Definition, Helper, Instance, Namespace, Qual, strings,
                                                  text_of)

SHOWN = 3             # findings quoted in a message
NAME_CHARS = 100      # a framework's names are shorter: a longer one is the student's, never matched
SCAN_DEPTH = 1_000    # (findings of the whole-notebook scan sort after those of the governed code)
# Names through which code the grader cannot read may run, or which change what other code means.
OPAQUE = ("pickle.load", "pickle.loads", "pickle.Unpickler", "_pickle", "marshal", "dill", "cloudpickle",
          "joblib.load", "shelve", "types.FunctionType", "types.LambdaType", "types.CodeType", "sys._getframe",
          "sys.settrace", "sys.setprofile", "sys.addaudithook", "sys.meta_path", "sys.path_hooks",
          "sys.path_importer_cache", "threading.settrace", "threading.setprofile", "inspect.currentframe",
          "inspect.stack", "inspect.trace", "inspect.getmembers", "inspect.getmembers_static", "inspect.getattr_static",
          "gc.get_objects", "gc.get_referents", "gc.get_referrers", "ctypes", "importlib.abc", "importlib.machinery",
          "importlib.util.module_from_spec", "importlib.util.spec_from_loader", "importlib.util.spec_from_file_location",
          "runpy", "code.InteractiveInterpreter", "code.InteractiveConsole", "code.interact",
          "codeop", "zipimport", "pdb.run", "pdb.runeval", "pdb.runctx", "pdb.runcall", "pdb.Pdb", "bdb", "IPython",
          "ipykernel",
          # functions that run code given as a string (found by a third blind round; a literal string naming a
          # forbidden object is reported wherever it is, see _string)
          "doctest", "cProfile.run", "cProfile.runctx", "profile.run", "profile.runctx", "trace", "mako", "jinja2",
          "string.Formatter", "logging.config", "importlib.metadata.EntryPoint", "unittest.mock", "yaml.unsafe_load",
          "yaml.load", "yaml.full_load", "yaml.UnsafeLoader", "yaml.Loader", "typing.get_type_hints",
          "inspect.get_annotations", "torch._utils._import_dotted_name", "tornado.util.import_object",
          "traitlets.utils.importstring", "traitlets.import_item", "distributed.utils.import_term",
          "torch._decomp", "torch.ao.nn.intrinsic",
          # functions that turn a string into any object or code, found by a second blind round
          "pydoc.locate", "pydoc.resolve", "pydoc.safeimport", "pkgutil.resolve_name", "pkgutil.get_importer",
          "torch.jit.CompilationUnit", "torch.jit._script.CompilationUnit", "torch._C.CompilationUnit",
          "torch.overrides", "torch.library", "torch.ops.load_library", "tensorflow.load_op_library",
          "tensorflow.load_library", "keras.layers.deserialize", "keras.optimizers.deserialize",
          "keras.utils.deserialize_keras_object", "keras.utils.get_registered_object", "keras.models.model_from_json",
          "keras.models.model_from_config", "keras.src.utils", "tensorflow.keras.layers.deserialize",
          "tensorflow.keras.utils.deserialize_keras_object", "tensorflow.keras.models.model_from_json",
          "tensorflow.keras.models.model_from_config",
          # loaders that unpickle (any global, or code through a pickled exec), found by a blind attack round
          "torch.load", "torch.serialization", "torch.package", "torch.jit.load", "torch.hub", "numpy.load",
          "numpy.lib.format.read_array", "numpy.lib.npyio", "pandas.read_pickle", "keras.saving",
          "keras.models.load_model", "keras.src.saving", "tensorflow.keras.models.load_model",
          "tensorflow.saved_model.load", "tensorflow.keras.saving", "copyreg", "multiprocessing.reduction")
# The course's own code a notebook imports (the sandbox mounts it read-only), and the notebook itself.
COURSE_PACKAGES = {"student_helpers", "__main__"}
# Functions that look names up by string: fine called with constants (folded), not passed around.
REFLECTIVE = {"builtins.getattr", "builtins.setattr", "builtins.delattr", "builtins.vars", "builtins.globals",
              "builtins.locals", "builtins.__import__", "builtins.eval", "builtins.exec", "builtins.compile",
              "importlib.import_module", "importlib.__import__", "operator.attrgetter", "operator.methodcaller"}


@dataclass(frozen=True)
class Rule:
    """requirement: what the student is told ("batch_norm must be written from scratch, ..."); governs: the
    notebook names it applies to; forbidden: qualified names, each with everything under it; parts: a regex that
    forbids a qualified name if any of its parts matches (the same object reached through another module's
    re-export, a private path or an alias module); methods: a regex of attribute names forbidden on objects the
    grader cannot identify (`model.fit`); not_followed: global names the governed code may call without them being
    read, because the checks put their own correct version in their place; must_use: global names of the notebook
    the governed code must use (the notebook says "forward calls your batch_norm"), each one of `not_followed`."""
    requirement: str
    governs: tuple[str, ...]
    forbidden: tuple[str, ...]
    parts: str
    methods: str = ""
    not_followed: tuple[str, ...] = ()
    must_use: tuple[str, ...] = ()

    def forbids(self, path: str) -> bool:
        if any(path == name or path.startswith(name + ".") for name in self.forbidden):
            return True
        return any(len(part) <= NAME_CHARS and re.fullmatch(self.parts, part) for part in path.split("."))

    def forbids_attribute(self, name: str) -> bool:
        return len(name) <= NAME_CHARS and bool(re.fullmatch(self.parts, name)
                                                or self.methods and re.fullmatch(self.methods, name))


@dataclass(frozen=True, order=True)
class Finding:
    depth: int   # 0: in a governed definition; n: n steps away from one
    cell: int    # 1-based, in the order the code cells ran (IPython's In[cell])
    line: int
    text: str

    def __str__(self) -> str:
        return f"cell {self.cell}, line {self.line} {self.text}"


def findings(sources: list[str], rule: Rule) -> list[Finding]:
    """Where the code of `rule.governs`, or code that may change it, breaks the rule; empty if nowhere."""
    with _collector_paused():
        notebook = Notebook([str(s) for s in sources])
        if notebook.too_large:
            return [Finding(0, 0, 0, "has more code than the grader reads")]
        try:
            return _Walk(notebook, rule).run()
        except RecursionError:
            return [Finding(0, 0, 0, "has code nested too deeply for the grader to read")]


@contextlib.contextmanager
def _collector_paused():
    """The analysis allocates ~100k small objects: letting the garbage collector sweep a grading process's large
    heap meanwhile took half its time (34 -> 83 ms for a notebook). Cycles it leaves are collected afterwards."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def message(rule: Rule, found: list[Finding]) -> str:
    shown = "; ".join(str(f) if f.cell else f"the notebook {f.text}" for f in found[:SHOWN])
    more = f" (and {len(found) - SHOWN} more)" if len(found) > SHOWN else ""
    return f"{rule.requirement}: {shown}{more}"


def require(sources: list[str] | None, rule: Rule) -> None:
    """The check: raises AssertionError saying which rule and where, if the notebook breaks it."""
    if sources is None:
        raise AssertionError(f"the grader was given no source of this notebook, so it cannot check that "
                             f"{rule.requirement}; please tell your instructor")
    found = findings(sources, rule)
    assert not found, message(rule, found)


class _Walk:
    def __init__(self, notebook: Notebook, rule: Rule):
        self.notebook, self.rule = notebook, rule
        self.evaluator = Evaluator(notebook, frozenset(rule.not_followed))
        self.found: dict[tuple[int, int], Finding] = {}
        self.library_patches: list[ast.AST] = []
        self.patches_of: dict[int, list[ast.AST]] = {}  # a notebook function or class -> code patched into it
        self.queue: deque = deque()
        self.seen: set[int] = set()
        self.used: set[str] = set()  # names of rule.must_use that the governed code reaches

    def run(self) -> list[Finding]:
        for tree in self.notebook.cells:
            self._scan(tree)
        for name in self.rule.governs:
            bindings = self.notebook.module_bindings(name, END)
            if not bindings:
                self.found[(0, 0)] = Finding(0, 0, 0, f"defines `{name}` nowhere the grader can read")
            for binding in bindings:
                self._reach(self.evaluator.region(binding), 0)
        for node in self.library_patches:
            self._reach((node, None), 1)
        while self.queue:
            node, depth = self.queue.popleft()
            self._walk(node, depth)
        for node, text in self.evaluator.opaque:
            self._report(node, None, text)
        self._require_uses()
        return sorted(self.found.values())

    def _require_uses(self) -> None:
        """A name of rule.must_use that no code the governed definitions reach mentions: reported at the governed
        definition (the last one bound)."""
        for name in self.rule.must_use:
            if name in self.used:
                continue
            bindings = [b for governed in self.rule.governs for b in self.notebook.module_bindings(governed, END)]
            where = max((origin(b.node)[:2] for b in bindings if b.node is not None), default=(0, 0))
            self.found[where] = Finding(0, *where, f"never calls your `{name}`")

    def _reach(self, region, depth: int) -> None:
        node = region[0] if region is not None else None
        if node is not None and id(node) not in self.seen:
            self.seen.add(id(node))
            self.queue.append((node, depth))
            for code in self.patches_of.get(id(node), []):  # `BatchNorm.forward = ...` elsewhere
                self._reach((code, None), depth + 1)

    def _report(self, node: ast.AST, depth: int | None, text: str) -> None:
        cell, line, from_string = origin(node)
        if from_string:
            text += " (in code given as a string)"
        finding = Finding(SCAN_DEPTH if depth is None else depth, cell, line, text)
        if (cell, line) not in self.found or finding.depth < self.found[(cell, line)].depth:
            self.found[(cell, line)] = finding  # (one per line: the first, i.e. outermost, of the closest reach)

    def _value(self, node: ast.AST) -> frozenset:
        return self.evaluator.value(node, self.notebook.scope_at(node))

    def _constants(self, node: ast.AST) -> set | None:
        """The constants `node` can be, or None if it can be anything else too."""
        values = self._value(node)
        return {v.value for v in values} if values and all(isinstance(v, Const) for v in values) else None

    # --- the whole notebook: what may change any code ------------------------------------------------------------

    def _scan(self, tree: ast.AST) -> None:
        """Imports and uses of names through which unreadable code may run, code given as strings, and writes into
        libraries and notebook classes (read by whatever uses them)."""
        index = tree._index
        for node in index["aliases"]:
            self._alias(node, None)
        for node in index["calls"] + index["attributes"] + [call.func for call in index["calls"]] + [
                arg for call in index["calls"] for arg in [*call.args, *(k.value for k in call.keywords)]]:
            for value in self._value(node):
                if isinstance(value, Qual) and _opaque(value.path) and (
                        value.path not in LOADERS or loader_may_unpickle(value.path, node, self._constants)):
                    self._report(node, None, f"uses {value.path}, through which code the grader cannot read can run")
        for node in index["calls"]:
            self._setattr(node)
            for code, _ in self.evaluator.deps.get(id(node), []):  # code given as a string runs where it is
                if isinstance(code, (ast.Module, ast.Expression)) and id(code) not in self.seen:
                    self.seen.add(id(code))
                    self._scan(code)
        for node in index["stores"]:
            self._store(node)
        docstrings = {id(body[0].value) for node in ast.walk(tree)
                      if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef))
                      and (body := node.body) and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant)}
        for node in ast.walk(tree):  # (a docstring documents; doctest, which would run it, is opaque)
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docstrings:
                self._string(node)

    def _string(self, node: ast.Constant) -> None:
        """A string naming a forbidden framework object (`"torch.nn.functional.batch_norm"`, `"F.batch_norm"`,
        `"keras.optimizers:SGD"`): many library functions turn such a string into the object (pydoc.locate,
        typing.get_type_hints, logging's resolve, entry points, mock.patch, yaml, a timer's statement...), more than
        any list of them can hold, so the name itself is reported wherever a string holds it."""
        for match in QUALIFIED_NAME.finditer(node.value[:MAX_STRING_CHARS]):
            parts = match.group(0).replace(":", ".").split(".")
            if parts[0] in FRAMEWORK_ROOTS and self.rule.forbids(".".join([FRAMEWORK_ROOTS[parts[0]], *parts[1:]])):
                # (after the scan's other findings: one of those on the same line says more)
                self._report(node, SCAN_DEPTH + 1, f"names {match.group(0)} in a string, which code can turn into "
                                                   f"the object")
                return

    def _store(self, target: ast.Attribute | ast.Subscript) -> None:
        """`lib.name = value`, `Class.name = value`, `globals()[key] = value`: whatever uses the target runs it."""
        statement = target
        while not isinstance(statement, ast.stmt) and getattr(statement, "_parent", None) is not None:
            statement = statement._parent
        bases = self._value(target.value)
        names = strings(self._value(target.slice)) if isinstance(target, ast.Subscript) else [target.attr]
        self._patch(target, bases, names, statement)

    def _setattr(self, node: ast.Call) -> None:
        callees = self._value(node.func)
        if len(node.args) >= 2 and any(isinstance(c, Qual) and (c.path in ("builtins.setattr", "builtins.delattr")
                                                               or c.path.endswith(".__setattr__")) for c in callees):
            names = strings(self._value(node.args[1]))
            self._patch(node, self._value(node.args[0]), names, node.args[2] if len(node.args) > 2 else node)

    def _patch(self, node: ast.AST, bases: frozenset, names: list[str] | None, code: ast.AST) -> None:
        for base in bases:
            if isinstance(base, (Qual, Namespace)) or base == Helper("shell"):
                direct = isinstance(node, ast.Subscript) and is_namespace_call(node.value)  # (Notebook binds those)
                if names is None or base == Helper("shell") or base == Namespace("globals") and not direct:
                    self._report(node, None, f"writes to `{text_of(node)}`, which the grader cannot follow")
                elif base != Namespace("globals"):
                    self.library_patches.append(code)
            elif isinstance(base, (Definition, Instance)):
                self.patches_of.setdefault(id(base.node), []).append(code)
            elif names is None and isinstance(node, ast.Call):
                self._report(node, None, f"uses `{text_of(node)}`, a name the grader cannot read")

    # --- the code the governed definitions reach -----------------------------------------------------------------

    def _walk(self, root: ast.AST, depth: int) -> None:
        stack = [root]
        while stack:
            node = stack.pop()
            stack.extend(child for child, _ in children(node, None))
            if isinstance(node, ast.alias):
                self._alias(node, depth)
            elif isinstance(node, ast.expr) and not isinstance(getattr(node, "ctx", None), (ast.Store, ast.Del)):
                self._expression(node, depth)

    def _alias(self, node: ast.alias, depth: int | None) -> None:
        statement = node._parent
        if isinstance(statement, ast.ImportFrom):
            module = "" if statement.level else (statement.module or "")
            bound = f"{module}.{node.name}" if module and node.name != "*" else module
        else:
            module = node.name
            bound = node.name if node.asname else node.name.split(".")[0]
        for path in {bound, module}:
            if _opaque(path) and path not in LOADERS:  # (a loader: judged where it is called)
                self._report(node, depth, f"imports {path}, through which code the grader cannot read can run")
        if depth is None:
            return
        if bound and self.rule.forbids(bound):
            self._report(node, depth, f"imports {bound}" + (f" (as `{node.asname}`)" if node.asname else ""))
        if not module or not _installed(module.split(".")[0]):
            self._report(node, depth, f"imports `{module or node.name}`, which the grader cannot read (it is not "
                                      f"installed with the course)")

    def _expression(self, node: ast.expr, depth: int) -> None:
        if isinstance(node, ast.Name) and node.id in self.rule.must_use:
            self.used.add(node.id)
        values = self._value(node)
        for kind, text in self.evaluator.facts.get(id(node), []):
            if kind == "unreadable" or kind == "attribute" and self.rule.forbids_attribute(text):
                self._report(node, depth, text if kind == "unreadable" else f"uses `{text_of(node)}`")
        for value in values:
            if isinstance(value, Qual) and self.rule.forbids(value.path):
                spelled = text_of(node)
                self._report(node, depth, f"uses {value.path}" + (f" (as `{spelled}`)" if spelled != value.path else ""))
            elif isinstance(value, Qual) and value.path in REFLECTIVE and isinstance(node, (ast.Name, ast.Attribute)) \
                    and not (isinstance(node._parent, ast.Call) and node._parent.func is node):
                self._report(node, depth, f"passes {value.path.split('.')[-1]} around, which the grader cannot follow")
            elif isinstance(value, (Definition, Instance)):
                self._reach((value.node, None), depth + 1)
        if isinstance(node, ast.Call):
            for arg in [*node.args, *(k.value for k in node.keywords)]:
                for value in self._value(arg):
                    if isinstance(value, Namespace):
                        self._report(node, depth, f"passes {value} to `{text_of(node.func)}`, which the grader "
                                                  f"cannot follow")
        for region in self.evaluator.deps.get(id(node), []):
            self._reach(region, depth + 1)


# IPython itself and its display functions are what every notebook uses; the rest of IPython is opaque.
IPYTHON_READABLE = ("IPython", "IPython.display", "IPython.core.display", "IPython.get_ipython",
                    "IPython.core.getipython")
# A dotted (or "module:name") name in a string, and the first parts that name a framework (as the course's
# notebooks import them); bounded repeats only: the string is the student's.
QUALIFIED_NAME = re.compile(r"[A-Za-z_]\w{0,99}(?:[.:][A-Za-z_]\w{0,99}){1,12}")
MAX_STRING_CHARS = 100_000
FRAMEWORK_ROOTS = {"torch": "torch", "F": "torch.nn.functional", "nn": "torch.nn", "optim": "torch.optim",
                   "aten": "torch.ops.aten", "tf": "tensorflow", "tensorflow": "tensorflow", "keras": "keras",
                   "K": "keras.backend", "layers": "keras.layers", "optimizers": "keras.optimizers"}
# Loaders that unpickle only when asked to: judged where they are called (loader_may_unpickle), not where imported.
LOADERS = {"torch.load", "torch.serialization.load", "numpy.load"}


def _opaque(path: str) -> bool:
    if path in IPYTHON_READABLE or path.startswith(tuple(f"{readable}." for readable in IPYTHON_READABLE[1:])):
        return False
    return any(path == o or path.startswith(o + ".") for o in OPAQUE)


def loader_may_unpickle(path: str, node: ast.AST, value_of=lambda flag: None) -> bool:
    """Whether this use of a loader of LOADERS may unpickle (run any code): unless it is called right here with its
    safe defaults (torch 2.13: weights_only=True; numpy 2: allow_pickle=False) or the safe value given as a constant
    (`value_of(node)`: the constants an expression can be, from the notebook's evaluator)."""
    call = getattr(node, "_parent", None)
    if not (isinstance(call, ast.Call) and call.func is node):
        return True  # passed around: called who knows how
    keywords = {k.arg: k.value for k in call.keywords}
    if None in keywords:
        return True  # **options
    def is_constant(flag, want: bool) -> bool:
        return isinstance(flag, ast.Constant) and flag.value is want or value_of(flag) == {want}

    if path == "numpy.load":
        flag = keywords.get("allow_pickle", call.args[2] if len(call.args) > 2 else None)
        return flag is not None and not is_constant(flag, False)
    flag = keywords.get("weights_only")
    return len(call.args) > 2 or "pickle_module" in keywords or flag is not None and not is_constant(flag, True)


_INSTALLED: dict[tuple[str, str], bool] = {}


def _installed(root: str) -> bool:
    """Whether a top-level module is part of the course's environment (the standard library or installed), not a
    module written by the notebook or sent with the submission: looked for on this process's path without its
    working folder (in-process, the notebook's own folder)."""
    here = os.getcwd()
    if (root, here) not in _INSTALLED:
        paths = [p for p in sys.path if p not in ("", ".") and os.path.abspath(p) != here]
        try:
            found = (root in COURSE_PACKAGES or root in sys.stdlib_module_names or root in sys.builtin_module_names
                     or importlib.machinery.PathFinder.find_spec(root, paths) is not None)
        except (ImportError, ValueError):
            found = False
        _INSTALLED[(root, here)] = found
    return _INSTALLED[(root, here)]

