"""Imported first by the fork server that the embedded cluster's workers are forked from (executors.WORKER_PRELOAD),
and by nothing else: importing it ties the importing process to its parent, which gets SIGKILL when the parent dies.

The chain, when the coordinator ends in any way (SIGKILL included): the fork server, its child, dies with it (this
module); each worker dies with the fork server (worker.ExitWithCoordinator sets the same for the worker); each kernel
parent dies with its worker (bwrap --die-with-parent); each kernel with its kernel parent (sandbox/namespaces.py).
Left to itself the fork server would exit only once every process started through it had ended (each holds its pipe),
and a worker frozen in code that holds the GIL never ends by itself: its watch thread cannot run.
"""
from instructor_only.grading.classgrade.sandbox.namespaces import die_with_parent

die_with_parent()
