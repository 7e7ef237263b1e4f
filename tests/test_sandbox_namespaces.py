"""One kernel forked in the sandbox's namespaces, as root and as a grader without root would: what it is, what it can
see and do, and that its folder is sealed when the worker asks. Runs on this machine in seconds (bwrap's user
namespace stands for the non-root grader's; the cgroups are not part of it): the cgroup v2 VM test
(test_sandbox_cgroup_v2.py) then grades a whole hostile class both ways.

The kernel is a function, not IPython: it writes what it finds to its folder, closes it, waits to be sealed, and
tries to write there again.
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from instructor_only.grading import course
from instructor_only.grading.classgrade.sandbox import policy

pytestmark = pytest.mark.skipif(shutil.which("bwrap") is None, reason="needs bubblewrap")

PROGRAM = r'''
import ctypes, json, os, signal, sys, time
from instructor_only.grading.classgrade.sandbox import namespaces
KERNEL_DIR = sys.argv[1]

def kernel(request):
    libc = ctypes.CDLL(None, use_errno=True)
    unshared = libc.unshare(0x10000000)  # a user namespace of its own: seccomp says no
    found = {"uid": os.getuid(), "uid_map": open("/proc/self/uid_map").read().split(),
             "capabilities": [l.split()[1] for l in open("/proc/self/status") if l.startswith(("CapEff", "CapPrm",
                                                                                              "CapBnd", "CapAmb"))],
             "processes": sorted(p for p in os.listdir("/proc") if p.isdigit()),
             "unshare": [unshared, ctypes.get_errno()], "work": sorted(os.listdir(namespaces.policy.WORK_DIR)),
             "work_owner": os.stat(namespaces.policy.WORK_DIR).st_uid}
    # Without root its uid stands for the grader's, who owns what bwrap made: none of it may be writable
    writable = []
    folders = ["/", "/dev", sys.argv[2], os.environ["MPLCONFIGDIR"], namespaces.policy.CGROUP_DIR,
               namespaces.policy.HOLD_DIR, os.path.dirname(os.path.dirname(KERNEL_DIR))]
    # (a folder under /tmp is rebuilt in the kernel's own /tmp, which is its to write: a course checked out there)
    for folder in [f for f in folders if not f.startswith("/tmp/")]:
        try:
            open(os.path.join(folder, "planted.py"), "w").close()
            writable.append(folder)
        except OSError:
            pass
    for path in ["/proc/sys/net/core/somaxconn", "/proc/1/fd/2", "/proc/1/mem"]:
        try:
            open(path, "r+b").close()
            writable.append(path)
        except OSError:
            pass
    found["writable"] = writable
    os.kill(1, signal.SIGUSR1)  # its init must not act on this (the worker's request to its launcher to seal)
    time.sleep(0.2)
    found["init_alive"] = True  # (had its init died, so would this process, before writing)
    with open(f"{KERNEL_DIR}/found.partial", "w") as out:  # renamed whole: the seal fails while a file is open to write
        json.dump(found, out)
    os.rename(f"{KERNEL_DIR}/found.partial", f"{KERNEL_DIR}/found.json")
    for _ in range(3000):  # until sealed (a minute at most)
        if os.statvfs(KERNEL_DIR).f_flag & os.ST_RDONLY:
            break
        time.sleep(0.02)
    try:
        open(f"{KERNEL_DIR}/after_seal", "w").close()
    except OSError:
        pass
    for _ in range(3000):  # alive until the worker has seen the seal (in its launcher's mounts: they end with it)
        if os.path.exists(f"{KERNEL_DIR}/checked"):
            break
        time.sleep(0.02)
    os._exit(0)

init, launcher = namespaces.spawn({"argv": [], "env": {}, "kernel_dir": KERNEL_DIR, "cgroup_procs": [],
                                   "cold": False, "cpu_seconds": 0}, kernel, [])
for _ in range(3000):  # (a minute: a busy machine)
    if os.path.exists(f"{KERNEL_DIR}/found.json"):
        break
    time.sleep(0.02)
os.kill(launcher, signal.SIGUSR1)
sealed = False
for _ in range(3000):
    sealed = namespaces.sealed(launcher, KERNEL_DIR)
    if sealed:
        break
    time.sleep(0.02)
open(f"{KERNEL_DIR}/checked", "w").close()  # (the host's view of its folder is not sealed)
for _ in range(3000):  # until the kernel has tried to write after the seal, and ended with its init
    try:
        if open(f"/proc/{init}/stat").read().rsplit(")", 1)[1].split()[0] in "ZX":
            break
    except OSError:
        break
    time.sleep(0.02)
print(json.dumps({"launcher": launcher, "sealed": sealed}))
'''


@pytest.fixture(params=[False, True], ids=["as root", "without root"])
def kernel(request, tmp_path):
    if not request.param and os.geteuid() != 0:
        pytest.skip("the root mode needs root")
    sandbox_dir = tmp_path / "sandbox"
    kernel_dir = sandbox_dir / "kernels" / "k1"
    (kernel_dir / "files").mkdir(parents=True)
    (kernel_dir / "files" / "data.csv").write_text("1,2\n")
    (tmp_path / "cgroups").mkdir()
    (tmp_path / "fonts").mkdir()
    os.chmod(tmp_path, 0o755)
    command = policy.parent_command(course.COURSE_ROOT, sandbox_dir, tmp_path / "fonts",
                                    {"unified": tmp_path / "cgroups"},
                                    [sys.executable, "-c", PROGRAM, str(kernel_dir), str(course.COURSE_ROOT)],
                                    rootless=request.param)
    run = subprocess.run(command, capture_output=True, text=True, timeout=180)
    assert run.returncode == 0, run.stderr[-3000:]
    report = json.loads(run.stdout.strip().splitlines()[-1])
    found = json.loads((kernel_dir / "found.json").read_text())
    return {"rootless": request.param, **report, **found, "after_seal": (kernel_dir / "after_seal").exists()}


def test_the_kernel_has_its_own_uid_and_no_capability_anywhere(kernel):
    assert kernel["uid"] == policy.KERNEL_UID_BASE + kernel["launcher"]
    assert kernel["capabilities"] == ["0000000000000000"] * 4  # effective, permitted, bounding, ambient
    if kernel["rootless"]:  # its uid exists in its own user namespace only, standing for the grader's (0 outside)
        assert kernel["uid_map"] == [str(kernel["uid"]), "0", "1"]
    else:
        assert kernel["uid_map"] == ["0", "0", "4294967295"]


def test_the_kernel_sees_only_its_namespace_and_its_files(kernel):
    assert kernel["processes"] == ["1", "2"]  # its init and itself
    assert kernel["work"] == ["data.csv"]
    assert kernel["work_owner"] == kernel["uid"]


def test_the_kernel_cannot_make_a_namespace_and_its_folder_is_sealed(kernel):
    assert kernel["unshare"] == [-1, 1]  # EPERM
    assert kernel["sealed"] and not kernel["after_seal"]


def test_signalling_its_init_reaches_nothing(kernel):
    """SIGUSR1 is how the worker asks the launcher to seal; sent by the kernel to its pid 1, nothing happens (and the
    program that spawned the kernel printed its report: it was not killed either)."""
    assert kernel["init_alive"]


def test_nothing_outside_its_own_folders_is_writable(kernel):
    """The root, /dev, the folders bwrap made on the way to the course, the font cache, the hidden folders, its
    namespace's settings, and its init's memory and files (its uid's own process without root)."""
    assert kernel["writable"] == []
