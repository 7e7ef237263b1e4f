"""`python -m instructor_only.grading.classgrade`: see cli.py."""
import sys

from instructor_only.grading.classgrade.cli import main

if __name__ == "__main__":
    sys.exit(main())
