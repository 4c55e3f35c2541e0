"""BLAKE2b without `hashlib`, for what every start-up hashes: the deck cache's
entry names and MACs, the digest of a deck's card keys.

Importing `hashlib` (with `hmac`) sets up OpenSSL's digests: 0.9 ms of a start-up
budgeted against bare Textual's ~140 ms. BLAKE2 never comes from OpenSSL anyway
(`hashlib.blake2b` is `_blake2.blake2b`, CPython's own C module), so it is taken
from there, and from hashlib on an interpreter built without it. Keyed BLAKE2b is
a MAC by design (RFC 7693), so a MAC needs no HMAC construction around it;
`same_digest` compares two in constant time (it is `hmac.compare_digest` when
OpenSSL is not used).
"""

from __future__ import annotations

try:
    from _blake2 import blake2b
except ImportError:  # pragma: no cover - a CPython built without its own BLAKE2
    from hashlib import blake2b

# Built into every CPython, and what hmac itself falls back to without OpenSSL.
from _operator import _compare_digest as same_digest

__all__ = ["blake2b", "same_digest"]
