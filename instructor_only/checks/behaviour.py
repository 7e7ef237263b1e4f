"""What a student's code computed during the hidden checks, kept small enough to compare with the catalogue.

While the checks of a test cell run, a `Recording` on the link keeps, for every check (pytest node id), each request
made of the student's side and a summary of its answer: data as data (numbers rounded, arrays as their shape, dtype
and a fixed sample of their values), handles as their type, errors as their type. The same checks make the same
requests of any notebook (their inputs are fixed), so two recordings of one cell can be compared request by request:
that is how a failing answer is matched to the catalogued mistake it behaves like (`grading/diagnosis/`).

Everything here reads the kernel's answers, which are hostile: a recording is bounded in requests per check, checks
per cell and characters per answer, and summarising an answer costs at most a pass over its bytes.

Only a failing cell's recording is kept, so answers are summarised when the recording is read, not as they arrive:
a cell whose checks pass costs a reference per answer, not a summary (up to RAW_CHARS of answers wait; beyond
that, what waits is summarised at once).
"""
from __future__ import annotations

import hashlib
import json
import math

import numpy as np

from instructor_only.frameworks import wire

MAX_CHECKS = 64             # checks of one cell recorded
MAX_REQUESTS = 400          # requests recorded per check
MAX_ANSWER_CHARS = 4 << 20  # an answer longer than this is summarised as its length only
SAMPLE = 24                 # values of an array kept (evenly spaced over its flattened data)
MAX_ITEMS = 32              # items of a list, tuple, dict or set kept
MAX_TEXT = 120              # characters of a string kept
MAX_DEPTH = 6
MAX_SUMMARY_CHARS = 4_000   # a longer summary is kept as its digest (compared for equality only)
MAX_CHARS = 256_000         # of summaries and keys per cell: the rest of the checks is not recorded
SKIPPED_OPS = ("define_module", "release")  # bookkeeping of the link, the same whatever the student wrote
RAW_CHARS = 16 << 20        # of requests and answers kept as they came, waiting to be summarised


class Recording:
    """Requests and answer summaries of one test cell's checks: {check node id: [[request key, summary], ...]}."""

    def __init__(self):
        self._checks: dict[str, list] = {}
        self._current: list | None = None
        self._handles: dict[int, int] = {}
        self._chars = 0
        self._waiting: list[tuple] = []  # (check,) or (request text, answer text or its length), in order
        self._waiting_chars = 0

    @property
    def checks(self) -> dict[str, list]:
        self._summarise_waiting()
        return self._checks

    def begin(self, check: str) -> None:
        """The checks' runner starts check `check`: its requests are numbered and its handles renamed afresh."""
        self._waiting.append((check,))

    def add(self, request_text: str, answer_text: str) -> None:
        """Record one request and its answer (never raises: recording must not change what the checks decide)."""
        try:
            if len(answer_text) > MAX_ANSWER_CHARS:
                answer_text = len(answer_text)  # (summarised as its length only: the text need not wait)
            self._waiting.append((request_text, answer_text))
            self._waiting_chars += 64 + len(request_text) + (len(answer_text) if isinstance(answer_text, str) else 0)
            if self._waiting_chars > RAW_CHARS:
                self._summarise_waiting()
        except Exception:  # noqa: BLE001 -- (the summaries themselves never raise: _add_now)
            self._current = None

    def _summarise_waiting(self) -> None:
        waiting, self._waiting, self._waiting_chars = self._waiting, [], 0
        for event in waiting:
            if len(event) == 1:
                self._begin(event[0])
            else:
                self._add_now(*event)

    def _begin(self, check: str) -> None:
        if len(self._checks) >= MAX_CHECKS or self._chars > MAX_CHARS:
            self._current = None
            return
        self._current = self._checks.setdefault(check[-300:], [])
        self._chars += len(json.dumps(check[-300:])) + 4
        self._handles = {}

    def _add_now(self, request_text: str, answer_text: str | int) -> None:
        try:
            self._add(request_text, answer_text)
        except Exception:  # noqa: BLE001 -- e.g. an answer nested too deep to parse: the rest is not recorded
            self._current = None

    def _add(self, request_text: str, answer_text: str | int) -> None:
        if self._current is None or len(self._current) >= MAX_REQUESTS:
            return
        request = json.loads(request_text)
        if request.get("op") in SKIPPED_OPS:
            return
        key, summary = self._key(request), summarise(answer_text)
        text = json.dumps(summary)
        if len(text) > MAX_SUMMARY_CHARS:
            summary = {"digest": hashlib.sha256(text.encode()).hexdigest()}
        self._chars += len(json.dumps([key, summary])) + 2
        if self._chars > MAX_CHARS:
            self._current = None
            return
        self._current.append([key, summary])

    def _key(self, request: dict) -> str:
        """The request with handle ids replaced by their order of first appearance in this check (the kernel numbers
        its objects in the order the checks made them; a notebook that failed an earlier check made fewer)."""
        def renamed(value):
            if isinstance(value, dict):
                if set(value) == {"h"} and isinstance(value["h"], list) and value["h"]:
                    number = self._handles.setdefault(int(value["h"][0]), len(self._handles) + 1)
                    return {"h": number}
                return {k: renamed(v) for k, v in value.items()}
            if isinstance(value, list):
                return [renamed(v) for v in value]
            return value
        return json.dumps(renamed(request), sort_keys=True)[:2000]

    def as_dict(self) -> dict:
        return self.checks

    def as_text(self) -> str:
        """Compact JSON: what a notebook's metadata keeps (its size is what MAX_CHARS counts, near enough)."""
        return json.dumps(self.checks, separators=(",", ":"))


def summarise(answer_text: str | int):
    """A bounded, JSON-able summary of one answer: what two answers are compared by (`same`). (An int: the length of
    an answer too long to keep.)"""
    if isinstance(answer_text, int):
        return {"too_long": answer_text}
    if len(answer_text) > MAX_ANSWER_CHARS:
        return {"too_long": len(answer_text)}
    try:
        answer = json.loads(answer_text)
    except ValueError:
        return {"malformed": True}
    if not isinstance(answer, dict):
        return {"malformed": True}
    if "error" in answer:
        error = answer["error"]
        return {"error": _text(str(error[0])) if isinstance(error, list) and error else "?"}
    return _value(answer.get("ok"), 0)


def _value(data, depth: int):
    if depth > MAX_DEPTH:
        return "..."
    if data is None or isinstance(data, bool):
        return data
    if isinstance(data, int):
        return data if abs(data) < 2**53 else float(data)
    if isinstance(data, float):
        return _number(data)
    if isinstance(data, str):
        return _text(data)
    if not isinstance(data, dict) or len(data) != 1:
        return "?"
    (tag, body), = data.items()
    if tag == "s":  # a numpy scalar: its kind and value (`same` can compare it as the number it is)
        summary = _array(body)
        return {"np": summary["kind"], "v": summary["v"][0]} if isinstance(summary, dict) and summary["v"] else "?"
    if tag == "a":
        return _array(body)
    if tag in ("t", "l", "set") and isinstance(body, list):
        items = [_value(v, depth + 1) for v in body[:MAX_ITEMS]]
        return {tag: sorted(items, key=repr) if tag == "set" else items, "n": len(body)}
    if tag == "d" and isinstance(body, list):
        pairs = [[_value(k, depth + 1), _value(v, depth + 1)] for k, v in
                 (p for p in body[:MAX_ITEMS] if isinstance(p, list) and len(p) == 2)]
        return {"d": pairs, "n": len(body)}
    if tag == "h" and isinstance(body, list) and len(body) >= 2:
        return {"h": _text(str(body[1]))}  # an object of the kernel: its type only
    if tag == "b":
        return {"b": len(body) if isinstance(body, str) else 0}
    return "?"


def _text(text: str) -> str:
    """At most MAX_TEXT characters, valid UTF-8 (a lone surrogate would stop the notebook from being written)."""
    return text[:MAX_TEXT].encode("utf-8", "replace").decode("utf-8")


def _number(x: float):
    if not math.isfinite(x):
        return str(x)
    return float(f"{x:.6g}")


def _array(spec):
    try:
        array = wire.decode({"a": spec}, lambda _: None)
    except (ValueError, TypeError, KeyError, IndexError):
        return "?"
    flat = array.reshape(-1)
    whole = np.abs(flat) if array.dtype.kind == "c" else flat.astype(np.float64)
    # A change anywhere moves these (the sample sees a few values only); not finite: kept as text
    totals = [_number(float(whole.sum())), _number(float(np.abs(whole).sum()))] if whole.size else []
    if flat.size > SAMPLE:
        flat = flat[np.linspace(0, flat.size - 1, SAMPLE).astype(int)]
    if array.dtype.kind == "c":
        flat = np.abs(flat)
    values = [v.item() for v in flat.astype(bool if array.dtype.kind == "b" else np.float64)]
    return {"shape": list(array.shape), "kind": array.dtype.kind, "sums": totals,
            "v": [v if isinstance(v, bool) else _number(v) for v in values]}


def same(a, b, strict: bool = True, rtol: float = 1e-3, atol: float = 1e-5) -> bool:
    """Do two summaries say the same answer? Numbers within rtol/atol: the same computation written another way
    (another order of sums, float32 against float64 on the way) moves float32 results by about 1e-6 relative, and
    the catalogue's mistakes move them by far more than 1e-3. Not `strict`: a numpy scalar is the number it holds, and
    an int the float of the same value (correct code may return either where the checks allow both)."""
    if not strict:
        a, b = _plain(a), _plain(b)
    if _is_number(a) and _is_number(b) and (not strict or type(a) is type(b)):
        return math.isclose(a, b, rel_tol=rtol, abs_tol=atol)
    if type(a) is not type(b):
        return False
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(same(a[k], b[k], strict, rtol, atol) for k in a)
    if isinstance(a, list):
        return len(a) == len(b) and all(same(x, y, strict, rtol, atol) for x, y in zip(a, b))
    return a == b


def _is_number(x) -> bool:
    return isinstance(x, (int, float)) and not isinstance(x, bool)


def _plain(x):
    return x["v"] if isinstance(x, dict) and set(x) == {"np", "v"} else x
