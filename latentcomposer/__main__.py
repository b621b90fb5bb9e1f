"""``python -m latentcomposer``: the console entry point, also for ``torchrun ... -m latentcomposer train``."""

import sys

from latentcomposer.cli import main

if __name__ == "__main__":
    sys.exit(main())
