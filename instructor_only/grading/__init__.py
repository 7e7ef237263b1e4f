"""Instructor tools around stock nbgrader (course discovery, submissions, catalogue verdict, builds, demo)."""
