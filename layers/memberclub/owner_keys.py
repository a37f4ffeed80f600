"""Owner keys: random, shown once, stored only as a hash and compared in constant time.

The key is 32 random bytes, so a plain SHA-256 is enough (no password stretching needed:
there is nothing to guess).
"""

from __future__ import annotations

import hashlib
import hmac


def hash_owner_key(owner_key: str) -> str:
    return hashlib.sha256(owner_key.encode()).hexdigest()


def owner_key_matches(owner_key: str, stored_hash: str) -> bool:
    return hmac.compare_digest(hash_owner_key(owner_key), stored_hash)
