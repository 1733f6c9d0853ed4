"""newsflow for notebooks: `from newsflow import enrich, connect` (see streams/answers/api.py)."""

from streams.answers.api import Answer, Store, connect, enrich

__all__ = ["Answer", "Store", "connect", "enrich"]
