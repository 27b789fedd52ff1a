"""代发工作台 — start the app: `python app.py --help` lists the options."""
import sys

from dropship.runtime import main

if __name__ == "__main__":
    sys.exit(main())
