"""`python -m dropship`: the same as the `dropship-desk` command (what the Windows .bat launchers run)."""
import sys

from dropship.runtime import main

if __name__ == "__main__":
    sys.exit(main())
