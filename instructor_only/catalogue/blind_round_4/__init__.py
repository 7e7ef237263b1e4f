"""Entries of the fourth blind round (issue 25), one module per assignment, as the testers wrote them.

Six new testers, one per assignment, saw only the release notebook and the helpers it imports (never the checks, the
catalogue or the solutions) and wrote bugs and correct alternatives for every answer cell. Their files are kept as
written; where an entry's kind contradicts the notebook's contract, its description starts with RECLASSIFIED and
says why (its code is unchanged). Each assignment's catalogue module appends its round-4 ENTRIES.
"""
