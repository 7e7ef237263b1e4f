"""The kernel side of the hidden checks: run the requests of the trusted side against the student's notebook.

The trusted side (`instructor_only.checks.remote`) decides; this side only calls the student's code and the
framework adapters on the inputs it is sent and answers with data (`wire`). It holds no reference, no expected value
and no tolerance. Objects that are not data (the student's functions, layers, tensors) stay here in a table of
handles, one per object, until the trusted side releases them.

Requests (JSON): {"op": ..., ...}
- global {name}                    the notebook's global `name`
- set_global {name, value}         bind a global (a check patches a correct part in); answers the token to restore it
- restore_global {name, token}
- call {target, args, kwargs}      call a handle or an adapter function
- call_each {target, calls}        call it once per [args, kwargs] pair; answers the list of results (or errors)
- getattr {target, name}
- operator {name, args}            one of OPERATORS (conversions to data: len, repr, float, iteration, ...)
- define_module {name, source}     create a parts module the checks need now (sent by the trusted side)
- release                          forget every handle
Answers: {"ok": value} or {"error": [exception type name, message, builtin?]}.
"""
from __future__ import annotations

import builtins
import operator
import os
import socket
import struct
import sys
import traceback
import types
import warnings

import numpy as np

from instructor_only.frameworks import wire

MESSAGE_CHARS = 4000  # of an exception's message sent back
# What the trusted side may ask of a kernel object: conversions to data. No comparison or arithmetic: those would send
# the trusted side's expected values into the kernel, and let the kernel's objects decide them.
OPERATORS = {
    "getitem": operator.getitem, "len": len, "repr": repr, "str": str, "float": float, "int": int,
    "index": operator.index, "bool": bool, "list": list, "array": np.asarray,
    "is_type": lambda value, cls: type(value) is cls,
}


class Handles:
    """Objects of the kernel named by small integers; the same object always gets the same handle."""

    def __init__(self):
        self.clear()

    def clear(self) -> None:
        self.objects: dict[int, object] = {}
        self.ids: dict[int, int] = {}

    def handle(self, value) -> list:
        key = id(value)
        if key not in self.ids or self.objects[self.ids[key]] is not value:
            self.ids[key] = len(self.objects) + 1
            self.objects[self.ids[key]] = value
        return [self.ids[key], type(value).__name__, callable(value)]

    def resolve(self, spec) -> object:
        return self.objects[int(spec[0])]


class NotDefined(Exception):
    """The notebook has no global of the name asked for."""


_HANDLES = Handles()
_SAVED: dict[int, object] = {}
_ABSENT = object()


def _encode(value):
    return wire.encode(value, _HANDLES.handle, by_name=False)


def _decode(data):
    return wire.decode(data, _HANDLES.resolve, wire.adapter_object)


def _call(target, args, kwargs):
    return target(*args, **kwargs)


def _run(request: dict, namespace: dict):
    op = request["op"]
    if op == "global":
        if request["name"] not in namespace:
            raise NotDefined(request["name"])
        return namespace[request["name"]]
    if op == "set_global":
        token = len(_SAVED) + 1
        _SAVED[token] = namespace.get(request["name"], _ABSENT)
        namespace[request["name"]] = _decode(request["value"])
        return token
    if op == "restore_global":
        saved = _SAVED.pop(int(request["token"]))
        if saved is _ABSENT:
            namespace.pop(request["name"], None)
        else:
            namespace[request["name"]] = saved
        return None
    if op == "call":
        return _call(_decode(request["target"]), _decode(request["args"]), _decode(request["kwargs"]))
    if op == "call_each":
        target, results = _decode(request["target"]), []
        for args, kwargs in _decode(request["calls"]):
            try:
                results.append(("ok", _call(target, args, kwargs)))
            except Exception as error:  # noqa: BLE001 -- reported in its place; the calls after it are not made
                results.append(("error", _error(error)))
                break
        return results
    if op == "getattr":
        return getattr(_decode(request["target"]), request["name"])
    if op == "operator":
        return OPERATORS[request["name"]](*_decode(request["args"]))
    if op == "define_module":  # a parts module the checks need now (wire.PARTS_PACKAGE), sent as source
        name = str(request["name"])
        if not name.startswith(wire.PARTS_PACKAGE + "."):
            raise ValueError(f"not a parts module: {name!r}")
        module = types.ModuleType(name)
        module.__file__ = f"<{name}>"
        sys.modules[name] = module
        exec(compile(request["source"], module.__file__, "exec"), module.__dict__)
        return None
    if op == "release":
        _HANDLES.clear()
        return None
    raise ValueError(f"unknown request {op!r}")


def _error(error: BaseException) -> list:
    """[type name, message, builtin?, where]: where names the notebook's function the error came out of and what it
    was given ("calling your `BasicBlock.forward` with x of shape (4, 8, 6, 6)"), or is empty."""
    name = type(error).__name__
    return [name, str(error)[:MESSAGE_CHARS], isinstance(getattr(builtins, name, None), type)
            and type(error) is getattr(builtins, name), _where(error)]


def _where(error: BaseException) -> str:
    try:
        return _student_call(error.__traceback__)
    except Exception:  # noqa: BLE001 -- the student's objects may raise even when described; the error still goes back
        return ""


_NOT_THE_STUDENTS = tuple({sys.prefix, sys.base_prefix, os.path.dirname(os.path.dirname(os.path.abspath(__file__)))})
ARGUMENT_CHARS = 300  # of the description of a call's arguments


def _student_call(tb) -> str:
    """The outermost frame of the notebook's own code in a traceback, described by its function and arguments."""
    for frame, _ in traceback.walk_tb(tb):
        code = frame.f_code
        if code.co_filename.startswith(_NOT_THE_STUDENTS) or code.co_filename.startswith(("<frozen", "<instructor_only")):
            continue
        owner = frame.f_locals.get("self")
        function = f"{type(owner).__name__}.{code.co_name}" if owner is not None else code.co_name
        described = []
        for arg in code.co_varnames[:code.co_argcount + code.co_kwonlyargcount]:
            value = frame.f_locals.get(arg)
            if arg == "self":
                continue
            if hasattr(value, "shape") and hasattr(value, "dtype"):
                described.append(f"{arg} of shape {tuple(int(d) if d is not None else None for d in value.shape)}")
            elif isinstance(value, (bool, int, float)) or (isinstance(value, (str, tuple)) and len(repr(value)) < 40):
                described.append(f"{arg}={value!r}")
        given = f" with {', '.join(described)}" if described else ""
        return f"calling your `{function}`{given}"[:ARGUMENT_CHARS]
    return ""


def serve(namespace: dict, request_text: str) -> str:
    """Answer one request (JSON text) against the notebook's globals `namespace`; never raises."""
    try:
        return wire.dumps({"ok": _encode(_run(wire.loads(request_text), namespace))})
    except Exception as error:  # noqa: BLE001 -- the student's code may raise anything; it is reported as data
        return wire.dumps({"error": _error(error)})


def answer_over(namespace: dict, socket_path: str) -> None:
    """Answer classgrade's requests over the unix socket it listens on, until it sends an empty frame.

    classgrade starts this with one silent execute request per cell's hidden checks: a round trip through the socket
    costs ~0.1 ms, an execute request per check request ~4 ms (IPython's execute machinery), and the checks of one
    ResNet part make hundreds. A frame is a 4-byte big-endian length and that many bytes of JSON text."""
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as connection:
        connection.connect(socket_path)
        answer_on(namespace, connection)


def answer_on(namespace: dict, connection: socket.socket) -> None:
    """Answer framed requests on a connected socket until an empty frame or the end of the stream.

    Python warnings the student's code raises meanwhile are kept, not printed: stock nbgrader runs the checks under
    pytest, whose warnings plugin keeps them the same way, and a warning printed to stderr could share an output with
    the student's own stderr, which the course's IgnorePattern would then drop with it."""
    with connection, warnings.catch_warnings(record=True) as caught:
        stream = connection.makefile("rwb")
        while True:
            header = stream.read(4)
            size = struct.unpack(">I", header)[0] if len(header) == 4 else 0
            if not size:
                return
            answer = serve(namespace, stream.read(size).decode()).encode()
            caught.clear()
            stream.write(struct.pack(">I", len(answer)) + answer)
            stream.flush()
