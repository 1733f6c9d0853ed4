"""Where a stage's batch transform runs: off the event loop, within a time limit per article.

The consumer's heartbeats and the producer's acks go on in the event loop while a transform
runs, so the transform runs elsewhere: on a thread (`ThreadRunner`, the cheap stages) or in a
child process (`ProcessRunner`, the stage that runs spaCy).

Why a process for spaCy: once a process has started a second thread, spaCy runs about 15%
slower in it for good, whichever thread it runs on (measured here: 44-45 -> 52 ms of CPU per
article after a thread that did nothing had come and gone; the parser and NER slow down, most
likely glibc's allocator and C++ reference counts taking their thread-safe paths from then on).
A Faust worker cannot avoid threads, so its spaCy runs in a child that never starts one. A child
also ends what a thread could not: a transform that overruns its limit is killed with its
process.
"""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
import os
import pickle
import queue
import signal
import threading
from collections.abc import Callable, Sequence
from contextlib import suppress
from functools import partial
from multiprocessing.connection import Connection
from typing import Any, Generic, Protocol, TypeVar

from streams.config import Settings
from streams.runtime.each import apply_each, batch_then_each

log = logging.getLogger(__name__)

# How often a child stopped by a signal as it starts is started again (see _check_ready).
STARTS = 3
STOPPED_BY_SIGNAL = {-signal.SIGTERM, -signal.SIGINT}
STOPPED_AS_IT_STARTED = (
    f"the transform process was stopped by a signal {STARTS} times as it started"
)

In = TypeVar("In")
Out = TypeVar("Out")
In_contra = TypeVar("In_contra", contravariant=True)

Transform = Callable[[Sequence[In]], Sequence[Out]]


class ArticleTimeout(TimeoutError):
    """An article took longer than NEWSFLOW_ARTICLE_TIMEOUT_S to transform."""


class TransformProcessDied(RuntimeError):
    """The child process running the transform ended while it worked on the item."""


class TransformSetupError(RuntimeError):
    """The child process could not build its transform (say, the spaCy model is missing)."""


class Runner(Protocol[In_contra, Out]):
    async def run(
        self, items: Sequence[In_contra], timeout_s: float | None
    ) -> list[Out | Exception]:
        """Return `apply_each(transform, items)`; raise TimeoutError after `timeout_s`."""
        ...


async def transform_each(
    runner: Runner[In, Out], items: Sequence[In], timeout_s: float | None = None
) -> list[Out | Exception]:
    """Transform `items` as one batch with `runner`; each place holds an output or an error.

    When the batch takes longer than `timeout_s` (or its process dies), each item is run again
    alone and an item that exceeds the limit becomes an ArticleTimeout (dead-lettered), so one
    pathological article cannot stall its partition.
    """

    def outcome_of(error: Exception) -> Exception:
        if isinstance(error, TimeoutError):
            return ArticleTimeout(f"processing took over {timeout_s}s, the limit")
        return error

    return await batch_then_each(
        partial(runner.run, timeout_s=timeout_s),
        items,
        (TimeoutError, TransformProcessDied),
        outcome_of,
    )


class ThreadRunner(Generic[In, Out]):
    """Runs the transform on one long-lived daemon thread of this process.

    One thread keeps the transform on one malloc arena: a thread per batch grew a worker's RSS
    by half. A thread cannot be interrupted, so a transform that overruns its limit keeps its
    thread, which is abandoned (its result dropped), and the next batch starts a fresh one.
    """

    def __init__(self, transform: Transform[In, Out]) -> None:
        self._transform = transform
        self._jobs: queue.SimpleQueue[Any] | None = None

    async def run(self, items: Sequence[In], timeout_s: float | None) -> list[Out | Exception]:
        if self._jobs is None:
            self._jobs = queue.SimpleQueue()
            threading.Thread(
                target=_serve_jobs, args=(self._jobs,), name="newsflow-transform", daemon=True
            ).start()
        loop = asyncio.get_running_loop()
        future: asyncio.Future[list[Out | Exception]] = loop.create_future()
        self._jobs.put((partial(apply_each, self._transform, items), loop, future))
        try:
            return await asyncio.wait_for(future, timeout_s)
        except TimeoutError:
            self._jobs = None  # abandon the overrunning thread
            raise


def _serve_jobs(jobs: queue.SimpleQueue[Any]) -> None:
    """Run each (work, loop, future) job from `jobs`, settling its future on its loop."""
    while True:
        work, loop, future = jobs.get()
        try:
            outcome: tuple[Any, BaseException | None] = (work(), None)
        except BaseException as error:
            outcome = (None, error)
        with suppress(RuntimeError):  # the loop closed while an abandoned job ran
            loop.call_soon_threadsafe(_settle, future, *outcome)


def _settle(future: asyncio.Future[Any], result: Any, error: BaseException | None) -> None:
    if future.done():  # timed out or cancelled meanwhile
        return
    if error is None:
        future.set_result(result)
    else:
        future.set_exception(error)


class ProcessRunner(Generic[In, Out]):
    """Runs the transform in a child process that starts no thread.

    The child is a fresh interpreter (spawned, not forked from the threaded worker) that builds
    the transform with `make_transform(settings)` (a module-level function, so it can be named
    to the child) and then serves one batch at a time over a pipe. It is started at once, so
    the model loads while the worker joins its group. It runs in a session of its own, so a
    Ctrl-C or a signal to the worker's process group reaches the worker only, which lets its
    batch finish (a child such a signal ends before it has left the group is started again);
    it ends with the worker (daemon; and its pipe closes if the worker is killed).
    A child that overruns its limit is killed, and the next batch starts a fresh one. A child
    that cannot build its transform says why, and that error ends the worker (at its start, for
    the first child), so a missing model is not mistaken for bad articles.
    """

    def __init__(
        self, make_transform: Callable[[Settings], Transform[In, Out]], settings: Settings
    ) -> None:
        self._make_transform = make_transform
        self._settings = settings
        self._child: Any = None
        self._conn: Connection | None = None
        for _ in range(STARTS):
            self._start()
            assert self._conn is not None
            if self._check_ready(self._conn):
                return
        raise TransformSetupError(STOPPED_AS_IT_STARTED)

    async def _start_when_ready(self) -> None:
        """Start a fresh child; wait, without blocking the event loop, until it is ready."""
        for _ in range(STARTS):
            self._start()
            assert self._conn is not None
            await self._wait_readable(self._conn, None)
            if self._check_ready(self._conn):
                return
        raise TransformSetupError(STOPPED_AS_IT_STARTED)

    def _start(self) -> None:
        context = multiprocessing.get_context("spawn")
        ours, theirs = context.Pipe()
        self._child = context.Process(
            target=serve_batches,
            args=(theirs, self._make_transform, self._settings),
            name="newsflow-transform",
            daemon=True,
        )
        self._child.start()
        theirs.close()
        self._conn = ours

    def _check_ready(self, conn: Connection) -> bool:
        """Read the child's first word: "ready" (True), or why it cannot build its transform.

        False when a stop signal ended it first: until its interpreter reaches `serve_batches`
        the child is still in the worker's process group, so a SIGTERM or Ctrl-C meant for the
        stopping worker can reach it; the worker then starts another to finish its batch.
        """
        try:
            hello = conn.recv()
        except (EOFError, OSError):
            code = self.stop()
            if code in STOPPED_BY_SIGNAL:
                return False
            raise TransformSetupError(
                f"the transform process ended before it was ready (exit code {code})"
            ) from None
        if isinstance(hello, BaseException):
            self.stop()
            raise hello
        return True

    async def run(self, items: Sequence[In], timeout_s: float | None) -> list[Out | Exception]:
        if self._conn is None:
            await self._start_when_ready()
        assert self._conn is not None
        try:
            self._conn.send(list(items))
            await self._wait_readable(self._conn, timeout_s)
            reply = self._conn.recv()
        except TimeoutError:
            self.stop()
            raise
        except (EOFError, OSError):
            code = self.stop()
            raise TransformProcessDied(f"the transform process ended (exit code {code})") from None
        if isinstance(reply, BaseException):
            raise reply
        outcomes: list[Out | Exception] = reply
        return outcomes

    @staticmethod
    async def _wait_readable(conn: Connection, timeout_s: float | None) -> None:
        """Wait, without blocking the event loop, until `conn` has a reply or its end.

        The pipe is put back in blocking mode afterwards: uvloop (libuv) makes a watched file
        descriptor non-blocking, and `recv` of a reply longer than the pipe's buffer, or `send`
        of a batch that is, then fails half-way as if the child had died.
        """
        loop = asyncio.get_running_loop()
        readable: asyncio.Future[None] = loop.create_future()

        def on_readable() -> None:
            if not readable.done():
                readable.set_result(None)

        loop.add_reader(conn.fileno(), on_readable)
        try:
            await asyncio.wait_for(readable, timeout_s)
        finally:
            loop.remove_reader(conn.fileno())
            os.set_blocking(conn.fileno(), True)

    def stop(self) -> int | None:
        """Kill the child, if any; return its exit code."""
        child, conn, self._child, self._conn = self._child, self._conn, None, None
        if conn is not None:
            conn.close()
        if child is None:
            return None
        child.kill()
        child.join()
        code: int | None = child.exitcode
        return code


def serve_batches(
    conn: Connection, make_transform: Callable[[Settings], Transform[Any, Any]], settings: Settings
) -> None:
    """The child's loop: receive a batch, send back `apply_each` over it, until the pipe closes."""
    os.setsid()
    try:
        transform = make_transform(settings)
    except Exception as error:
        conn.send(TransformSetupError(f"{type(error).__name__}: {error}"))
        return
    conn.send("ready")
    while True:
        try:
            items = conn.recv()
        except (EOFError, OSError):
            return
        try:
            reply: Any = [sendable(outcome) for outcome in apply_each(transform, items)]
        except Exception as error:  # the transform broke its contract: the worker exits
            reply = RuntimeError(f"{type(error).__name__}: {error}")
        try:
            conn.send(reply)
        except (BrokenPipeError, OSError):
            return


def sendable(outcome: Any) -> Any:
    """Return `outcome`, or for an exception that does not survive pickling (some cannot be
    rebuilt from their pickle), a RuntimeError that says the same."""
    if not isinstance(outcome, BaseException):
        return outcome
    try:
        pickle.loads(pickle.dumps(outcome))
        return outcome
    except Exception:
        return RuntimeError(f"{type(outcome).__name__}: {outcome}")
