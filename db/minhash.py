"""MinHash signatures of texts and their LSH bands: near-duplicate (reprinted) articles, found in SQL.

A text is reduced to its characters (NFKC, no whitespace or punctuation: a reprint changes the layout, the
punctuation's width and the paragraphs), cut into overlapping shingles of SHINGLE characters. Its signature
is a one-permutation MinHash (Li, Owen and Zhang, 2012): each shingle is hashed once, the hash's low bits
pick one of HASHES bins and the rest is its value; a bin keeps its least value, and an empty bin takes the
next filled one's (densification). The share of bins where two signatures agree estimates the Jaccard
similarity of the two shingle sets, at one hash a shingle instead of HASHES. BANDS bands of ROWS bins are
hashed each into one integer; two texts that share a band are a candidate pair, so that candidates are an
index join in PostgreSQL (db/confirm.py), and only they are compared bin by bin.

Written here rather than taken from datasketch: that library keeps its LSH index in memory (or Redis or
Cassandra) and brings numpy and scipy along; what this needs is 40 lines, with the index kept in the
database that holds the articles, where the comparison runs set-based.
"""

from __future__ import annotations

import hashlib
import re
import struct
import unicodedata

SHINGLE = 5
HASHES = 64  # bins
BANDS = 16
ROWS = HASHES // BANDS  # 4 bins a band: pairs of similarity 0.5 meet in a band with probability 0.65, 0.8 in 0.999
THRESHOLD = 0.7  # estimated Jaccard similarity from which a text is a reprint of another

_NOISE = re.compile(r"[\s\W_]+", re.UNICODE)
_BIN_BITS = 6  # 2**6 = HASHES
_EMPTY = 2**63 - 1  # a signature of no text at all


def shingles(text: str) -> set[str]:
    """The text's shingles of SHINGLE characters (the whole text when shorter)."""
    letters = _NOISE.sub("", unicodedata.normalize("NFKC", text))
    if len(letters) <= SHINGLE:
        return {letters} if letters else set()
    return {letters[i:i + SHINGLE] for i in range(len(letters) - SHINGLE + 1)}


def signature(text: str) -> list[int]:
    """The MinHash signature of a text: HASHES values below 2**63 (all _EMPTY for a text without letters)."""
    least = [_EMPTY] * HASHES
    for shingle in shingles(text):
        value = int.from_bytes(hashlib.blake2b(shingle.encode("utf-8"), digest_size=8).digest(), "little")
        slot, rest = value & (HASHES - 1), value >> _BIN_BITS
        if rest < least[slot]:
            least[slot] = rest
    if _EMPTY not in least or all(v == _EMPTY for v in least):
        return least
    dense = list(least)
    for i in range(HASHES):  # an empty bin takes the next filled bin's value, circularly
        if least[i] == _EMPTY:
            step = next(d for d in range(1, HASHES) if least[(i + d) % HASHES] != _EMPTY)
            dense[i] = least[(i + step) % HASHES]
    return dense


def bands(sig: list[int]) -> list[int]:
    """The signature's BANDS band hashes (signed 64-bit, as PostgreSQL's bigint stores them)."""
    out = []
    for band in range(BANDS):
        chunk = struct.pack(f"<{ROWS}Q", *sig[band * ROWS:(band + 1) * ROWS])
        out.append(struct.unpack("<q", hashlib.blake2b(chunk, digest_size=8).digest())[0])
    return out


def similarity(a: list[int], b: list[int]) -> float:
    """The estimated Jaccard similarity of two signatures' texts."""
    return sum(x == y for x, y in zip(a, b, strict=True)) / HASHES
