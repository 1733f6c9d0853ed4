"""newsflow's stream processor: the stages, the sink, the local stack and the CLI."""

from __future__ import annotations

import os

# spaCy's matrix products go through numpy's OpenBLAS, which by default starts a thread per
# core and then takes a slower path for en_core_web_sm's small products, even with its pool
# limited later. newsflow scales spaCy with worker processes, so each runs BLAS on one thread:
# 54 -> 45 ms of CPU per article here. OpenBLAS reads this once, when numpy loads, so it is set
# before anything can import numpy; a value already in the environment wins.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
