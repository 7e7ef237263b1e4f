"""Grade a whole class: stock nbgrader autograding, run in parallel (local pool or Dask cluster), with limits.

    .venv/bin/python -m instructor_only.grading.classgrade ASSIGNMENT [--workers N | --scheduler ADDRESS] [--force]

Modules: `cli` (the command), `intake` (find and check submissions), `jobs` (what travels to a worker and back),
`worker` (stock autograde of one submission in a private scratch course), `limited_execute` (nbgrader's Execute
with a memory, wall-clock and output cap), `gradebook_writer` (the single writer of the course gradebook),
`executors` (Dask, local or remote), `report` (progress and the summary table), `feedback` (stock
generate_feedback, held back while written answers await grading).
"""
import sys

# jsonschema, which nbformat imports, imports rfc3987_syntax when it is installed (jupyter-events' format-nongpl
# extra brings it), and that compiles 38 lark grammars on import: 0.75 CPU-s in each of classgrade's processes that
# read notebooks (the coordinator, the workers' fork server), for IRI format checks that neither nbformat nor nbgrader
# ever makes (they validate without a format checker). Without it, jsonschema leaves out those two formats and nothing
# else changes.
sys.modules.setdefault("rfc3987_syntax", None)
