"""A hostile class, graded with classgrade's sandbox: every attack fails, and nobody's grade moves.

One warm-up (PyTorch) class is graded once, with normal students (a solution, a blank, a catalogued bug, and a
solution that other students attack) next to students whose answer cells try to read the course, write outside
their sandbox, reach the network, kill the grader, leave processes behind, hide memory, or sleep past the caps. Each
attack prints "blocked: ..." for what failed and "LEAKED: ..." for what worked; a successful read of the course would
also be turned into points (it executes the solution it found). Each test asserts what one attacker got and that the
normal students' grades are exact. The attackers know the course's absolute paths (the strongest case).
"""
from __future__ import annotations

import hashlib
import os
import socket
import subprocess
import threading
from pathlib import Path
from types import SimpleNamespace

import nbformat
import pytest

from instructor_only.grading import course, nbgrader_cli, notebooks
from instructor_only.grading.submissions import plan
from tests.graded_once import graded_once

ASSIGNMENT, NOTEBOOK, FULL = "warmup_torch", "warmup.ipynb", 9.0
pytestmark = pytest.mark.timeout(350)  # the hostile class graded on a Dask cluster: 78-82 s in CI
CELL_TIMEOUT, WALL_SECONDS, MEMORY_MB, PROCESSES, CPU_SECONDS = 25, 50, 640, 64, 12
# MEMORY_MB: above a normal kernel's own 70-210 MB plus /dev/shm's 256 MB (the shm hog keeps its marks), and low enough
# that the hidden hog reaches it well within its 20 s: memory the VM gave back to its host is faulted in again at
# about 70 MB/s here (9 s for 640 MB).
MARKER = "31415.926"  # the argument of the sleepers the fork attacks leave behind: `pgrep -f` finds survivors
RUNNER = course.COURSE_ROOT / "instructor_only" / "checks" / "runner.py"

PRELUDE = '''
import glob, os, pathlib, signal, socket, subprocess, sys, time
COURSE, REPO, PORT, MARKER = {course!r}, {repo!r}, {port!r}, {marker!r}
def attempt(what, action):
    try:
        result = action()
    except Exception as error:
        print(f"blocked: {{what}} ({{type(error).__name__}})")
        return None
    print(f"LEAKED: {{what}} -> {{str(result)[:80]!r}}")
    return result
'''

READ = '''
for path in [f"{COURSE}/source/warmup_torch/warmup.ipynb", f"{COURSE}/gradebook.db",
             f"{COURSE}/submitted/victim/warmup_torch/warmup.ipynb", f"{REPO}/solutions/warmup_torch/warmup.ipynb",
             f"{REPO}/instructor_only/catalogue/warmup_torch.py", f"{REPO}/source/warmup_torch/warmup.ipynb"]:
    found = attempt(f"read {path}", lambda: pathlib.Path(path).read_text())
    if found and path.endswith(".ipynb"):  # a leak becomes points: define the solution's functions
        import json as _json
        for cell in _json.loads(found)["cells"]:
            if "def conv_output_size" in "".join(cell["source"]):
                exec("".join(cell["source"]).split("### END SOLUTION")[0].replace("### BEGIN SOLUTION", ""))
for pid in os.listdir("/proc"):
    if pid.isdigit() and int(pid) != os.getpid():
        attempt(f"/proc/{pid}/cwd", lambda: os.listdir(f"/proc/{pid}/cwd/source"))
attempt("parent cwd", lambda: os.listdir(f"/proc/{os.getppid()}/cwd/source"))
import instructor_only
attempt("course root via __file__", lambda: os.listdir(pathlib.Path(instructor_only.__file__).parents[1] / "source"))
attempt("walk up from the working folder",
        lambda: [d for d in [pathlib.Path.cwd(), *pathlib.Path.cwd().parents] if (d / "source").exists()][0])
attempt("environment", lambda: [f"{k}={v}" for k, v in os.environ.items()
                                 if COURSE in v or "/tmp/classgrade" in v or k.startswith(("DASK", "PG", "JPY"))][0])
attempt("the kernel parent's socket, from sys.argv", lambda: [a for a in sys.argv if a.endswith(".sock")][0])
from ipykernel import get_connection_file
attempt("other kernels' connection files", lambda: [
    f for top in ("/tmp", "/dev/shm", "/run", "/root", "/home", "/var/tmp")
    for f in glob.glob(f"{top}/**/*.json", recursive=True) if os.path.basename(f).startswith("kernel")
    and os.path.realpath(f) != os.path.realpath(get_connection_file())][0])
'''

WRITE = '''
attempt("rewrite the hidden-check runner", lambda: pathlib.Path(f"{REPO}/instructor_only/checks/runner.py").write_text(
    "def run_hidden_checks(*args):\\n    pass\\n"))
attempt("forge a state file", lambda: pathlib.Path(f"{COURSE}/classgrade/warmup_torch/victim.json").write_text("{{}}"))
attempt("overwrite a classmate's submission",
        lambda: pathlib.Path(f"{COURSE}/submitted/victim/warmup_torch/warmup.ipynb").write_text("{{}}"))
attempt("truncate the gradebook", lambda: open(f"{COURSE}/gradebook.db", "w").close())
attempt("write into another scratch folder", lambda: [pathlib.Path(d, "x").write_text("x")
                                                      for d in glob.glob("/tmp/classgrade/*/jobs/*")][0])
attempt("write outside the sandbox's folders", lambda: pathlib.Path("/usr/lib/hacked").write_text("x"))
'''

NETWORK = '''
for host in ("127.0.0.1", "::1"):
    attempt(f"connect to {host}:{PORT}", lambda: socket.create_connection((host, PORT), timeout=2))
attempt("see the listener in /proc/net/tcp", lambda: [l for l in open("/proc/net/tcp").read().splitlines()[1:]
                                                      if l.split()[1].endswith(f":{PORT:04X}")][0])
attempt("a network interface besides loopback", lambda: [n for _, n in socket.if_nameindex() if n != "lo"][0])
'''

KILL = '''
for pid in [int(p) for p in os.listdir("/proc") if p.isdigit() and int(p) != os.getpid()] + [os.getppid()]:
    try:
        os.kill(pid, signal.SIGKILL)
        time.sleep(0.2)
        os.kill(pid, 0)
        print(f"blocked: kill pid {pid} (it survived)")
    except ProcessLookupError:
        print(f"LEAKED: killed pid {pid}")
    except PermissionError:
        print(f"blocked: kill pid {pid} (PermissionError)")
try:
    os.kill(-1, signal.SIGKILL)  # every process this uid may signal, but itself and its namespace's init
except ProcessLookupError:
    pass
time.sleep(0.5)
print("still alive: the kill attacks reached nothing outside")
'''

FORK = '''
for _ in range(5):  # double-forked daemons, orphaned at once: they must not outlive the submission
    child = os.fork()
    if child == 0:
        os.setsid()
        if os.fork() == 0:
            os.execv("/bin/sleep", ["sleep", MARKER])
        os._exit(0)
    os.waitpid(child, 0)
sleepers = []
try:
    for _ in range(1000):  # a fork flood: the process cap stops it
        sleepers.append(subprocess.Popen(["sleep", MARKER], start_new_session=True))
except OSError as error:
    print(f"blocked: process {len(sleepers) + 1} ({type(error).__name__})")
print(f"started {len(sleepers)} sleepers")
for sleeper in sleepers:  # free the slots again, so the rest of the notebook can run
    sleeper.kill()
    sleeper.wait()
'''

def filling(path: str, what: str) -> str:
    """Attack code: write up to 2.5 GB to `path`, a megabyte at a time; say where it was stopped; remove the file."""
    return f'''
written = 0
try:
    with open("{path}", "wb") as hoard:
        for _ in range(2500):
            hoard.write(b"x" * 2**20)
            hoard.flush()
            written += 1
except OSError as error:
    print(f"blocked: {what} after {{written}} MB ({{type(error).__name__}}: {{error.strerror}})")
os.remove("{path}")
'''


SHM = filling("/dev/shm/hoard", "/dev/shm")
FILE_HOG = filling("/tmp/big", "one file in /tmp")

HIDDEN_HOG = '''
if os.fork() == 0:
    os.setsid()
    if os.fork() == 0:
        hoard = bytearray(2500 * 2**20)
        for i in range(0, len(hoard), 4096):
            hoard[i] = 1
        time.sleep(600)
    os._exit(0)
time.sleep(20)
print("LEAKED: a hidden child held 2.5 GB for 20 s")
'''

CPU_BURNER = '''
burners = []
for _ in range(2):  # two processes burning CPU: more CPU-seconds than wall-clock seconds
    burner = os.fork()
    if burner == 0:
        while True:
            pass
    burners.append(burner)
time.sleep(60)
print("LEAKED: burned CPU for 60 s")
'''

ESCAPE = '''
import ctypes, gc
libc = ctypes.CDLL(None, use_errno=True)
def call(result):
    if result == -1:
        raise OSError(ctypes.get_errno(), "refused")
    return result
attempt("a user namespace of its own", lambda: call(libc.unshare(0x10000000)))
attempt("the kernel keyring", lambda: call(libc.syscall(248, b"user", b"planted", b"secret", 6, ctypes.c_int(-4))))
attempt("io_uring", lambda: call(libc.syscall(425, 8, ctypes.create_string_buffer(120))))
attempt("a vsock socket (the hypervisor)", lambda: socket.socket(40, socket.SOCK_STREAM))
attempt("the grader's environment in memory inherited from the kernel parent", lambda: [
    o for o in gc.get_objects() if isinstance(o, dict) and "HOSTILE_CANARY" in str(o.get("env", ""))][0])
def scan_memory():
    with open("/proc/self/maps") as maps, open("/proc/self/mem", "rb") as mem:
        for line in maps:
            span, perms = line.split()[:2]
            if "r" in perms and "[v" not in line:
                start, end = (int(x, 16) for x in span.split("-"))
                try:
                    mem.seek(start)
                    data = mem.read(end - start)
                except (OSError, ValueError, OverflowError):
                    continue
                at = data.find(b"canary-17")  # (the whole value is never formed here: it would find itself)
                while at != -1:
                    if data[at + 9:at + 11] == b"29":
                        return line
                    at = data.find(b"canary-17", at + 1)
    raise LookupError("not found")
attempt("the grader's environment anywhere in this process's memory", scan_memory)
own_folder = [l.split()[4] for l in open("/proc/self/mountinfo") if "/sandbox/kernels/" in l][0]
attempt("fill the disk through its own host folder", lambda: pathlib.Path(own_folder, "fill").write_bytes(b"x"))
'''

SLEEPER = '''
held = bytearray(350 * 2**20)  # over half the memory cap, held while it hangs
for i in range(0, len(held), 4096):
    held[i] = 1
signal.signal(signal.SIGINT, signal.SIG_IGN)  # the per-cell timeout's interrupt does nothing
time.sleep(10_000)
'''


def solution():
    return notebooks.read(course.get(ASSIGNMENT).source_path(NOTEBOOK))


def release():
    return notebooks.read(course.COURSE_ROOT / "release" / ASSIGNMENT / NOTEBOOK)


def answer(nb, grade_id: str) -> str:
    return next(c.source for c in nb.cells if notebooks.grade_meta(c).get("grade_id") == grade_id)


def attacker(base, attack: str, context: dict) -> bytes:
    """`base` (solution or blank) with `attack` run at the top of its first answer cell."""
    code = PRELUDE.format(**context) + attack + "\n" + answer(base, "conv_output_size")
    return nbformat.writes(notebooks.with_answer_replaced(base, "conv_output_size", code)).encode()


# attacker -> (base, attack code)
ATTACKS = {"reader": ("blank", READ), "writer": ("blank", WRITE), "network": ("blank", NETWORK),
           "killer": ("solution", KILL), "forker": ("solution", FORK), "shm_hog": ("solution", SHM),
           "hidden_hog": ("solution", HIDDEN_HOG), "sleeper": ("solution", SLEEPER),
           "file_hog": ("solution", FILE_HOG), "cpu_burner": ("solution", CPU_BURNER), "escape": ("blank", ESCAPE)}


class Listener(threading.Thread):
    """A TCP server on loopback standing for the Dask scheduler, PostgreSQL, another kernel: counts connections."""

    def __init__(self):
        super().__init__(daemon=True)
        self.server = socket.create_server(("127.0.0.1", 0))
        self.port, self.connections = self.server.getsockname()[1], 0

    def run(self):
        while True:
            try:
                connection, _ = self.server.accept()
            except OSError:
                return
            self.connections += 1
            connection.close()


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def survivors() -> list[str]:
    found = subprocess.run(["pgrep", "-af", f"sleep {MARKER}"], capture_output=True, text=True).stdout
    return [line for line in found.splitlines() if "pgrep" not in line]


def grade_hostile_class(course_dir: Path) -> dict:
    assignment = course.get(ASSIGNMENT)
    nbgrader_cli.new_course(course_dir, [assignment], [f"c.Execute.timeout = {CELL_TIMEOUT}"])
    nbgrader_cli.run(["generate_assignment", ASSIGNMENT], course_dir)
    listener = Listener()
    listener.start()
    context = {"course": str(course_dir), "repo": str(course.COURSE_ROOT), "port": listener.port, "marker": MARKER}
    bug = next(p for p in plan(assignment) if p.kind == "bug")
    normal = {"solution": nbformat.writes(solution()).encode(), "victim": nbformat.writes(solution()).encode(),
              "blank": nbformat.writes(release()).encode(), "bug": bug.as_json()[NOTEBOOK]}
    bases = {"solution": solution(), "blank": release()}
    for student, content in normal.items():
        nbgrader_cli.submit(course_dir, student, assignment, {NOTEBOOK: content})
    for student, (base, attack) in ATTACKS.items():
        nbgrader_cli.submit(course_dir, student, assignment, {NOTEBOOK: attacker(bases[base], attack, context)})
    before = {"runner": sha(RUNNER), "victim": sha(course_dir / "submitted" / "victim" / ASSIGNMENT / NOTEBOOK)}
    os.environ["HOSTILE_CANARY"] = "canary-" + "1729"  # a secret of the grader's environment (split: not in memory)
    try:
        result = nbgrader_cli.classgrade(course_dir, [ASSIGNMENT], "--workers", "2", "--memory-mb", str(MEMORY_MB),
                                         "--wall-seconds", str(WALL_SECONDS), "--processes", str(PROCESSES),
                                         "--cpu-seconds", str(CPU_SECONDS),
                                         "--no-feedback")
    finally:
        del os.environ["HOSTILE_CANARY"]
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    listener.server.close()
    outputs = {}
    for student in ATTACKS:
        executed = nbformat.read(course_dir / "autograded" / student / ASSIGNMENT / NOTEBOOK, as_version=4)
        outputs[student] = "".join(o.get("text", "") + o.get("evalue", "") for c in executed.cells
                                   for o in c.get("outputs", []))
    with open(course_dir / "classgrade" / ASSIGNMENT / "summary.csv") as handle:
        import csv
        summary = {row["student"]: row for row in csv.DictReader(handle)}
    return {"scores": nbgrader_cli.scores(course_dir, ASSIGNMENT), "outputs": outputs, "summary": summary,
            "connections": listener.connections, "survivors": survivors(), "bug_targets": list(bug.expectation.targets),
            "unchanged": {"runner": sha(RUNNER) == before["runner"],
                          "victim": sha(course_dir / "submitted" / "victim" / ASSIGNMENT / NOTEBOOK) == before["victim"]},
            "stdout": result.stdout}


@pytest.fixture(scope="module")
def hostile(tmp_path_factory, request):
    """The hostile class, graded once per test run (shared by the xdist workers)."""
    return SimpleNamespace(**graded_once("hostile", tmp_path_factory, request, grade_hostile_class)[1])


def autograded(hostile, student: str) -> float:
    return sum(score for gid, (score, _) in hostile.scores[student].items() if gid.startswith("check_"))


def assert_normal_students_exact(hostile) -> None:
    for student in ("solution", "victim", "blank", "bug"):
        row = hostile.summary[student]
        assert row["status"] == "graded", (student, row["notes"], hostile.stdout[-3000:])
    for student in ("solution", "victim"):
        assert autograded(hostile, student) == FULL, (student, hostile.scores[student])
    assert autograded(hostile, "blank") == 0, hostile.scores["blank"]
    lost = {g for g, (score, top) in hostile.scores["bug"].items() if g.startswith("check_") and score < top}
    assert lost == set(hostile.bug_targets), lost


def assert_stopped_by_a_limit(hostile, student: str, limit: str) -> None:
    """The OS cap stopped the attacker in its first answer cell (zero from there on), with the limit's message."""
    note = hostile.summary[student]["notes"]
    assert f"cell `conv_output_size` {limit}" in note, note
    assert "LEAKED" not in hostile.outputs[student]
    assert autograded(hostile, student) == 0
    assert_normal_students_exact(hostile)


def assert_attack_ran_and_failed(hostile, student: str, expected_blocks: int) -> None:
    output = hostile.outputs[student]
    assert "LEAKED" not in output, output[:3000]
    assert output.count("blocked:") >= expected_blocks, output[:3000]


@pytest.mark.nbgrader
def test_reading_the_course_finds_nothing(hostile):
    assert_attack_ran_and_failed(hostile, "reader", 10)
    assert autograded(hostile, "reader") == 0  # as blank: nothing read became points
    assert_normal_students_exact(hostile)


@pytest.mark.nbgrader
def test_writing_outside_the_sandbox_fails(hostile):
    assert_attack_ran_and_failed(hostile, "writer", 5)
    assert autograded(hostile, "writer") == 0
    assert hostile.unchanged == {"runner": True, "victim": True}
    assert_normal_students_exact(hostile)


@pytest.mark.nbgrader
def test_no_network_not_even_loopback(hostile):
    assert_attack_ran_and_failed(hostile, "network", 4)
    assert hostile.connections == 0
    assert autograded(hostile, "network") == 0
    assert_normal_students_exact(hostile)


@pytest.mark.nbgrader
def test_killing_the_grader_reaches_nothing(hostile):
    assert_attack_ran_and_failed(hostile, "killer", 1)
    assert "still alive" in hostile.outputs["killer"]
    assert autograded(hostile, "killer") == FULL and hostile.summary["killer"]["status"] == "graded"
    assert_normal_students_exact(hostile)


@pytest.mark.nbgrader
def test_fork_trees_are_capped_and_leave_nothing_behind(hostile):
    assert_attack_ran_and_failed(hostile, "forker", 1)
    started = int(hostile.outputs["forker"].split("started ")[1].split()[0])
    assert 0 < started < PROCESSES, started
    assert hostile.survivors == []
    assert autograded(hostile, "forker") == FULL
    assert_normal_students_exact(hostile)


@pytest.mark.nbgrader
def test_memory_in_dev_shm_is_capped(hostile):
    assert_attack_ran_and_failed(hostile, "shm_hog", 1)
    held = int(hostile.outputs["shm_hog"].split("after ")[1].split()[0])
    assert held <= 256, held  # /dev/shm's size cap (sandbox/policy.py), inside the memory cap
    assert autograded(hostile, "shm_hog") == FULL
    assert_normal_students_exact(hostile)


@pytest.mark.nbgrader
def test_memory_in_a_double_forked_child_counts(hostile):
    assert_stopped_by_a_limit(hostile, "hidden_hog", f"exceeded the memory cap of {MEMORY_MB} MB")


@pytest.mark.nbgrader
def test_ignoring_the_timeout_interrupt_is_stopped(hostile):
    note = hostile.summary["sleeper"]["notes"]
    assert (f"cell `conv_output_size` ran past the per-cell timeout of {CELL_TIMEOUT} s and ignored the interrupt, "
            f"its memory having reached " in note), note
    held = int(note.split("its memory having reached ")[1].split(" MB")[0].replace(",", ""))
    assert 350 <= held < MEMORY_MB, note  # the 350 MB it holds and the kernel's own, under the cap
    assert f"MB of the {MEMORY_MB} MB cap; the kernel was stopped" in note, note
    assert hostile.summary["sleeper"]["status"] == "graded"
    assert hostile.survivors == []
    assert_normal_students_exact(hostile)


@pytest.mark.nbgrader
def test_file_size_is_capped(hostile):
    assert_attack_ran_and_failed(hostile, "file_hog", 1)
    assert "one file in /tmp after 256 MB (OSError: File too large)" in hostile.outputs["file_hog"]
    assert autograded(hostile, "file_hog") == FULL
    assert_normal_students_exact(hostile)


@pytest.mark.nbgrader
def test_cpu_time_of_all_processes_is_capped(hostile):
    assert_stopped_by_a_limit(hostile, "cpu_burner", f"exceeded the CPU-time cap of {CPU_SECONDS} s")
    assert hostile.survivors == []


@pytest.mark.nbgrader
def test_no_escape_hatches_and_no_secrets_inherited(hostile):
    """User namespaces, the keyring, io_uring, vsock (seccomp), the grader's environment (never sent to the kernel
    parent, whose memory every kernel inherits), and the kernel's own host folder once its sockets exist."""
    assert_attack_ran_and_failed(hostile, "escape", 7)
    assert autograded(hostile, "escape") == 0
    assert_normal_students_exact(hostile)
