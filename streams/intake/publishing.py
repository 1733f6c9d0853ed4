"""Publish articles to articles.raw with kafka-python: files, folders, JSON lines or stdin."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

from streams.broker.clients import producer
from streams.config import Settings
from streams.intake.decoding import decode_raw_article
from streams.intake.inputs import KNOWN_SUFFIXES, read_inputs
from streams.stages import RAW


@dataclass
class PublishReport:
    """What one `publish` did: articles the broker has, files left out, inputs refused."""

    published: int = 0
    skipped: list[str] = field(default_factory=list)
    failed: list[tuple[str, str]] = field(default_factory=list)

    def summary(self) -> str:
        return f"published {self.published}, skipped {len(self.skipped)}, failed {len(self.failed)}"


@dataclass(frozen=True)
class Progress:
    """How far a `publish` is: files read of all, articles sent and refused, time taken."""

    files_done: int
    files_total: int
    sent: int
    failed: int
    elapsed_s: float


def progress_line(progress: Progress, width: int = 24) -> str:
    """Render `progress` as one line: a bar over the files, counts and the send rate."""
    total = max(progress.files_total, 1)
    filled = width * progress.files_done // total
    bar = "#" * filled + "." * (width - filled)
    rate = progress.sent / progress.elapsed_s if progress.elapsed_s > 0 else 0.0
    return (
        f"[{bar}] {progress.files_done}/{progress.files_total} files"
        f"  {progress.sent} sent  {progress.failed} failed  {rate:.1f} articles/s"
    )


def plan_files(paths: Sequence[str]) -> tuple[list[str], list[str]]:
    """Expand `paths` into the inputs to read, and the files in folders that are not articles.

    A folder stands for its article files (by suffix) in name order; a named file or `-` is
    read whatever its suffix, so a wrong one is reported as a failure, not skipped.
    """
    inputs: list[str] = []
    skipped: list[str] = []
    for name in paths:
        path = Path(name)
        if name != "-" and path.is_dir():
            for file in sorted(p for p in path.rglob("*") if p.is_file()):
                if file.suffix.lower() in KNOWN_SUFFIXES:
                    inputs.append(str(file))
                elif not any(part.startswith(".") for part in file.relative_to(path).parts):
                    skipped.append(str(file))
        elif name == "-" or path.is_file():
            inputs.append(name)
        else:
            raise FileNotFoundError(f"no such file or folder: {name}")
    return inputs, skipped


def publish(
    paths: Sequence[str],
    settings: Settings,
    stdin: BinaryIO,
    on_progress: Callable[[Progress], None] | None = None,
) -> PublishReport:
    """Publish every article under `paths` to articles.raw, keyed by id.

    An input that is not a valid RawArticle is reported and not published, so what reaches the
    topic from this command is always processable. `on_progress` is called after each file.
    Returns once the broker has every message.
    """
    files, skipped = plan_files(paths)
    report = PublishReport(skipped=skipped)
    started = time.monotonic()
    client = producer(settings.kafka_bootstrap)
    try:
        futures = []
        for done, name in enumerate(files, start=1):
            try:
                for item in read_inputs([name], stdin):
                    try:
                        article = decode_raw_article(item.value, settings.max_text_bytes)
                    except ValueError as error:
                        report.failed.append((item.origin, str(error)))
                        continue
                    key = article.id.encode("utf-8")
                    futures.append(client.send(RAW, key=key, value=item.value))
            except (OSError, ValueError) as error:
                report.failed.append((name, str(error)))
            if on_progress is not None:
                elapsed = time.monotonic() - started
                on_progress(Progress(done, len(files), len(futures), len(report.failed), elapsed))
        client.flush()
        for future in futures:
            future.get(timeout=60)
            report.published += 1
    finally:
        client.close()
    return report
