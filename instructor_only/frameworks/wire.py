"""What crosses between the student's kernel and the trusted side of the hidden checks: plain data, as JSON.

Values that are data travel by value: None, bools, ints, floats, strings, bytes, tuples, lists, dicts, sets, numpy
arrays and scalars of numeric or boolean dtype. Anything else (a tensor, a layer, the student's function) stays where
it lives and travels as a handle: {"h": [id, type name, callable]}. Functions and classes of the course's framework
adapters (`instructor_only.frameworks.*`) travel by name, {"f": [module, qualified name]}, and are looked up again on
the other side.

Decoding never runs code of the sender: it builds only the types above (a numpy dtype must be numeric or boolean),
and handles and names are resolved by the receiver's own `resolve_handle` / `resolve_name`.
"""
from __future__ import annotations

import base64
import importlib
import json
import sys
from typing import Callable

import numpy as np

ADAPTER_PACKAGE = "instructor_only.frameworks"
PARTS_PACKAGE = "instructor_only.checks.parts"  # trusted-side modules the checks send to the kernel by source
ARRAY_KINDS = "biufc"  # bool, signed and unsigned int, float, complex: numpy dtypes that hold numbers only


def _array(value: np.ndarray) -> dict:
    data = np.ascontiguousarray(value)  # (1-d for a 0-d array: the shape is the value's own)
    return {"a": [data.dtype.str, list(value.shape), base64.b64encode(data.tobytes()).decode("ascii")]}


def is_adapter_object(value) -> bool:
    """A function or class defined in one of the course's adapter (or parts) modules: sent by name."""
    module = getattr(value, "__module__", None) or ""
    return (callable(value) and isinstance(module, str) and module.startswith((ADAPTER_PACKAGE + ".", PARTS_PACKAGE + "."))
            and isinstance(getattr(value, "__qualname__", None), str) and "<" not in value.__qualname__)


def encode(value, to_handle: Callable[[object], list], by_name: bool = True) -> object:
    """`value` as JSON-able data; what is not data becomes `to_handle(value)` ([id, type name, callable]). Adapter
    functions and classes go by name only if `by_name` (the trusted side's requests; the kernel sends handles only:
    a name it sent would be looked up on the trusted side)."""
    if value is None or isinstance(value, (bool, str)) or type(value) in (int, float):
        return value
    if isinstance(value, np.ndarray) and value.dtype.kind in ARRAY_KINDS and not value.dtype.hasobject:
        return _array(value)
    if isinstance(value, np.generic) and value.dtype.kind in ARRAY_KINDS:
        return {"s": _array(np.asarray(value))["a"]}
    if type(value) is tuple:
        return {"t": [encode(v, to_handle, by_name) for v in value]}
    if type(value) is list:
        return {"l": [encode(v, to_handle, by_name) for v in value]}
    if type(value) is dict:
        return {"d": [[encode(k, to_handle, by_name), encode(v, to_handle, by_name)] for k, v in value.items()]}
    if type(value) in (set, frozenset):
        return {"set": [encode(v, to_handle, by_name) for v in value]}
    if type(value) is bytes:
        return {"b": base64.b64encode(value).decode("ascii")}
    if by_name and is_adapter_object(value):
        return {"f": [value.__module__, value.__qualname__]}
    return {"h": to_handle(value)}


def _decode_array(spec) -> np.ndarray:
    dtype_str, shape, data = spec
    dtype = np.dtype(str(dtype_str))
    if dtype.kind not in ARRAY_KINDS or dtype.hasobject:
        raise ValueError(f"refused an array of dtype {dtype_str!r}")
    return np.frombuffer(base64.b64decode(data), dtype=dtype).reshape([int(n) for n in shape]).copy()


def decode(data, resolve_handle: Callable[[list], object], resolve_name: Callable[[str, str], object] | None = None):
    """The value `data` encodes (see `encode`); handles go through `resolve_handle`, adapter names `resolve_name`."""
    if data is None or isinstance(data, (bool, int, float, str)):
        return data
    if not isinstance(data, dict) or len(data) != 1:
        raise ValueError("malformed wire value")
    (tag, body), = data.items()
    if tag == "a":
        return _decode_array(body)
    if tag == "s":
        return _decode_array(body)[()]
    if tag == "t":
        return tuple(decode(v, resolve_handle, resolve_name) for v in body)
    if tag == "l":
        return [decode(v, resolve_handle, resolve_name) for v in body]
    if tag == "d":
        return {decode(k, resolve_handle, resolve_name): decode(v, resolve_handle, resolve_name) for k, v in body}
    if tag == "set":
        return {decode(v, resolve_handle, resolve_name) for v in body}
    if tag == "b":
        return base64.b64decode(body)
    if tag == "h":
        return resolve_handle(body)
    if tag == "f" and resolve_name is not None:
        return resolve_name(str(body[0]), str(body[1]))
    raise ValueError(f"unknown wire tag {tag!r}")


def adapter_object(module: str, qualname: str):
    """An adapter (or parts) module's function or class by name; nothing else is reachable. A parts module is one
    the trusted side has sent (in the kernel) or can import (trusted side)."""
    if not module.startswith((ADAPTER_PACKAGE + ".", PARTS_PACKAGE + ".")) \
            or not module.replace(".", "").replace("_", "").isalnum():
        raise ValueError(f"not an adapter module: {module!r}")
    value = sys.modules.get(module) or importlib.import_module(module)
    for part in qualname.split("."):
        if part.startswith("_"):
            raise ValueError(f"not a public adapter name: {qualname!r}")
        value = getattr(value, part)
    if getattr(value, "__module__", None) != module:  # defined there, not imported into it
        raise ValueError(f"{module}.{qualname} is not defined in that module")
    return value


def dumps(message: dict) -> str:
    return json.dumps(message, allow_nan=True)


def loads(text: str | bytes) -> dict:
    message = json.loads(text)
    if not isinstance(message, dict):
        raise ValueError("malformed wire message")
    return message
