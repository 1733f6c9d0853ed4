"""Run KRaft Apache Kafka brokers from Maven Central jars, on loopback: one, or a local cluster.

Every node is a combined broker + controller; a cluster's nodes form a static quorum of all of
them (three nodes: any one may be lost, two keep a majority and serve).
"""

from __future__ import annotations

import base64
import contextlib
import logging
import os
import re
import shutil
import subprocess
import tempfile
import uuid
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from kafka import KafkaAdminClient
from kafka.errors import KafkaError

from streams.broker.topics import min_insync_replicas
from streams.config import bootstrap_servers
from streams.stack.process import (
    StackError,
    explains_os_errors,
    log_size,
    log_tail,
    loopback_host,
    pid_alive,
    port_answers,
    read_pid,
    require_port_free,
    run,
    stop_process_group,
    wait_ready,
    write_pid,
)
from streams.stack.versions import KAFKA_VERSION

ENV_VAR = "NEWSFLOW_KAFKA_BOOTSTRAP"
POM = Path(__file__).with_name("pom.xml")
MAIN_CLASS = "kafka.Kafka"
JVM_FLAGS = (
    "-XX:+UseG1GC",
    "-XX:MaxGCPauseMillis=20",
    "-XX:+ExitOnOutOfMemoryError",
    "-Djava.awt.headless=true",
)
MAVEN_TIMEOUT_S = 900.0
BROKER_HEAP_MB = 512
# Three JVMs share the machine with the workers; the tests' loads fit in far less than this.
CLUSTER_NODE_HEAP_MB = 384
CLUSTER_DIR = "kafka-cluster"

SERVER_PROPERTIES = """\
# Written by newsflow (streams/stack/kafka.py) on every start; edits are overwritten.
process.roles=broker,controller
node.id={node_id}
controller.quorum.voters={voters}
listeners=PLAINTEXT://{host}:{port},CONTROLLER://{host}:{controller_port}
advertised.listeners=PLAINTEXT://{host}:{port}
inter.broker.listener.name=PLAINTEXT
controller.listener.names=CONTROLLER
listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT
log.dirs={data_dir}
num.partitions=1
auto.create.topics.enable=false
default.replication.factor={replicas}
min.insync.replicas={min_isr}
offsets.topic.replication.factor={replicas}
offsets.topic.num.partitions=1
transaction.state.log.replication.factor={replicas}
transaction.state.log.min.isr={min_isr}
transaction.state.log.num.partitions=1
share.coordinator.state.topic.replication.factor={replicas}
share.coordinator.state.topic.min.isr={min_isr}
group.initial.rebalance.delay.ms=0
num.network.threads=2
num.io.threads=2
"""

LOG4J2_PROPERTIES = """\
# Written by newsflow (streams/stack/kafka.py): warnings, plus the one "Kafka Server started" line.
status = warn
appender.stdout.type = Console
appender.stdout.name = STDOUT
appender.stdout.layout.type = PatternLayout
appender.stdout.layout.pattern = [%d] %p %m (%c)%n
rootLogger.level = WARN
rootLogger.appenderRef.stdout.ref = STDOUT
logger.raft.name = kafka.server.KafkaRaftServer
logger.raft.level = INFO
"""


@dataclass(frozen=True)
class KafkaConfig:
    """Where a local broker listens and keeps its state."""

    host: str
    port: int
    controller_port: int
    data_dir: Path
    log_file: Path
    pid_file: Path
    libs_cache: Path  # holds kafka-<version>/libs
    node_id: int = 1
    # The controller port of every node of the cluster, by node id from 1; () for a lone broker.
    voters: tuple[int, ...] = ()
    max_heap_mb: int = BROKER_HEAP_MB

    @property
    def bootstrap(self) -> str:
        return f"{self.host}:{self.port}"

    @property
    def quorum_voters(self) -> str:
        """The controller.quorum.voters value: id@host:port of every controller."""
        ports = self.voters or (self.controller_port,)
        return ",".join(f"{node}@{self.host}:{port}" for node, port in enumerate(ports, start=1))

    @property
    def replicas(self) -> int:
        """The replication factor of the internal topics (and the default of others)."""
        return min(3, len(self.voters) or 1)

    @property
    def state_dir(self) -> Path:
        """The folder of the generated server.properties and log4j2.properties."""
        return self.data_dir.parent

    @property
    def server_properties(self) -> Path:
        return self.state_dir / "server.properties"


def kafka_config(stack_dir: Path, cache_dir: Path, bootstrap: str) -> KafkaConfig:
    """Describe the broker serving `bootstrap` ("host:port"); its controller takes port + 1."""
    if "," in bootstrap:
        raise StackError(
            f"{ENV_VAR}={bootstrap!r} is not one host:port: set it to e.g. 127.0.0.1:9092"
        )
    host, port = _host_port(bootstrap)
    return _node(stack_dir.absolute() / "kafka", cache_dir, host, port)


def cluster_config(
    stack_dir: Path, cache_dir: Path, bootstrap: str, brokers: int
) -> list[KafkaConfig]:
    """Describe the `brokers` nodes of a local cluster (one: the lone broker of kafka_config).

    `bootstrap` lists every node's host:port, or names the first and the others take every
    second port above it (9092, 9094, 9096); each node's controller takes its port + 1.
    A cluster keeps its state apart from the lone broker's, in <stack_dir>/kafka-cluster/.
    """
    entries = bootstrap_servers(bootstrap)
    if brokers == 1 and len(entries) == 1:
        return [kafka_config(stack_dir, cache_dir, bootstrap)]
    if len(entries) == 1:
        host, first = _host_port(entries[0])
        addresses = [(host, first + 2 * n) for n in range(brokers)]
    elif len(entries) == brokers:
        addresses = [_host_port(entry) for entry in entries]
    else:
        raise StackError(
            f"{ENV_VAR} lists {len(entries)} brokers for a cluster of {brokers}: "
            f"list one host:port (the others take the ports above it) or {brokers}"
        )
    ports = [port for _, address in addresses for port in (address, address + 1)]
    if len(set(ports)) != len(ports) or max(ports) > 65535:
        raise StackError(
            f"the ports of {ENV_VAR}={bootstrap!r} overlap or run past 65535 (each broker "
            "needs its port and the next one, for its controller): pick other ports"
        )
    voters = tuple(port + 1 for _, port in addresses)
    root = stack_dir.absolute() / CLUSTER_DIR
    return [
        _node(root / f"node-{node}", cache_dir, host, port, node, voters, CLUSTER_NODE_HEAP_MB)
        for node, (host, port) in enumerate(addresses, start=1)
    ]


def bootstrap_of(nodes: Sequence[KafkaConfig]) -> str:
    """Return the bootstrap value listing every node."""
    return ",".join(node.bootstrap for node in nodes)


def _host_port(entry: str) -> tuple[str, int]:
    """Split one "host:port" entry, refusing anything but a loopback host and a valid port."""
    host, sep, port_text = entry.strip().rpartition(":")
    if not sep or not port_text.isdigit() or not 0 < int(port_text) < 65535:
        raise StackError(f"{ENV_VAR} entry {entry!r} is not host:port: e.g. 127.0.0.1:9092")
    return loopback_host(host, ENV_VAR), int(port_text)


def _node(
    state: Path,
    cache_dir: Path,
    host: str,
    port: int,
    node_id: int = 1,
    voters: tuple[int, ...] = (),
    max_heap_mb: int = BROKER_HEAP_MB,
) -> KafkaConfig:
    """Describe one node whose state lives in `state`."""
    return KafkaConfig(
        host=host,
        port=port,
        controller_port=port + 1,
        data_dir=state / "data",
        log_file=state / "kafka.log",
        pid_file=state / "kafka.pid",
        libs_cache=cache_dir.absolute(),
        node_id=node_id,
        voters=voters,
        max_heap_mb=max_heap_mb,
    )


@explains_os_errors("fetching the Kafka jars")
def ensure_kafka_jars(cache_dir: Path, version: str = KAFKA_VERSION) -> Path:
    """Return the folder of the broker's jars, fetching them with Maven when missing.

    Maven writes into a temporary folder that is renamed into place only once complete, so an
    interrupted download never leaves a half-filled libs folder behind.
    """
    home = cache_dir.absolute() / f"kafka-{version}"
    libs = home / "libs"
    if (libs / f"kafka_2.13-{version}.jar").is_file():
        return libs
    mvn = shutil.which("mvn")
    if mvn is None:
        raise StackError(
            f"Maven (mvn) is needed once to fetch the Kafka {version} jars: "
            "install it (apt-get install maven) and retry"
        )
    home.mkdir(parents=True, exist_ok=True)
    maven_log = home / "maven.log"
    offset = log_size(maven_log)
    with tempfile.TemporaryDirectory(dir=home, prefix=".download-") as tmp:
        fetched = Path(tmp) / "libs"
        result = run(
            [mvn, "-B", "-q", "-Dstyle.color=never", "-f", POM, f"-Dkafka.version={version}",
             f"-Dkafka.libs.dir={fetched}", "dependency:copy-dependencies"],
            what=f"Maven fetching the Kafka {version} jars",
            cwd=Path(tmp),
            timeout=MAVEN_TIMEOUT_S,
            log_file=maven_log,
        )  # fmt: skip
        if result.returncode != 0 or not (fetched / f"kafka_2.13-{version}.jar").is_file():
            why = _maven_error(maven_log, offset)
            raise StackError(
                f"Maven failed to fetch the Kafka {version} jars ({why}; see {maven_log}): "
                "check that Maven Central is reachable"
            )
        _move_into_place(fetched, libs)
    return libs


def _maven_error(maven_log: Path, offset: int) -> str:
    """Return the first [ERROR] message Maven logged after offset, without its decorations."""
    with maven_log.open("rb") as fh:
        fh.seek(offset)
        text = re.sub(r"\x1b\[[0-9;]*m", "", fh.read().decode(errors="replace"))
    for line in text.splitlines():
        if line.startswith("[ERROR] ") and line[8:].strip():
            message = line[8:].split(" -> [Help")[0].strip()
            return message if len(message) <= 300 else message[:300] + "…"
    return "no error message"


def _move_into_place(fetched: Path, libs: Path) -> None:
    """Rename fetched to libs, unless a concurrent download got there first."""
    if libs.exists() and not any(libs.glob("kafka_2.13-*.jar")):
        shutil.rmtree(libs)  # not ours to keep: a folder without the broker jar is useless
    try:
        fetched.rename(libs)
    except OSError:
        if not any(libs.glob("kafka_2.13-*.jar")):
            raise


def kafka_running(cfg: KafkaConfig) -> bool:
    """Return whether our broker process is alive and its port answers."""
    return _broker_pid(cfg) is not None and port_answers(cfg.host, cfg.port)


@explains_os_errors("starting Kafka")
def start_kafka(cfg: KafkaConfig, timeout: float = 120.0, cluster_id: str | None = None) -> None:
    """Start the broker detached and wait until it serves metadata; do nothing if it runs.

    The first start formats the storage with cluster_id (default: a new one; it lands in
    data_dir/meta.properties). timeout bounds the wait for readiness only, not the one-time
    jar download. A broker that fails to get ready is stopped again, so nothing half-started
    lingers. A cluster's node gets ready only once a majority of its quorum runs: start the
    nodes together (start_cluster).
    """
    pid = _broker_pid(cfg)
    if pid is not None:
        _require_same_ports(cfg)
        _wait_broker(cfg, lambda: pid_alive(pid), timeout, log_offset=log_size(cfg.log_file))
        return
    require_port_free(cfg.host, cfg.port, ENV_VAR)
    require_port_free(cfg.host, cfg.controller_port, ENV_VAR, "the Kafka controller: port + 1")
    java = _java()
    libs = ensure_kafka_jars(cfg.libs_cache)
    _write_configs(cfg)
    offset = _log_header(cfg.log_file, "starting")
    if not (cfg.data_dir / "meta.properties").is_file():
        _format_storage(cfg, java, libs, cluster_id or _new_cluster_id())
    proc = _launch(cfg, java, libs)
    try:
        _wait_broker(cfg, lambda: proc.poll() is None, timeout, log_offset=offset)
    except BaseException:
        _abandon(cfg, proc.pid)
        raise


@explains_os_errors("stopping Kafka")
def stop_kafka(cfg: KafkaConfig, timeout: float = 30.0) -> bool:
    """Stop the broker (SIGTERM its process group, SIGKILL after timeout); False if none ran."""
    pid = _broker_pid(cfg)
    if pid is not None:
        stop_process_group(pid, timeout)
        _log_header(cfg.log_file, "stopped")
    cfg.pid_file.unlink(missing_ok=True)
    return pid is not None


def start_cluster(nodes: Sequence[KafkaConfig], timeout: float = 180.0) -> None:
    """Start every node at once and wait until each serves metadata; running ones are kept.

    At once, since a node is ready only when a majority of the quorum runs. New nodes are
    formatted with the cluster id of the formatted ones (a new id when none is). When a node
    fails to start, every node is stopped again and its error raised.
    """
    if not nodes:
        return
    ensure_kafka_jars(nodes[0].libs_cache)  # once, before the nodes race for it
    cluster_id = _cluster_id(nodes)
    with ThreadPoolExecutor(len(nodes), thread_name_prefix="start-kafka") as pool:
        starts = [pool.submit(start_kafka, node, timeout, cluster_id) for node in nodes]
        errors = [error for start in starts if (error := start.exception()) is not None]
    if errors:
        stop_cluster(nodes)
        raise errors[0]


def stop_cluster(nodes: Sequence[KafkaConfig], timeout: float = 30.0) -> bool:
    """Stop every node at once (see stop_kafka); False if none ran.

    At once: a node stopped after the others lost the quorum's majority waits out its
    controlled shutdown.
    """
    with ThreadPoolExecutor(max(1, len(nodes)), thread_name_prefix="stop-kafka") as pool:
        stopped = list(pool.map(lambda node: stop_kafka(node, timeout), nodes))
    return any(stopped)


def _cluster_id(nodes: Sequence[KafkaConfig]) -> str:
    """Return the cluster id the nodes' formatted storage holds, or a new one if none is."""
    found = {
        line.partition("=")[2].strip()
        for node in nodes
        if (node.data_dir / "meta.properties").is_file()
        for line in (node.data_dir / "meta.properties").read_text().splitlines()
        if line.startswith("cluster.id=")
    }
    if len(found) > 1:
        raise StackError(
            f"the nodes under {nodes[0].state_dir.parent} belong to different clusters "
            f"({', '.join(sorted(found))}): delete that folder to start afresh"
        )
    return found.pop() if found else _new_cluster_id()


def _new_cluster_id() -> str:
    return base64.urlsafe_b64encode(uuid.uuid4().bytes).rstrip(b"=").decode()


def _broker_pid(cfg: KafkaConfig) -> int | None:
    """Return the pid of our running broker, or None (also for a stale pid file)."""
    pid = read_pid(cfg.pid_file)
    if pid is None or not pid_alive(pid, marker=str(cfg.server_properties)):
        return None
    return pid


def _abandon(cfg: KafkaConfig, pid: int) -> None:
    """Stop a broker this call started but that never got ready."""
    if pid_alive(pid):
        stop_process_group(pid, 10.0)
    if read_pid(cfg.pid_file) == pid:
        cfg.pid_file.unlink(missing_ok=True)


def _require_same_ports(cfg: KafkaConfig) -> None:
    """Refuse to treat a broker started with other ports as the one cfg describes."""
    if cfg.server_properties.read_text() != _server_properties(cfg):
        raise StackError(
            f"the Kafka broker of {cfg.state_dir} already runs with other ports than "
            f"{cfg.bootstrap}: stop it first (`newsflow stack down`), then start it again"
        )


def _java() -> str:
    """Return the java launcher: $JAVA_HOME/bin/java, else java on PATH."""
    java_home = os.environ.get("JAVA_HOME")
    if java_home and (Path(java_home) / "bin" / "java").is_file():
        return str(Path(java_home) / "bin" / "java")
    found = shutil.which("java")
    if found is None:
        raise StackError(
            "java not found: install a Java 17+ runtime "
            "(apt-get install openjdk-17-jre-headless) or set JAVA_HOME"
        )
    return found


def _write_configs(cfg: KafkaConfig) -> None:
    """Write server.properties and log4j2.properties into the broker's state folder."""
    cfg.data_dir.mkdir(parents=True, exist_ok=True)
    cfg.server_properties.write_text(_server_properties(cfg))
    (cfg.state_dir / "log4j2.properties").write_text(LOG4J2_PROPERTIES)


def _server_properties(cfg: KafkaConfig) -> str:
    """Render server.properties for cfg."""
    return SERVER_PROPERTIES.format(
        host=cfg.host,
        port=cfg.port,
        controller_port=cfg.controller_port,
        data_dir=cfg.data_dir,
        node_id=cfg.node_id,
        voters=cfg.quorum_voters,
        replicas=cfg.replicas,
        min_isr=min_insync_replicas(cfg.replicas),
    )


def _java_command(cfg: KafkaConfig, java: str, libs: Path, *args: str | Path) -> list[str]:
    """Build a java command line running a class from the broker's jars."""
    return [
        java,
        f"-Xms{cfg.max_heap_mb // 2}m",
        f"-Xmx{cfg.max_heap_mb}m",
        *JVM_FLAGS,
        f"-Dlog4j2.configurationFile={cfg.state_dir / 'log4j2.properties'}",
        f"-Dkafka.logs.dir={cfg.state_dir}",
        "-cp",
        f"{libs}/*",
        *(str(arg) for arg in args),
    ]


def _format_storage(cfg: KafkaConfig, java: str, libs: Path, cluster_id: str) -> None:
    """Format data_dir for the node of cluster `cluster_id`."""
    # `--cluster-id=ID` in one argument: a base64url id may start with "-", which the storage
    # tool would otherwise read as an option.
    offset = log_size(cfg.log_file)
    result = run(
        _java_command(cfg, java, libs, "kafka.tools.StorageTool", "format",
                      f"--cluster-id={cluster_id}", "-c", cfg.server_properties),
        what="formatting the Kafka storage",
        timeout=120.0,
        log_file=cfg.log_file,
    )  # fmt: skip
    if result.returncode != 0:
        tail = log_tail(cfg.log_file, offset)
        raise StackError(
            f"formatting the Kafka storage in {cfg.data_dir} failed ({tail}): "
            f"see {cfg.log_file}, or delete {cfg.data_dir} to start afresh"
        )


def _launch(cfg: KafkaConfig, java: str, libs: Path) -> subprocess.Popen[bytes]:
    """Start the broker in its own session, logging to log_file; record its pid."""
    command = _java_command(cfg, java, libs, MAIN_CLASS, cfg.server_properties)
    with cfg.log_file.open("ab") as log:
        try:
            proc = subprocess.Popen(
                command,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                cwd=cfg.state_dir,
                start_new_session=True,
            )
        except OSError as exc:
            raise StackError(f"could not run {java} ({exc}): check the Java install") from exc
    write_pid(cfg.pid_file, proc.pid)
    return proc


def _wait_broker(
    cfg: KafkaConfig, alive: Callable[[], bool], timeout: float, log_offset: int
) -> None:
    """Wait until the broker answers a metadata request."""
    wait_ready(
        lambda: _serves_metadata(cfg),
        alive,
        timeout=timeout,
        what=f"the Kafka broker on {cfg.bootstrap}",
        log_file=cfg.log_file,
        log_offset=log_offset,
    )


def _serves_metadata(cfg: KafkaConfig) -> bool:
    """Return whether a list_topics round trip to the broker succeeds."""
    if not port_answers(cfg.host, cfg.port):
        return False  # skip the client: each failed bootstrap costs seconds
    with _quiet_kafka_client():
        try:
            admin = _ProbeAdminClient(
                bootstrap_servers=cfg.bootstrap,
                request_timeout_ms=3000,
                bootstrap_timeout_ms=3000,
            )
        except KafkaError:
            return False
        try:
            admin.list_topics()
        except KafkaError:
            return False
        finally:
            admin.close()
    return True


class _ProbeAdminClient(KafkaAdminClient):
    """KafkaAdminClient that stops its IO thread when bootstrapping fails.

    kafka-python 3.0's own constructor leaves that thread running when it raises, so a
    probe retried every half second would pile up threads.
    """

    def __init__(self, **configs: Any) -> None:
        try:
            super().__init__(**configs)
        except BaseException:
            client, net = getattr(self, "_client", None), getattr(self, "_net", None)
            with contextlib.suppress(Exception):
                if client is not None:
                    client.close()
            with contextlib.suppress(Exception):
                if net is not None:
                    net.stop()
            raise


@contextlib.contextmanager
def _quiet_kafka_client() -> Iterator[None]:
    """Silence kafka-python's connection errors while probing a broker that is still starting."""
    logger = logging.getLogger("kafka")
    level = logger.level
    logger.setLevel(logging.CRITICAL)
    try:
        yield
    finally:
        logger.setLevel(level)


def _log_header(log_file: Path, event: str) -> int:
    """Append a marker line to log_file and return the offset after it."""
    log_file.parent.mkdir(parents=True, exist_ok=True)
    with log_file.open("a") as log:
        log.write(f"--- newsflow: Kafka {KAFKA_VERSION} {event} at {datetime.now():%F %T} ---\n")
    return log_size(log_file)
