"""The `newsflow` command: thin wrappers over the modules that do the work."""

from __future__ import annotations

import argparse
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from itertools import islice
from typing import Any

from streams.config import Settings, get_settings
from streams.stages import DEFAULT_STAGES, STAGE_NAMES

EXAMPLES = """\
examples:
  newsflow stack up                 start a local Kafka broker and PostgreSQL server
  newsflow worker all               run every stage (one process each) until Ctrl-C
  newsflow worker entities          run one more worker of the entities stage
  newsflow publish seeds/           publish every article file in seeds/ to articles.raw
  newsflow consume --from-beginning --format table
                                    list the enriched records on the topic, then exit
  newsflow show                     print stored articles with entities and quotes
  newsflow view                     read stored articles in a browser (http://127.0.0.1:8080/)
  newsflow enrich article.txt       try the NLP on a file, no Kafka and no database
  newsflow lag                      each stage's consumer lag, from the broker
  newsflow people --top 20          the people named in the most stored articles
  newsflow quotes --speaker "Wang Yi" --about "North Korea" --since 7d
  newsflow search "hegemony"        full-text search over stored bodies and quotes
  newsflow export --format parquet  articles, entities and quotes as files for DuckDB/pandas
  newsflow demo                     all of the above on seeds/, from nothing to the result

exit status:
  0   done
  1   failed, or some inputs were rejected (an unknown kind of file, a missing file, a topic
      or partition that does not exist): stderr says which and what to do
  2   bad usage (unknown command or option, a value out of range): the command's usage
  69  Kafka or PostgreSQL is unreachable, or `stack status` finds one stopped: start it
  70  a worker met an unexpected error and stopped without acking its batch (restart it)
  78  bad configuration: a NEWSFLOW_* variable is invalid, or the spaCy model is missing
  130 interrupted (Ctrl-C)
  141 stdout was closed by its reader (`newsflow enrich big.jsonl | head -1`)

Every setting is an environment variable NEWSFLOW_*; see `newsflow <command> --help`.
"""

# Exit status when a service newsflow needs does not answer (sysexits EX_UNAVAILABLE).
EXIT_UNAVAILABLE = 69
# Exit status when a setting or the spaCy model it names is wrong (sysexits EX_CONFIG).
EXIT_CONFIG = 78


def add_command(
    commands: Any, name: str, help: str, examples: str, description: str | None = None
) -> argparse.ArgumentParser:
    """Add subcommand `name` whose --help ends with its `examples`."""
    command = commands.add_parser(
        name,
        help=help,
        description=description or help[0].upper() + help[1:] + ".",
        epilog="examples:\n" + examples,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    return command


def command_parser(parser: argparse.ArgumentParser, name: str) -> argparse.ArgumentParser:
    """Return the parser of subcommand `name`, whose usage a usage error should show."""
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            found: argparse.ArgumentParser = action.choices[name]
            return found
    return parser


def bounded_int(low: int, high: int | None = None) -> Callable[[str], int]:
    """Return an argparse type reading an integer from `low` to `high` (None: no limit)."""

    def read(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
        if value < low or (high is not None and value > high):
            limit = f"from {low} to {high}" if high is not None else f"{low} or more"
            raise argparse.ArgumentTypeError(f"{value} is out of range: use {limit}")
        return value

    return read


def positive_float(text: str) -> float:
    """Read a number of seconds above 0 (argparse type)."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if not value > 0:
        raise argparse.ArgumentTypeError(f"{text} is out of range: use a number above 0")
    return value


def offset(text: str) -> Any:
    """Read a start offset: beginning, end, N or -N (argparse type)."""
    from streams.answers.consuming import parse_start

    try:
        return parse_start(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


positive_int = bounded_int(1)
port_number = bounded_int(0, 65_535)


class CommandError(RuntimeError):
    """A failure the user can act on: printed as one line, exit status 1."""


class UsageError(ValueError):
    """Arguments that parse but do not make sense together: the command's usage, status 2."""


def package_version() -> str:
    """Return the installed newsflow package's version."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("newsflow")
    except PackageNotFoundError:
        return "unknown (not installed: run `make install`)"


def add_progress_option(command: argparse.ArgumentParser) -> None:
    command.add_argument(
        "--progress",
        choices=("auto", "always", "never"),
        default="auto",
        help="progress bar on stderr (auto: when stderr is a terminal)",
    )


def progress_shown(choice: str) -> bool:
    """Tell whether --progress `choice` draws a progress bar on this stderr."""
    return choice == "always" or (choice == "auto" and sys.stderr.isatty())


def build_parser() -> argparse.ArgumentParser:
    """Return the parser of every `newsflow` subcommand."""
    parser = argparse.ArgumentParser(
        prog="newsflow",
        description="Turn a stream of scraped news into clean, queryable facts.",
        epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"newsflow {package_version()}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    stack = add_command(
        commands,
        "stack",
        "start, stop or check the local Kafka + PostgreSQL",
        "  newsflow stack up        start both on 127.0.0.1, create the topics and tables\n"
        "  newsflow stack status    say whether each is running, and where\n"
        "  newsflow stack down      stop both (their data stays in NEWSFLOW_STACK_DIR)\n"
        "  newsflow stack up --brokers 3    a three-broker cluster on 9092, 9094, 9096;\n"
        "                           topics with 3 replicas, min.insync.replicas=2\n",
    )
    stack.add_argument("action", choices=("up", "down", "status"))
    stack.add_argument(
        "--brokers",
        type=int,
        choices=(1, 3),
        default=None,
        help="Kafka brokers: 1, or a cluster of 3 (default: as many as NEWSFLOW_KAFKA_BOOTSTRAP "
        "lists); give the same to status and down",
    )

    topics = add_command(
        commands,
        "topics",
        "create newsflow's topics",
        "  newsflow topics create\n"
        "  NEWSFLOW_PARTITIONS=8 newsflow topics create   more partitions: more workers a stage\n",
    )
    topics.add_argument("action", choices=("create",))

    db = add_command(
        commands,
        "db",
        "manage the database schema and search index",
        "  newsflow db migrate\n  newsflow db index     index the bodies stored since for search\n"
        "  newsflow db backfill  as the tables' owner: ids for rows stored before migration 005,\n"
        "                        and each entity's aliases rebuilt from the stored rows\n",
    )
    db.add_argument("action", choices=("migrate", "index", "backfill"))

    worker = add_command(
        commands,
        "worker",
        "run a stage's worker (or all stages)",
        "  newsflow worker all                         every default stage, one process each\n"
        "  newsflow worker sink-parquet                Parquet files too (NEWSFLOW_PARQUET_DIR)\n"
        "  newsflow worker entities                    one more worker of one stage\n"
        "  NEWSFLOW_LOG_FORMAT=json newsflow worker sink    JSON log lines\n"
        "  NEWSFLOW_METRICS_PORT=9500 newsflow worker clean  /metrics on 9500 or the next free\n",
        description="Run a stage's Faust worker until Ctrl-C. Each worker serves Prometheus "
        "metrics, /health (fails when it cannot make progress) and /ready (joined its group) "
        "on NEWSFLOW_METRICS_PORT (default 9400) or the next free port above it; the port "
        "taken is logged. Consumer lag comes from `newsflow lag --serve`, not the workers.",
    )
    worker.add_argument("stage", choices=(*STAGE_NAMES, "all"))

    publish = add_command(
        commands,
        "publish",
        "publish article files, folders or stdin to articles.raw",
        "  newsflow publish seeds/                        every article file below seeds/\n"
        "  newsflow publish a.json b.jsonl page.html      files of any accepted kind\n"
        "  cat articles.jsonl | newsflow publish -        JSON lines from stdin\n",
        description="Publish RawArticle JSON/JSONL, text or HTML files (or - for stdin), keyed "
        "by article id. Shows progress on a terminal, then a summary: published, skipped "
        "(files in folders that are not articles), failed (inputs that are not valid "
        "articles, each with its reason). Exit status 1 when any failed.",
    )
    publish.add_argument("paths", nargs="+", metavar="PATH", help="a file, a folder, or -")
    add_progress_option(publish)

    consume = add_command(
        commands,
        "consume",
        "print enriched records from articles.enriched",
        "  newsflow consume                                  follow new records (Ctrl-C stops)\n"
        "  newsflow consume --from-beginning --format table  every record so far, then exit\n"
        "  newsflow consume --from-beginning --follow        every record, then keep following\n"
        "  newsflow consume --from-beginning --speaker Kamau records quoting a speaker\n"
        "  newsflow consume --entity Kenya --max 1 | jq .quotes\n"
        "  newsflow consume --topic articles.dlq --partition 2 --offset -5 --meta\n"
        "                                    the last 5 dead letters of partition 2, with\n"
        "                                    key, partition, offset and timestamp\n",
        description="Print enriched records as JSON lines (or a table). Without "
        "--from-beginning (or --offset) it follows new records; with it, it prints what the "
        "topic holds and exits, unless --follow is given. With --meta each line is an object "
        "like kcat -J's: topic, partition, offset, timestamp (ms), key, and the record under "
        '"value".',
    )
    start = consume.add_mutually_exclusive_group()
    start.add_argument("--from-beginning", action="store_true", help="start at the oldest record")
    start.add_argument(
        "-o",
        "--offset",
        type=offset,
        default=None,
        metavar="O",
        help="start at: beginning, end, offset N, or -N (N before the end), in each partition",
    )
    consume.add_argument(
        "--topic", default=None, metavar="T", help="topic to read (articles.enriched)"
    )
    consume.add_argument(
        "-p", "--partition", type=bounded_int(0), default=None, metavar="P", help="only this one"
    )
    consume.add_argument(
        "--meta", action="store_true", help="JSON: wrap each record with key/partition/offset"
    )
    consume.add_argument("-f", "--follow", action="store_true", help="keep waiting for new records")
    consume.add_argument(
        "--entity", metavar="NAME", help="only records naming this entity (any case, part)"
    )
    consume.add_argument(
        "--speaker", metavar="NAME", help="only records quoting this speaker (any case, part)"
    )
    consume.add_argument(
        "--format", choices=("json", "table"), default="json", help="JSON lines or a table"
    )
    consume.add_argument(
        "--max", type=positive_int, default=None, metavar="N", help="stop after N (1 or more)"
    )
    consume.add_argument(
        "--timeout",
        type=positive_float,
        default=None,
        metavar="S",
        help="stop after S idle seconds",
    )

    enrich = add_command(
        commands,
        "enrich",
        "clean, find entities and quotes in-process (no Kafka, no database)",
        "  newsflow enrich article.txt\n"
        "  newsflow enrich seeds/001_lake-chad-river-data.json | jq '.quotes[].speaker'\n"
        "  echo 'Ada said: \"Hello.\"' | newsflow enrich\n"
        "  tail -f feed.jsonl | newsflow enrich -      each article soon after its line comes\n"
        "  newsflow enrich --n-process 2 big.jsonl > enriched.jsonl   two cores, in order\n",
        description="Write one EnrichedArticle JSON line per input article to stdout, as it "
        "comes: JSON lines (files or stdin) are read a line at a time, and a batch goes "
        "through spaCy as soon as it is full (NEWSFLOW_NLP_BATCH_SIZE) or the input has no "
        "more ready, so memory stays flat and a pipe's articles come out as they arrive. "
        "Rejected articles are named on stderr (exit status 1).",
    )
    enrich.add_argument("paths", nargs="*", default=["-"], metavar="PATH")
    enrich.add_argument(
        "--n-process",
        type=positive_int,
        default=1,
        metavar="N",
        help="spread batches over N processes (each loads the model; output stays in order)",
    )
    add_progress_option(enrich)

    dlq = add_command(
        commands,
        "dlq",
        "list, show, replay or purge dead letters on articles.dlq",
        "  newsflow dlq list\n"
        "  newsflow dlq list --stage clean\n"
        "  newsflow dlq show 2:17\n"
        "  newsflow dlq replay 2:17                 # re-publish to its source topic after a fix\n"
        "  newsflow dlq replay --stage quotes --dry-run   # what a replay would send\n"
        "  newsflow dlq replay 2:17 --again         # once more, though replayed already\n"
        "  newsflow dlq purge --older-than 14d      # delete letters written over 14 days ago\n",
        description="A dead letter is named <partition>:<offset> on articles.dlq (see `list`, "
        "whose last column says when a letter was replayed). `replay` marks what it sends (a "
        "newsflow-replayed-from header, and a record on articles.dlq.replayed) and skips "
        "letters replayed before unless --again. `purge` cuts each partition up to its first "
        "letter newer than --older-than (Kafka deletes a partition's head, not single "
        "records). Letters expire anyway after NEWSFLOW_DLQ_RETENTION_DAYS.",
    )
    dlq.add_argument("action", choices=("list", "show", "replay", "purge"))
    dlq.add_argument("names", nargs="*", metavar="P:O", help="dead letters (default: all)")
    dlq.add_argument("--stage", choices=STAGE_NAMES, help="only those this stage wrote")
    dlq.add_argument("--again", action="store_true", help="replay: also letters replayed before")
    dlq.add_argument(
        "--dry-run", action="store_true", help="replay, purge: say what would happen, do nothing"
    )
    dlq.add_argument(
        "--older-than", metavar="AGE", help="purge: letters older than AGE (14d, 36h, 90m, 2w)"
    )

    lag = add_command(
        commands,
        "lag",
        "show each stage's consumer lag as the broker sees it, or export it for Prometheus",
        "  newsflow lag                          a table: stage, group, topic, partition, ...\n"
        "  newsflow lag --format json | jq '[.[].lag] | add'\n"
        "  newsflow lag --fail-above 1000        exit status 1 when a partition lags more\n"
        "  newsflow lag --serve 9399             /metrics with newsflow_consumer_lag (Ctrl-C)\n",
        description="Read every stage's committed offsets and its input's end offsets from the "
        "broker; lag = end - committed, per partition. The workers need not run. Exit status: "
        "0 read; 1 a partition lags more than --fail-above; 69 the broker does not answer. "
        "With --serve, read them on every scrape of /metrics instead, until Ctrl-C.",
    )
    lag.add_argument("--format", choices=("table", "json"), default="table")
    lag.add_argument("--fail-above", type=int, metavar="N", help="exit 1 when any lag exceeds N")
    lag.add_argument("--serve", type=int, metavar="PORT", help="serve /metrics on PORT (0: any)")
    lag.add_argument(
        "--host", default=None, help="address --serve listens on (NEWSFLOW_METRICS_HOST)"
    )

    reprocess = add_command(
        commands,
        "reprocess",
        "re-enrich stored articles from their raw input with today's code",
        "  newsflow reprocess                              every article on articles.raw\n"
        "  newsflow reprocess --since 2026-11-01 --rate 20 published since, 20 articles/s\n"
        "  newsflow reprocess --source 'Example Wire'      one source's articles\n"
        "  newsflow reprocess --ids a-1 a-2                these articles\n"
        "  newsflow reprocess --report 7                   print run 7's report again\n",
        description="Read the latest raw version of each selected article from articles.raw, "
        "enrich it in-process as the stages do, and store it in PostgreSQL unless the table "
        "holds a newer version. Progress on stderr; a report of what changed (quotes, "
        "speakers, entities) at the end. A run that was killed resumes when started again "
        "with the same selection (--restart starts it over).",
    )
    reprocess.add_argument("--since", metavar="DATE", help="raw published at or after (ISO 8601)")
    reprocess.add_argument("--source", metavar="NAME", help="only articles of this source")
    reprocess.add_argument("--ids", nargs="+", default=[], metavar="ID", help="only these articles")
    reprocess.add_argument(
        "--rate", type=float, default=0.0, metavar="N", help="at most N articles/s (0: no limit)"
    )
    reprocess.add_argument("--restart", action="store_true", help="do not resume a killed run")
    reprocess.add_argument("--report", type=int, metavar="RUN", help="print a run's report")
    reprocess.add_argument(
        "--progress",
        choices=("auto", "always", "never"),
        default="auto",
        help="progress bar on stderr (auto: when stderr is a terminal)",
    )

    show = add_command(
        commands,
        "show",
        "print stored articles with entities and quotes",
        "  newsflow show\n  newsflow show --limit 5\n",
    )
    show.add_argument(
        "--limit", type=positive_int, default=20, metavar="N", help="most articles (20)"
    )

    view = add_command(
        commands,
        "view",
        "serve a web page of the stored articles on localhost",
        "  newsflow view                       http://127.0.0.1:8080/\n"
        "  newsflow view --port 0              any free port (printed)\n"
        "  newsflow view --host 0.0.0.0        reachable from other machines (read-only)\n",
        description="Serve recent articles from PostgreSQL: bodies with entities highlighted "
        "by label, quotes as cards with speakers, search by entity or speaker, a page per "
        "person (their quotes across articles, whom they talk about), full-text search, and "
        "each article's raw JSON record; and a JSON API of the same (/api/, described at "
        "/api/docs and /api/openapi.json). Read-only; Ctrl-C stops.",
    )
    view.add_argument("--host", default="127.0.0.1", help="address to listen on (127.0.0.1)")
    view.add_argument(
        "--port", type=port_number, default=8080, help="port (8080; 0: any free port)"
    )
    view.add_argument(
        "--limit", type=positive_int, default=20, metavar="N", help="articles a page (20)"
    )

    add_answer_commands(commands)

    demo = add_command(
        commands,
        "demo",
        "start the stack and all stages, publish the seeds, show the stored result",
        "  newsflow demo\n  newsflow demo --no-stack --no-workers   stages run in docker compose\n",
    )
    demo.add_argument("seeds", nargs="?", default="seeds", help="folder of articles (seeds)")
    demo.add_argument(
        "--no-stack", action="store_true", help="use running services (e.g. docker compose)"
    )
    demo.add_argument("--no-workers", action="store_true", help="the stages already run elsewhere")
    demo.add_argument("--timeout", type=positive_float, default=300.0, metavar="S")
    return parser


def add_answer_commands(commands: Any) -> None:
    """Add the commands that ask the stored articles questions (streams/answers/queries.py)."""
    from streams.answers.queries import FAMILIES

    def with_format(command: argparse.ArgumentParser, limit: int | None = 20) -> None:
        command.add_argument(
            "--format", choices=("table", "json", "csv"), default="table", help="table (default)"
        )
        command.add_argument(
            "--columns",
            metavar="A,B",
            help="only these columns, in this order (default: all; a wrong name lists them)",
        )
        if limit is not None:
            command.add_argument("--limit", type=int, default=limit, metavar="N", help=f"({limit})")

    def with_window(command: argparse.ArgumentParser) -> None:
        command.add_argument("--about", metavar="ENTITY", help="only articles naming ENTITY")
        command.add_argument("--since", metavar="WHEN", help="from WHEN: 7d, 24h, 2026-03-01")
        command.add_argument("--until", metavar="WHEN", help="before WHEN")
        command.add_argument("--source", help="only articles from this source")

    names = (
        "An entity is named as stored, in any case, with or without hyphens and accents "
        '("Choe Son-hui" = "choe son hui"), or by its id (person:choe son hui).'
    )
    quotes = add_command(
        commands,
        "quotes",
        "list stored quotes with speaker, time and article",
        '  newsflow quotes --speaker "Wang Yi" --about "North Korea" --since 7d\n'
        "  newsflow quotes --source Reuters --format csv > quotes.csv\n",
        description="List stored quotes, newest first. " + names,
    )
    quotes.add_argument("--speaker", metavar="NAME", help="only quotes by this speaker")
    with_window(quotes)
    with_format(quotes, 50)

    people = add_command(
        commands,
        "people",
        "list the people (or organisations, places) across stored articles",
        "  newsflow people --top 20                   named in the most articles\n"
        "  newsflow people --family org               organisations instead\n"
        '  newsflow people --quoted --about "North Korea" --since 7d   quoted most\n',
        description="One row per person across articles: in how many articles, mentions and "
        "quotes. With --quoted (or any of --about/--since/--until/--source): who is quoted "
        "most. " + names,
    )
    people.add_argument("--top", type=int, default=20, metavar="N", help="how many (20)")
    people.add_argument("--family", choices=FAMILIES, default="person", help="(person)")
    people.add_argument("--quoted", action="store_true", help="rank by quotes, with filters")
    with_window(people)
    with_format(people, limit=None)

    entity = add_command(
        commands,
        "entity",
        "list the articles naming an entity, or the entities named with it",
        '  newsflow entity "North Korea"              articles naming it, newest first\n'
        '  newsflow entity "Wang Yi" --related        entities named in the same articles\n',
        description="Articles naming an entity, or (--related) what co-occurs with it. " + names,
    )
    entity.add_argument("name", metavar="ENTITY")
    entity.add_argument("--related", action="store_true", help="co-occurring entities instead")
    with_format(entity)

    search = add_command(
        commands,
        "search",
        "full-text search over stored article bodies and quotes",
        "  newsflow search hegemony\n  newsflow search '\"trade war\" -tariffs' --in quotes\n",
        description="Search with PostgreSQL full-text search (English stemming; web-search "
        "syntax: quoted phrases, -word, or). Bodies stored since the last search are indexed "
        "first.",
    )
    search.add_argument("query")
    search.add_argument("--in", dest="within", choices=("all", "articles", "quotes"), default="all")
    with_format(search)

    export = add_command(
        commands,
        "export",
        "write stored articles, entities and quotes as Parquet, CSV or JSON lines",
        "  newsflow export --format parquet --out export/\n"
        "  duckdb -c \"SELECT name, count(*) FROM 'export/entities.parquet' GROUP BY 1\"\n",
        description="Write articles, entities and quotes (one file each) to --out.",
    )
    export.add_argument("--format", choices=("parquet", "csv", "jsonl"), default="parquet")
    export.add_argument("--out", default="export", metavar="DIR", help="folder (export)")


def main(argv: Sequence[str] | None = None) -> int:
    """Run `newsflow` with `argv`; return its exit status."""
    parser = build_parser()
    args, unknown = parser.parse_known_args(argv)
    if unknown:  # argparse would show the top-level usage; the command's is the useful one
        command_parser(parser, args.command).error(f"unrecognized arguments: {' '.join(unknown)}")
    handler: Callable[[argparse.Namespace, Settings], int] = COMMANDS[args.command]
    try:
        return handler(args, get_settings())
    except UsageError as error:
        command_parser(parser, args.command).error(str(error))
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return quiet_broken_pipe()
    except Exception as error:
        message = friendly(error)
        if message is None:
            raise
        print(f"newsflow {args.command}: {message}", file=sys.stderr)
        return exit_status(error)


def quiet_broken_pipe() -> int:
    """End quietly when stdout's reader has gone (`newsflow enrich big.jsonl | head -1`)."""
    import os

    # Python would print an error flushing stdout at exit; point it at nothing instead.
    os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    return 141  # what a shell reports for a process ended by SIGPIPE


def exit_status(error: Exception) -> int:
    """Return the documented exit status of a failure `friendly` describes."""
    import psycopg

    from streams.broker.clients import UnreachableError
    from streams.config import is_settings_error
    from streams.intake.enriching import ModelMissingError

    if isinstance(error, UnreachableError | psycopg.OperationalError):
        return EXIT_UNAVAILABLE
    if is_settings_error(error) or isinstance(error, ModelMissingError):
        return EXIT_CONFIG
    return 1


def friendly(error: Exception) -> str | None:
    """Return the one-line message of an error the user can act on, else None."""
    from streams.answers.consuming import ConsumeError
    from streams.broker.clients import UnreachableError
    from streams.config import describe_settings_error, is_settings_error
    from streams.intake.enriching import ModelMissingError
    from streams.intake.inputs import UnknownKindError
    from streams.stack import StackError

    if is_settings_error(error):
        return describe_settings_error(error)
    stated = (CommandError, UnreachableError, StackError, FileNotFoundError, UnknownKindError)
    if isinstance(error, (*stated, ModelMissingError, ConsumeError)):
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
    from streams.config import bootstrap_servers

    brokers = args.brokers or len(bootstrap_servers(settings.kafka_bootstrap))
    nodes = stack.cluster_config(
        settings.stack_dir, settings.cache_dir, settings.kafka_bootstrap, brokers
    )
    bootstrap = stack.bootstrap_of(nodes)
    postgres = stack.postgres_config(settings.stack_dir, settings.database_dsn)
    if args.action == "up":
        stack.start_cluster(nodes)
        stack.start_postgres(postgres)
        from streams.broker.topics import create_topics
        from streams.sinks.postgres.migrations import migrate

        create_topics(bootstrap, settings.partitions, topic_replication(settings, len(nodes)))
        migrate(settings.database_dsn)
    elif args.action == "down":
        stack.stop_cluster(nodes)
        stack.stop_postgres(postgres)
    running = [stack.kafka_running(node) for node in nodes]
    kafka_state = "running" if all(running) else "partly" if any(running) else "stopped"
    postgres_state = "running" if stack.postgres_running(postgres) else "stopped"
    print(f"kafka     {kafka_state:8} NEWSFLOW_KAFKA_BOOTSTRAP={bootstrap}")
    if len(nodes) > 1:
        for node, up in zip(nodes, running, strict=True):
            state = "running" if up else "stopped"
            controller = f"controller {node.controller_port}"
            print(f"  node {node.node_id}  {state:8} {node.bootstrap} ({controller})")
    print(f"postgres  {postgres_state:8} NEWSFLOW_DATABASE_URL={settings.database_display}")
    print(f"logs      {settings.stack_dir.resolve()}")
    stopped = "stopped" in (kafka_state, postgres_state)
    return EXIT_UNAVAILABLE if args.action == "status" and stopped else 0


def topic_replication(settings: Settings, brokers: int) -> int:
    """Return the replication factor of the topics: the setting, else one copy per broker."""
    if "replication_factor" in settings.model_fields_set:
        return settings.replication_factor
    return min(brokers, 3)


def cmd_topics(args: argparse.Namespace, settings: Settings) -> int:
    from streams.broker.topics import create_topics

    created = create_topics(
        settings.kafka_bootstrap, settings.partitions, settings.replication_factor
    )
    print(f"created {', '.join(created)}" if created else "all topics exist")
    return 0


def cmd_db(args: argparse.Namespace, settings: Settings) -> int:
    from streams.sinks.postgres.migrations import migrate

    if args.action == "backfill":
        import psycopg

        from streams.sinks.postgres.backfill import backfill

        try:
            done = backfill(settings.database_dsn)
        except psycopg.errors.InsufficientPrivilege as error:
            raise CommandError(
                f"{error.diag.message_primary}: run it as the owner of the tables"
            ) from error
        print(
            f"gave {done.articles} article(s) their entity ids; canonical entities:"
            f" {done.entities_added} added, {done.entities_dropped} no longer named and dropped,"
            f" {done.aliases_changed} with their aliases rebuilt"
        )
        return 0
    if args.action == "index":
        import psycopg

        from streams.answers.queries import refresh_search_index

        with psycopg.connect(settings.database_dsn, connect_timeout=5, autocommit=True) as conn:
            print(f"indexed {refresh_search_index(conn)} article(s) for search")
        return 0
    applied = migrate(settings.database_dsn)
    print(f"applied {', '.join(applied)}" if applied else "database is up to date")
    return 0


def cmd_worker(args: argparse.Namespace, settings: Settings) -> int:
    if args.stage == "all":
        return supervise([[sys.executable, "-m", "streams", "worker", s] for s in DEFAULT_STAGES])
    from streams.runtime.worker import run_worker

    return run_worker(args.stage, settings)


def supervise(commands: list[list[str]]) -> int:
    """Run each command as a child; stop them all when one ends or on SIGINT/SIGTERM."""
    from streams.runtime.processes import stop_processes

    children = [subprocess.Popen(command) for command in commands]
    stopping = False

    def stop_all(signum: int, frame: Any) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGTERM, stop_all)
    signal.signal(signal.SIGINT, stop_all)
    try:
        while not stopping and all(child.poll() is None for child in children):
            time.sleep(0.5)
    finally:
        stop_processes(children, timeout=60)
    return max(abs(child.returncode or 0) for child in children)


def cmd_publish(args: argparse.Namespace, settings: Settings) -> int:
    from streams.intake.publishing import Progress, progress_line, publish

    shown = progress_shown(args.progress)
    last_drawn = 0.0

    def draw(progress: Progress) -> None:
        nonlocal last_drawn
        finished = progress.files_done == progress.files_total
        if finished or time.monotonic() - last_drawn >= 0.1:
            last_drawn = time.monotonic()
            sys.stderr.write("\r" + progress_line(progress) + ("\n" if finished else ""))
            sys.stderr.flush()

    report = publish(args.paths, settings, sys.stdin.buffer, draw if shown else None)
    for origin, reason in report.failed:
        print(f"newsflow publish: {origin}: {reason}", file=sys.stderr)
    for origin in report.skipped:
        print(f"newsflow publish: skipped {origin}: not an article file", file=sys.stderr)
    print(report.summary(), file=sys.stderr)
    return 1 if report.failed else 0


def cmd_consume(args: argparse.Namespace, settings: Settings) -> int:
    import json

    from streams.answers.consuming import (
        TABLE_HEADER,
        Start,
        consume_messages,
        matching_records,
        table_row,
    )
    from streams.stages import ENRICHED

    start: Start = "beginning" if args.from_beginning else args.offset
    if start is None:
        start = "end"
    follow = args.follow or start == "end"
    topic = args.topic or ENRICHED
    messages = consume_messages(settings, start, args.timeout, topic, follow, args.partition)
    records = matching_records(messages, args.entity, args.speaker)
    if args.format == "table":
        print(TABLE_HEADER)
    for message, text, record in islice(records, args.max):
        if args.format == "table":
            text = table_row(record)
        elif args.meta:
            text = json.dumps(message.envelope(record), ensure_ascii=False)
        sys.stdout.write(text + "\n")
        sys.stdout.flush()
    return 0


def cmd_enrich(args: argparse.Namespace, settings: Settings) -> int:
    from tqdm import tqdm

    from streams.intake.enriching import enrich_inputs
    from streams.intake.inputs import StdinLines, read_inputs

    stdin = StdinLines(sys.stdin.buffer)
    inputs = read_inputs(args.paths, stdin)
    outcomes = enrich_inputs(inputs, settings, stdin.ready, args.n_process)
    tqdm.monitor_interval = 0  # no monitor thread: spaCy runs slower in a threaded process
    bar = tqdm(unit=" articles", file=sys.stderr, disable=not progress_shown(args.progress))
    rejected = 0
    with bar:
        for origin, outcome in outcomes:
            if isinstance(outcome, Exception):
                rejected += 1
                bar.write(f"newsflow enrich: {origin}: {outcome}", file=sys.stderr)
            else:
                sys.stdout.write(outcome.model_dump_json() + "\n")
                sys.stdout.flush()  # one record out per article in, as it comes
            bar.update()
    return 1 if rejected else 0


def cmd_dlq(args: argparse.Namespace, settings: Settings) -> int:
    from streams.ops import dlq

    if args.action == "replay" and not args.names and args.stage is None:
        raise UsageError("replay: name the dead letters to replay (P:O ...) or a --stage")
    if args.action == "purge":
        return purge_letters(args, settings)
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
        chosen = letters if args.again else dlq.not_replayed(letters)
        skipped = len(letters) - len(chosen)
        if args.dry_run:
            for item in chosen:
                print(dlq.summary(item))
            count = 0
        else:
            count = dlq.replay(settings.kafka_bootstrap, chosen, settings.replication_factor)
        verb = "would replay" if args.dry_run else "replayed"
        print(
            f"{verb} {len(chosen) if args.dry_run else count} dead letter(s) to their source "
            f"topics; skipped {skipped} replayed before (--again replays them)",
            file=sys.stderr,
        )
    return 0


def cmd_reprocess(args: argparse.Namespace, settings: Settings) -> int:
    import asyncio
    from datetime import UTC, datetime

    from streams.ops.reprocess import Progress, Selection, reprocess, stored_report
    from streams.sinks.postgres.migrations import migrate

    if args.report is not None:
        print("\n".join(stored_report(settings, args.report).lines(args.report)))
        return 0
    since_ms = None
    if args.since:
        try:
            since = datetime.fromisoformat(args.since)
        except ValueError as error:
            raise CommandError(f"--since {args.since!r} is not an ISO 8601 date") from error
        since_ms = int((since if since.tzinfo else since.replace(tzinfo=UTC)).timestamp() * 1000)
    migrate(settings.database_dsn)
    selection = Selection(since_ms, args.source, tuple(args.ids))
    shown = args.progress == "always" or (args.progress == "auto" and sys.stderr.isatty())
    bar: Any = None

    def draw(progress: Progress) -> None:
        nonlocal bar
        if bar is None:
            from tqdm import tqdm

            bar = tqdm(total=progress.planned, initial=progress.resumed_at, unit="article")
        bar.update(progress.examined - bar.n)

    try:
        run_id, report = asyncio.run(
            reprocess(settings, selection, args.rate, args.restart, draw if shown else None)
        )
    finally:
        if bar is not None:
            bar.close()
    print("\n".join(report.lines(run_id)))
    return 0


def purge_letters(args: argparse.Namespace, settings: Settings) -> int:
    from streams.ops import dlq

    if args.older_than is None:
        raise CommandError("say how old a letter must be to go: --older-than 14d")
    if args.names or args.stage:
        raise CommandError("purge cuts whole partitions by age: give --older-than only")
    try:
        age_s = dlq.parse_age(args.older_than)
    except ValueError as error:
        raise CommandError(str(error)) from error
    cuts = dlq.purge(settings.kafka_bootstrap, age_s, dry_run=args.dry_run)
    for cut in cuts:
        print(f"{cut.partition}\t{cut.start}..{cut.to - 1}\t{cut.count}")
    verb = "would purge" if args.dry_run else "purged"
    total = sum(cut.count for cut in cuts)
    print(f"{verb} {total} dead letter(s) older than {args.older_than}", file=sys.stderr)
    return 0


def cmd_lag(args: argparse.Namespace, settings: Settings) -> int:
    from streams.ops import lag

    if args.serve is not None:
        return serve_lag(args, settings)
    lags = lag.read_lags(settings.kafka_bootstrap)
    print(lag.table(lags) if args.format == "table" else lag.as_json(lags))
    if args.fail_above is not None and (behind := lag.over(lags, args.fail_above)):
        print(
            f"newsflow lag: {len(behind)} partition(s) lag more than {args.fail_above}",
            file=sys.stderr,
        )
        return 1
    return 0


def serve_lag(args: argparse.Namespace, settings: Settings) -> int:
    from streams.ops.lag import serve_lag as serve

    host = args.host or settings.metrics_host
    try:
        server = serve(host, args.serve, settings.kafka_bootstrap, settings.spacy_model)
    except OSError as error:
        raise CommandError(
            f"cannot listen on {host}:{args.serve} ({error.strerror}): pick another port"
        ) from error
    port = server.server_address[1]
    print(
        f"consumer lag of {settings.kafka_bootstrap} on http://{host}:{port}/metrics (Ctrl-C stops)"
    )
    sys.stdout.flush()
    try:
        while True:
            time.sleep(3600)
    finally:
        server.shutdown()


def cmd_show(args: argparse.Namespace, settings: Settings) -> int:
    from streams.answers.stored import format_article, stored_articles

    articles = stored_articles(settings.database_dsn, args.limit)
    for article in articles:
        print(format_article(article))
    print(f"{len(articles)} article(s) in {settings.database_display}")
    return 0


def cmd_view(args: argparse.Namespace, settings: Settings) -> int:
    from streams.viewer.server import listen, serve

    try:
        sock = listen(args.host, args.port)
    except OSError as error:
        raise CommandError(
            f"cannot listen on {args.host}:{args.port} ({error.strerror}): "
            "pick another with --port N, or --port 0 for any free port"
        ) from error
    port = sock.getsockname()[1]
    print(f"serving {settings.database_display} on http://{args.host}:{port}/ (Ctrl-C stops)")
    print(f"JSON API on http://{args.host}:{port}/api/ (its description: /api/docs)")
    sys.stdout.flush()
    serve(sock, settings.database_dsn, args.limit)
    return 0


def ask_stored(args: argparse.Namespace, settings: Settings, question: Any, *params: Any) -> int:
    """Print the answer to one question of the stored articles in the chosen format."""
    import psycopg

    from streams.answers.queries import render

    with psycopg.connect(settings.database_dsn, connect_timeout=5, autocommit=True) as conn:
        answer = question(conn, *params)
    if args.columns:
        answer = only_columns(answer, args.columns)
    sys.stdout.write(render(answer, args.format))
    if args.format == "table":
        print(f"({len(answer.rows)} row(s))")
    return 0


def only_columns(answer: Any, wanted: str) -> Any:
    """Return `answer` with only the comma-separated columns `wanted`, in that order."""
    from streams.answers.queries import Answer

    names = [name.strip() for name in wanted.split(",") if name.strip()]
    unknown = [name for name in names if name not in answer.columns]
    if unknown or not names:
        raise UsageError(
            f"no column {', '.join(unknown) if unknown else repr(wanted)}: "
            f"choose from {','.join(answer.columns)}"
        )
    picks = [answer.columns.index(name) for name in names]
    return Answer(tuple(names), [tuple(row[index] for index in picks) for row in answer.rows])


def window(args: argparse.Namespace) -> tuple[Any, ...]:
    """Return (about, since, until, source) of the command's options, times parsed."""
    from streams.answers.queries import parse_since

    try:
        since, until = (None if t is None else parse_since(t) for t in (args.since, args.until))
    except ValueError as error:
        raise CommandError(str(error)) from None
    return args.about, since, until, args.source


def cmd_quotes(args: argparse.Namespace, settings: Settings) -> int:
    from streams.answers import queries

    return ask_stored(args, settings, queries.quotes, args.speaker, *window(args), args.limit)


def cmd_people(args: argparse.Namespace, settings: Settings) -> int:
    from streams.answers import queries

    filtered = args.about or args.since or args.until or args.source
    if args.quoted or filtered:
        return ask_stored(args, settings, queries.top_speakers, *window(args), args.top)
    return ask_stored(args, settings, queries.people, args.top, args.family)


def cmd_entity(args: argparse.Namespace, settings: Settings) -> int:
    from streams.answers import queries

    question = queries.co_occurring if args.related else queries.articles_mentioning
    return ask_stored(args, settings, question, args.name, args.limit)


def cmd_search(args: argparse.Namespace, settings: Settings) -> int:
    from streams.answers import queries

    return ask_stored(args, settings, queries.search, args.query, args.within, args.limit)


def cmd_export(args: argparse.Namespace, settings: Settings) -> int:
    from pathlib import Path

    from streams.answers.export import export

    for path, rows in export(settings.database_dsn, Path(args.out), args.format).items():
        print(f"{path}  {rows} row(s)")
    return 0


def cmd_demo(args: argparse.Namespace, settings: Settings) -> int:
    from pathlib import Path

    from streams.ops.demo import run_demo

    if not args.no_stack:
        cmd_stack(argparse.Namespace(action="up", brokers=None), settings)
    return run_demo(settings, Path(args.seeds), not args.no_workers, args.timeout)


COMMANDS: dict[str, Callable[[argparse.Namespace, Settings], int]] = {
    "stack": cmd_stack,
    "topics": cmd_topics,
    "db": cmd_db,
    "worker": cmd_worker,
    "publish": cmd_publish,
    "consume": cmd_consume,
    "enrich": cmd_enrich,
    "reprocess": cmd_reprocess,
    "show": cmd_show,
    "view": cmd_view,
    "dlq": cmd_dlq,
    "lag": cmd_lag,
    "quotes": cmd_quotes,
    "people": cmd_people,
    "entity": cmd_entity,
    "search": cmd_search,
    "export": cmd_export,
    "demo": cmd_demo,
}
