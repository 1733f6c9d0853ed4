"""newsflow for notebooks: `from newsflow import enrich, connect` (see streams/api.py)."""

from streams.api import Answer, Store, connect, enrich

__all__ = ["Answer", "Store", "connect", "enrich"]
