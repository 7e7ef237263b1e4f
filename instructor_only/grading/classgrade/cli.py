"""Autograde every submission of an assignment in parallel, with the same preprocessing and scores as stock
`nbgrader autograde`; then write feedback (held back while written answers await grading) and export grades with
stock nbgrader.

    .venv/bin/python -m instructor_only.grading.classgrade warmup_torch          # local pool, one worker per core
    .venv/bin/python -m instructor_only.grading.classgrade warmup_torch --scheduler tls://host:8786 \\
        --tls-ca-file ca.pem --tls-cert cert.pem --tls-key key.pem               # a Dask cluster (docs/INSTRUCTORS.md)
    .venv/bin/python -m instructor_only.grading.classgrade warmup_torch --force  # regrade what is already graded
    .venv/bin/python -m instructor_only.grading.classgrade warmup_torch --feedback-only
                                                   # after grading written answers in the formgrader: their feedback

Run it in the course directory (or pass --course-dir). Submissions come from submitted/<student>/<assignment>/
(--zip-collect first collects an LMS download from downloaded/<assignment>/archive/ with stock `nbgrader
zip_collect`). A second run grades only new or changed submissions. Every kernel runs in the grading sandbox
(sandbox/policy.py: its own namespaces, an unprivileged uid, no network, nothing of the course but what it imports;
--no-sandbox only where one cannot be built). Kernels are forked from a per-worker parent that has the framework
imported (warm_kernels.py; --cold-kernels starts each from scratch). Limits per submission: nbgrader's per-cell
timeout (Execute.timeout in nbgrader_config.py), memory (enforced by the OS on everything the sandbox holds), CPU
time, processes, wall clock and output; a submission that hits one gets zero for the cells concerned and a message in its feedback and in the
summary. Submissions nbgrader cannot read are reported and left out of the gradebook; the others are graded. The
summary also goes to classgrade/<assignment>/summary.csv.

Feedback (stock `nbgrader generate_feedback`, for every graded submission of the assignment) is held back for a
submission whose written answers nobody has graded yet: nbgrader would show them as 0 without saying why. The run
says how many it held back; grade them in the formgrader (JupyterLab: Nbgrader -> Formgrader -> Manual Grading), then
run --feedback-only (or any later classgrade run). --feedback-now writes them all at once, ungraded answers as 0.
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from tqdm import tqdm

from instructor_only.grading import nbgrader_cli
from instructor_only.grading.course import FRAMEWORK_SUFFIXES
from instructor_only.grading.inert_text import printable
from instructor_only.grading.classgrade import class_report, executors, feedback, gradebook_writer, intake, lms_collect, state
from instructor_only.grading.classgrade.jobs import GradingJob, GradingResult, Limits
from instructor_only.grading.classgrade.sandbox import probe
from instructor_only.grading.classgrade.report import GRADED, NOT_GRADED, UNCHANGED, Outcome, print_table, write_csv


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog=".venv/bin/python -m instructor_only.grading.classgrade",
                                     description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter,
                                     epilog="\n\n".join(__doc__.split("\n\n")[1:]))
    parser.add_argument("assignments", nargs="+", metavar="ASSIGNMENT", help="assignment name(s), e.g. warmup_torch")
    parser.add_argument("--course-dir", type=Path, default=Path.cwd(), help="course directory (default: here)")
    parser.add_argument("--student", action="append", help="only this student (repeatable)")
    parser.add_argument("--force", action="store_true", help="regrade submissions already graded and unchanged")
    where = parser.add_mutually_exclusive_group()
    where.add_argument("--workers", type=int, default=executors.default_workers(),
                       help="local worker processes (default: one per core, here %(default)s)")
    where.add_argument("--scheduler", metavar="ADDRESS",
                       help="grade on this Dask scheduler, e.g. tls://10.0.0.5:8786 with the --tls-* options below")
    tls = parser.add_argument_group("TLS to a --scheduler (all three or none; docs/INSTRUCTORS.md, 'Where it runs')")
    tls.add_argument("--tls-ca-file", metavar="PATH", help="CA certificate of the cluster (PEM)")
    tls.add_argument("--tls-cert", metavar="PATH", help="this client's certificate, signed by that CA (PEM)")
    tls.add_argument("--tls-key", metavar="PATH", help="this client's private key (PEM)")
    defaults = Limits()
    parser.add_argument("--memory-mb", type=int, default=defaults.memory_mb,
                        help="memory cap of a submission's kernel, MB (0: none; default %(default)s)")
    parser.add_argument("--wall-seconds", type=float, default=defaults.wall_seconds,
                        help="wall-clock cap per submission, s (0: none; default %(default)s)")
    parser.add_argument("--output-chars", type=int, default=defaults.output_chars,
                        help="output kept per cell, characters (default %(default)s)")
    parser.add_argument("--threads", type=int, default=defaults.threads,
                        help="compute threads per kernel (0: the frameworks' default; default %(default)s)")
    parser.add_argument("--cpu-seconds", type=float, default=defaults.cpu_seconds,
                        help="CPU time of a submission's kernel, all its processes (0: none; default %(default)s)")
    parser.add_argument("--processes", type=int, default=defaults.processes,
                        help="processes and threads a sandboxed kernel may run at once (default %(default)s)")
    parser.add_argument("--no-sandbox", action="store_true",
                        help="run kernels WITHOUT the grading sandbox, as you, with your files and network (only where "
                             "the sandbox cannot be built; the summary says so)")
    parser.add_argument("--cold-kernels", action="store_true",
                        help="start every kernel from scratch instead of forking it from a parent with the framework "
                             "already imported (slower; for comparison, or if forking misbehaves)")
    parser.add_argument("--zip-collect", action="store_true",
                        help="first bring the LMS download in downloaded/<assignment>/archive/ into submitted/ with "
                             "stock `nbgrader zip_collect --force` (file names: FileNameCollectorPlugin.named_regexp)")
    written = parser.add_argument_group("feedback (stock `nbgrader generate_feedback`; by default held back for a "
                                        "submission whose written answers are not graded yet)")
    written.add_argument("--feedback-now", action="store_true",
                         help="write feedback for every graded submission now, also where written answers are not "
                              "graded yet (they show 0 until graded; run --feedback-only after grading them)")
    written.add_argument("--feedback-only", action="store_true",
                         help="grade nothing: write the feedback of every graded submission with no answer left "
                              "to grade by hand (what earlier runs held back, once graded in the formgrader), and "
                              "export grades")
    written.add_argument("--no-feedback", action="store_true", help="write no feedback")
    parser.add_argument("--grades-csv", default="grades.csv",
                        help="export grades here with `nbgrader export` (default %(default)s; '' to skip)")
    parser.add_argument("--quiet", action="store_true", help="no progress bar")
    parser.add_argument("--fingerprint-seconds", type=float, metavar="S",
                        help="time this run may spend per assignment computing the catalogue's fingerprints for the "
                             "class report's diagnoses (kept for later runs; default: "
                             "c.ClassReport.fingerprint_seconds, else 5%% of the grading time shared among the "
                             "assignments, at least 3 s each; starting the process and recording the solution come "
                             "on top)")
    args = parser.parse_args(argv)
    args.course_dir = args.course_dir.resolve()
    args.assignments = list(dict.fromkeys(args.assignments))
    if args.workers < 1:
        parser.error("--workers must be at least 1")
    if args.no_feedback and (args.feedback_now or args.feedback_only):
        parser.error("--no-feedback writes no feedback: it does not go with --feedback-now or --feedback-only")
    tls_files = [args.tls_ca_file, args.tls_cert, args.tls_key]
    args.security = None
    if any(tls_files):
        if not all(tls_files):
            parser.error("--tls-ca-file, --tls-cert and --tls-key go together: give all three, or none")
        if not args.scheduler or not args.scheduler.startswith("tls://"):
            parser.error("--tls-ca-file, --tls-cert and --tls-key need --scheduler tls://HOST:PORT "
                         "(the embedded local cluster makes its own throwaway certificate)")
        missing = [name for name in tls_files if not Path(name).is_file()]
        if missing:
            parser.error(f"no such file: {', '.join(missing)}")
        from distributed.security import Security
        args.security = Security(tls_ca_file=args.tls_ca_file, tls_client_cert=args.tls_cert,
                                 tls_client_key=args.tls_key, require_encryption=True)
    elif args.scheduler and args.scheduler.split("://")[0] in ("tcp", args.scheduler):  # tcp://, or no scheme (tcp)
        print(f"warning: the Dask cluster at {args.scheduler} is not secured: anyone who can reach the scheduler can "
              f"run code as this coordinator; see docs/INSTRUCTORS.md, 'Where it runs', for TLS (--tls-ca-file, "
              f"--tls-cert, --tls-key)", file=sys.stderr)
    return args


NO_SANDBOX_NOTE = "graded WITHOUT the sandbox (--no-sandbox)"
SAID_CHARS = 2000  # a line classgrade prints that quotes nbgrader, a student id or a file name (printable bounds it)
NO_SANDBOX_WARNING = ("WARNING: --no-sandbox: the students' code ran as you, with your files, processes and network "
                      "(see docs/GRADING.md, 'The grading sandbox')")


def framework_of(assignment: str) -> str:
    """The framework whose import the warm kernels share: from the assignment's suffix (_torch, _tensorflow)."""
    return next((framework for suffix, framework in FRAMEWORK_SUFFIXES.items() if assignment.endswith(suffix)), "none")


@dataclass
class AssignmentRun:
    """One assignment's part of a run: its definition, what needs no grading, and what is being graded."""
    definition: object
    outcomes: list[Outcome]
    pending: dict  # student -> (fingerprint, outcome)


def plan(args, assignment: str, config, limits: Limits) -> tuple[list[GradingJob], AssignmentRun]:
    """Jobs for new or changed submissions, and the assignment's run (outcomes for the others, definition)."""
    coursedir_db = gradebook_writer.CourseDirectory(config=config).db_url
    template, definition = gradebook_writer.assignment_template(args.course_dir, assignment, coursedir_db)
    others = gradebook_writer.other_assignments(coursedir_db, assignment)
    config_text = (args.course_dir / gradebook_writer.CONFIG_FILE).read_text()
    source_files = intake.read_folder(args.course_dir / "source" / assignment)
    context = json.dumps([gradebook_writer.definition_signature(coursedir_db, assignment), config_text, repr(limits)])
    jobs, outcomes, fingerprints = [], [], {}
    for folder in intake.find(args.course_dir, assignment, args.student):
        submission = intake.inspect(folder, definition, others)
        outcome = Outcome(assignment, submission.student, notes=list(submission.notes))
        if submission.refusal:
            outcome.status = NOT_GRADED
            outcome.notes.insert(0, submission.refusal)
            outcomes.append(outcome)
            continue
        fingerprint = submission.fingerprint(context)
        previous = state.load(args.course_dir, assignment, submission.student)
        if not args.force and previous.get("fingerprint") == fingerprint:
            # The gradebook is the record; the state file only says what it was graded from. If the two disagree
            # (a state file edited, or a run stopped between them), grade again.
            recorded = gradebook_writer.recorded_scores(coursedir_db, assignment, submission.student)
            if recorded and recorded == {k: tuple(v) for k, v in previous.get("scores", {}).items()}:
                outcome.status, outcome.scores, outcome.notes = UNCHANGED, recorded, previous.get("notes", [])
                outcomes.append(outcome)
                continue
            outcome.notes.append("its classgrade state disagreed with the gradebook: graded again")
        fingerprints[submission.student] = (fingerprint, outcome)
        jobs.append(GradingJob(assignment, submission.student, config_text, template, source_files,
                               submission.files, limits, "" if args.cold_kernels else framework_of(assignment),
                               sandbox=not args.no_sandbox))
    return jobs, AssignmentRun(definition, outcomes, fingerprints)


def grade_all(args, jobs: list[GradingJob], runs: dict[str, AssignmentRun], config) -> None:
    """Grade every job of every assignment in one stream (no idle workers between assignments); record each result
    as it arrives."""
    progress = tqdm(total=len(jobs), unit="submission", desc="grading", disable=args.quiet or not jobs)

    def on_result(result: GradingResult) -> None:
        run = runs[result.assignment]
        fingerprint, outcome = run.pending[result.student]
        outcome.seconds, outcome.worker = result.timings.get("total", 0.0), result.worker
        if result.ok:
            try:
                gradebook_writer.record(result, config, run.definition)
            except Exception as error:  # noqa: BLE001 -- report, keep grading the others
                result.ok, result.error = False, f"could not record the grades: {type(error).__name__}: {error}"
        if result.ok:  # summary, state and gradebook: all from what the gradebook now holds
            scores = gradebook_writer.recorded_scores(gradebook_writer.CourseDirectory(config=config).db_url, result.assignment,
                                                      result.student)
            outcome.status, outcome.scores = GRADED, scores
            outcome.notes.extend(result.incidents)
            if args.no_sandbox:
                outcome.notes.append(NO_SANDBOX_NOTE)
            state.save(args.course_dir, result.assignment, result.student,
                       {"fingerprint": fingerprint, "scores": scores, "notes": outcome.notes,
                        "graded_at": time.strftime("%Y-%m-%d %H:%M:%S"), "worker": result.worker,
                        "timings": result.timings})
        else:
            outcome.status = NOT_GRADED
            outcome.notes.insert(0, f"autograding failed: {result.error}")
            state.forget(args.course_dir, result.assignment, result.student)
        run.outcomes.append(outcome)
        progress.set_postfix_str(printable(f"{result.assignment}/{result.student}", limit=80))
        progress.update()

    if jobs:
        with executors.dask_client(args.scheduler, args.workers, args.security) as client:
            executors.run_jobs(client, jobs, on_result)
    progress.close()


def write_feedback_and_grades(args, config, started: float) -> None:
    """Feedback for every assignment on the command line (held back where written answers await grading, unless
    --feedback-now), grades.csv, and the closing line."""
    coursedir = gradebook_writer.CourseDirectory(config=config)
    for assignment in [] if args.no_feedback else args.assignments:
        for line in feedback.describe(feedback.write(coursedir, assignment, args.feedback_now), args.course_dir):
            print(printable(line, limit=SAID_CHARS))
    if args.grades_csv:
        nbgrader_cli.run(["export", "--to", args.grades_csv, *[f"--assignment={a}" for a in args.assignments]],
                         args.course_dir)
    print(("" if args.feedback_only else f"summary: {state.STATE_DIR}/<assignment>/summary.csv; ")
          + ("" if args.no_feedback else "feedback: feedback/<student>/<assignment>/; ")
          + (f"grades: {args.grades_csv}; " if args.grades_csv else "")
          + f"done in {time.perf_counter() - started:.0f} s")


def main(argv=None) -> int:
    args = parse_args(argv)
    started = time.perf_counter()
    runs: dict[str, AssignmentRun] = {}
    try:
        config = gradebook_writer.load_config(args.course_dir)
        if args.feedback_only:
            write_feedback_and_grades(args, config, started)
            return 0
        for assignment in args.assignments if args.zip_collect else ():
            for line in lms_collect.collect(args.course_dir, assignment, config):
                print(f"zip_collect: {printable(line)}")
        if not args.no_sandbox and not args.scheduler and probe.missing():
            raise gradebook_writer.CourseSetupError(probe.describe(probe.missing()))
        limits = Limits(args.memory_mb, args.wall_seconds, args.output_chars, args.threads, args.cpu_seconds,
                        args.processes)
        if not args.scheduler:
            executors.start_worker_forkserver()  # its imports run on another core while this process plans
        jobs = []
        for assignment in args.assignments:  # every assignment is checked before anything is graded
            assignment_jobs, runs[assignment] = plan(args, assignment, config, limits)
            print(f"{assignment}: {len(assignment_jobs)} to grade, "
                  f"{len(runs[assignment].outcomes)} unchanged or not gradable")
            jobs += assignment_jobs
    except gradebook_writer.CourseSetupError as error:
        print(f"error: {printable(error, limit=SAID_CHARS, multiline=True)}", file=sys.stderr)
        return 2
    if args.no_sandbox:
        print(NO_SANDBOX_WARNING, file=sys.stderr)
    grade_all(args, jobs, runs, config)
    all_outcomes, manual_ids = [], set()
    for assignment, run in runs.items():
        run.outcomes.sort(key=lambda o: o.student)
        write_csv(args.course_dir / state.STATE_DIR / assignment / "summary.csv", run.outcomes,
                  set(run.definition.manual_ids))
        all_outcomes += run.outcomes
        manual_ids |= set(run.definition.manual_ids)
    print_table(all_outcomes, manual_ids)
    if args.no_sandbox:
        print(NO_SANDBOX_WARNING)
    grading_seconds = time.perf_counter() - started
    for assignment in args.assignments:  # the class report, and the diagnoses the feedback shows
        said = class_report.after_grading(args.course_dir, assignment, config, grading_seconds / len(args.assignments),
                                          args.fingerprint_seconds)
        if said:
            print(printable(said, limit=SAID_CHARS))
    write_feedback_and_grades(args, config, started)
    return 0
