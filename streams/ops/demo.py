"""`newsflow demo`: run every stage, publish the seeds, and show what lands in PostgreSQL."""

from __future__ import annotations

import io
import subprocess
import sys
import time
from pathlib import Path

from streams.answers.stored import format_article, stored_articles
from streams.config import Settings
from streams.intake.inputs import read_inputs
from streams.intake.publishing import publish


def run_demo(settings: Settings, seeds: Path, start_workers: bool, timeout_s: float) -> int:
    """Publish `seeds`, wait until each article is stored, print them; 1 if any never arrived."""
    ids = {item.key.decode() for item in read_inputs([str(seeds)], io.BytesIO()) if item.key}
    workers = None
    if start_workers:
        settings.stack_dir.mkdir(parents=True, exist_ok=True)
        log_path = settings.stack_dir / "workers.log"
        print(f"running every stage; worker logs in {log_path}", flush=True)
        with log_path.open("ab") as log:
            workers = subprocess.Popen(
                [sys.executable, "-m", "streams", "worker", "all"], stdout=log, stderr=log
            )
    try:
        report = publish([str(seeds)], settings, io.BytesIO())
        print(f"published {report.published} article(s) from {seeds} to articles.raw", flush=True)
        deadline = time.monotonic() + timeout_s
        stored: list = []
        while time.monotonic() < deadline:
            stored = [a for a in stored_articles(settings.database_dsn) if a.id in ids]
            if len(stored) == len(ids):
                break
            if workers is not None and workers.poll() is not None:
                break
            time.sleep(1.0)
        for article in sorted(stored, key=lambda a: a.id):
            print(format_article(article))
        print(f"{len(stored)} of {len(ids)} seed article(s) stored in {settings.database_display}")
        return 0 if len(stored) == len(ids) else 1
    finally:
        if workers is not None:
            workers.terminate()
            try:
                workers.wait(timeout=60)
            except subprocess.TimeoutExpired:
                workers.kill()
