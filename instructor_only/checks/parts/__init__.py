"""Correct building blocks the checks put into the student's kernel, by source, only when a check needs them
(`instructor_only.checks.remote`): never importable by the kernel before (classgrade's sandbox does not mount
`instructor_only/checks`)."""
