"""The kernels' seccomp filter (classgrade/sandbox/seccomp.py): its BPF program for x86_64 and aarch64, run by a small
classic-BPF interpreter on made-up system calls, and the filter installed for real in a forked child.

The system call numbers are the kernel's (arch/x86/entry/syscalls/syscall_64.tbl, include/uapi/asm-generic/unistd.h
for aarch64), written out here so that the test does not trust libseccomp's own tables.
"""
from __future__ import annotations

import ctypes
import errno
import json
import os
import platform
import socket
import struct
import subprocess
import sys
import threading

import pytest

from instructor_only.grading.classgrade.sandbox import policy, seccomp

AUDIT_ARCH = {"x86_64": 0xC000003E, "aarch64": 0xC00000B7}
AUDIT_ARCH_I386, AUDIT_ARCH_ARM = 0x40000003, 0x40000028
X32_SYSCALL_BIT = 0x40000000  # x32 calls come with x86_64's AUDIT_ARCH and this bit in the number
SECCOMP_RET_ALLOW, SECCOMP_RET_ERRNO = 0x7FFF0000, 0x00050000
AF_UNIX, AF_INET, AF_INET6, AF_NETLINK, AF_VSOCK = 1, 2, 10, 16, 40
CLONE_NEWUSER, SIGCHLD = 0x10000000, 17
THREAD_FLAGS = 0x3D0F00  # CLONE_VM|FS|FILES|SIGHAND|THREAD|SYSVSEM|SETTLS|PARENT_SETTID|CHILD_CLEARTID (pthreads)
FORK_FLAGS = 0x01200000 | SIGCHLD  # CLONE_CHILD_SETTID|CHILD_CLEARTID|SIGCHLD (glibc's fork)

NEW_MOUNT_API = {"open_tree": 428, "move_mount": 429, "fsopen": 430, "fsconfig": 431, "fsmount": 432, "fspick": 433,
                 "mount_setattr": 442}  # the same numbers on both (asm-generic and syscall_64.tbl, since Linux 5.2)
SYSCALLS = {
    "x86_64": {**NEW_MOUNT_API, "add_key": 248, "request_key": 249, "keyctl": 250, "unshare": 272, "setns": 308,
               "io_uring_setup": 425, "io_uring_enter": 426, "io_uring_register": 427, "userfaultfd": 323,
               "perf_event_open": 298, "bpf": 321, "ptrace": 101, "kexec_load": 246, "clone3": 435, "clone": 56,
               "socket": 41, "mount": 165, "umount2": 166, "pivot_root": 155, "chroot": 161,
               "open_by_handle_at": 304,
               "read": 0, "write": 1, "close": 3, "fstat": 5, "mmap": 9, "mprotect": 10, "munmap": 11, "brk": 12,
               "rt_sigaction": 13, "getpid": 39, "execve": 59, "wait4": 61, "futex": 202, "exit_group": 231,
               "openat": 257, "pipe2": 293},
    "aarch64": {**NEW_MOUNT_API, "add_key": 217, "request_key": 218, "keyctl": 219, "unshare": 97, "setns": 268,
                "io_uring_setup": 425, "io_uring_enter": 426, "io_uring_register": 427, "userfaultfd": 282,
                "perf_event_open": 241, "bpf": 280, "ptrace": 117, "kexec_load": 104, "clone3": 435, "clone": 220,
                "socket": 198, "mount": 40, "umount2": 39, "pivot_root": 41, "chroot": 51, "open_by_handle_at": 265,
                "read": 63, "write": 64, "close": 57, "fstat": 80, "mmap": 222, "mprotect": 226, "munmap": 215,
                "brk": 214, "rt_sigaction": 134, "getpid": 172, "execve": 221, "wait4": 260, "futex": 98,
                "exit_group": 94, "openat": 56, "pipe2": 59},
}
ORDINARY = ("read", "write", "close", "fstat", "mmap", "mprotect", "munmap", "brk", "rt_sigaction", "getpid",
            "execve", "wait4", "futex", "exit_group", "openat", "pipe2")
X32_OWN_NUMBERS = {"ptrace": 521, "kexec_load": 528}  # x32's compat entry points (syscall_64.tbl, "x32" lines)
OTHER_ARCHES = {"x86_64": (AUDIT_ARCH_I386, {"unshare": 310, "getpid": 20}),
                "aarch64": (AUDIT_ARCH_ARM, {"unshare": 337, "getpid": 20})}
MACHINES = sorted(AUDIT_ARCH)


# ------------------------------------------------------------------------------------ a classic-BPF interpreter
def run(program: bytes, machine: str, nr: int, args: tuple[int, ...] = (), arch: int | None = None) -> int:
    """What the seccomp program returns for this system call (the kernel's struct seccomp_data, little-endian)."""
    data = struct.pack("<IIQ6Q", nr & 0xFFFFFFFF, AUDIT_ARCH[machine] if arch is None else arch, 0x401000,
                       *args, *[0] * (6 - len(args)))
    assert program and len(program) % 8 == 0 and len(program) // 8 <= 4096, "not a seccomp BPF program"
    code = [struct.unpack_from("<HBBI", program, offset) for offset in range(0, len(program), 8)]
    a = x = 0
    mem = [0] * 16
    pc = 0
    while True:
        assert 0 <= pc < len(code), f"ran off the program at {pc}"
        op, jt, jf, k = code[pc]
        pc += 1
        kind = op & 0x07
        if kind in (0x00, 0x01):  # ld, ldx (32-bit words only)
            mode = op & 0xE0
            if op & 0x18:
                raise AssertionError(f"load of another size: {op:#06x}")
            if mode == 0x20:  # abs
                assert k % 4 == 0 and k + 4 <= len(data), f"load outside seccomp_data: {k}"
                value = struct.unpack_from("<I", data, k)[0]
            elif mode == 0x60:  # mem
                value = mem[k]
            elif mode == 0x00:  # imm
                value = k
            else:
                raise AssertionError(f"unknown load mode: {op:#06x}")
            a, x = (value, x) if kind == 0x00 else (a, value)
        elif op in (0x02, 0x03):  # st, stx
            mem[k] = a if op == 0x02 else x
        elif kind == 0x04:  # alu
            operand = x if op & 0x08 else k
            alu = {0x00: lambda: a + operand, 0x10: lambda: a - operand, 0x40: lambda: a | operand,
                   0x50: lambda: a & operand, 0xA0: lambda: a ^ operand, 0x60: lambda: a << operand,
                   0x70: lambda: a >> operand}.get(op & 0xF0)
            if alu is None:
                raise AssertionError(f"unknown alu opcode: {op:#06x}")
            a = alu() & 0xFFFFFFFF
        elif kind == 0x05:  # jmp
            operand = x if op & 0x08 else k
            test = op & 0xF0
            if test == 0x00 and not op & 0x08:
                pc += k
                continue
            if test not in (0x10, 0x20, 0x30, 0x40):
                raise AssertionError(f"unknown jump opcode: {op:#06x}")
            taken = {0x10: a == operand, 0x20: a > operand, 0x30: a >= operand, 0x40: bool(a & operand)}[test]
            pc += jt if taken else jf
        elif kind == 0x06:  # ret
            if op == 0x06:
                return k
            if op == 0x16:
                return a
            raise AssertionError(f"unknown ret opcode: {op:#06x}")
        elif op in (0x07, 0x87):  # tax, txa
            a, x = (a, a) if op == 0x07 else (x, x)
        else:
            raise AssertionError(f"unknown opcode: {op:#06x}")


def deny(error: int) -> int:
    return SECCOMP_RET_ERRNO | error


def test_interpreter_knows_the_basics():
    instruction = lambda code, k, jt=0, jf=0: struct.pack("<HBBI", code, jt, jf, k)  # noqa: E731
    program = b"".join([instruction(0x20, 0), instruction(0x15, 7, 0, 1), instruction(0x06, 1),
                        instruction(0x20, 16), instruction(0x45, 4, 0, 1), instruction(0x06, 2),
                        instruction(0x06, 3)])
    assert [run(program, "x86_64", nr, (arg,)) for nr, arg in ((7, 0), (8, 4), (8, 1))] == [1, 2, 3]
    with pytest.raises(AssertionError, match="unknown opcode"):
        run(instruction(0xFF, 0), "x86_64", 0)


# --------------------------------------------------------------------------------------- the program, per arch
@pytest.fixture(scope="module", params=MACHINES)
def machine(request):
    return request.param


@pytest.fixture(scope="module")
def program(machine):
    return seccomp.program(machine)


def test_denied_syscalls_fail_with_their_error(machine, program):
    numbers = SYSCALLS[machine]
    for name, error in policy.DENIED_SYSCALLS.items():
        assert run(program, machine, numbers[name]) == deny(error), name
        assert run(program, machine, numbers[name], (1, 2, 3, 4, 5, 6)) == deny(error), name


def test_clone_with_a_namespace_flag_is_denied(machine, program):
    clone = SYSCALLS[machine]["clone"]
    bits = [1 << i for i in range(64) if policy.DENIED_CLONE_FLAGS >> i & 1]
    assert len(bits) == 7
    for bit in bits:
        for flags in (bit, bit | SIGCHLD, bit | THREAD_FLAGS, bit | FORK_FLAGS, bit | 1 << 32):
            assert run(program, machine, clone, (flags,)) == deny(errno.EPERM), hex(flags)
    for flags in (0, SIGCHLD, THREAD_FLAGS, FORK_FLAGS, 0x4111):  # 0x4111: CLONE_VFORK|CLONE_VM|SIGCHLD
        assert run(program, machine, clone, (flags, 0x7FFF0000)) == SECCOMP_RET_ALLOW, hex(flags)


def test_socket_of_a_denied_family_is_denied(machine, program):
    number = SYSCALLS[machine]["socket"]
    assert policy.DENIED_SOCKET_FAMILIES == (AF_VSOCK,)
    # The kernel reads the family as an int: the upper half of the register must not open a way around.
    for family in (AF_VSOCK, 1 << 32 | AF_VSOCK):
        assert run(program, machine, number, (family, 1, 0)) == deny(errno.EAFNOSUPPORT), hex(family)
    for family in (AF_UNIX, AF_INET, AF_INET6, AF_NETLINK):
        assert run(program, machine, number, (family, 1, 0)) == SECCOMP_RET_ALLOW, family


def test_ordinary_syscalls_are_allowed(machine, program):
    for name in ORDINARY:
        assert run(program, machine, SYSCALLS[machine][name], (3, 0x1000, 0, 0, 0, 0)) == SECCOMP_RET_ALLOW, name


def test_another_architecture_gets_eperm(machine, program):
    arch, numbers = OTHER_ARCHES[machine]
    for name, number in numbers.items():
        assert run(program, machine, number, arch=arch) == deny(errno.EPERM), name
    assert run(program, machine, SYSCALLS[machine]["getpid"], arch=0xC00000F3) == deny(errno.EPERM)  # riscv64


def test_x32_cannot_make_a_denied_call():
    program = seccomp.program("x86_64")
    numbers = {**SYSCALLS["x86_64"], **X32_OWN_NUMBERS}
    for name in policy.DENIED_SYSCALLS:
        for number in {numbers[name], SYSCALLS["x86_64"][name]}:
            assert run(program, "x86_64", X32_SYSCALL_BIT | number) != SECCOMP_RET_ALLOW, name
    assert run(program, "x86_64", X32_SYSCALL_BIT | numbers["clone"], (CLONE_NEWUSER,)) != SECCOMP_RET_ALLOW
    assert run(program, "x86_64", X32_SYSCALL_BIT | numbers["socket"], (AF_VSOCK,)) != SECCOMP_RET_ALLOW


def test_libseccomp_is_available():
    assert seccomp.unavailable() is None


@pytest.mark.parametrize("hide, reason", [
    ("sys.modules['pyseccomp'] = None", "pyseccomp is not installed"),
    ("ctypes.util.find_library = lambda name: None", "libseccomp2 is not installed (Debian/Ubuntu: apt-get install")])
def test_unavailable_says_what_is_missing(hide, reason):
    script = f"""import ctypes.util, sys
{hide}
from instructor_only.grading.classgrade.sandbox import seccomp
print(seccomp.unavailable())
try:
    seccomp.install()
except OSError as error:
    print(error)
"""
    lines = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True,
                           cwd=os.path.dirname(os.path.dirname(os.path.abspath(__file__)))).stdout.splitlines()
    assert len(lines) == 2 and reason in lines[0] and lines[0] in lines[1], lines


# ------------------------------------------------------------------------------------------ installed for real
def _in_the_filtered_child(numbers: dict, path: str) -> dict:
    libc = ctypes.CDLL(None, use_errno=True)
    libc.syscall.restype = ctypes.c_long

    def call(name: str, *args: int) -> int:
        """0, or the error of the raw system call."""
        ctypes.set_errno(0)
        result = libc.syscall(ctypes.c_long(numbers[name]), *(ctypes.c_long(arg) for arg in args))
        if result == 0 and name == "clone":  # the filter let it through: this is the new process
            os._exit(0)
        if result > 0 and name == "clone":
            os.waitpid(result, 0)
        return ctypes.get_errno() if result < 0 else 0

    def error_of(action) -> int:
        try:
            action()
        except OSError as error:
            return error.errno
        return 0

    found = {"no_new_privs": libc.prctl(38, 1, 0, 0, 0)}
    seccomp.install()
    found["unshare(CLONE_NEWUSER)"] = call("unshare", CLONE_NEWUSER)
    found["clone(CLONE_NEWUSER)"] = call("clone", CLONE_NEWUSER | SIGCHLD, 0, 0, 0, 0)
    found["clone3"] = call("clone3", 0, 0)
    found["keyctl"] = call("keyctl", 0, -3, 0)  # KEYCTL_GET_KEYRING_ID of the session keyring
    if "x32 unshare" in numbers:  # unfiltered: ENOSYS without x32 in the kernel, else a user namespace
        found["x32 unshare"] = call("x32 unshare", CLONE_NEWUSER)
    found["socket(AF_VSOCK)"] = error_of(lambda: socket.socket(AF_VSOCK, socket.SOCK_STREAM).close())
    found["getpid"] = os.getpid() == libc.syscall(ctypes.c_long(numbers["getpid"]))
    with open(path) as file:
        found["open/read"] = file.read()
    left, right = socket.socketpair(socket.AF_UNIX)
    left.sendall(b"ping")
    found["socket(AF_UNIX)"] = right.recv(4).decode()
    child = os.fork()
    if child == 0:
        os._exit(7)
    found["fork"] = os.waitstatus_to_exitcode(os.waitpid(child, 0)[1])
    seen = []
    thread = threading.Thread(target=seen.append, args=("thread",))
    thread.start()
    thread.join()
    found["thread"] = seen
    return found


def test_installed_filter_denies_and_allows(tmp_path):
    machine = platform.machine()
    if machine not in SYSCALLS:
        pytest.skip(f"no system call table for {machine}")
    numbers = dict(SYSCALLS[machine])
    if machine == "x86_64":
        numbers["x32 unshare"] = X32_SYSCALL_BIT | numbers["unshare"]
    readable = tmp_path / "readable.txt"
    readable.write_text("still readable")
    reading, writing = os.pipe()
    pid = os.fork()
    if pid == 0:
        try:
            os.close(reading)
            found = _in_the_filtered_child(numbers, str(readable))
        except BaseException as error:  # noqa: BLE001 -- report anything to the parent
            found = {"error": repr(error)}
        finally:
            os.write(writing, json.dumps(found).encode())
            os._exit(0)
    os.close(writing)
    with os.fdopen(reading, "rb") as pipe:
        report = pipe.read()
    assert os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1]) == 0
    assert json.loads(report) == {
        **({"x32 unshare": errno.EPERM} if machine == "x86_64" else {}), "no_new_privs": 0,
        "unshare(CLONE_NEWUSER)": errno.EPERM, "clone(CLONE_NEWUSER)": errno.EPERM,
        "clone3": errno.ENOSYS, "keyctl": errno.EPERM, "socket(AF_VSOCK)": errno.EAFNOSUPPORT, "getpid": True,
        "open/read": "still readable", "socket(AF_UNIX)": "ping", "fork": 7, "thread": ["thread"]}
