"""instructor_only/grading/blind_round.py scores a file of entries written blind as the catalogue's proof would: a bug
is caught only if its own cell's hidden checks alone fail, an alternative kept only with full marks."""
import textwrap

from instructor_only.grading import course
from instructor_only.grading.blind_round import load_entries, score, table

CORRECT = "def conv_output_size(n, kernel, padding=0, stride=1, dilation=1):\n" \
          "    return (n + 2 * padding - dilation * (kernel - 1) - 1) // stride + 1\n"
ONE_SIDE = CORRECT.replace("2 * padding", "padding")
ENTRIES = textwrap.dedent(f'''
    from instructor_only.catalogue import Alternative, Bug

    ENTRIES = [
        Bug("conv_output_size", "pads_one_side", "a bug", {ONE_SIDE!r}),
        Bug("conv_output_size", "not_a_bug", "correct after all", {CORRECT!r}),
        Alternative("conv_output_size", "correct", "an alternative", {CORRECT!r}),
        Alternative("conv_output_size", "not_correct", "a bug after all", {ONE_SIDE!r}),
    ]
''')


def test_bugs_caught_and_alternatives_kept_are_told_apart(tmp_path):
    path = tmp_path / "entries.py"
    path.write_text(ENTRIES)
    rows = score(course.get("warmup_torch"), load_entries(path))
    assert [(r.kind, r.name, r.ok_hidden, r.ok_cell) for r in rows] == [
        ("bug", "pads_one_side", True, True), ("bug", "not_a_bug", False, False),
        ("alt", "correct", True, True), ("alt", "not_correct", False, False)]
    assert table(rows).splitlines()[1].split() == ["warmup_torch", "2", "1", "1", "2", "1"]
