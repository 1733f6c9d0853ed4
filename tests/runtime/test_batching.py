"""take_batches leans on three private attributes of Faust's Stream: this pins them.

They are used in streams/runtime/batching.py only. A Faust release that renames one fails
here, by name, instead of as a stalled worker in the live-broker tiers (which drive
take_batches for real); the lock pins the version these were read from.
"""

from __future__ import annotations

import asyncio
from importlib.metadata import version

import faust

PRIVATE = ("_active_agens", "_enable_passive", "_processors")


def a_stream() -> faust.Stream:
    async def make() -> faust.Stream:
        app = faust.App("pin", broker="memory://", store="memory://", autodiscover=False)
        return app.stream(app.channel())

    return asyncio.run(make())


def test_the_private_stream_attributes_take_batches_uses_still_exist() -> None:
    stream = a_stream()
    missing = [name for name in PRIVATE if not hasattr(stream, name)]
    assert missing == [], f"faust-streaming {version('faust-streaming')} lacks {missing}"


def test_they_have_the_shapes_take_batches_expects() -> None:
    stream = a_stream()
    assert hasattr(stream._active_agens, "add")
    assert isinstance(stream._processors, list)
    assert callable(stream._enable_passive)
