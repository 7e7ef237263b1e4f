"""What the trusted side keeps of a failing answer's behaviour (instructor_only/checks/behaviour.py): comparable
summaries, the same key for the same request whatever the kernel numbered its objects, and bounds that hold
against a hostile kernel's answers."""
from __future__ import annotations

import json
import time

import numpy as np

from instructor_only.checks import behaviour
from instructor_only.frameworks import wire


def answer(value) -> str:
    return wire.dumps({"ok": wire.encode(value, lambda v: [7, type(v).__name__, callable(v)])})


def test_numbers_compare_within_tolerance_and_types_only_when_strict():
    a, b = behaviour.summarise(answer(np.float32(1.0))), behaviour.summarise(answer(1.0000001))
    assert behaviour.same(a, b, strict=False) and not behaviour.same(a, b)
    assert behaviour.same(behaviour.summarise(answer(3)), behaviour.summarise(answer(3.0000001)), strict=False)
    assert not behaviour.same(behaviour.summarise(answer(3.0)), behaviour.summarise(answer(3.5)), strict=False)


def test_arrays_are_kept_as_shape_and_a_fixed_sample():
    big = np.arange(10_000, dtype=np.float32).reshape(100, 100)
    summary = behaviour.summarise(answer(big))
    assert summary["shape"] == [100, 100] and len(summary["v"]) == behaviour.SAMPLE
    changed = big.copy()
    changed[-1, -1] *= 1.01  # the last element is always in the sample
    assert not behaviour.same(summary, behaviour.summarise(answer(changed)))
    unsampled = big.copy()
    unsampled[50, 1] = 1e6  # not in the sample: the sums see it
    assert not behaviour.same(summary, behaviour.summarise(answer(unsampled)))
    assert behaviour.same(summary, behaviour.summarise(answer(big * (1 + 1e-6))))


def test_errors_and_objects_are_kept_by_type_only():
    error = json.dumps({"error": ["ValueError", "a message that may say anything", True]})
    assert behaviour.summarise(error) == {"error": "ValueError"}
    assert behaviour.summarise(answer(object())) == {"h": "object"}


def test_the_same_request_gets_the_same_key_whatever_the_handle_numbers():
    first, second = behaviour.Recording(), behaviour.Recording()
    for recording, (layer, fn) in ((first, (3, 4)), (second, (11, 12))):
        recording.begin("checks.py::CheckX::check_a")
        request = wire.dumps({"op": "call", "target": {"h": [fn, "function", True]},
                              "args": {"t": [{"h": [layer, "Conv2d", True]}]}})
        recording.add(request, answer(5))
    assert first.as_dict() == second.as_dict()


def test_a_hostile_kernel_cannot_make_a_recording_large_or_slow_or_raise():
    recording = behaviour.Recording()
    nested = "[" * 100_000 + "]" * 100_000  # deeper than json can parse
    huge = json.dumps({"ok": {"l": [{"l": [1.5] * 1000}] * 1000}})  # ~6 MB
    long_text, request = answer("x" * 10**6), wire.dumps({"op": "global", "name": "f"})
    started = time.perf_counter()
    for check in range(200):
        recording.begin(f"c.py::C::check_{check}")
        for _ in range(50):
            recording.add(request, huge if check % 2 else long_text)
    recording.begin("c.py::C::check_nested")
    recording.add(wire.dumps({"op": "global", "name": "f"}), '{"ok": ' + nested + "}")
    assert time.perf_counter() - started < 30
    size = len(json.dumps(recording.as_dict()))
    assert size <= behaviour.MAX_CHARS, size
    assert len(recording.as_dict()) <= behaviour.MAX_CHECKS


def test_answers_are_summarised_only_when_the_recording_is_read_and_never_pile_up(monkeypatch):
    """A passing cell's recording is never read: its answers cost no summary. What waits is bounded (RAW_CHARS):
    beyond it, the waiting answers are summarised at once."""
    calls = []
    real = behaviour.summarise
    monkeypatch.setattr(behaviour, "summarise", lambda text: calls.append(1) or real(text))
    recording, request = behaviour.Recording(), wire.dumps({"op": "global", "name": "f"})
    recording.begin("c.py::C::check_a")
    for value in range(10):
        recording.add(request, answer(value))
    assert not calls
    assert [summary for _, summary in recording.as_dict()["c.py::C::check_a"]] == list(range(10))
    assert len(calls) == 10
    big = answer("x" * (1 << 20))
    recording.begin("c.py::C::check_b")
    for _ in range(2 * behaviour.RAW_CHARS // len(big)):
        recording.add(request, big)
    assert len(calls) > 10 and recording._waiting_chars <= behaviour.RAW_CHARS
