"""A seccomp filter for grading kernels: the system calls in policy.DENIED_SYSCALLS fail with an error.

Namespaces already take away what these calls would reach; the filter removes the attack surface itself (user
namespaces, io_uring, the kernel keyring, vsock to the hypervisor, ...). It is installed by the sandbox's init after
it dropped its privileges, so the kernel and everything it starts inherit it for good. Python has no seccomp module
and libseccomp's bindings are not on PyPI, so the classic BPF program is written here: check the architecture, then
compare the system call number (and, for clone and socket, the first argument).
"""
from __future__ import annotations

import ctypes
import errno
import platform
import struct

from instructor_only.grading.classgrade.sandbox import policy

PR_SET_SECCOMP, SECCOMP_MODE_FILTER = 22, 2
SECCOMP_RET_ALLOW, SECCOMP_RET_ERRNO = 0x7FFF0000, 0x00050000
BPF_LD_W_ABS, BPF_JEQ_K, BPF_JSET_K, BPF_RET_K = 0x20, 0x15, 0x45, 0x06
NR, ARCH, ARG0 = 0, 4, 16  # offsets in struct seccomp_data (arg0's low 32 bits, little-endian)

# machine -> (AUDIT_ARCH, system call numbers)
SYSCALLS = {
    "x86_64": (0xC000003E, {"add_key": 248, "request_key": 249, "keyctl": 250, "unshare": 272, "setns": 308,
                            "io_uring_setup": 425, "io_uring_enter": 426, "io_uring_register": 427,
                            "userfaultfd": 323, "perf_event_open": 298, "bpf": 321, "ptrace": 101,
                            "kexec_load": 246, "clone3": 435, "clone": 56, "socket": 41, "mount": 165,
                            "umount2": 166, "pivot_root": 155, "chroot": 161, "open_by_handle_at": 304}),
    "aarch64": (0xC00000B7, {"add_key": 217, "request_key": 218, "keyctl": 219, "unshare": 97, "setns": 268,
                             "io_uring_setup": 425, "io_uring_enter": 426, "io_uring_register": 427,
                             "userfaultfd": 282, "perf_event_open": 241, "bpf": 280, "ptrace": 117,
                             "kexec_load": 104, "clone3": 435, "clone": 220, "socket": 198, "mount": 40,
                             "umount2": 39, "pivot_root": 41, "chroot": 51, "open_by_handle_at": 265}),
}


def _instruction(code: int, k: int, jt: int = 0, jf: int = 0) -> bytes:
    return struct.pack("HBBI", code, jt, jf, k)


def _deny(error: int) -> bytes:
    return _instruction(BPF_RET_K, SECCOMP_RET_ERRNO | error)


def program(machine: str | None = None) -> bytes:
    """The BPF program for this machine (KeyError for an architecture without a table)."""
    audit_arch, numbers = SYSCALLS[machine or platform.machine()]
    code = [_instruction(BPF_LD_W_ABS, ARCH), _instruction(BPF_JEQ_K, audit_arch, 1, 0), _deny(errno.EPERM),
            _instruction(BPF_LD_W_ABS, NR)]
    for name, error in policy.DENIED_SYSCALLS.items():
        code += [_instruction(BPF_JEQ_K, numbers[name], 0, 1), _deny(error)]
    # clone with a namespace flag, and socket() of a denied address family: look at the first argument
    code += [_instruction(BPF_JEQ_K, numbers["clone"], 0, 3), _instruction(BPF_LD_W_ABS, ARG0),
             _instruction(BPF_JSET_K, policy.DENIED_CLONE_FLAGS, 0, 1), _deny(errno.EPERM),
             _instruction(BPF_LD_W_ABS, NR)]
    for family in policy.DENIED_SOCKET_FAMILIES:
        code += [_instruction(BPF_JEQ_K, numbers["socket"], 0, 3), _instruction(BPF_LD_W_ABS, ARG0),
                 _instruction(BPF_JEQ_K, family, 0, 1), _deny(errno.EAFNOSUPPORT), _instruction(BPF_LD_W_ABS, NR)]
    return b"".join([*code, _instruction(BPF_RET_K, SECCOMP_RET_ALLOW)])


class _SockFprog(ctypes.Structure):
    _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.c_char_p)]


def install() -> None:
    """Install the filter on this process (inherited by its children; needs no_new_privs, which bwrap set)."""
    code = program()
    fprog = _SockFprog(len(code) // 8, code)
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, ctypes.byref(fprog), 0, 0) != 0:
        error = ctypes.get_errno()
        raise OSError(error, f"seccomp: {errno.errorcode.get(error, error)}")
