"""nbgrader's Execute preprocessor with per-submission limits: memory, CPU time, wall clock and output.

It adds the sandbox (warm_kernels.py, sandbox/), what happens when a limit is hit, and the trusted side's hidden
checks (trusted_checks.py), whose verdicts it records for `trusted_scores.TrustedScores`, the step that writes what
nbgrader scores. A watchdog thread reads the kernel's cgroups (sandboxed: the OS enforces the memory cap and counts every
process) or polls its process tree (--no-sandbox); past a cap or the submission's deadline it kills the kernel. The cell that was
running gets an error output that says which limit it hit, and every later code cell gets an error output saying it
was not run, so stock SaveAutoGrades scores all of them zero (nbgrader gives a test cell its points when it has no
error output, so cells left without outputs would otherwise count as passed). Output beyond the caps (per cell and per
notebook) is dropped with one note in the cell; a message counts by what it writes: a display update by its size
times the outputs it rewrites.
"""
from __future__ import annotations

import json
import threading
import time

import psutil
from nbclient.exceptions import CellTimeoutError, DeadKernelError
from nbformat.notebooknode import NotebookNode
from nbgrader.preprocessors import Execute
from traitlets import Bool, Dict, Float, Integer, Unicode

from instructor_only.grading.classgrade import costs, trusted_checks
from instructor_only.grading.inert_text import printable
from instructor_only.grading.classgrade.trusted_scores import RESOURCE, Verdict, error_output, is_graded_test
from instructor_only.grading.classgrade.warm_kernels import SandboxSettings, warm_kernel_manager

LIMIT_ERROR = "ResourceLimitExceeded"   # ename of the error output put in the cell that hit a limit
NOT_RUN_ERROR = "NotRun"                # ename of the error output of the cells after it
KERNEL_DIED_ERROR = "KernelDied"        # the kernel died by itself (crash, os._exit) rather than by a limit

# Per-notebook costs, for the benchmark's breakdown: notebook id -> costs.NotebookCosts.as_dict().
# One grading job runs at a time in a worker process (see worker.py), so this is read right after the job.
TIMINGS: dict[str, dict] = {}


def cell_label(cell: NotebookNode, index: int) -> str:
    grade_id = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")
    first_line = next((line.strip() for line in cell.get("source", "").splitlines() if line.strip()), "")
    return grade_id or f"cell {index + 1}: {first_line[:40]}"


# Kernel messages that write (or rewrite) a cell's outputs or the notebook's widget state: each counts against the
# output caps by what it writes.
WRITING_MESSAGES = frozenset({"stream", "display_data", "execute_result", "update_display_data", "error",
                              "clear_output", "comm_open", "comm_msg"})
ERROR_CHARS = 2_000  # of an error's message kept once a cell is over its output cap
HTML_GROWTH = 5      # extra characters an HTML escape gives a character ("&" -> "&amp;", '"' -> "&quot;")


def memory_note(peak_mb: float, memory_cap_mb: int) -> str:
    """What a timeout's message adds when the kernel had used at least half its memory cap: a cell that was still
    filling memory when its time ran out (memory can come slowly, see CgroupMeter) was likely headed for the cap."""
    if not memory_cap_mb or peak_mb < memory_cap_mb / 2:
        return ""
    return f", its memory having reached {peak_mb:,.0f} MB of the {memory_cap_mb:,} MB cap"


class ProcessTreeMeter:
    """Without the sandbox: the kernel's process tree, measured by polling (a double-forked child escapes it)."""

    def __init__(self, pid: int):
        self.pid = pid

    def _tree(self) -> list[psutil.Process]:
        root = psutil.Process(self.pid)
        return [root, *root.children(recursive=True)]

    def sample(self, memory_cap_mb: int) -> tuple[float, bool, float]:
        """(memory MB, over the memory cap?, CPU seconds); raises psutil.Error once the kernel is gone."""
        processes = self._tree()
        rss_mb = sum(p.memory_info().rss for p in processes) / 2**20
        cpu = sum(sum(p.cpu_times()[:2]) for p in processes)
        return rss_mb, bool(memory_cap_mb) and rss_mb > memory_cap_mb, cpu

    def cpu(self) -> float:
        """CPU-seconds of the kernel's processes so far (raises psutil.Error once the kernel is gone)."""
        return sum(sum(p.cpu_times()[:2]) for p in self._tree())

    def kill(self) -> None:
        for process in reversed(self._tree()):
            try:
                process.kill()
            except psutil.Error:
                pass


class CgroupMeter:
    """In the sandbox: the kernel's cgroups, where the OS counts and caps every process, tmpfs page and CPU-second
    of the sandbox. The OS enforces the memory cap itself; the signs that it was hit:

    - an out-of-memory kill in the cgroup;
    - or memory the OS cannot take back (anonymous and tmpfs pages) within PINNED_MB of the cap for PINNED_SAMPLES
      samples in a row: the kernel is at its cap, whether or not the OS has killed it yet (before it kills, it evicts
      what file pages the kernel has, which the kernel may read back).

    How fast a kernel reaches its cap is the machine's: on these VMs, memory the guest gave back to its host is
    faulted in again at about 70 MB/s, so a bomb takes about 15 s to fill 1 GB (0.1 s on memory still held), and a
    cell timeout shorter than that is what stops it, and what the student is told."""

    PINNED_MB = 32
    PINNED_SAMPLES = 3

    def __init__(self, kernel_cgroups, init_process):
        self.cgroups, self.init = kernel_cgroups, init_process
        self._pinned = 0

    def sample(self, memory_cap_mb: int) -> tuple[float, bool, float]:
        if self.init.poll() is not None and not self.cgroups.oom_kills():
            raise psutil.NoSuchProcess(self.init.pid)
        pinned = bool(memory_cap_mb) and self.cgroups.unreclaimable_mb() >= memory_cap_mb - self.PINNED_MB
        self._pinned = self._pinned + 1 if pinned else 0
        over = self.cgroups.oom_kills() > 0 or self._pinned >= self.PINNED_SAMPLES
        return self.cgroups.peak_memory_mb(), over, self.cgroups.cpu_seconds()

    def cpu(self) -> float:
        return self.cgroups.cpu_seconds()

    def kill(self) -> None:
        self.init.kill()  # pid 1 of the sandbox: the OS ends the rest


class KernelWatchdog(threading.Thread):
    """Polls the kernel's meter; stops the kernel past the memory cap, the CPU cap or the deadline and says why."""

    def __init__(self, meter, memory_cap_mb: int, deadline: float, cpu_seconds: float = 0.0,
                 poll_seconds: float = 0.1):
        super().__init__(daemon=True, name="kernel-watchdog")
        self.meter, self.memory_cap_mb, self.deadline = meter, memory_cap_mb, deadline
        self.cpu_seconds, self.poll_seconds = cpu_seconds, poll_seconds
        self.current_cell = "kernel start"
        self.reason: str | None = None
        self.gone = False
        self.peak_mb = 0.0
        self._stop = threading.Event()
        self._lock = threading.Lock()

    def check(self) -> str | None:
        """Sample once; if a limit is hit, stop the kernel and return why (None: within limits, or gone)."""
        with self._lock:
            if self.reason:
                return self.reason
            try:
                memory_mb, over_memory, cpu = self.meter.sample(self.memory_cap_mb)
            except psutil.Error:
                self.gone = True  # the kernel is gone: nothing left to watch
                return None
            self.peak_mb = max(self.peak_mb, memory_mb)
            if over_memory:
                self.reason = (f"cell `{self.current_cell}` exceeded the memory cap of {self.memory_cap_mb} MB "
                               f"({self.peak_mb:.0f} MB); the kernel was stopped")
            elif self.cpu_seconds and cpu > self.cpu_seconds:
                self.reason = (f"cell `{self.current_cell}` exceeded the CPU-time cap of {self.cpu_seconds:.0f} s "
                               f"of the submission; the kernel was stopped")
            elif self.deadline and time.time() > self.deadline:
                self.reason = (f"the submission exceeded its wall-clock cap while cell `{self.current_cell}` was "
                               f"running; the kernel was stopped")
            if self.reason:
                self.meter.kill()
            return self.reason

    def run(self) -> None:
        while not self._stop.wait(self.poll_seconds):
            if self.check() or self.gone:
                return

    def stop(self) -> None:
        self._stop.set()


DEFERRED_SECONDS = 20.0  # for the hidden checks of a test cell that raised, run for the diagnosis only


class LimitedExecute(Execute):
    """Execute (stock nbgrader, configured by the course's `Execute` settings) plus the limits above."""

    memory_cap_mb = Integer(2048, help="Kill the kernel when its process tree uses more than this (0: no cap).").tag(config=True)
    deadline = Float(0.0, help="Absolute time (time.time()) after which the kernel is killed (0: none).").tag(config=True)
    output_cap_chars = Integer(1_000_000, help="Characters of output kept per cell; the rest is dropped with a note.").tag(config=True)
    warm_framework = Unicode("", help="Fork kernels from a parent with this framework imported (warm_kernels.py); "
                                      "'' starts each kernel from scratch.").tag(config=True)
    sandbox = Bool(True, help="Run each kernel in the grading sandbox (sandbox/policy.py).").tag(config=True)
    cpu_seconds = Float(0.0, help="CPU-seconds a submission's kernel may use, all its processes (0: no cap).").tag(config=True)
    max_processes = Integer(0, help="Processes and threads a sandboxed kernel may have at once (0: no cap).").tag(config=True)
    trusted_checks = Bool(True, help="Decide hidden checks in this process, not in the kernel (trusted_checks.py)."
                          ).tag(config=True)
    hidden_checks = Dict(help="The hidden checks the course put in each notebook's graded test cells: notebook name -> "
                              "grade id -> [concept, grade id, framework] (trusted_checks.expected_calls); a call "
                              "anywhere else runs in the kernel as any code.").tag(config=True)
    record_behaviour = Bool(True, help="Keep what a failing answer's code answered the hidden checks (the cell's "
                                       "metadata), for the diagnosis by behaviour (grading/diagnosis/); its test "
                                       "cell's checks then run also when its public checks raised.").tag(config=True)
    notebook_output_chars = Integer(8_000_000, help="Characters of output kept per notebook, all cells together."
                                    ).tag(config=True)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.sandbox:
            self.kernel_manager_class = warm_kernel_manager(self.warm_framework, SandboxSettings(
                self.memory_cap_mb, self.max_processes, int(self.cpu_seconds)))
        elif self.warm_framework:
            self.kernel_manager_class = warm_kernel_manager(self.warm_framework)

    def preprocess(self, nb, resources, km=None):
        self._watchdog: KernelWatchdog | None = None
        self._kernel_ready = False
        self._last_kernel_cpu = 0.0
        self._stopped: str | None = None            # the error message given to the cells after a stop
        self.reset_output_counts()
        self._notebook_id = resources.get("nbgrader", {}).get("notebook", "notebook")
        self._sources: list[str] = []  # the code cells' sources as sent to the kernel, in order (checks of method)
        if self.trusted_checks:
            self._trusted = resources[RESOURCE] = {"expected": dict(self.hidden_checks.get(self._notebook_id, {})),
                                                   "verdicts": {}}
        self._costs = costs.NotebookCosts(self._kernel_cpu)
        self._code_cells = 0
        self._deferred: list = []  # (hidden call, sources) of test cells to record after the last cell
        self._started = self._costs.mark()
        try:
            return super().preprocess(nb, resources, km=km)
        finally:
            if self._watchdog is not None:
                self._watchdog.stop()
            TIMINGS[self._notebook_id] = {**self._costs.as_dict(),
                                          "peak_mb": self._watchdog.peak_mb if self._watchdog else 0.0}

    def _kernel_cpu(self) -> float:
        """CPU-seconds the kernel has used so far (for the cost breakdown; 0 before it started)."""
        if self._watchdog is not None:
            try:
                self._last_kernel_cpu = self._watchdog.meter.cpu()
            except (psutil.Error, OSError, ValueError):
                pass  # gone: its last reading stands
        return self._last_kernel_cpu

    def _ensure_watchdog(self) -> None:
        """Once the kernel is ready, before its first cell: seal its folder, start the watchdog, note its start's
        cost."""
        if self._kernel_ready or self.km is None:
            return
        self._kernel_ready = True
        provisioner = getattr(self.km, "provisioner", None)
        if hasattr(provisioner, "seal"):  # a sandboxed kernel, ready: before the first cell, lock its host folder
            provisioner.seal()
        process = getattr(provisioner, "process", None)
        if process is not None:
            kernel_cgroups = getattr(provisioner, "cgroups", None)
            meter = CgroupMeter(kernel_cgroups, process) if kernel_cgroups else ProcessTreeMeter(process.pid)
            self._watchdog = KernelWatchdog(meter, self.memory_cap_mb, self.deadline, self.cpu_seconds)
            self._watchdog.start()
        self._costs.add("kernel start", self._started)

    def preprocess_cell(self, cell, resources, index):
        try:
            return self._preprocess_cell(cell, resources, index)
        finally:
            if index == len(self.nb.cells) - 1 and self._deferred:
                self._record_deferred()

    def _preprocess_cell(self, cell, resources, index):
        if cell.cell_type != "code" or not cell.source.strip():
            return super().preprocess_cell(cell, resources, index)
        if self._stopped:
            cell.outputs = [error_output(NOT_RUN_ERROR, self._stopped)]
            return cell, resources
        self._ensure_watchdog()
        label = cell_label(cell, index)
        self._cell_part = costs.cell_part(cell, self._code_cells)
        self._code_cells += 1
        if self._watchdog is not None:
            self._watchdog.current_cell = label
        self._cell_began = self._costs.mark()
        try:
            expected = self._expected_call(cell)
            if expected is None:
                self._sources.append(cell.source)
                return super().preprocess_cell(cell, resources, index)
            return self._with_trusted_checks(cell, resources, index, expected)
        except CellTimeoutError as timeout:  # the per-cell timeout's interrupt was ignored: stop the kernel
            reason = self._watchdog.check() if self._watchdog else None  # a limit may be why it did not answer
            if reason:
                return self._stop_at(cell, resources, LIMIT_ERROR, reason)
            if self._watchdog is not None:
                self._watchdog.meter.kill()
            if isinstance(timeout, trusted_checks.HiddenChecksTimeout):
                return self._stop_at(cell, resources, LIMIT_ERROR, f"cell `{label}` ran past the per-cell timeout of "
                                                                   f"{self.timeout} s: your code, called by a hidden "
                                                                   f"check, did not return; the kernel was stopped")
            ignored = " and ignored the interrupt" if self.interrupt_on_timeout else ""
            memory = memory_note(self._watchdog.peak_mb if self._watchdog else 0.0, self.memory_cap_mb)
            return self._stop_at(cell, resources, LIMIT_ERROR, f"cell `{label}` ran past the per-cell timeout of "
                                                               f"{self.timeout} s{ignored}{memory}; the kernel was "
                                                               f"stopped")
        except DeadKernelError:
            reason = self._watchdog.check() if self._watchdog else None
            if reason:
                return self._stop_at(cell, resources, LIMIT_ERROR, reason)
            return self._stop_at(cell, resources, KERNEL_DIED_ERROR, f"the kernel died while cell `{label}` was "
                                                                     f"running (a crash, or the process exited)")
        finally:
            self._costs.add(self._cell_part, self._cell_began,
                            label + (" (hidden checks)" if self._cell_part == "hidden checks" else ""))

    def _expected_call(self, cell) -> list[str] | None:
        """The hidden checks the course put in this cell ([concept, grade id, framework]), or None: only a graded test
        cell has them, and only those its grade id has in the instructor's source."""
        if not self.trusted_checks or not is_graded_test(cell):
            return None
        return self._trusted["expected"].get(cell.metadata["nbgrader"]["grade_id"])

    def _with_trusted_checks(self, cell, resources, index, expected: list[str]):
        """Run the cell without its hidden-check call, then decide its hidden checks here (trusted_checks.py) and record
        the verdict for TrustedScores."""
        grade_id = expected[1]
        verdicts = self._trusted["verdicts"]
        hidden = trusted_checks.hidden_call(cell.source)
        if hidden is None or [hidden.concept, hidden.grade_id, hidden.framework] != expected:
            # (OverwriteCells restores a graded test cell from the gradebook: not seen; never run a changed one)
            verdicts[grade_id] = Verdict(False, reason=f"the test cell `{grade_id}` is not the course's; not run")
            self._sources.append(cell.source)
            return cell, resources
        self._sources.append(hidden.kernel_source)
        original, cell.source = cell.source, hidden.kernel_source
        started = time.monotonic()
        try:
            cell, resources = super().preprocess_cell(cell, resources, index)
        finally:
            cell.source = original
        if any(output.get("output_type") == "error" for output in cell.get("outputs", [])):
            verdicts[grade_id] = Verdict(False, reason=f"`{grade_id}` raised an error in the kernel; its hidden "
                                                       f"checks were not run")
            if self.record_behaviour:  # recorded once every cell has run: whatever they do, no score moves
                self._deferred.append((hidden, list(self._sources)))
            return cell, resources  # failed in the kernel: zero, whatever the checks would say
        remaining = (self.timeout or 600) - (time.monotonic() - started)
        self._costs.add(self._cell_part, self._cell_began, cell_label(cell, index))
        self._cell_began, self._cell_part = self._costs.mark(), "hidden checks"  # measured on by preprocess_cell
        verdict, requests, stderr = trusted_checks.run(self, hidden, max(remaining, 1.0), self._sources,
                                                       record=self.record_behaviour)
        verdicts[grade_id] = verdict
        cell.setdefault("outputs", []).extend(stderr)  # as stock nbgrader would show it: IgnorePattern, then zero
        self._costs.requests += requests
        return cell, resources

    def _record_deferred(self) -> None:
        """After the last cell: the hidden checks of the test cells whose public checks raised, run for their
        recording only (the diagnosis). Every score is decided by then; a kernel that hangs or dies here is stopped
        and the rest is not recorded."""
        verdicts = self._trusted["verdicts"] if self.trusted_checks else {}
        while self._deferred and not self._stopped:
            hidden, sources = self._deferred.pop(0)
            began = self._costs.mark()
            try:
                verdict, requests, _ = trusted_checks.run(self, hidden, min(float(self.timeout or 600),
                                                                            DEFERRED_SECONDS), sources, record=True)
            except Exception:  # noqa: BLE001 -- a timeout, a dead kernel, the reference process: no recording
                if self._watchdog is not None:
                    self._watchdog.meter.kill()
                return
            finally:
                self._costs.add("hidden checks", began, f"{hidden.grade_id} (for the diagnosis)")
            self._costs.requests += requests
            if hidden.grade_id in verdicts and verdict.behaviour:
                verdicts[hidden.grade_id].behaviour = verdict.behaviour

    def _stop_at(self, cell, resources, ename: str, reason: str):
        """This cell gets the error saying why the kernel stopped; every later code cell is not run."""
        cell.outputs = [*cell.get("outputs", []), error_output(ename, reason)]
        self._stopped = f"not run: {reason}"
        self.log.warning("%s: %s", self._notebook_id, printable(reason))  # (the reason quotes the cell's first line)
        return cell, resources

    def reset_output_counts(self) -> None:
        self._output_chars: dict[int, int] = {}  # per cell
        self._notebook_chars = 0
        self._over_cap_noted: set[int] = set()

    def process_message(self, msg, cell, cell_index):
        """Count what a kernel message writes against the cell's and the notebook's output caps; past them, drop it
        (one note per cell; an error is kept, shortened, if the cell has none yet)."""
        kind = msg.get("msg_type")
        count = msg.get("content", {}).get("execution_count")
        if count is not None and type(count) is not int:  # nbclient copies it into the cell: nbformat wants an int
            msg = {**msg, "content": {**msg["content"], "execution_count": None}}
        if kind in WRITING_MESSAGES:
            cost = self._cost(msg)
            cell_total = self._output_chars.get(cell_index, 0) + cost
            self._output_chars[cell_index] = cell_total
            self._notebook_chars += cost
            if cell_total > self.output_cap_chars or self._notebook_chars > self.notebook_output_chars:
                outs = cell.setdefault("outputs", [])
                if cell_index not in self._over_cap_noted:
                    self._over_cap_noted.add(cell_index)
                    which = (f"more than {self.output_cap_chars:,} characters in this cell"
                             if cell_total > self.output_cap_chars
                             else f"more than {self.notebook_output_chars:,} characters in the notebook")
                    outs.append(NotebookNode(output_type="stream", name="stdout",
                                             text=f"\n[output cap: {which}; the rest of this cell's output was "
                                                  f"dropped]\n"))
                if kind != "error" or any(o.get("output_type") == "error" for o in outs):
                    return None
                msg = {**msg, "content": shortened_error(msg.get("content", {}))}
        return super().process_message(msg, cell, cell_index)

    def _cost(self, msg) -> int:
        """Characters a message writes: its content's size as the feedback page shows it (a character HTML escapes
        counts 6: 8 MB of "&" made a 40 MB feedback page), times the outputs it rewrites if it updates a display."""
        content = msg.get("content", {})
        text = json.dumps(content, default=str)
        size = len(text) + HTML_GROWTH * sum(text.count(char) for char in ("&", "<", ">", "'", '\\"'))
        transient = content.get("transient") or {}
        display_id = transient.get("display_id") if isinstance(transient, dict) else None
        if display_id and isinstance(display_id, str):
            size *= 1 + sum(len(indices) for indices in self._display_id_map.get(display_id, {}).values())
        return size


def shortened_error(content: dict) -> dict:
    """An error message's content cut to a bounded size (no traceback)."""
    ename, evalue = str(content.get("ename", "Error"))[:100], str(content.get("evalue", ""))[:ERROR_CHARS]
    return {"ename": ename, "evalue": evalue, "traceback": [f"{ename}: {evalue}"]}
