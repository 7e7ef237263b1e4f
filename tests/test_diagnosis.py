"""Diagnosis by behaviour (instructor_only/grading/diagnosis/): the catalogue's mistakes, recorded under the hidden
checks of the warm-up's output-size cell, are named as themselves (or as an entry that computes the same), never as a
mistake that computes something else, and a correct answer is named as nothing.

The recordings are made in this process (`fingerprints.compute`), as classgrade's fingerprints are; tests/test_demo.py
checks the same through classgrade and the sandbox, where the student's side is a real kernel.
"""
from __future__ import annotations

import pytest

from instructor_only.grading import course
from instructor_only.grading.diagnosis import fingerprints
from instructor_only.grading.diagnosis.matching import diagnose, equivalent, noise

CELL = "check_conv_output_size"


@pytest.fixture(scope="module")
def prints():
    return fingerprints.compute(course.get("warmup_torch"), {CELL})


def recorded(prints, kind):
    return [e for e in prints["entries"] if e["kind"] == kind and CELL in e["cells"]]


def test_every_mistake_is_named_as_itself_or_an_equivalent_entry(prints):
    bugs = [e for e in recorded(prints, "bug") if not e["cells"][CELL]["passed"]]
    assert len(bugs) >= 10
    ignored = noise(prints["solution"][CELL]["checks"], [e["cells"][CELL]["checks"] for e in recorded(prints, "alt")])
    for bug in bugs:
        diagnosis = diagnose(CELL, bug["cells"][CELL]["checks"], prints)
        assert diagnosis is not None, bug["name"]
        named = [e for e in bugs if e["name"] in diagnosis.entries]
        assert bug["name"] in diagnosis.entries or all(
            equivalent(bug["cells"][CELL]["checks"], e["cells"][CELL]["checks"], ignored) for e in named), \
            (bug["name"], diagnosis.entries)


def test_a_mistake_missing_from_the_catalogue_is_not_named_as_another(prints):
    """Left out of the catalogue, a mistake is named only as an entry that computes the same, or not at all."""
    bugs = [e for e in recorded(prints, "bug") if not e["cells"][CELL]["passed"]]
    ignored = noise(prints["solution"][CELL]["checks"], [e["cells"][CELL]["checks"] for e in recorded(prints, "alt")])
    for bug in bugs:
        others = {**prints, "entries": [e for e in prints["entries"] if e is not bug]}
        diagnosis = diagnose(CELL, bug["cells"][CELL]["checks"], others)
        if diagnosis is not None:
            for e in (e for e in bugs if e["name"] in diagnosis.entries):
                assert equivalent(bug["cells"][CELL]["checks"], e["cells"][CELL]["checks"], ignored), \
                    (bug["name"], e["name"])


def test_correct_answers_are_named_as_nothing(prints):
    alternatives = recorded(prints, "alt")
    assert alternatives
    for alternative in alternatives:
        assert diagnose(CELL, alternative["cells"][CELL]["checks"], prints) is None, alternative["name"]
    assert diagnose(CELL, prints["solution"][CELL]["checks"], prints) is None


def test_a_kernel_that_answers_nothing_is_named_as_nothing(prints):
    assert diagnose(CELL, {}, prints) is None


def test_every_catalogued_mistake_has_a_hint_and_the_feedback_sentence_carries_it():
    """Each answer cell with catalogued mistakes has a hint (catalogue/hints.py), in both tracks; the sentence under a
    failed cell names the mistake and gives its hint."""
    from instructor_only import catalogue
    from instructor_only.catalogue import hints
    from instructor_only.grading.diagnosis.in_feedback import sentence
    from instructor_only.grading.diagnosis.matching import Diagnosis
    missing = [f"{a.name}/{e.answer_cell}" for a in course.discover() for e in catalogue.load(a.name)
               if e.kind == "bug" and not hints.hint(a.concept, e.answer_cell, e.hint)]
    assert not missing, sorted(set(missing))
    note = sentence(Diagnosis("check_conv_output_size", ("floors_with_float",), "divides with /.", 3,
                              "conv_output_size"), hints.hint("warmup", "conv_output_size"))
    assert note.startswith("Diagnosis: your answer behaves like a known mistake: divides with /. Hint: count the ")
    assert note.endswith("(This note does not change your score.)")


def test_a_mistake_is_named_by_the_parts_of_an_answer_that_correct_code_agrees_on():
    """One request answers a random initialisation (correct alternatives differ there) and a call counter (all
    correct code agrees on it): the counter still tells the mistake apart, and the random values never do."""
    check = "resnet.py::CheckCustomDense::check_counter"

    def answer(values, calls):
        return {"d": [["kernel", {"v": values}], ["calls", {"v": [calls]}]]}

    def recording(values, calls):
        return {check: [["state", answer(values, calls)]]}

    def entry(name, kind, values, calls, passed):
        return {"name": name, "kind": kind, "description": name, "answer_cell": "custom_dense",
                "cells": {"check": {"passed": passed, "checks": recording(values, calls)}}}

    prints = {"solution": {"check": {"passed": True, "checks": recording([0.1, -0.2], 2)}},
              "entries": [entry("other_init", "alt", [0.3, 0.4], 2, True),
                          entry("counts_once", "bug", [0.5, 0.6], 1, False),
                          entry("counts_thrice", "bug", [0.7, 0.8], 3, False)]}
    student = recording([-0.9, 0.9], 1)  # its own random values, the first mistake's counter
    diagnosis = diagnose("check", student, prints)
    assert diagnosis is not None and diagnosis.entries == ("counts_once",)
    assert diagnose("check", recording([-0.9, 0.9], 2), prints) is None    # correct counter: nothing to name
    assert diagnose("check", recording([-0.9, 0.9], 7), prints) is None    # a counter no entry has: not known
    ignored = noise(prints["solution"]["check"]["checks"], [prints["entries"][0]["cells"]["check"]["checks"]])
    assert ignored == {(check, 0): {("d", ("item", '"kernel"'), "v", 0), ("d", ("item", '"kernel"'), "v", 1)}}
    assert not equivalent(student, prints["entries"][2]["cells"]["check"]["checks"], ignored)


def test_a_dicts_items_are_told_apart_by_key_and_a_set_is_one_part():
    """A kernel may list a dict's items in any order, and a set summary is sorted by its values: masking by position
    would hide the item that differs (blind review: a step of 4 was named as the mistake whose step is 5)."""
    check = "c.py::C::check_state"

    def fingerprints(solution, alternative, mistake):
        def entry(name, kind, answer, passed):
            return {"name": name, "kind": kind, "description": name, "answer_cell": "a",
                    "cells": {"check": {"passed": passed, "checks": {check: [["state", answer]]}}}}
        return {"solution": {"check": {"passed": True, "checks": {check: [["state", solution]]}}},
                "entries": [entry("other", "alt", alternative, True), entry("step_five", "bug", mistake, False)]}

    def state(*items):
        return {"d": [[key, value] for key, value in items], "n": len(items)}

    prints = fingerprints(state(("w", 0.1), ("step", 3)), state(("w", 0.9), ("step", 3)),
                          state(("step", 5), ("w", 0.5)))
    assert diagnose("check", {check: [["state", state(("step", 4), ("w", 0.5))]]}, prints) is None
    named = diagnose("check", {check: [["state", state(("step", 5), ("w", -0.7))]]}, prints)
    assert named is not None and named.entries == ("step_five",)
    sets = fingerprints({"set": [0.7, 5], "n": 2}, {"set": [0.2, 5], "n": 2}, {"set": [4, 5.2], "n": 2})
    assert diagnose("check", {check: [["state", {"set": [3, 5.2], "n": 2}]]}, sets) is None


def test_kept_fingerprints_are_read_without_a_process_only_when_current_and_complete(prints, tmp_path):
    """classgrade reads the kept file itself when it is of this course's code and holds every entry of the failed
    cells; otherwise it starts the fingerprints' process (which imports the framework)."""
    import json
    from instructor_only.grading.diagnosis.cache_key import code_digest
    from instructor_only.grading.diagnosis.class_diagnosis import kept_fingerprints
    assert prints["complete"] and prints["complete_cells"] == [CELL]
    key = code_digest(course.get("warmup_torch"))
    (tmp_path / "fingerprints.json").write_text(json.dumps({"key": key, "fingerprints": prints}))
    assert kept_fingerprints(tmp_path, "warmup_torch", {CELL}) == prints
    assert kept_fingerprints(tmp_path, "warmup_torch", {CELL, "check_conv_layer"}) is None  # not all computed
    (tmp_path / "fingerprints.json").write_text(json.dumps({"key": "older code", "fingerprints": prints}))
    assert kept_fingerprints(tmp_path, "warmup_torch", {CELL}) is None
    (tmp_path / "fingerprints.json").write_text("{not json")
    assert kept_fingerprints(tmp_path, "warmup_torch", {CELL}) is None
