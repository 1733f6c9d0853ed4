"""Pinned versions of the services newsflow runs against: the one place they are set.

docker-compose.yml names the same Kafka image tag; tests/unit/test_compose.py keeps the two equal.
"""

KAFKA_VERSION = "4.1.1"
POSTGRES_MAJOR = "15"
