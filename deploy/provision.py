"""Set up the course hub on this machine (run as root by deploy/start.sh; safe to run again).

What it makes, each step one function below:
- the course image: a Python environment holding what students need (deploy/requirements-student.txt and
  student_helpers), nothing of instructor_only, with nbgrader's exchange and course id configured for it;
- the hub's proxy (configurable-http-proxy from npm);
- one Unix account and home per person of the roster, and a password for each new account;
- no access for students to this repository (solutions, checks);
- nbgrader's exchange, with the permissions nbgrader documents (everyone may write; only nbgrader's own
  subfolders, made by release_assignment, decide who may read what);
- the instructor's course directory (private to the instructor) and their JupyterLab with the formgrader,
  Create Assignment and course list; students get the Assignments panel and Validate only;
- `course-grade`, the one command the instructor may run as root (sudo): classgrade in its sandbox on the course
  directory, whose outputs are then handed back to the instructor.
"""
from __future__ import annotations

import argparse
import csv
import hashlib
import json
import os
import pwd
import secrets
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
DEPLOY = REPO / "deploy"
COURSE_ID = "normalization-residual-networks"
# The hub's own files (deploy/start.sh, jupyterhub_config.py and course-grade read them here).
PREFIX = Path("/opt/normres-hub")
# What the instructor's course directory holds: the notebooks' sources and releases, the course's nbgrader config
# and the course's own packages (the config imports one; the hidden checks need the rest).
COURSE_PARTS = ["source", "release", "nbgrader_config.py", "instructor_only", "student_helpers"]
STUDENT_ONLY_EXTENSIONS = ["@jupyter/nbgrader:assignment-list", "@jupyter/nbgrader:validate-assignment"]
INSTRUCTOR_EXTENSIONS = ["@jupyter/nbgrader:formgrader", "@jupyter/nbgrader:create-assignment",
                         "@jupyter/nbgrader:course-list"]
INSTRUCTOR_SERVER_EXTENSIONS = ["nbgrader.server_extensions.formgrader", "nbgrader.server_extensions.course_list"]


@dataclass(frozen=True)
class Paths:
    prefix: Path      # everything the hub owns: the course image, the proxy, the hub's state
    exchange: Path    # nbgrader's exchange (on a production hub: shared storage mounted in every server)
    homes: Path       # where the accounts' homes go

    @property
    def image(self) -> Path: return self.prefix / "image"
    @property
    def proxy(self) -> Path: return self.prefix / "proxy" / "node_modules" / ".bin" / "configurable-http-proxy"
    @property
    def state(self) -> Path: return self.prefix / "hub"
    @property
    def people_file(self) -> Path: return self.state / "people.json"
    @property
    def passwords_file(self) -> Path: return self.state / "passwords.csv"
    @property
    def grade_command(self) -> Path: return Path("/usr/local/sbin/course-grade")
    @property
    def grade_settings(self) -> Path: return Path("/etc/course-grade.env")


@dataclass(frozen=True)
class Person:
    username: str
    role: str          # "instructor" or "student"
    first_name: str
    last_name: str
    email: str


def say(message: str) -> None:
    print(f"[hub] {message}", flush=True)


def run(cmd: list[str], user: str | None = None, **kwargs) -> subprocess.CompletedProcess:
    """Run a command, as `user` with a login-like environment when given; fail loudly with its output."""
    if user is not None:
        home = pwd.getpwnam(user).pw_dir
        cmd = ["runuser", "-u", user, "--", "env", f"HOME={home}", f"USER={user}", *cmd]
        kwargs.setdefault("cwd", home)
    result = subprocess.run(cmd, capture_output=True, text=True, **kwargs)
    if result.returncode != 0:
        raise SystemExit(f"[hub] failed: {' '.join(cmd)}\n{result.stdout}{result.stderr}")
    return result


def read_roster(path: Path) -> list[Person]:
    """The roster CSV: username,role,first_name,last_name,email (role: instructor or student)."""
    people = []
    with open(path, newline="") as f:
        for line, row in enumerate(csv.DictReader(f), start=2):
            username, role = (row.get("username") or "").strip(), (row.get("role") or "student").strip()
            if not username.replace("-", "").replace("_", "").isalnum() or not username[0].isalpha() \
                    or username != username.lower() or len(username) > 32:
                raise SystemExit(f"[hub] {path}:{line}: '{username}' is not a valid Unix user name "
                                 "(lower-case letters, digits, - and _, starting with a letter)")
            if role not in ("instructor", "student"):
                raise SystemExit(f"[hub] {path}:{line}: role '{role}' must be 'instructor' or 'student'")
            people.append(Person(username, role, *((row.get(k) or "").strip()
                                                   for k in ("first_name", "last_name", "email"))))
    if sum(p.role == "instructor" for p in people) != 1:
        raise SystemExit(f"[hub] {path}: the roster needs exactly one instructor (the course directory's owner)")
    return people


def build_image(paths: Paths) -> None:
    """The course image, rebuilt only when deploy/requirements-student.txt or student_helpers changed."""
    requirements = DEPLOY / "requirements-student.txt"
    digest = hashlib.sha256(requirements.read_bytes())
    for f in sorted((REPO / "student_helpers").rglob("*.py")):
        digest.update(f.read_bytes())
    stamp = paths.image / ".built-from"
    if stamp.exists() and stamp.read_text() == digest.hexdigest():
        return
    # Debian's Python, which every account can run (root's own Python may live in root's private home).
    python = "/usr/bin/python3.11"
    say(f"building the course image {paths.image} (first run: about a minute)")
    if not (paths.image / "bin" / "python").exists():
        run([python, "-m", "venv", str(paths.image)])
    run([str(paths.image / "bin" / "pip"), "install", "--quiet", "-r", str(requirements)])
    site = Path(run([str(paths.image / "bin" / "python"), "-c",
                     "import sysconfig; print(sysconfig.get_paths()['purelib'])"]).stdout.strip())
    shutil.rmtree(site / "student_helpers", ignore_errors=True)
    shutil.copytree(REPO / "student_helpers", site / "student_helpers",
                    ignore=shutil.ignore_patterns("__pycache__"))
    stamp.write_text(digest.hexdigest())


def configure_image(paths: Paths) -> None:
    """Everyone's defaults, at the image's own level: the course and its exchange; students' nbgrader extensions."""
    etc = paths.image / "etc" / "jupyter"
    etc.mkdir(parents=True, exist_ok=True)
    (etc / "nbgrader_config.py").write_text(
        "# Written by deploy/provision.py: every server of the course hub uses this course and exchange.\n"
        "c = get_config()  # noqa: F821\n"
        f"c.CourseDirectory.course_id = {COURSE_ID!r}\n"
        f"c.Exchange.root = {str(paths.exchange)!r}\n")
    # No pop-up asking to fetch Jupyter news or check for updates: the hub reaches no outside address.
    overrides = paths.image / "share" / "jupyter" / "lab" / "settings" / "overrides.json"
    overrides.parent.mkdir(parents=True, exist_ok=True)
    overrides.write_text(json.dumps({"@jupyterlab/apputils-extension:notification": {
        "fetchNews": "false", "checkForUpdates": False}}, indent=1))
    jupyter = str(paths.image / "bin" / "jupyter")
    for extension in INSTRUCTOR_EXTENSIONS:
        run([jupyter, "labextension", "disable", "--level=sys_prefix", extension])
        # JupyterLab locks what nbgrader's server extension disabling touches; unlocked, the instructor's own
        # (user-level) setting can enable it again.
        run([jupyter, "labextension", "unlock", "--level=sys_prefix", extension])
    for extension in INSTRUCTOR_SERVER_EXTENSIONS:
        run([jupyter, "server", "extension", "disable", "--sys-prefix", extension])


def install_proxy(paths: Paths) -> None:
    if paths.proxy.exists():
        return
    say("installing the hub's proxy (configurable-http-proxy, from npm)")
    folder = paths.proxy.parent.parent.parent
    folder.mkdir(parents=True, exist_ok=True)
    run(["npm", "install", "--silent", "--no-audit", "--no-fund", "--prefix", str(folder),
         "configurable-http-proxy@5.3.0"])


def ensure_account(person: Person, paths: Paths, passwords: dict[str, str]) -> None:
    """A Unix account with a private home; a new account gets a random password (kept for the hub's admin)."""
    try:
        pwd.getpwnam(person.username)
    except KeyError:
        say(f"creating the account {person.username} ({person.role})")
        run(["useradd", "--create-home", "--base-dir", str(paths.homes), "--shell", "/bin/bash",
             "--comment", f"{person.first_name} {person.last_name}".strip(), person.username])
    home = Path(pwd.getpwnam(person.username).pw_dir)
    home.chmod(0o700)
    if person.username not in passwords:
        passwords[person.username] = secrets.token_urlsafe(12)
        subprocess.run(["chpasswd"], input=f"{person.username}:{passwords[person.username]}\n", text=True,
                       check=True)


def make_exchange(paths: Paths) -> None:
    """nbgrader's documented exchange: world-writable with the sticky bit. release_assignment then makes the
    course's inbound/ (write-only for students: they cannot list what others submitted) and outbound/."""
    paths.exchange.mkdir(parents=True, exist_ok=True)
    paths.exchange.chmod(0o1777)


def set_up_course(instructor: Person, students: list[Person], paths: Paths) -> Path:
    """The instructor's course directory (only they can read it), their nbgrader config and extensions, the
    gradebook with every assignment and student."""
    home = Path(pwd.getpwnam(instructor.username).pw_dir)
    course = home / "course"
    user = pwd.getpwnam(instructor.username)
    fresh = not course.exists()
    course.mkdir(exist_ok=True)
    for part in COURSE_PARTS:
        source, target = REPO / part, course / part
        if source.is_dir():
            shutil.rmtree(target, ignore_errors=True)
            shutil.copytree(source, target, ignore=shutil.ignore_patterns("__pycache__", ".ipynb_checkpoints"))
        else:
            shutil.copy2(source, target)
    user_config = home / ".jupyter"
    user_config.mkdir(exist_ok=True)
    (user_config / "nbgrader_config.py").write_text(
        "# Written by deploy/provision.py: the formgrader and nbgrader commands work on this course directory.\n"
        "c = get_config()  # noqa: F821\n"
        f"c.CourseDirectory.root = {str(course)!r}\n")
    run(["chown", "-R", f"{user.pw_uid}:{user.pw_gid}", str(course), str(user_config)])
    jupyter = str(paths.image / "bin" / "jupyter")
    env = {"PATH": f"{paths.image / 'bin'}:/usr/sbin:/usr/bin:/sbin:/bin"}
    for extension in INSTRUCTOR_EXTENSIONS:
        run([jupyter, "labextension", "enable", "--level=user", extension], user=instructor.username, env=env)
    # Written directly: `jupyter server extension enable --user` refuses an extension the user level has not
    # declared before ("could not be found"). The user's config outranks the image's.
    (user_config / "jupyter_server_config.json").write_text(json.dumps(
        {"ServerApp": {"jpserver_extensions": {name: True for name in INSTRUCTOR_SERVER_EXTENSIONS}}}, indent=1))
    run(["chown", f"{user.pw_uid}:{user.pw_gid}", str(user_config / "jupyter_server_config.json")])
    nbgrader = str(paths.image / "bin" / "nbgrader")
    if fresh:
        say("registering the assignments and the students in the course's gradebook")
        for assignment in sorted(p.name for p in (course / "source").iterdir() if p.is_dir()):
            run([nbgrader, "generate_assignment", assignment, "--force"], user=instructor.username,
                cwd=str(course), env=env)
    for student in students:
        run([nbgrader, "db", "student", "add", student.username, f"--first-name={student.first_name}",
             f"--last-name={student.last_name}", f"--email={student.email}"],
            user=instructor.username, cwd=str(course), env=env)
    return course


def install_grade_command(instructor: Person, course: Path, paths: Paths) -> None:
    """`sudo course-grade ASSIGNMENT...`: the instructor's one way to run classgrade as root (its sandbox needs
    root to give each kernel a uid and cgroups of its own)."""
    paths.grade_settings.write_text(
        f"COURSE_DIR={course}\nINSTRUCTOR={instructor.username}\nTOOLS_PYTHON={REPO / '.venv' / 'bin' / 'python'}\n")
    shutil.copy2(DEPLOY / "course-grade", paths.grade_command)
    paths.grade_command.chmod(0o755)
    sudoers = Path("/etc/sudoers.d/course-grade")
    sudoers.write_text(f"{instructor.username} ALL=(root) NOPASSWD: {paths.grade_command}\n")
    sudoers.chmod(0o440)


def keep_students_out_of_the_repository(students: list[Person]) -> None:
    """This repository holds the solutions and the checks, and on this machine it is readable by every account
    (classgrade's sandboxed kernels, which run under uids of their own, read its .venv). A named-user ACL entry
    takes precedence over "other": each student account gets no access at all."""
    for student in students:
        run(["setfacl", "-m", f"u:{student.username}:---", str(REPO)])


def provision(roster: Path, paths: Paths) -> None:
    people = read_roster(roster)
    instructor = next(p for p in people if p.role == "instructor")
    students = [p for p in people if p.role == "student"]
    paths.state.mkdir(parents=True, exist_ok=True)
    paths.state.chmod(0o700)
    build_image(paths)
    configure_image(paths)
    install_proxy(paths)
    passwords = {}
    if paths.passwords_file.exists():
        with open(paths.passwords_file, newline="") as f:
            passwords = {row["username"]: row["password"] for row in csv.DictReader(f)}
    for person in people:
        ensure_account(person, paths, passwords)
    with open(os.open(paths.passwords_file, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["username", "password"])
        writer.writerows(sorted(passwords.items()))
    keep_students_out_of_the_repository(students)
    make_exchange(paths)
    course = set_up_course(instructor, students, paths)
    install_grade_command(instructor, course, paths)
    paths.people_file.write_text(json.dumps({
        "instructor": instructor.username, "students": [s.username for s in students],
        "image": str(paths.image), "proxy": str(paths.proxy), "state": str(paths.state)}, indent=1))
    say(f"{len(students)} students and instructor {instructor.username}; passwords of new accounts in "
        f"{paths.passwords_file} (root only)")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--roster", type=Path, default=DEPLOY / "roster.example.csv",
                        help="CSV with username,role,first_name,last_name,email (default: the example roster)")
    parser.add_argument("--exchange", type=Path, default=Path("/srv/nbgrader/exchange"))
    parser.add_argument("--homes", type=Path, default=Path("/home"))
    args = parser.parse_args(argv)
    if os.geteuid() != 0:
        raise SystemExit("[hub] run as root: it creates Unix accounts and starts servers as them")
    provision(args.roster, Paths(PREFIX, args.exchange, args.homes))


if __name__ == "__main__":
    sys.exit(main())
