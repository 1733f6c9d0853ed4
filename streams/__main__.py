"""`python -m streams` is the `newsflow` command."""

import sys

from streams.cli import main

sys.exit(main())
