"""Waits between retries of a passing failure: doubling, capped, with full jitter.

One schedule for everything newsflow retries (a broker send, a database or file write), so
workers that failed together do not retry in lockstep.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field

FIRST_S = 0.5
MOST_S = 10.0


@dataclass
class Backoff:
    """The waits of one run of retries: the n-th is drawn from [cap/2, cap], cap doubling."""

    first_s: float = FIRST_S
    most_s: float = MOST_S
    draw: Callable[[float, float], float] = field(default=random.uniform, repr=False)
    _cap: float = field(default=0.0, init=False, repr=False)

    def next_wait(self) -> float:
        """Return how long to wait before the next try."""
        self._cap = self.first_s if self._cap == 0.0 else min(self._cap * 2, self.most_s)
        return self.draw(self._cap / 2, self._cap)

    def reset(self) -> None:
        """Start again from the first wait (after a try that went through)."""
        self._cap = 0.0
