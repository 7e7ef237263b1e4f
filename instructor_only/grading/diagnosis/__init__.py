"""Failing answers matched, by what they compute, to the course's catalogue of known mistakes.

`fingerprints` records what the solution and every catalogue entry compute under each test cell's hidden checks (on
the trusted side: the catalogue is the course's code, never run in a student's kernel); `matching` names the entry a
student's recording behaves like, when one does unambiguously.
"""
