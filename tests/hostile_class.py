"""A hostile class: normal students (a solution, a blank, a catalogued bug, and a solution that other students attack)
next to students whose first answer cell tries to read the course, write outside its sandbox, reach the network,
kill the grader, leave processes behind, hide memory, or sleep past the caps. Each attack prints "blocked: ..." for
what failed and "LEAKED: ..." for what worked; a successful read of the course would also be turned into points (it
executes the solution it found). The attackers know the course's absolute paths (the strongest case).

Graded on this machine by tests/test_classgrade_hostile.py, and on a cgroup v2 kernel in a VM, as root and without
root, by tests/test_sandbox_cgroup_v2.py. This module builds the class and reads what grading made of it.
"""
from __future__ import annotations

import csv
import hashlib
import subprocess
from pathlib import Path

import nbformat

from instructor_only.grading import course, nbgrader_cli, notebooks
from instructor_only.grading.submissions import plan

ASSIGNMENT, NOTEBOOK, FULL = "warmup_torch", "warmup.ipynb", 9.0
CELL_TIMEOUT, WALL_SECONDS, MEMORY_MB, PROCESSES, CPU_SECONDS = 25, 50, 640, 64, 6
# CPU_SECONDS: twice what a solution's kernel uses (under 3 CPU-s, measured), and small enough that the CPU burner
# reaches it within its cell's 25 s on a loaded machine: it then needs a quarter of a core. Where the cpu controller
# shares out CPU by cgroup (cpu,cpuacct together), all its processes get one process's share; with 12 it failed in
# CI, beside the VM.
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
reader, writer = os.pipe()
if os.fork() == 0:
    os.setsid()
    if os.fork() == 0:
        os.close(reader)
        hoard = bytearray(2500 * 2**20)
        for i in range(0, len(hoard), 4096):
            hoard[i] = 1
        os.write(writer, b"full")  # only a child that holds all 2.5 GB says so
        time.sleep(600)
    os._exit(0)
os.close(writer)
os.wait()
# until the hidden child says it holds it all, or is gone (end of file): the cell runs on until then, at any speed
if os.read(reader, 4) == b"full":
    time.sleep(20)
    print("LEAKED: a hidden child held 2.5 GB for 20 s")
else:
    print("blocked: the hidden child was stopped before it held 2.5 GB")
'''

CPU_BURNER = '''
signal.signal(signal.SIGINT, signal.SIG_IGN)  # the cell runs on past its timeout's interrupt, so the CPU cap ends it
for _ in range(8):  # eight processes burning CPU: on an idle machine they reach the cap in seconds
    if os.fork() == 0:
        while True:
            pass
time.sleep(120)
print("LEAKED: burned CPU for 120 s")
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
            if "rw" in perms and "[v" not in line:  # memory written at run time: where a copy would be
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


NORMAL = ("solution", "victim", "blank", "bug")
# attacker -> (base, attack code)
ATTACKS = {"reader": ("blank", READ), "writer": ("blank", WRITE), "network": ("blank", NETWORK),
           "killer": ("solution", KILL), "forker": ("solution", FORK), "shm_hog": ("solution", SHM),
           "hidden_hog": ("solution", HIDDEN_HOG), "sleeper": ("solution", SLEEPER),
           "file_hog": ("solution", FILE_HOG), "cpu_burner": ("solution", CPU_BURNER), "escape": ("blank", ESCAPE)}


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def survivors() -> list[str]:
    found = subprocess.run(["pgrep", "-af", f"sleep {MARKER}"], capture_output=True, text=True).stdout
    return [line for line in found.splitlines() if "pgrep" not in line]



def submit_class(course_dir: Path, context: dict, attackers: dict = ATTACKS, normal: tuple[str, ...] = NORMAL) -> dict:
    """A course in `course_dir` with the `normal` students and the `attackers` (name -> (base, attack code))
    submitted; context: the attacks' course, repo, port and marker. Returns what the tests compare after grading:
    the hashes before, the bug's targets."""
    assignment = course.get(ASSIGNMENT)
    nbgrader_cli.new_course(course_dir, [assignment], [f"c.Execute.timeout = {CELL_TIMEOUT}"])
    nbgrader_cli.run(["generate_assignment", ASSIGNMENT], course_dir)
    bug = next(p for p in plan(assignment) if p.kind == "bug")
    contents = {"solution": nbformat.writes(solution()).encode(), "victim": nbformat.writes(solution()).encode(),
                "blank": nbformat.writes(release()).encode(), "bug": bug.as_json()[NOTEBOOK]}
    bases = {"solution": solution(), "blank": release()}
    for student in normal:
        nbgrader_cli.submit(course_dir, student, assignment, {NOTEBOOK: contents[student]})
    for student, (base, attack) in attackers.items():
        nbgrader_cli.submit(course_dir, student, assignment, {NOTEBOOK: attacker(bases[base], attack, context)})
    return {"before": {"runner": sha(RUNNER), "victim": sha(victim_notebook(course_dir))},
            "bug_targets": list(bug.expectation.targets)}


def victim_notebook(course_dir: Path) -> Path:
    return course_dir / "submitted" / "victim" / ASSIGNMENT / NOTEBOOK


def read_outcome(course_dir: Path, submitted: dict, attackers: dict = ATTACKS) -> dict:
    """What grading made of the class: scores, each attacker's printed output, the summary's rows, and whether the
    runner and the victim's submission are unchanged."""
    outputs = {}
    for student in attackers:
        executed = nbformat.read(course_dir / "autograded" / student / ASSIGNMENT / NOTEBOOK, as_version=4)
        outputs[student] = "".join(o.get("text", "") + o.get("evalue", "") for c in executed.cells
                                   for o in c.get("outputs", []))
    with open(course_dir / "classgrade" / ASSIGNMENT / "summary.csv") as handle:
        summary = {row["student"]: row for row in csv.DictReader(handle)}
    return {"scores": nbgrader_cli.scores(course_dir, ASSIGNMENT), "outputs": outputs, "summary": summary,
            "bug_targets": submitted["bug_targets"],
            "unchanged": {"runner": sha(RUNNER) == submitted["before"]["runner"],
                          "victim": sha(victim_notebook(course_dir)) == submitted["before"]["victim"]}}


def autograded(hostile, student: str) -> float:
    return sum(score for gid, (score, _) in hostile.scores[student].items() if gid.startswith("check_"))


def assert_normal_students_exact(hostile) -> None:
    """The normal students that were submitted (NORMAL, or fewer: the victim always) are graded exactly."""
    present = [student for student in NORMAL if student in hostile.summary]
    assert "victim" in present, present
    for student in present:
        row = hostile.summary[student]
        assert row["status"] == "graded", (student, row["notes"], hostile.stdout[-3000:])
    for student in {"solution", "victim"} & set(present):
        assert autograded(hostile, student) == FULL, (student, hostile.scores[student])
    if "blank" in present:
        assert autograded(hostile, "blank") == 0, hostile.scores["blank"]
    if "bug" in present:
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
