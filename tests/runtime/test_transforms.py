"""A stage's transform runs off the event loop, one article over its time limit fails alone.

The cheap stages run it on a thread; the spaCy stage in a child process that starts no thread
(streams/runtime/transforms.py). The child's transforms here are module-level, as the stages'
are, so the spawned child can import them.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import pytest
import uvloop

from streams.config import Settings
from streams.runtime.transforms import (
    ArticleTimeout,
    ProcessRunner,
    ThreadRunner,
    TransformProcessDied,
    transform_each,
)


def slow_on(marker: str, sleep_s: float) -> Callable[[Sequence[str]], list[str]]:
    def transform(items: Sequence[str]) -> list[str]:
        if marker in items:
            time.sleep(sleep_s)
        return [item.upper() for item in items]

    return transform


def test_on_a_thread_an_article_over_the_time_limit_times_out_and_the_rest_go_on() -> None:
    runner = ThreadRunner(slow_on("stuck", 30.0))
    outcomes = asyncio.run(transform_each(runner, ["a", "stuck", "b"], timeout_s=1.0))
    assert outcomes[0] == "A" and outcomes[2] == "B"
    assert isinstance(outcomes[1], ArticleTimeout)


def test_on_a_thread_a_batch_within_the_time_limit_is_transformed_once() -> None:
    calls: list[Sequence[str]] = []

    def upper(items: Sequence[str]) -> list[str]:
        calls.append(items)
        return [item.upper() for item in items]

    outcomes = asyncio.run(transform_each(ThreadRunner(upper), ["a", "b"], timeout_s=60.0))
    assert outcomes == ["A", "B"]
    assert calls == [["a", "b"]]


def report_threads(settings: Settings) -> Callable[[Sequence[str]], list[str]]:
    """In the child: each item becomes 'item:<pid>:<threads of the process>'."""

    def transform(items: Sequence[str]) -> list[str]:
        threads = len(os.listdir("/proc/self/task"))
        return [f"{item}:{os.getpid()}:{threads}" for item in items]

    return transform


class TwoPartError(Exception):
    """An error that pickles but cannot be rebuilt from its pickle (two required arguments)."""

    def __init__(self, part: str, whole: str) -> None:
        super().__init__(f"{part} of {whole}")


def misbehave(settings: Settings) -> Callable[[Sequence[str]], list[str]]:
    """In the child: 'stuck' never finishes, 'crash' ends the process, 'bad' and 'odd' raise."""

    def transform(items: Sequence[str]) -> list[str]:
        if "stuck" in items:
            time.sleep(600)
        if "crash" in items:
            os._exit(3)
        if "bad" in items:
            raise ValueError("no good")
        if "odd" in items:
            raise TwoPartError("part", "whole")
        return [item.upper() for item in items]

    return transform


def triple(settings: Settings) -> Callable[[Sequence[str]], list[str]]:
    """In the child: each item three times over (replies longer than the batch)."""
    return lambda items: [item * 3 for item in items]


def run_batches(
    runner: ProcessRunner[str, str], *batches: list[str], run: Callable[..., Any] = asyncio.run
) -> list[list[object]]:
    async def run_all() -> list[list[object]]:
        return [await transform_each(runner, batch, timeout_s=5.0) for batch in batches]

    try:
        result: list[list[object]] = run(run_all())
        return result
    finally:
        runner.stop()


@pytest.mark.parametrize("run", [asyncio.run, uvloop.run], ids=["asyncio", "uvloop"])
def test_in_a_process_batches_and_replies_longer_than_the_pipe_buffer_cross_whole(
    run: Callable[..., Any],
) -> None:
    """The workers run on uvloop, which makes a watched pipe non-blocking (a 64 KB buffer)."""
    big = ["x" * 200_000, "y" * 300_000]
    first, second = run_batches(ProcessRunner(triple, Settings()), big, big, run=run)
    assert first == second == [item * 3 for item in big]


def test_in_a_process_the_transform_runs_in_one_child_that_starts_no_thread() -> None:
    runner = ProcessRunner(report_threads, Settings())
    first, second = run_batches(runner, ["a", "b"], ["c"])
    pids = {str(outcome).split(":")[1] for outcome in first + second}
    assert len(pids) == 1 and pids != {str(os.getpid())}
    assert [str(outcome).split(":")[::2] for outcome in first + second] == [
        ["a", "1"],
        ["b", "1"],
        ["c", "1"],
    ]


def test_in_a_process_an_article_that_raises_fails_alone_with_its_error() -> None:
    (outcomes,) = run_batches(ProcessRunner(misbehave, Settings()), ["a", "bad", "b"])
    assert outcomes[0] == "A" and outcomes[2] == "B"
    assert isinstance(outcomes[1], ValueError) and str(outcomes[1]) == "no good"


def test_in_a_process_an_error_that_cannot_cross_the_pipe_arrives_as_its_description() -> None:
    (outcomes,) = run_batches(ProcessRunner(misbehave, Settings()), ["a", "odd"])
    assert outcomes[0] == "A"
    assert (
        isinstance(outcomes[1], RuntimeError) and str(outcomes[1]) == "TwoPartError: part of whole"
    )


def test_in_a_process_a_stuck_article_times_out_and_a_fresh_child_goes_on() -> None:
    started = time.monotonic()
    stuck, after = run_batches(ProcessRunner(misbehave, Settings()), ["a", "stuck", "b"], ["c"])
    assert stuck[0] == "A" and stuck[2] == "B"
    assert isinstance(stuck[1], ArticleTimeout)
    assert after == ["C"]
    assert time.monotonic() - started < 60  # the stuck child was killed, not waited for


def test_in_a_process_an_article_that_ends_the_child_fails_alone() -> None:
    crashed, after = run_batches(ProcessRunner(misbehave, Settings()), ["a", "crash", "b"], ["c"])
    assert crashed[0] == "A" and crashed[2] == "B"
    assert isinstance(crashed[1], TransformProcessDied) and "exit code 3" in str(crashed[1])
    assert after == ["C"]


# A worker whose process group gets two SIGTERMs just as it starts its spaCy child, as
# when a stopping worker restarts the child to finish its batch: the worker counts them (a
# handler, as Faust has), and the child they end before it leaves the group is started again.
SIGNALLED_AS_THE_CHILD_STARTS = """
import asyncio, os, signal, threading, time
from streams.config import Settings
from streams.runtime.transforms import ProcessRunner, transform_each
from tests.runtime.test_transforms import triple

received = []
signal.signal(signal.SIGTERM, lambda number, frame: received.append(number))

def signal_the_group(after_s):
    for pause in after_s:
        time.sleep(pause)
        os.killpg(os.getpgid(0), signal.SIGTERM)

threading.Thread(target=signal_the_group, args=([0.02, 0.02],), daemon=True).start()
runner = ProcessRunner(triple, Settings())
print(asyncio.run(transform_each(runner, ["ab"])), len(received) > 0)
runner.stop()
"""


def test_a_child_a_stop_signal_to_the_workers_group_ends_as_it_starts_is_started_again() -> None:
    done = subprocess.run(
        [sys.executable, "-c", SIGNALLED_AS_THE_CHILD_STARTS],
        cwd=Path(__file__).parents[2],
        capture_output=True,
        text=True,
        timeout=120,
        start_new_session=True,  # a process group of its own: pytest is not signalled
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.split() == ["['ababab']", "True"]
