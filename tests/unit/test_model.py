"""A process that runs spaCy through newsflow runs BLAS on its own thread only."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import spacy.util

from streams.config import Settings
from streams.nlp.model import ModelNotInstalledError, load_model

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


def test_the_model_setting_takes_a_pipeline_folder_path() -> None:
    package = spacy.util.get_package_path(Settings().spacy_model)
    folder = next(p for p in package.iterdir() if (p / "config.cfg").is_file())
    nlp = load_model(str(folder))
    assert "ner" in nlp.pipe_names and "lemmatizer" not in nlp.pipe_names


def test_a_missing_pipeline_folder_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(ModelNotInstalledError, match="no spaCy pipeline folder"):
        load_model(str(tmp_path / "missing"))
