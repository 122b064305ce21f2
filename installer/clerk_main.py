"""Entry script of the frozen bundle: ``clerk.cli`` as a package module (its relative imports
need the package), exactly what the ``clerk`` console script runs."""
import sys

from clerk.cli import main

if __name__ == "__main__":
    sys.exit(main())
