"""Name the catalogued mistake a failing answer behaves like, from what it computed under the hidden checks.

Two recordings of one test cell (`behaviour.Recording`) are compared request by request, check by check, as long as
both made the same requests. A comparison is evidence only where correct code is bound to one answer: the parts of
an answer where a catalogued correct alternative answered otherwise than the solution (the values of a random
initialisation, an object's type name) say nothing and are left out (`noise`); the rest of that answer (the same
request's call counter, its shapes) still counts. A dict's items are told apart by their keys, not their order (a
kernel may list them in any order); a set differing anywhere is one part.

Correct code may also answer in several ways where the checks allow it (a numpy integer or a Python int): an
answer is *correct-like* when it is strictly the same as the solution's or an alternative's.

A mistake M matches a student's recording S when, at every request both made (outside the left-out ones), S answers
strictly as M does, or both answers are correct-like; and at least one request is evidence: M's answer is not
correct-like and S's is strictly M's (S behaves like M where it counts).

The diagnosis is the matching mistakes when they all compute the same (they agree with each other wherever both were
recorded: one mistake, written several ways); when mistakes that compute different things match, or none does, there
is no diagnosis. A diagnosis never changes a score; a kernel that lies about its answers can only make its own
diagnosis wrong.
"""
from __future__ import annotations

import json
from dataclasses import dataclass

from instructor_only.checks.behaviour import same

Pair = tuple[str, int]  # (check node id, index of the request in that check)
Path = tuple            # keys and list indices from an answer's summary down to one of its parts
WHOLE: Path = ()        # the whole answer


@dataclass(frozen=True)
class Diagnosis:
    cell: str
    entries: tuple[str, ...]       # names of the matching catalogue entries (one mistake, perhaps written several ways)
    description: str               # the first entry's description
    evidence: int                  # requests at which the student answered as the mistake, not as the solution
    answer_cell: str = ""          # the answer cell the mistake is in (its hint: catalogue/hints.py)

    @property
    def name(self) -> str:
        return self.entries[0]


def aligned(a: dict, b: dict):
    """(pair, answer in a, answer in b) for every request both recordings made, in the same order, per check."""
    for check, requests in a.items():
        other = b.get(check)
        if not other:
            continue
        for index, ((key_a, answer_a), (key_b, answer_b)) in enumerate(zip(requests, other)):
            if key_a != key_b:
                break  # the checks went another way from here (an earlier answer ended the check)
            yield (check, index), answer_a, answer_b


def items_by_key(pairs) -> dict | None:
    """A dict summary's items ([[key summary, value summary], ...]) by their key, or None if they are not that (or a
    key repeats)."""
    if not isinstance(pairs, list) or not all(isinstance(p, list) and len(p) == 2 for p in pairs):
        return None
    items = {("item", json.dumps(key, sort_keys=True)): value for key, value in pairs}
    return items if len(items) == len(pairs) else None


def differing(a, b, path: Path = WHOLE) -> set[Path]:
    """The smallest parts at which two summaries differ (not merely in type): a dict with the same keys or a list of
    the same length is compared part by part, a dict summary's items key by key (`items_by_key`); anything else
    differing, a set summary included, is one part."""
    if same(a, b, strict=False):
        return set()
    if isinstance(a, dict) and isinstance(b, dict) and a.keys() == b.keys():
        if "set" in a:
            return {path}
        if "d" in a:
            items_a, items_b = items_by_key(a["d"]), items_by_key(b["d"])
            if items_a is None or items_b is None or items_a.keys() != items_b.keys():
                return {path}
            rest = {p for key in a if key != "d" for p in differing(a[key], b[key], (*path, key))}
            return rest | {p for key in items_a for p in differing(items_a[key], items_b[key], (*path, "d", key))}
        return {p for key in a for p in differing(a[key], b[key], (*path, key))}
    if isinstance(a, list) and isinstance(b, list) and len(a) == len(b):
        return {p for index, (x, y) in enumerate(zip(a, b)) for p in differing(x, y, (*path, index))}
    return {path}


def masked(answer, paths: set[Path]):
    """`answer` with the parts at `paths` replaced by one placeholder (a path it does not have is passed over; a dict
    summary's items are found by their key)."""
    if not paths:
        return answer
    if WHOLE in paths:
        return "~"
    below: dict = {}
    for path in paths:
        below.setdefault(path[0], set()).add(path[1:])
    if isinstance(answer, dict):
        return {key: masked(value, below.get(key, set())) for key, value in answer.items()}
    if isinstance(answer, list):
        if any(isinstance(part, tuple) for part in below):  # a dict summary's items, by key
            if items_by_key(answer) is None:
                return answer
            return [[key, masked(value, below.get(("item", json.dumps(key, sort_keys=True)), set()))]
                    for key, value in answer]
        return [masked(value, below.get(index, set())) for index, value in enumerate(answer)]
    return answer


def noise(solution: dict, alternatives: list[dict]) -> dict[Pair, set[Path]]:
    """{request: the parts of its answer where a correct alternative answered another value than the solution (not
    merely another type)}."""
    found: dict[Pair, set[Path]] = {}
    for alternative in alternatives:
        for pair, a, b in aligned(solution, alternative):
            parts = differing(a, b)
            if parts:
                found.setdefault(pair, set()).update(parts)
    return found


def compared(a: dict, b: dict, ignored: dict[Pair, set[Path]]):
    """(pair, answer in a, answer in b) for every request both made, their noisy parts masked; requests whose whole
    answer is noise are left out."""
    for pair, x, y in aligned(a, b):
        parts = ignored.get(pair, set())
        if WHOLE not in parts:
            yield pair, masked(x, parts), masked(y, parts)


class Correct:
    """What correct code answered at each request (the solution's and the alternatives' answers, noise masked)."""

    def __init__(self, solution: dict, alternatives: list[dict], ignored: dict[Pair, set[Path]]):
        self.answers: dict[Pair, list] = {}
        for recording in [solution, *alternatives]:
            for pair, answer, _ in compared(recording, solution, ignored):
                self.answers.setdefault(pair, []).append(answer)

    def like(self, pair: Pair, answer) -> bool:
        """Is `answer` (masked) what correct code answered?"""
        return any(same(answer, correct) for correct in self.answers.get(pair, ()))


def agreement(student: dict, mistake: dict, correct: Correct, ignored: dict[Pair, set[Path]]) -> int | None:
    """The evidence that `student` behaves like `mistake` (requests where the mistake answers as no correct code
    does and the student as the mistake); None if they disagree anywhere."""
    evidence = 0
    for pair, answer, mistaken in compared(student, mistake, ignored):
        if same(answer, mistaken):
            evidence += not correct.like(pair, mistaken)
        elif not (correct.like(pair, answer) and correct.like(pair, mistaken)):
            return None
    return evidence


def equivalent(a: dict, b: dict, ignored: dict[Pair, set[Path]]) -> bool:
    return all(same(x, y) for _, x, y in compared(a, b, ignored))


def diagnose(cell: str, student: dict, fingerprints: dict) -> Diagnosis | None:
    """The catalogued mistake `student` (a recording of cell `cell`'s checks) behaves like, or None."""
    solution = fingerprints["solution"].get(cell, {}).get("checks")
    if not solution:
        return None
    recorded = [(e, e["cells"][cell]["checks"]) for e in fingerprints["entries"] if cell in e.get("cells", {})]
    alternatives = [checks for e, checks in recorded if e["kind"] == "alt"]
    ignored = noise(solution, alternatives)
    correct = Correct(solution, alternatives, ignored)
    matches = []
    for entry, checks in recorded:
        if entry["kind"] != "bug" or entry["cells"][cell].get("passed"):
            continue  # (a mistake the checks of this cell do not catch says nothing about failing it)
        evidence = agreement(student, checks, correct, ignored)
        if evidence:
            matches.append((entry, checks, evidence))
    if not matches:
        return None
    first = matches[0][1]
    if not all(equivalent(first, checks, ignored) for _, checks, _ in matches[1:]):
        return None  # mistakes that compute different things fit: which one is not known
    best = max(matches, key=lambda m: m[2])
    names = tuple(dict.fromkeys([best[0]["name"], *(entry["name"] for entry, _, _ in matches)]))
    return Diagnosis(cell, names, best[0]["description"], best[2], best[0].get("answer_cell", ""))


def not_answered(student: dict) -> bool:
    """Did the student's code still raise the release's NotImplementedError (a TODO left as it was released)?"""
    return any(answer == {"error": "NotImplementedError"} for requests in student.values() for _, answer in requests)
