"""MinHash signatures of texts and their LSH bands: near-duplicate (reprinted) articles, found in SQL.

A text is reduced to its characters (NFKC, no whitespace or punctuation: a reprint changes the layout, the
punctuation's width and the paragraphs), cut into overlapping shingles of SHINGLE characters. Its signature
is, for each of HASHES hash functions, the least hash of its shingles: the share of positions where two
signatures agree estimates the Jaccard similarity of the two shingle sets. BANDS bands of ROWS positions are
hashed each into one integer; two texts that share a band are a candidate pair, so that candidates are an
index join in PostgreSQL (db/confirm.py), and only they are compared position by position.

Written here rather than taken from datasketch: that library keeps its LSH index in memory (or Redis or
Cassandra) and brings numpy and scipy along; what this needs is 30 lines, with the index kept in the
database that holds the articles, where the comparison runs set-based.
"""

from __future__ import annotations

import hashlib
import re
import struct
import unicodedata

SHINGLE = 5
HASHES = 64
BANDS = 16
ROWS = HASHES // BANDS  # 4 rows a band: pairs of similarity 0.5 meet in a band with probability 0.65, 0.8 in 0.999
THRESHOLD = 0.7  # estimated Jaccard similarity from which a text is a reprint of another

_NOISE = re.compile(r"[\s\W_]+", re.UNICODE)
_UNPACK = struct.Struct("<16I").unpack  # one blake2b digest of 64 bytes: 16 hash values of 32 bits
_SALTS = [bytes([i]) * 16 for i in range(HASHES // 16)]
_MAX = 2**32


def shingles(text: str) -> set[str]:
    """The text's shingles of SHINGLE characters (the whole text when shorter)."""
    letters = _NOISE.sub("", unicodedata.normalize("NFKC", text))
    if len(letters) <= SHINGLE:
        return {letters} if letters else set()
    return {letters[i:i + SHINGLE] for i in range(len(letters) - SHINGLE + 1)}


def signature(text: str) -> list[int]:
    """The MinHash signature of a text: HASHES least hash values (all 2**32 for an empty text)."""
    rows = [_hashes(shingle.encode("utf-8")) for shingle in shingles(text)]
    return list(map(min, zip(*rows, strict=True))) if rows else [_MAX] * HASHES


def _hashes(data: bytes) -> tuple[int, ...]:
    """HASHES hash values of 32 bits of one shingle."""
    return sum((_UNPACK(hashlib.blake2b(data, digest_size=64, salt=salt).digest()) for salt in _SALTS), ())


def bands(sig: list[int]) -> list[int]:
    """The signature's BANDS band hashes (signed 64-bit, as PostgreSQL's bigint stores them)."""
    out = []
    for band in range(BANDS):
        chunk = struct.pack(f"<{ROWS}I", *sig[band * ROWS:(band + 1) * ROWS])
        out.append(struct.unpack("<q", hashlib.blake2b(chunk, digest_size=8).digest())[0])
    return out


def similarity(a: list[int], b: list[int]) -> float:
    """The estimated Jaccard similarity of two signatures' texts."""
    return sum(x == y for x, y in zip(a, b, strict=True)) / HASHES
