"""What a student reads when a hidden check fails because their own code raised: which of their functions was called on
what, the framework's message, and a hint where the error is a known one (not a traceback of the checks)."""
from instructor_only.grading import course, inprocess, notebooks
from instructor_only.grading.submissions import plan

RAISES_ON_SHAPES = '''
def shift_sensitivity(x, kind):
    """Adds tensors of different shapes: PyTorch raises a RuntimeError naming the sizes."""
    return float((x[:, :, :2] + x[:, :, :3]).mean())
'''

ASSERTS_INSTEAD_OF_VALUE_ERROR = '''
class Bottleneck(nn.Module):
    def __init__(self, in_channels, out_channels, stride=1):
        super().__init__()
        assert out_channels % 4 == 0, "out_channels must be divisible by 4"
        raise NotImplementedError
'''


def _test_cell_output(assignment: str, answer_cell: str, code: str, test_cell: str) -> tuple[bool, str]:
    solution = next(s for s in plan(course.get(assignment), include=("solution",)))
    (name, nb), = solution.notebooks.items()
    changed = notebooks.hidden_only(notebooks.with_answer_replaced(nb, answer_cell, code), keep={test_cell})
    return inprocess.run_cells(changed)[test_cell]  # the hidden checks alone: their words, not a public assert


def test_an_error_in_the_students_code_names_their_function_its_inputs_and_a_hint():
    passed, text = _test_cell_output("warmup_torch", "shift_sensitivity", RAISES_ON_SHAPES, "check_shift_sensitivity")
    assert not passed
    hidden = text.split("instructor_only.checks.runner.HiddenChecksFailed")[0]  # (the in-process runner's last line)
    assert "calling your `shift_sensitivity` with x of shape (2, 3, 8, 8), kind='max' raised RuntimeError" in hidden, hidden
    assert "hint: two tensors that are added" in hidden, hidden
    assert "Traceback" not in hidden and "instructor_only" not in hidden, hidden


def test_the_students_own_assertion_error_is_not_mistaken_for_a_check_message():
    passed, text = _test_cell_output("resnet_torch", "bottleneck_block", ASSERTS_INSTEAD_OF_VALUE_ERROR,
                                     "check_bottleneck_block")
    assert not passed
    assert "raised AssertionError; the docstring asks for a ValueError" in text, text
