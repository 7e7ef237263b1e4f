"""Can a grading sandbox be built on this machine? `missing()` names each missing piece in words an instructor can
act on; classgrade refuses to grade (unless --no-sandbox) while anything is missing."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys

from instructor_only.grading.classgrade.sandbox import cgroups


def missing() -> list[str]:
    if not sys.platform.startswith("linux"):
        return [f"Linux namespaces (this is {sys.platform})"]
    problems = []
    if shutil.which("bwrap") is None:
        problems.append("bubblewrap: `bwrap` is not on PATH (Debian/Ubuntu: apt-get install bubblewrap)")
    if os.geteuid() != 0:
        problems.append("root: the sandbox gives each kernel its own uid and cgroups, which needs root "
                        f"(running as uid {os.geteuid()})")
    for controller in cgroups.CONTROLLERS:
        folder = cgroups.ROOT / controller
        if not folder.is_dir():
            problems.append(f"the cgroup v1 {controller} controller at {folder} (cgroup v2-only machines are not "
                            f"supported yet)")
        elif os.geteuid() == 0 and not os.access(folder, os.W_OK):
            problems.append(f"write access to {folder} (mounted read-only?)")
    if not problems:
        trial = subprocess.run(["bwrap", "--ro-bind", "/", "/", "--unshare-net", "--unshare-pid", "--unshare-ipc",
                                "--proc", "/proc", "--dev", "/dev", "true"], capture_output=True, text=True)
        if trial.returncode != 0:
            problems.append(f"namespaces: bwrap could not start a sandbox ({trial.stderr.strip()[:200]})")
    return problems


def describe(problems: list[str]) -> str:
    return ("classgrade cannot build its grading sandbox on this machine; missing: " + "; ".join(problems)
            + ". Fix that, or pass --no-sandbox to grade without one (student code then runs as you, with your files "
              "and network; see README, 'The grading sandbox').")


if __name__ == "__main__":
    found = missing()
    print(describe(found) if found else "the grading sandbox can be built here")
    sys.exit(1 if found else 0)
