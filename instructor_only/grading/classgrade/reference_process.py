"""The framework's own answers for the hidden checks, computed in a process of their own, not in the worker.

Some checks compare the student's code with the framework itself: the batch-norm lab's with the built-in BatchNorm
layer and with the framework's SGD (the adapters' `TRUSTED` functions and `here`, in `checks/remote.py`). Computed in
the grading worker, each worker would import torch and TensorFlow a second time (the kernel parent has them already):
~1.2 and ~3 CPU-s per worker and run. Instead, the worker's kernel parent of that framework forks this process on
request (`warm_kernels.fork_reference`), with the framework imported and no operation run, as for a kernel.

Its answers are trusted because nothing of a student reaches it:
- it runs the course's code only (the adapters, and the parts modules the worker sends by source) on the worker's
  requests, answering with data (`instructor_only.frameworks.serve`, the kernel side's protocol, over a socket pair
  that has no path in any filesystem; the worker reads the answers with `wire`, which builds data only);
- the kernels are its siblings, not its children, each in namespaces of its own (namespaces.py; as root, with
  another host uid): they cannot see, signal, trace or connect to it; it holds nothing of theirs;
- in the sandbox it gives up root and its capabilities first (an unprivileged uid of its own, as a kernel's, and the
  kernels' seccomp filter), imports nothing from the working folder, and dies with its kernel parent, which dies
  with the worker.
The worker's side is `reference_link.py`.
"""
from __future__ import annotations

import os
import signal
import socket
import sys
import tempfile


def become_reference(fd: int, drop_to_uid: bool) -> None:
    """In the child the kernel parent forked: answer the worker on socket `fd` until it closes it (never returns)."""
    try:
        signal.signal(signal.SIGCHLD, signal.SIG_DFL)
        null = os.open(os.devnull, os.O_RDWR)
        for fd_number in (0, 1, 2):
            os.dup2(null, fd_number)
        # Not the kernel parent's working folder ("/", where `python -m` started it) first on the import path.
        sys.path[:] = [entry for entry in sys.path if entry not in ("", "/")]
        from instructor_only.grading.classgrade.sandbox import namespaces, policy, seccomp
        if drop_to_uid:
            uid = policy.KERNEL_UID_BASE + os.getpid()  # unique among live kernels' uids (theirs: their launcher's pid)
            # A temporary folder it may write to (torch's optimizers make a cache folder there): in the kernel
            # parent's /tmp, which no kernel sees (each has a /tmp of its own).
            own_tmp = tempfile.mkdtemp(prefix="reference-")
            owner = namespaces.owner_of_kernel_files(uid)
            os.chown(own_tmp, owner, owner)
            os.environ.update(TMPDIR=own_tmp, HOME=own_tmp)
            tempfile.tempdir = own_tmp
            namespaces.drop_privileges(uid)  # no capabilities from here on
            seccomp.install()  # the kernels' filter: what it has no use for either
        namespaces.die_with_parent()  # (after the uid change, which clears it)
        one_thread()
        from instructor_only.frameworks import serve
        serve.answer_on({}, socket.socket(fileno=fd))
    finally:
        os._exit(0)


def one_thread() -> None:
    """One compute thread: the answers are small, and the machine's cores belong to the kernels."""
    if "torch" in sys.modules:
        sys.modules["torch"].set_num_threads(1)
    if "tensorflow" in sys.modules:
        threading = sys.modules["tensorflow"].config.threading
        threading.set_intra_op_parallelism_threads(1)
        threading.set_inter_op_parallelism_threads(1)
