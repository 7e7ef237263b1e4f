"""What a grading kernel may see, write and reach: the sandbox policy, as lists.

How it is built. Each worker keeps a *kernel parent* (warm_kernels.py) that imports the framework once and forks one
kernel per submission. bubblewrap (Debian's `bwrap`, a maintained tool) starts that parent in a filesystem view made
only of what is listed below, with no network. bwrap can only start a new program, and a new program would lose the
warm imports, so the per-kernel part -- new mount, pid, network, IPC and UTS namespaces, a cgroup of its own and an
unprivileged uid -- is done by the kernel parent for each forked kernel, in code (namespaces.py), from this same
policy. Stock `nbgrader autograde` does not use any of this: it trusts the student's code.

A grading kernel
- sees, read-only: the system (`SYSTEM_READ_ONLY`, `ETC_READ_ONLY`), the Python environment, the parts of the course
  listed in `COURSE_READ_ONLY`, and the CPU topology (`SYS_READ_ONLY`);
- writes only: its working folder `WORK_DIR` (a copy of the submission's files, nbgrader's working folder stays
  outside), its own `/tmp` and `/dev/shm`, and the folder of its own connection file and sockets; all tmpfs with a
  size cap, and all counted in its memory cgroup;
- runs as uid `KERNEL_UID_BASE + n` (no name, owns nothing outside the sandbox, no capabilities, no_new_privs), one
  uid per concurrent kernel on a machine; without root, that uid is the kernel's inside a user namespace of its own,
  mapped to the grader's uid outside (probe.py names the mode);
- is pid 1's child in a pid namespace of its own: it cannot see or signal anything outside, and everything it started
  dies with its submission;
- has a network namespace of its own with nothing in it; it talks to its client only through ZeroMQ `ipc` sockets
  in its own folder;
- gets the environment variables in `KERNEL_ENVIRONMENT` and nothing else of the worker's;
- cannot make the system calls in `DENIED_SYSCALLS` (seccomp.py), and sends the worker no message over
  `KERNEL_MESSAGE_MB`.
"""
from __future__ import annotations

import errno
import os
import sys
from pathlib import Path

# --------------------------------------------------------------------------------------------- what it sees
SYSTEM_READ_ONLY = ("/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32")  # symlinks stay symlinks
ETC_READ_ONLY = ("/etc/ld.so.cache", "/etc/ld.so.conf", "/etc/ld.so.conf.d", "/etc/localtime", "/etc/fonts",
                 "/etc/passwd", "/etc/group", "/etc/nsswitch.conf", "/etc/matplotlibrc", "/etc/alternatives")
SYS_READ_ONLY = ("/sys/devices/system/cpu",)  # how many CPUs: numpy, torch and TensorFlow read it at import
# Relative to the course root: what the kernels import. student_helpers is the students' own library; the kernel
# parent's code (classgrade's warm_kernels and sandbox) holds no secret; checks/references/frameworks are what the
# hidden checks load at run time today (issue 13 moves the deciding part out of the kernel).
# (not instructor_only/checks nor references: the hidden checks are decided outside, see trusted_checks.py)
COURSE_READ_ONLY = ("student_helpers", "instructor_only/__init__.py", "instructor_only/frameworks",
                    "instructor_only/grading/__init__.py",
                    "instructor_only/grading/classgrade/__init__.py",
                    "instructor_only/grading/classgrade/warm_kernels.py",
                    "instructor_only/grading/classgrade/reference_process.py", "instructor_only/grading/classgrade/sandbox")

# ------------------------------------------------------------------------------------- where things are inside
WORK_DIR = "/submission"        # the kernel's working folder (a tmpfs holding a copy of the submission's files)
HOLD_DIR = "/.sandbox-hold"     # where what must survive the kernel's own /tmp waits while it is mounted
CGROUP_DIR = "/.sandbox-cgroups"  # the worker's cgroups, seen by the kernel parent only (hidden from kernels)

# -------------------------------------------------------------------------------------------------- limits
TMP_MB = 512          # /tmp of a kernel
SHM_MB = 256          # /dev/shm of a kernel
WORK_MB = 256         # WORK_DIR of a kernel (the submission's files and what the student writes there)
FILE_MB = 256         # largest file a kernel may write (RLIMIT_FSIZE)
KERNEL_MESSAGE_MB = 64  # largest message the worker accepts from a kernel (ZeroMQ drops bigger ones)
KERNEL_UID_BASE = 2_000_000_000  # + the host pid of the kernel's launcher: unique among live kernels, below 2**31

# ------------------------------------------------------------------------------------ system calls (seccomp.py)
# What a kernel may not call at all, with the error it gets instead. clone3 says "not implemented", so the C
# library falls back to clone, whose flags the filter can read.
DENIED_SYSCALLS = {"unshare": errno.EPERM, "setns": errno.EPERM, "clone3": errno.ENOSYS,    # new namespaces
                   "add_key": errno.EPERM, "request_key": errno.EPERM, "keyctl": errno.EPERM,  # the kernel keyring
                   "io_uring_setup": errno.EPERM, "io_uring_enter": errno.EPERM, "io_uring_register": errno.EPERM,
                   "userfaultfd": errno.EPERM, "perf_event_open": errno.EPERM, "bpf": errno.EPERM,
                   "ptrace": errno.EPERM, "kexec_load": errno.EPERM, "mount": errno.EPERM, "umount2": errno.EPERM,
                   "pivot_root": errno.EPERM, "chroot": errno.EPERM, "open_by_handle_at": errno.EPERM,
                   # the new mount API (a kernel has no capability to mount; nor may it ask)
                   **dict.fromkeys(("open_tree", "move_mount", "fsopen", "fsconfig", "fsmount", "fspick",
                                    "mount_setattr"), errno.EPERM)}
DENIED_CLONE_FLAGS = 0x7E020000  # CLONE_NEWNS | NEWCGROUP | NEWUTS | NEWIPC | NEWUSER | NEWPID | NEWNET
DENIED_SOCKET_FAMILIES = (40,)  # AF_VSOCK: to the hypervisor, which no network namespace isolates

# ------------------------------------------------------------------------------------------- environment
KERNEL_ENVIRONMENT = ("LANG", "LC_ALL", "LC_CTYPE", "TZ", "MPLBACKEND", "NBGRADER_EXECUTION", "NBGRADER_VALIDATING",
                      "COURSE_DATASET", "PYTHONHASHSEED", "OMP_NUM_THREADS", "MKL_NUM_THREADS",
                      "OPENBLAS_NUM_THREADS", "TF_NUM_INTRAOP_THREADS", "TF_NUM_INTEROP_THREADS",
                      "OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE", "TF_CPP_MIN_LOG_LEVEL", "TF_ENABLE_ONEDNN_OPTS")
KERNEL_SET_ENVIRONMENT = {"HOME": "/tmp", "TMPDIR": "/tmp", "MPLCONFIGDIR": "/tmp/matplotlib",
                          "PATH": f"{Path(sys.prefix) / 'bin'}:/usr/local/bin:/usr/bin:/bin"}

# The kernel parent keeps these capabilities (it sets up each kernel's namespaces); kernels have none.
PARENT_CAPABILITIES = ("CAP_SYS_ADMIN", "CAP_SETUID", "CAP_SETGID", "CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_FOWNER",
                       "CAP_SETPCAP", "CAP_KILL")


def parent_isolation(rootless: bool | None = None) -> list[str]:
    """bwrap's namespaces and capabilities for the kernel parent. Without root (or with `rootless`, as a test may ask
    of root), a user namespace of its own, where the grader's uid is 0 and the capabilities are the namespace's
    (nothing outside it)."""
    capabilities = list(PARENT_CAPABILITIES)
    user_namespace = []
    if os.geteuid() != 0 if rootless is None else rootless:
        user_namespace = ["--unshare-user", "--uid", "0", "--gid", "0"]
        # Mapping a kernel's uid to this namespace's uid 0 (namespaces.drop_privileges) needs CAP_SETFCAP here
        # (Linux's verify_root_map): a capability of this user namespace only, over files of the grader's own.
        capabilities.append("CAP_SETFCAP")
    return [*user_namespace, "--unshare-net", "--unshare-ipc", "--unshare-uts",
            *(argument for capability in capabilities for argument in ("--cap-add", capability))]


def kernel_environment(requested: dict) -> dict:
    """What a kernel gets of the environment its manager asked for: the listed variables, and the fixed ones."""
    return {**{k: v for k, v in requested.items() if k in KERNEL_ENVIRONMENT}, **KERNEL_SET_ENVIRONMENT}


def python_environment() -> list[str]:
    """The interpreter's installation and the virtual environment (outermost folders only)."""
    roots = sorted({os.path.realpath(p) for p in (sys.prefix, sys.base_prefix, sys.exec_prefix)} | {sys.prefix})
    return [r for r in roots if not any(r != o and r.startswith(o.rstrip("/") + "/") for o in roots)]


def course_read_only(course_root: Path) -> list[str]:
    return [str(course_root / relative) for relative in COURSE_READ_ONLY if (course_root / relative).exists()]


def parent_command(course_root: Path, sandbox_dir: Path, font_cache: Path, cgroup_dirs: dict[str, Path],
                   program: list[str], rootless: bool | None = None) -> list[str]:
    """The bwrap command that starts the kernel parent `program` in the sandbox's filesystem view.

    sandbox_dir (read-write) holds the parent's control socket and the kernels' folders; font_cache (read-write) is
    matplotlib's, built once per machine and copied into each kernel's /tmp; cgroup_dirs maps each controller to the
    worker's cgroup folder, bound (read-write) under CGROUP_DIR for the parent to put kernels in.
    """
    argv = ["bwrap", "--die-with-parent", "--new-session", *parent_isolation(rootless),
            "--hostname", "grading", "--clearenv", "--setenv", "PATH", KERNEL_SET_ENVIRONMENT["PATH"],
            "--setenv", "HOME", "/tmp", "--setenv", "MPLCONFIGDIR", str(font_cache),
            # The course's code from where this grader imported it (a course directory holding its own copy puts
            # that first on sys.path), not from wherever the venv's .pth file points.
            "--setenv", "PYTHONPATH", str(course_root),
            "--proc", "/proc", "--dev", "/dev", "--tmpfs", "/tmp"]
    read_only = [p for p in [*ETC_READ_ONLY, *SYS_READ_ONLY, *python_environment(), *course_read_only(course_root)]
                 if os.path.exists(p)]
    reached = [*read_only, str(sandbox_dir), str(font_cache)]  # (TMPDIR need not be /tmp: the kernel's folder too)
    for folder in sorted({str(a) for p in reached for a in Path(p).parents if str(a) not in ("/", "/tmp")},
                         key=lambda f: f.count("/")):  # bwrap would create these 0700: the kernel's uid must pass
        argv += ["--perms", "0755", "--dir", folder]
    for path in SYSTEM_READ_ONLY:
        if os.path.islink(path):
            argv += ["--symlink", os.readlink(path), path]
        elif os.path.exists(path):
            argv += ["--ro-bind", path, path]
    for path in read_only:
        argv += ["--ro-bind", path, path]
    argv += ["--bind", str(sandbox_dir), str(sandbox_dir), "--bind", str(font_cache), str(font_cache)]
    for controller, folder in cgroup_dirs.items():
        argv += ["--bind", str(folder), f"{CGROUP_DIR}/{controller}"]
    # Everything bwrap made (the root, the folders on the way to the binds, /dev) read-only: without root, what bwrap
    # made is the grader's, and a kernel's uid stands for the grader's.
    argv += ["--perms", "0755", "--dir", WORK_DIR, "--dir", HOLD_DIR, "--remount-ro", "/", "--remount-ro", "/dev",
             "--chdir", "/", "--", *program]
    return argv
