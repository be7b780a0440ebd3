"""Identifiers in the shapes the real APIs use, drawn from a seeded generator.

Monzo: ``prefix_`` + 22 base-62 characters, the first four ``0000`` as in
real ids. TrueLayer: 32 lower-case hex characters, ``txn-<hex>`` normalised
ids, base64-looking credentials ids. Same seed and same sequence of calls
give the same ids, which is what makes a generated household reproducible.
"""

from __future__ import annotations

import base64
import random

_B62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"


class IdMaker:
    def __init__(self, seed: str) -> None:
        self._rng = random.Random(seed)

    def monzo(self, prefix: str) -> str:
        n = self._rng.getrandbits(107)
        chars = []
        for _ in range(18):
            n, r = divmod(n, 62)
            chars.append(_B62[r])
        return f"{prefix}_0000" + "".join(chars)

    def hex32(self) -> str:
        return f"{self._rng.getrandbits(128):032x}"

    def normalised(self) -> str:
        return f"txn-{self._rng.getrandbits(68):017x}"

    def credentials(self) -> str:
        return base64.b64encode(self._rng.getrandbits(256).to_bytes(32, "big")).decode()

    def digits(self, count: int) -> str:
        return "".join(str(self._rng.randrange(10)) for _ in range(count))

    def token(self, nbytes: int = 32) -> str:
        return f"{self._rng.getrandbits(nbytes * 8):0{nbytes * 2}x}"
