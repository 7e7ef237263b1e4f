"""Helpers the course notebooks import on the student side: small synthetic/offline data and plotting.

Everything here works offline with only the student environment (see docs/STUDENTS.md, "Working without the hub").
"""
