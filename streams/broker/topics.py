"""Creating newsflow's topics with the partition count set, and what the broker says of them.

The topic names come from the stage table (streams/stages.py).
"""

from __future__ import annotations

from collections.abc import Iterable
from contextlib import suppress

from kafka import TopicPartition
from kafka.admin import NewTopic
from kafka.errors import KafkaError, TopicAlreadyExistsError

from streams.broker.clients import MAX_MESSAGE_BYTES, UnreachableError, admin_client, consumer
from streams.stages import ALL_TOPICS, RAW

# articles.raw is the durable store of the input `newsflow reprocess` re-enriches: kept for
# ever and compacted by key (the article id), so it holds the latest raw version of every
# article, plus versions not yet compacted (docs/reliability.md, "Keeping the raw input").
TOPIC_CONFIGS: dict[str, dict[str, str]] = {
    RAW: {"cleanup.policy": "compact", "retention.ms": "-1"},
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
) -> list[str]:
    """Create the topics that do not exist yet; return the names created.

    Existing topics are left as they are, whatever their partition count. min.insync.replicas
    follows the replication factor (min_insync_replicas).
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
                    topic_configs={
                        "max.message.bytes": str(MAX_MESSAGE_BYTES),
                        "min.insync.replicas": str(min_insync_replicas(replication_factor)),
                        **TOPIC_CONFIGS.get(name, {}),
                    },
                )
                for name in missing
            ]
            # Another process may create them between our list and create: that is fine.
            with suppress(TopicAlreadyExistsError):
                admin.create_topics(new_topics, timeout_ms=30_000)
        return missing
    finally:
        admin.close()


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


def committed_lag(bootstrap: str, group: str, topic: str) -> dict[int, int]:
    """Return, per partition of `topic`, how many messages lie past `group`'s committed offset.

    Read from the broker, so it holds while the group's workers are down; a partition the group
    never committed counts every message in it.
    """
    admin = admin_client(bootstrap)
    reader = consumer(bootstrap, enable_auto_commit=False)
    try:
        committed = admin.list_group_offsets({group: None}).get(group, {})
        partitions = [TopicPartition(topic, p) for p in reader.partitions_for_topic(topic) or []]
        ends = reader.end_offsets(partitions)
        return {
            tp.partition: end - (committed[tp].offset if tp in committed else 0)
            for tp, end in sorted(ends.items())
        }
    finally:
        reader.close()
        admin.close()
