"""The course hub's files agree with the course: the student image pins the course's versions, and a roster with a
mistake is refused with a message that names the line (deploy/, docs/INSTRUCTORS.md "The course hub")."""
import importlib.util
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent


def pins(path: Path) -> dict[str, str]:
    found = {}
    for line in path.read_text().splitlines():
        line = line.split("#")[0].strip()
        if "==" in line:
            name, version = line.split("==")
            found[name.strip().lower()] = version.strip()
    return found


def provision():
    spec = importlib.util.spec_from_file_location("provision", REPO / "deploy" / "provision.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module   # its dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


def test_student_image_pins_the_course_versions_and_nothing_instructor_only():
    student, course = pins(REPO / "deploy" / "requirements-student.txt"), pins(REPO / "requirements.txt")
    assert {"torch", "tensorflow-cpu", "nbgrader", "jupyterlab", "jupyterhub"} <= set(student)
    assert {name: version for name, version in student.items() if course.get(name) != version} == {}
    assert not {"dask", "distributed", "psycopg2-binary", "pytest", "playwright"} & set(student)


@pytest.mark.parametrize("rows, message", [
    ("alice,student,A,B,a@x\n", "exactly one instructor"),
    ("ada,instructor,A,L,a@x\nbob,teacher,B,O,b@x\n", ":3: role 'teacher'"),
    ("ada,instructor,A,L,a@x\nBob Smith,student,B,S,b@x\n", ":3: 'Bob Smith' is not a valid Unix user name"),
])
def test_a_roster_mistake_is_refused_with_its_line(tmp_path, rows, message):
    roster = tmp_path / "roster.csv"
    roster.write_text("username,role,first_name,last_name,email\n" + rows)
    with pytest.raises(SystemExit, match=message):
        provision().read_roster(roster)


def test_the_example_roster_reads():
    people = provision().read_roster(REPO / "deploy" / "roster.example.csv")
    assert [p.role for p in people].count("instructor") == 1 and len(people) >= 3
