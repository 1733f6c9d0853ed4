"""Creating newsflow's topics with the partition count set, and what the broker says of them.

The topic names come from the stage table (streams/stages.py).
"""

from __future__ import annotations

from collections.abc import Iterable
from contextlib import suppress
from dataclasses import dataclass

from kafka import TopicPartition
from kafka.admin import NewTopic
from kafka.errors import KafkaError, TopicAlreadyExistsError

from streams.broker.clients import MAX_MESSAGE_BYTES, UnreachableError, admin_client, consumer
from streams.stages import ALL_TOPICS, DLQ, DLQ_REPLAYED, RAW

DAY_MS = 24 * 60 * 60 * 1000

# articles.raw is the durable store of the input `newsflow reprocess` re-enriches: kept for
# ever and compacted by key (the article id), so it holds the latest raw version of every
# article, plus versions not yet compacted (docs/reliability.md, "Keeping the raw input").
TOPIC_CONFIGS: dict[str, dict[str, str]] = {
    RAW: {"cleanup.policy": "compact", "retention.ms": "-1"},
    # A small record per replayed letter; compaction keeps the last one per key and no time
    # limit drops it while its letter may still be on articles.dlq.
    DLQ_REPLAYED: {"cleanup.policy": "compact"},
}


def min_insync_replicas(replication_factor: int) -> int:
    """Return the replicas a write with acks=all needs: 2 of 3 or more (one may be lost), else 1.

    Two of two would stop every write while one broker restarts.
    """
    return 2 if replication_factor >= 3 else 1


def create_topics(
    bootstrap: str,
    partitions: int,
    replication_factor: int = 1,
    names: Iterable[str] = ALL_TOPICS,
    dlq_retention_days: float | None = None,
) -> list[str]:
    """Create the topics that do not exist yet; return the names created.

    Existing topics are left as they are, whatever their partition count and retention.
    min.insync.replicas follows the replication factor (min_insync_replicas); articles.dlq
    keeps its letters `dlq_retention_days` (default NEWSFLOW_DLQ_RETENTION_DAYS).
    """
    admin = admin_client(bootstrap)
    try:
        existing = set(admin.list_topics())
        missing = [name for name in names if name not in existing]
        if missing:
            new_topics = [
                NewTopic(
                    name,
                    num_partitions=partitions,
                    replication_factor=replication_factor,
                    topic_configs=topic_configs(name, replication_factor, dlq_retention_days),
                )
                for name in missing
            ]
            # Another process may create them between our list and create: that is fine.
            with suppress(TopicAlreadyExistsError):
                admin.create_topics(new_topics, timeout_ms=30_000)
        return missing
    finally:
        admin.close()


def topic_configs(
    name: str, replication_factor: int = 1, dlq_retention_days: float | None = None
) -> dict[str, str]:
    """Return the configs newsflow creates topic `name` with."""
    configs = {
        "max.message.bytes": str(MAX_MESSAGE_BYTES),
        "min.insync.replicas": str(min_insync_replicas(replication_factor)),
        **TOPIC_CONFIGS.get(name, {}),
    }
    if name == DLQ:
        if dlq_retention_days is None:
            from streams.config import get_settings

            dlq_retention_days = get_settings().dlq_retention_days
        configs["retention.ms"] = str(round(dlq_retention_days * DAY_MS))
    return configs


def partition_counts(bootstrap: str, names: Iterable[str] = ALL_TOPICS) -> dict[str, int]:
    """Return the partition count of each named topic that exists."""
    admin = admin_client(bootstrap)
    try:
        described = admin.describe_topics(list(names))
        return {t["name"]: len(t["partitions"]) for t in described if not t.get("error_code")}
    finally:
        admin.close()


def group_members(bootstrap: str, group: str) -> list[int]:
    """Return how many partitions each member of consumer group `group` holds (none yet: []).

    A member whose assignment is not synced yet counts 0.
    """
    try:
        admin = admin_client(bootstrap)
    except UnreachableError:
        return []
    try:
        described = admin.describe_groups([group])[group]
    except KafkaError:  # the group coordinator is still starting
        return []
    finally:
        admin.close()
    return [
        sum(len(tp["partitions"]) for tp in assignment["assigned_partitions"])
        if isinstance(assignment := member["member_assignment"], dict)
        else 0
        for member in described["members"]
    ]


@dataclass(frozen=True)
class Offsets:
    """A partition of a topic a group reads: the group's committed offset and the end offset."""

    group: str
    topic: str
    partition: int
    committed: int | None  # None: the group never committed on this partition
    end: int

    @property
    def lag(self) -> int:
        """Messages past the committed offset (all of them when nothing was committed)."""
        return max(0, self.end - (self.committed or 0))


def group_offsets(bootstrap: str, reads: Iterable[tuple[str, str]]) -> list[Offsets]:
    """Return, for each (group, topic) in `reads`, every partition's committed and end offset.

    Read from the broker in one pass (one admin client, one consumer), so it holds while the
    groups' workers are down. A topic that does not exist has no partitions, hence no rows.
    """
    reads = list(dict.fromkeys(reads))
    admin = admin_client(bootstrap)
    reader = consumer(bootstrap, enable_auto_commit=False)
    try:
        groups = list(dict.fromkeys(group for group, _ in reads))
        committed = admin.list_group_offsets({group: None for group in groups}) if groups else {}
        topics = {topic for _, topic in reads}
        partitions = [
            TopicPartition(topic, p)
            for topic in sorted(topics)
            for p in sorted(reader.partitions_for_topic(topic) or [])
        ]
        ends = reader.end_offsets(partitions) if partitions else {}
    finally:
        reader.close()
        admin.close()
    rows = []
    for group, topic in reads:
        offsets = committed.get(group, {})
        for tp in (tp for tp in partitions if tp.topic == topic):
            mark = offsets.get(tp)
            at = mark.offset if mark is not None and mark.offset >= 0 else None
            rows.append(Offsets(group, topic, tp.partition, at, ends[tp]))
    return rows


def committed_lag(bootstrap: str, group: str, topic: str) -> dict[int, int]:
    """Return, per partition of `topic`, how many messages lie past `group`'s committed offset.

    Read from the broker, so it holds while the group's workers are down; a partition the group
    never committed counts every message in it.
    """
    return {row.partition: row.lag for row in group_offsets(bootstrap, [(group, topic)])}
