"""A seccomp filter for grading kernels: the system calls in policy.DENIED_SYSCALLS fail with an error.

Namespaces already take away what these calls would reach; the filter removes the attack surface itself (user
namespaces, io_uring, the kernel keyring, vsock to the hypervisor, ...). It is installed by the sandbox's init after
it dropped its privileges, so the kernel and everything it starts inherit it for good. libseccomp (Debian's
libseccomp2, through PyPI's pyseccomp) writes the BPF program from the rules below: it knows each architecture's
system call numbers and how to compare 64-bit arguments.
"""
from __future__ import annotations

import errno
import tempfile

try:
    import pyseccomp
except ImportError:
    pyseccomp, _MISSING = None, "pyseccomp is not installed (pip install -r requirements.txt)"
except RuntimeError:  # pyseccomp's "Unable to find libseccomp"
    pyseccomp, _MISSING = None, "libseccomp2 is not installed (Debian/Ubuntu: apt-get install libseccomp2)"
except OSError as error:  # found, but it would not load
    pyseccomp, _MISSING = None, f"libseccomp cannot be loaded ({error}; Debian/Ubuntu: apt-get install libseccomp2)"

from instructor_only.grading.classgrade.sandbox import policy

ARCHES = ("x86_64", "aarch64")  # what program() builds for


def unavailable() -> str | None:
    """Why the filter cannot be built on this machine, or None."""
    return None if pyseccomp else _MISSING


def _filter(machine: str | None) -> "pyseccomp.SyscallFilter":
    """The filter for this machine's architecture only (None: this one's)."""
    if pyseccomp is None:
        raise OSError(errno.ENOSYS, f"seccomp: {_MISSING}")
    rules = pyseccomp.SyscallFilter(pyseccomp.ALLOW)
    if machine is not None:
        arch = getattr(pyseccomp.Arch, machine.upper())
        if arch != pyseccomp.system_arch():
            rules.add_arch(arch)
            rules.remove_arch(pyseccomp.Arch.NATIVE)
    # Another architecture's calls (i386 on x86_64, arm on aarch64) fail with EPERM, and so do x32's (x86_64's
    # AUDIT_ARCH, numbers | 0x40000000): libseccomp refuses them all when x32 is not in the filter. The hand-written
    # program this replaces let x32 through, its unshare, keyctl, mount, ... included.
    rules.set_attr(pyseccomp.Attr.ACT_BADARCH, pyseccomp.ERRNO(errno.EPERM))  # (default: kill the thread)
    rules.set_attr(pyseccomp.Attr.API_SYSRAWRC, 1)  # the kernel's errors, not ECANCELED, from load()
    # pyseccomp looks names up in this machine's table; libseccomp translates them to the filter's architecture.
    for name, error in policy.DENIED_SYSCALLS.items():
        rules.add_rule(pyseccomp.ERRNO(error), name)
    # clone with any namespace flag: one rule per flag bit (libseccomp compares an argument, it has no "any bit").
    # The kernel reads only the flags' lower 32 bits, and only those are compared (mask 0 for the upper half).
    for bit in (1 << i for i in range(32) if policy.DENIED_CLONE_FLAGS >> i & 1):
        rules.add_rule(pyseccomp.ERRNO(errno.EPERM), "clone", pyseccomp.Arg(0, pyseccomp.MASKED_EQ, bit, bit))
    # socket()'s family is an int: a plain EQ would also compare the upper half, which the kernel ignores.
    for family in policy.DENIED_SOCKET_FAMILIES:
        rules.add_rule(pyseccomp.ERRNO(errno.EAFNOSUPPORT), "socket",
                       pyseccomp.Arg(0, pyseccomp.MASKED_EQ, 0xFFFFFFFF, family))
    return rules


def program(machine: str) -> bytes:
    """The BPF program for "x86_64" or "aarch64", whatever this machine is (for tests)."""
    if machine not in ARCHES:
        raise ValueError(f"seccomp: no program for {machine!r}, only for {', '.join(ARCHES)}")
    with tempfile.TemporaryFile() as exported:
        _filter(machine).export_bpf(exported)
        exported.seek(0)
        return exported.read()


def install() -> None:
    """Install the filter on this process (inherited by its children; needs no_new_privs, which bwrap set)."""
    rules = _filter(None)
    try:
        rules.load()
    except OSError as error:
        raise OSError(error.errno, f"seccomp: cannot install the filter ({error.strerror})") from error
