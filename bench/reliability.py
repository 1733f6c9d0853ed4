"""Print newsflow's reliability figures; the last line is the one the README quotes.

    python -m bench.reliability              run the fault and hostile-input suites (~15 min)
    python -m bench.reliability soak [N]     N (default 10,000) articles through every stage on
                                             a throwaway stack; RSS growth of each worker

Neither runs in `make test`'s default selection of figures: the fault suite does run there as
tests; this command reruns it to count what it measured.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
import xml.etree.ElementTree as ET
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SUITES = ["tests/faults/test_faults.py", "tests/unit/test_hostile_input.py"]
WARM_UP = 1_000


def figures() -> int:
    """Run the suites with a report file; print per-fault lines, then the one-line figures."""
    with tempfile.TemporaryDirectory(prefix="newsflow-reliability-") as tmp:
        report, junit = Path(tmp) / "report.jsonl", Path(tmp) / "junit.xml"
        env = {**os.environ, "NEWSFLOW_RELIABILITY_REPORT": str(report)}
        command = [sys.executable, "-m", "pytest", *SUITES, "-q", "-p", "no:cacheprovider"]
        status = subprocess.run([*command, f"--junitxml={junit}"], cwd=REPO, env=env).returncode
        entries = (
            [json.loads(line) for line in report.read_text().splitlines()]
            if report.exists()
            else []
        )
        fault_tests = fault_outcomes(junit)
    tallies = [e for e in entries if "fault" in e and e["fault"] != "warmup"]
    hostile = [e for e in entries if "hostile" in e]
    for tally in tallies:
        print(
            f"{tally['fault']}: published {tally['published']}, lost {tally['lost']}, "
            f"duplicated {tally['duplicated']}, inconsistent children {tally['inconsistent']}"
        )
    for entry in hostile:
        if not entry["ok"]:
            print(f"hostile input not as expected ({entry['where']}): {entry['hostile']}")
    survived = sum(fault_tests.values())
    lost = sum(t["lost"] for t in tallies)
    duplicated = sum(t["duplicated"] + t["inconsistent"] for t in tallies)
    handled = sum(e["ok"] for e in hostile)
    print(
        f"reliability: faults survived {survived}/{len(fault_tests)}, articles lost {lost}, "
        f"duplicated {duplicated}, hostile inputs handled as expected {handled}/{len(hostile)}"
    )
    return 0 if status in (0, 1) and survived == len(fault_tests) and not lost + duplicated else 1


def fault_outcomes(junit: Path) -> dict[str, bool]:
    """Return, per fault test (not the hostile-input one), whether it passed."""
    if not junit.exists():
        return {}
    outcomes = {}
    for case in ET.parse(junit).iter("testcase"):
        name = case.get("name", "")
        if case.get("classname", "").endswith("test_faults") and "hostile" not in name:
            outcomes[name] = not any(child.tag in ("failure", "error") for child in case)
    return outcomes


def rss_kib(pid: int) -> int:
    """Return the resident set size of process `pid`, in KiB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise RuntimeError(f"no VmRSS for process {pid}")


def soak(count: int) -> int:
    """Publish `count` articles through a throwaway stack; print each worker's RSS growth."""
    import psycopg
    from kafka import KafkaProducer

    from bench.synthetic import articles
    from streams.broker.topics import create_topics
    from streams.runtime.processes import start_worker, stop_processes
    from streams.sinks.postgres.migrations import migrate
    from streams.stack import local_stack
    from streams.stages import DEFAULT_STAGES, RAW

    cache = Path(os.environ.get("NEWSFLOW_CACHE_DIR", Path.home() / ".cache/newsflow"))
    with (
        tempfile.TemporaryDirectory(prefix="newsflow-soak-") as tmp,
        local_stack(Path(tmp), cache) as (bootstrap, database_url),
    ):
        migrate(database_url)
        create_topics(bootstrap, 4)
        env = {k: v for k, v in os.environ.items() if not k.startswith("NEWSFLOW_")}
        env.update(NEWSFLOW_KAFKA_BOOTSTRAP=bootstrap, NEWSFLOW_DATABASE_URL=database_url)
        stages = DEFAULT_STAGES
        workers = {s: start_worker(s, env, Path(tmp) / f"{s}.log", REPO) for s in stages}
        pairs = articles(f"soak-{time.time_ns()}", count)
        ids = [article_id for article_id, _ in pairs]
        producer = KafkaProducer(bootstrap_servers=bootstrap, acks="all")
        for article_id, value in pairs:
            producer.send(RAW, key=article_id.encode(), value=value)
        producer.flush()
        producer.close()

        def stored() -> int:
            with psycopg.connect(database_url) as conn:
                row = conn.execute("SELECT count(*) FROM articles WHERE id = ANY(%s)", (ids,))
                return int((row.fetchone() or (0,))[0])

        try:
            started = time.monotonic()
            while stored() < min(WARM_UP, count):
                time.sleep(2)
            warm = {s: rss_kib(p.pid) for s, p in workers.items()}
            peak = dict(warm)
            while (done := stored()) < count:
                if any(p.poll() is not None for p in workers.values()):
                    print(f"a worker exited: { {s: p.poll() for s, p in workers.items()} }")
                    return 1
                peak = {s: max(peak[s], rss_kib(p.pid)) for s, p in workers.items()}
                print(f"stored {done}/{count}", file=sys.stderr)
                time.sleep(10)
            end = {s: rss_kib(p.pid) for s, p in workers.items()}
            seconds = time.monotonic() - started
        finally:
            stop_processes(workers.values(), timeout=60)
    growth = {s: peak[s] / warm[s] - 1 for s in stages}
    for s in stages:
        print(
            f"{s}: RSS after warm-up {warm[s] / 1024:.0f} MiB, peak {peak[s] / 1024:.0f} MiB, "
            f"end {end[s] / 1024:.0f} MiB, peak growth {growth[s]:+.1%}"
        )
    worst = max(growth, key=lambda s: growth[s])
    print(
        f"soak: {count} articles in {seconds:.0f} s, largest RSS growth after warm-up "
        f"{growth[worst]:+.1%} ({worst}, at its peak), limit +10%"
    )
    return 0 if growth[worst] < 0.10 else 1


def main(argv: list[str]) -> int:
    if argv[:1] == ["soak"]:
        return soak(int(argv[1]) if len(argv) > 1 else 10_000)
    return figures()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
