"""The grading sandbox: every submission's kernel runs in namespaces of its own, as a uid of its own, capped by the
OS kernel.

policy.py     what a kernel may see, write and reach, and its limits (read this one)
probe.py      can a sandbox be built on this machine? (names the missing piece)
cgroups.py    the worker's side of each kernel's cgroups: cgroup_v1.py (root) or cgroup_v2.py (root, or a subtree
              delegated to a non-root grader), over cgroup_files.py
namespaces.py what runs in the kernel parent: the per-kernel namespaces, mounts, cgroup membership and privilege drop
scratch.py    the worker's private folders (scratch courses, the sandbox's sockets), removed at the next run if a
              worker died
"""
