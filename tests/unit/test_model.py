"""A process that runs spaCy through newsflow runs BLAS on its own thread only."""

from __future__ import annotations

import os
import subprocess
import sys

from streams.config import Settings

PARSE_AND_COUNT_THREADS = """
import os
from streams.nlp.model import load_model
nlp = load_model({model!r})
list(nlp.pipe(["Mary Smith flew to Paris on Monday, the ministry said."] * 16))
print(len(os.listdir("/proc/self/task")))
"""


def test_spacy_runs_without_blas_threads_of_its_own() -> None:
    env = {name: value for name, value in os.environ.items() if name != "OPENBLAS_NUM_THREADS"}
    code = PARSE_AND_COUNT_THREADS.format(model=Settings().spacy_model)
    result = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "1", result.stderr
