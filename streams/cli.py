"""The `newsflow` command: thin wrappers over the modules that do the work."""

from __future__ import annotations

import argparse
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from typing import Any

from streams.config import Settings, get_settings

STAGES = ("clean", "entities", "quotes", "sink")

EXAMPLES = """\
examples:
  newsflow stack up                 start a local Kafka broker and PostgreSQL server
  newsflow worker all               run every stage (one process each) until Ctrl-C
  newsflow worker entities          run one more worker of the entities stage
  newsflow publish seeds/           publish every article file in seeds/ to articles.raw
  newsflow show                     print stored articles with entities and quotes
  newsflow enrich article.txt       try the NLP on a file, no Kafka and no database
  newsflow demo                     all of the above on seeds/, from nothing to the result
"""


class CommandError(RuntimeError):
    """A failure the user can act on: printed as one line, exit status 1."""


def build_parser() -> argparse.ArgumentParser:
    """Return the parser of every `newsflow` subcommand."""
    parser = argparse.ArgumentParser(
        prog="newsflow",
        description="Turn a stream of scraped news into clean, queryable facts.",
        epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    stack = commands.add_parser("stack", help="start, stop or check the local Kafka + PostgreSQL")
    stack.add_argument("action", choices=("up", "down", "status"))

    topics = commands.add_parser("topics", help="create newsflow's topics")
    topics.add_argument("action", choices=("create",))

    db = commands.add_parser("db", help="manage the database schema")
    db.add_argument("action", choices=("migrate",))

    worker = commands.add_parser("worker", help="run a stage's worker (or all stages)")
    worker.add_argument("stage", choices=(*STAGES, "all"))

    publish = commands.add_parser(
        "publish",
        help="publish article files, folders or stdin to articles.raw",
        description="Publish RawArticle JSON/JSONL, text or HTML files (or - for stdin).",
    )
    publish.add_argument("paths", nargs="+", metavar="PATH", help="a file, a folder, or -")

    consume = commands.add_parser("consume", help="print enriched records as JSON lines")
    consume.add_argument("--from-beginning", action="store_true", help="start at the oldest record")
    consume.add_argument("--max", type=int, default=None, metavar="N", help="stop after N")
    consume.add_argument(
        "--timeout", type=float, default=None, metavar="S", help="stop after S idle seconds"
    )

    enrich = commands.add_parser(
        "enrich",
        help="clean, find entities and quotes in-process (no Kafka, no database)",
        description="Write one EnrichedArticle JSON line per input article to stdout.",
    )
    enrich.add_argument("paths", nargs="*", default=["-"], metavar="PATH")

    dlq = commands.add_parser(
        "dlq",
        help="list, show or replay dead letters on articles.dlq",
        description="A dead letter is named <partition>:<offset> on articles.dlq (see `list`).",
    )
    dlq.add_argument("action", choices=("list", "show", "replay"))
    dlq.add_argument("names", nargs="*", metavar="P:O", help="dead letters (default: all)")
    dlq.add_argument("--stage", choices=(*STAGES,), help="only those this stage wrote")

    show = commands.add_parser("show", help="print stored articles with entities and quotes")
    show.add_argument("--limit", type=int, default=20, metavar="N")

    demo = commands.add_parser(
        "demo",
        help="start the stack and all stages, publish the seeds, show the stored result",
    )
    demo.add_argument("seeds", nargs="?", default="seeds", help="folder of articles (seeds)")
    demo.add_argument(
        "--no-stack", action="store_true", help="use running services (e.g. docker compose)"
    )
    demo.add_argument("--no-workers", action="store_true", help="the stages already run elsewhere")
    demo.add_argument("--timeout", type=float, default=300.0, metavar="S")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run `newsflow` with `argv`; return its exit status."""
    args = build_parser().parse_args(argv)
    handler: Callable[[argparse.Namespace, Settings], int] = COMMANDS[args.command]
    try:
        return handler(args, get_settings())
    except KeyboardInterrupt:
        return 130
    except Exception as error:
        message = friendly(error)
        if message is None:
            raise
        print(f"newsflow {args.command}: {message}", file=sys.stderr)
        return 1


def friendly(error: Exception) -> str | None:
    """Return the one-line message of an error the user can act on, else None."""
    from streams.clients import UnreachableError
    from streams.stack import StackError

    if isinstance(error, CommandError | UnreachableError | StackError | FileNotFoundError):
        return str(error)
    import psycopg

    if isinstance(error, psycopg.OperationalError):
        settings = get_settings()
        return (
            f"PostgreSQL is not reachable at {settings.database_display}: start it with "
            "`newsflow stack up`, or set NEWSFLOW_DATABASE_URL to a running server"
        )
    return None


def cmd_stack(args: argparse.Namespace, settings: Settings) -> int:
    from streams import stack

    kafka = stack.kafka_config(settings.stack_dir, settings.cache_dir, settings.kafka_bootstrap)
    postgres = stack.postgres_config(settings.stack_dir, settings.database_dsn)
    if args.action == "up":
        stack.start_kafka(kafka)
        stack.start_postgres(postgres)
        from streams.sink.migrations import migrate
        from streams.topics import create_topics

        create_topics(settings.kafka_bootstrap, settings.partitions, settings.replication_factor)
        migrate(settings.database_dsn)
    elif args.action == "down":
        stack.stop_kafka(kafka)
        stack.stop_postgres(postgres)
    kafka_state = "running" if stack.kafka_running(kafka) else "stopped"
    postgres_state = "running" if stack.postgres_running(postgres) else "stopped"
    print(f"kafka     {kafka_state:8} NEWSFLOW_KAFKA_BOOTSTRAP={settings.kafka_bootstrap}")
    print(f"postgres  {postgres_state:8} NEWSFLOW_DATABASE_URL={settings.database_display}")
    print(f"logs      {settings.stack_dir.resolve()}")
    return 0


def cmd_topics(args: argparse.Namespace, settings: Settings) -> int:
    from streams.topics import create_topics

    created = create_topics(
        settings.kafka_bootstrap, settings.partitions, settings.replication_factor
    )
    print(f"created {', '.join(created)}" if created else "all topics exist")
    return 0


def cmd_db(args: argparse.Namespace, settings: Settings) -> int:
    from streams.sink.migrations import migrate

    applied = migrate(settings.database_dsn)
    print(f"applied {', '.join(applied)}" if applied else "database is up to date")
    return 0


def cmd_worker(args: argparse.Namespace, settings: Settings) -> int:
    if args.stage == "all":
        return supervise([[sys.executable, "-m", "streams", "worker", s] for s in STAGES])
    from streams.worker import run_worker

    return run_worker(args.stage, settings)


def supervise(commands: list[list[str]]) -> int:
    """Run each command as a child; stop them all when one ends or on SIGINT/SIGTERM."""
    children = [subprocess.Popen(command) for command in commands]

    def stop_all(signum: int = signal.SIGTERM, frame: Any = None) -> None:
        for child in children:
            if child.poll() is None:
                child.send_signal(signal.SIGTERM)

    signal.signal(signal.SIGTERM, stop_all)
    signal.signal(signal.SIGINT, stop_all)
    try:
        while all(child.poll() is None for child in children):
            time.sleep(0.5)
    finally:
        stop_all()
        for child in children:
            try:
                child.wait(timeout=60)
            except subprocess.TimeoutExpired:
                child.kill()
    return max(abs(child.returncode or 0) for child in children)


def cmd_publish(args: argparse.Namespace, settings: Settings) -> int:
    from streams.publishing import publish

    report = publish(args.paths, settings, sys.stdin.buffer)
    for origin, reason in report.failed:
        print(f"newsflow publish: {origin}: {reason}", file=sys.stderr)
    print(f"published {report.published}, failed {len(report.failed)}", file=sys.stderr)
    return 1 if report.failed else 0


def cmd_consume(args: argparse.Namespace, settings: Settings) -> int:
    from streams.publishing import consume

    for value in consume(settings, args.from_beginning, args.max, args.timeout):
        sys.stdout.write(value.decode("utf-8", "replace") + "\n")
        sys.stdout.flush()
    return 0


def cmd_enrich(args: argparse.Namespace, settings: Settings) -> int:
    from streams.enriching import enrich_inputs
    from streams.inputs import read_inputs

    rejected = 0
    for origin, outcome in enrich_inputs(read_inputs(args.paths, sys.stdin.buffer), settings):
        if isinstance(outcome, Exception):
            rejected += 1
            print(f"newsflow enrich: {origin}: {outcome}", file=sys.stderr)
        else:
            sys.stdout.write(outcome.model_dump_json() + "\n")
    return 1 if rejected else 0


def cmd_dlq(args: argparse.Namespace, settings: Settings) -> int:
    from streams import dlq

    letters = dlq.select(dlq.read_letters(settings.kafka_bootstrap), args.names, args.stage)
    missing = set(args.names) - {item.name for item in letters}
    if missing:
        raise CommandError(f"no dead letter {', '.join(sorted(missing))}: see `newsflow dlq list`")
    if args.action == "list":
        for item in letters:
            print(dlq.summary(item))
    elif args.action == "show":
        for item in letters:
            print(dlq.details(item))
    else:
        if not args.names and args.stage is None:
            raise CommandError("name the dead letters to replay (P:O ...) or a --stage")
        count = dlq.replay(settings.kafka_bootstrap, letters)
        print(f"replayed {count} dead letter(s) to their source topics", file=sys.stderr)
    return 0


def cmd_show(args: argparse.Namespace, settings: Settings) -> int:
    from streams.sink.reading import format_article, stored_articles

    articles = stored_articles(settings.database_dsn, args.limit)
    for article in articles:
        print(format_article(article))
    print(f"{len(articles)} article(s) in {settings.database_display}")
    return 0


def cmd_demo(args: argparse.Namespace, settings: Settings) -> int:
    from pathlib import Path

    from streams.demo import run_demo

    if not args.no_stack:
        cmd_stack(argparse.Namespace(action="up"), settings)
    return run_demo(settings, Path(args.seeds), not args.no_workers, args.timeout)


COMMANDS: dict[str, Callable[[argparse.Namespace, Settings], int]] = {
    "stack": cmd_stack,
    "topics": cmd_topics,
    "db": cmd_db,
    "worker": cmd_worker,
    "publish": cmd_publish,
    "consume": cmd_consume,
    "enrich": cmd_enrich,
    "show": cmd_show,
    "dlq": cmd_dlq,
    "demo": cmd_demo,
}
