"""Can a grading sandbox be built on this machine, and in which mode? `mode()` names it; `missing()` names each
missing piece in words an instructor can act on. classgrade refuses to grade (unless --no-sandbox) while anything is
missing. The modes, and what each guarantees, are in docs/GRADING.md ('The grading sandbox').

    cgroup v1, as root                            each kernel: namespaces of its own, a host uid of its own, caps
    cgroup v2, as root                            the same
    cgroup v2, delegated subtree, without root    each kernel: namespaces of its own (user namespace included) and
                                                  its own uid inside it, mapped to the grader's; the same caps
"""
from __future__ import annotations

import os
import shutil
import subprocess
import sys

from instructor_only.grading.classgrade.sandbox import cgroup_v2, cgroups, policy, seccomp

USER_NAMESPACE_HINT = ("unprivileged user namespaces are off: sysctl user.max_user_namespaces or "
                       "kernel.unprivileged_userns_clone, or on Ubuntu 24.04 AppArmor's "
                       "kernel.apparmor_restrict_unprivileged_userns")


def mode() -> str:
    found = cgroups.version()
    if found is None:
        return "none"
    if found is cgroup_v2:
        return "cgroup v2, as root" if os.geteuid() == 0 else "cgroup v2, delegated subtree, without root"
    return "cgroup v1, as root" if os.geteuid() == 0 else "cgroup v1, without root (not supported)"


def missing() -> list[str]:
    if not sys.platform.startswith("linux"):
        return [f"Linux namespaces (this is {sys.platform})"]
    problems = []
    if shutil.which("bwrap") is None:
        problems.append("bubblewrap: `bwrap` is not on PATH (Debian/Ubuntu: apt-get install bubblewrap)")
    library = seccomp.unavailable()
    if library:
        problems.append(library)
    problems += cgroups.missing()
    if not problems:
        trial = subprocess.run(["bwrap", *policy.parent_isolation(), "--ro-bind", "/", "/", "--unshare-pid",
                                "--proc", "/proc", "--dev", "/dev", "true"], capture_output=True, text=True)
        if trial.returncode != 0:
            hint = f"; {USER_NAMESPACE_HINT}" if os.geteuid() != 0 else ""
            problems.append(f"namespaces: bwrap could not start a sandbox ({trial.stderr.strip()[:200]}{hint})")
    return problems


def describe(problems: list[str]) -> str:
    return (f"classgrade cannot build its grading sandbox on this machine ({mode()}); missing: " + "; ".join(problems)
            + ". Fix that, or pass --no-sandbox to grade without one (student code then runs as you, with your files "
              "and network; see docs/GRADING.md, 'The grading sandbox').")


if __name__ == "__main__":
    found = missing()
    print(describe(found) if found else f"the grading sandbox can be built here: {mode()}")
    sys.exit(1 if found else 0)
