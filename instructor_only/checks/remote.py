"""The trusted side's view of the student's kernel: every student object is a proxy, every answer is data.

The checks (`instructor_only.checks.*`) keep their code: `student.conv_output_size(7, 3, 1, 2, 1)` or
`bn.make_layer(student.BatchNorm, 6, 2)`. What they touch is a `Remote` (a handle on an object in the kernel) whose
calls, attributes and operators become requests to the kernel side (`instructor_only.frameworks.serve`); what comes
back is data (`wire`) or another handle. Functions of the framework adapters run in the kernel too (they handle the
student's objects), except those an adapter lists in `TRUSTED` and those the checks ask for with `here` (the
framework's own answers, on objects the checks build themselves): these run on the trusted side, in this process or
in the link's `reference` process (a process of the framework that runs none of the student's code). Constants of an
adapter are read here. References, expected values, tolerances and verdicts never reach the kernel.

A `Link` carries the requests: `InProcessLink` calls the kernel side in this process (stock nbgrader, `validate`,
the fast path: the same code path, with no isolation); `classgrade` sends them to the sandboxed kernel
(`instructor_only.grading.classgrade.trusted_checks`).
"""
from __future__ import annotations

import builtins
import contextlib
import importlib
import importlib.util
import re
from pathlib import Path
from types import ModuleType

from instructor_only.checks import outline
from instructor_only.frameworks import wire


class StudentCodeError(Exception):
    """An exception of the student's code (or of the kernel side) whose type is not a Python built-in."""


class MissingName(Exception):
    """The notebook does not define a name a check asked for."""


class Link:
    """Sends one request to the kernel side; answers the decoded value or raises the kernel's exception here."""

    sends_parts = True  # whether the kernel must be sent the parts modules a request names (not in-process)
    # Where the adapters' TRUSTED functions and `here` run: None, in this process; or a link to a process of the
    # framework's own that runs none of the student's code (classgrade's reference_link.py), so that this process
    # need not import the framework.
    reference: "Link | None" = None
    # The sources of the notebook's code cells in the order they ran, up to the graded test cell (the checks of
    # method rules read them: `method_rules.py`), or None where the link has none.
    sources: "list[str] | None" = None
    # What the student's side answered, check by check (behaviour.Recording), or None: not recorded.
    recording: "behaviour.Recording | None" = None

    def exchange(self, request_text: str) -> str:
        raise NotImplementedError

    def request(self, op: str, **fields):
        text = wire.dumps({"op": op, **fields})
        if self.sends_parts and op != "define_module" and wire.PARTS_PACKAGE + "." in text:
            self._send_parts(text)
        answer_text = self.exchange(text)
        if self.recording is not None:
            self.recording.add(text, answer_text)
        answer = wire.loads(answer_text)
        if "error" in answer:
            raise error_from(answer["error"])
        return self.decode(answer["ok"])

    def _send_parts(self, text: str) -> None:
        """Define in the kernel, once per link, every parts module the request names (by source)."""
        sent = self.__dict__.setdefault("_parts_sent", set())
        for name in sorted(set(re.findall(re.escape(wire.PARTS_PACKAGE) + r"\.\w+", text)) - sent):
            source = Path(importlib.util.find_spec(name).origin).read_text()  # its source, without importing it
            self.request("define_module", name=name, source=source)
            sent.add(name)

    def encode(self, value):
        return wire.encode(value, self._handle_of)

    def _handle_of(self, value) -> list:
        """A handle of this link's other side; an object of another process cannot be sent there."""
        if isinstance(value, Remote) and object.__getattribute__(value, "_link") is not self:
            raise TypeError("an object that lives in another process (the kernel, or the framework's reference "
                            "process) cannot be sent to this one")
        return _to_handle(value)

    def decode(self, data):
        # No names: an answer of the kernel may hold data and handles only (a name would be looked up here).
        return wire.decode(data, lambda spec: remote(self, spec))


class InProcessLink(Link):
    """The kernel side in this very process (no isolation: what stock nbgrader trusts)."""

    sends_parts = False  # they are importable here

    def __init__(self, namespace: dict):
        from instructor_only.frameworks import serve
        self._serve, self._namespace = serve.serve, namespace
        self.sources = ran_cells(namespace)

    def exchange(self, request_text: str) -> str:
        return self._serve(self._namespace, request_text)


def ran_cells(namespace: dict) -> list[str] | None:
    """The cells run so far, this one included, as IPython keeps them in the notebook's namespace (`_ih`, alias
    `In`: '' first, then each cell as IPython ran it); `inprocess.run_cells` keeps them the same way. None if
    the namespace has no such history."""
    history = namespace.get("_ih", namespace.get("In"))
    if not isinstance(history, list) or not all(isinstance(cell, str) for cell in history):
        return None
    return list(history[1:] if history[:1] == [""] else history)


MESSAGE_CHARS = 2_000  # of an exception's message from the kernel: cut before anything reads it (the runner's hints)


def error_from(spec) -> Exception:
    """The exception an error answer describes ([name, message, builtin, where]); its text cut to a bounded size."""
    name, message, builtin = str(spec[0])[:NAME_CHARS], str(spec[1])[:MESSAGE_CHARS], bool(spec[2])
    if name == "NotDefined" and not builtin:
        return MissingName(message)
    if builtin and isinstance(getattr(builtins, name, None), type) and issubclass(getattr(builtins, name), Exception):
        error = getattr(builtins, name)(message)
    else:
        error = StudentCodeError(f"{name}: {message}")
    error.from_kernel = True  # the runner words it as the student's code's exception
    error.where = str(spec[3])[:300] if len(spec) > 3 else ""  # "calling your `f` with x of shape (2, 3)", or ""
    return error


def _to_handle(value) -> list:
    if isinstance(value, Remote):
        return [object.__getattribute__(value, "_id"), "", False]
    raise TypeError(f"cannot send a {type(value).__name__} to the kernel (only data, handles and adapter names)")


_CLASSES: dict[tuple[str, bool], type] = {}
MAX_CLASSES = 256   # proxy classes kept (type names come from the kernel: a flood of new names gets "object")
NAME_CHARS = 60     # of a type name kept


def remote(link: Link, spec) -> "Remote":
    """A proxy of the kernel's object `spec` ([id, type name, callable]), of a class named like the object's type."""
    handle_id, type_name, is_callable = int(spec[0]), str(spec[1])[:NAME_CHARS] or "object", bool(spec[2])
    key = (type_name, is_callable)
    if key not in _CLASSES and len(_CLASSES) >= MAX_CLASSES:
        key = ("object", is_callable)
    if key not in _CLASSES:
        base = RemoteCallable if is_callable else Remote
        _CLASSES[key] = type(key[0] if key[0].isidentifier() else "object", (base,), {"__slots__": ()})
    proxy = object.__new__(_CLASSES[key])
    object.__setattr__(proxy, "_link", link)
    object.__setattr__(proxy, "_id", handle_id)
    return proxy


def _ask(value: "Remote", operator: str, *args):
    """The kernel's answer to `operator` (serve.OPERATORS) applied to the object `value` stands for."""
    link = object.__getattribute__(value, "_link")
    return link.request("operator", name=operator, args=link.encode((value, *args)))


def _op(name):
    def method(self, *args):
        return _ask(self, name, *args)
    method.__name__ = f"__{name}__"
    return method


def _target(value: "Remote") -> dict:
    return {"h": _to_handle(value)}


class Remote:
    """An object that lives in the student's kernel. Attributes, calls and conversions to data (len, iteration,
    float, int, numpy arrays, repr) are forwarded; every answer is data or another Remote. Comparisons and arithmetic
    are not: they would let the kernel's object decide them (an int subclass equal to everything) and send it the
    expected value. A Remote equals only itself; a check compares data (`float(got)`, `np.asarray(got)`)."""

    __slots__ = ("_link", "_id")

    def __getattr__(self, name: str):
        if name.startswith(("__array", "_repr_", "__length_hint")):  # numpy's and IPython's probes: answered here
            raise AttributeError(name)
        return object.__getattribute__(self, "_link").request("getattr", target=_target(self), name=name)

    def __setattr__(self, name, value):
        raise AttributeError("the checks do not set attributes of the student's objects")

    __getitem__, __len__, __repr__, __str__ = map(_op, ("getitem", "len", "repr", "str"))
    __float__, __int__, __index__, __bool__ = map(_op, ("float", "int", "index", "bool"))

    def __eq__(self, other):
        return self is other

    def __ne__(self, other):
        return self is not other

    def __hash__(self):
        return hash(("remote", object.__getattribute__(self, "_id")))

    def __iter__(self):
        return iter(_ask(self, "list"))

    def __array__(self, dtype=None, copy=None):
        import numpy as np
        return np.asarray(_ask(self, "array"), dtype=dtype)


class RemoteCallable(Remote):
    __slots__ = ()

    def __call__(self, *args, **kwargs):
        link = object.__getattribute__(self, "_link")
        return link.request("call", target=_target(self), args=link.encode(args), kwargs=link.encode(kwargs))


def identity(value):
    """A hashable key for `value` on the trusted side, decided here: a kernel object's handle on its link (the kernel
    gives an object one handle until the checks release them, so two proxies of one object get the same key), or
    the value itself."""
    if isinstance(value, Remote):
        return ("kernel object", id(object.__getattribute__(value, "_link")), object.__getattribute__(value, "_id"))
    return value


def is_exactly(value, cls) -> bool:
    """type(value) is cls, asked of the kernel for one of its objects (`cls`: a class of the checks, sent by name)."""
    if not isinstance(value, Remote):
        return type(value) is cls
    return _ask(value, "is_type", cls)


def call_each(function, calls: list[tuple]) -> list:
    """[function(*args) for args in calls], in one exchange with the kernel (thousands of calls of a small function
    cost milliseconds, not seconds); raises the first call's exception, as the loop would."""
    if not isinstance(function, RemoteCallable):
        return [function(*args) for args in calls]
    link = object.__getattribute__(function, "_link")
    answers = link.request("call_each", target=_target(function),
                           calls=link.encode([(tuple(args), {}) for args in calls]))
    for status, value in answers:
        if status != "ok":
            raise error_from(value)
    return [value for _, value in answers]


class AdapterFunction:
    """A function of a framework adapter, run in the kernel (it handles the student's objects)."""

    def __init__(self, link: Link, function):
        self._link, self._function = link, function
        # Named like the function it stands for: sent to the kernel by that name (`wire.is_adapter_object`).
        self.__name__, self.__module__, self.__qualname__ = function.__name__, function.__module__, function.__qualname__

    def __call__(self, *args, **kwargs):
        return self._link.request("call", target=self._link.encode(self._function), args=self._link.encode(args),
                                  kwargs=self._link.encode(kwargs))


class RemoteAdapter:
    """A framework adapter module seen from the trusted side: constants and classes are read here, functions run in
    the kernel unless the module lists them in `TRUSTED` (those run where `here` runs them). The module is read as an
    outline (`outline.py`): it is imported here, with its framework, only for a value that is not a literal, or for
    `TRUSTED` functions and `here` when the link has no reference process."""

    def __init__(self, link: Link, module: ModuleType | outline.Outline):
        self._link, self._module = link, module

    def topic(self, topic: str) -> "RemoteAdapter":
        return RemoteAdapter(self._link, adapter_outline(self._module.name, topic))

    def here(self, name: str):
        """The adapter's function `name`, to run on the trusted side (on objects built there): in the link's reference
        process if it has one, else in this process."""
        if self._link.reference is not None:
            return AdapterFunction(self._link.reference, getattr(self._module, name))
        return getattr(outline.real(self._module), name)

    def parts(self, topic: str) -> "RemoteAdapter":
        """The correct parts of `topic` for this framework (`instructor_only.checks.parts`): classes and constants
        read here (sent to the kernel by source when a request names them), functions run in the kernel."""
        return RemoteAdapter(self._link, outline.outline(f"{wire.PARTS_PACKAGE}.{self._module.name}_{topic}"))

    def __getattr__(self, name: str):
        trusted = name in getattr(self._module, "TRUSTED", ())
        if trusted:
            return self.here(name)
        value = getattr(self._module, name)
        if callable(value) and not isinstance(value, type):
            return AdapterFunction(self._link, value)
        return value


class RemoteStudent:
    """The student's notebook globals: `student.name` is a Remote (or data); a missing name fails the check with a
    message saying what to define."""

    def __init__(self, link: Link):
        self._link = link

    @contextlib.contextmanager
    def patched(self, name: str, value):
        """Temporarily bind one of the student's globals (to check a part independently of another)."""
        token = self._link.request("set_global", name=name, value=self._link.encode(value))
        try:
            yield
        finally:
            self._link.request("restore_global", name=name, token=token)

    def __getattr__(self, name: str):
        if name.startswith("_"):
            raise AttributeError(name)
        try:
            return self._link.request("global", name=name)
        except MissingName:
            import pytest
            pytest.fail(f"Your notebook does not define `{name}`. Run the cell that defines it (and keep its name "
                        f"as given in the exercise).", pytrace=False)


def adapter_outline(framework: str, topic: str = "adapter") -> outline.Outline:
    """The outline of adapter module `<framework>_<topic>`."""
    from instructor_only import frameworks
    return outline.outline(frameworks.module_name(framework, topic))


def load_adapter(link: Link, framework: str) -> RemoteAdapter:
    return RemoteAdapter(link, adapter_outline(framework))


