"""Instructor-only code: never shipped to students.

references/  numpy reference implementations (one per concept, framework-agnostic)
frameworks/  thin adapters that let one check talk to torch or TensorFlow
checks/      the hidden checks: pytest tests that autograder cells run against a student's objects
catalogue/   known student bugs and alternative correct solutions, per assignment and framework
grading/     tools around stock nbgrader: course discovery, submissions, the catalogue verdict, the demo
"""
