"""Word-shingle MinHash with LSH banding (rensa, in Rust) for near-duplicate search.

Memory stays small: per example one 8-byte key per LSH band (16 bands: 128 bytes). At the
end each band is sorted, equal keys give candidate pairs, and only the examples in candidate
pairs are re-read to verify each pair by exact Jaccard (no false positives from the sketch).
"""

from __future__ import annotations

from collections.abc import Iterable
from hashlib import blake2b
from itertools import chain

import numpy as np
import rensa

_M1 = np.uint64(0x9E3779B97F4A7C15)
_M2 = np.uint64(0xC2B2AE3D27D4EB4F)


def normalise(text: str) -> str:
    """Lowercase with whitespace collapsed: the text both duplicate checks compare."""
    return " ".join(text.lower().split())


class _WordHashes(dict):
    """word -> stable signed 64-bit hash (blake2b; Python's ``hash()`` of a str changes with
    PYTHONHASHSEED, which would make the reported pairs vary between runs). A cache: a word is
    hashed once per process; cleared past ``LIMIT`` words to bound memory."""

    LIMIT = 1_000_000

    def __missing__(self, word: str) -> int:
        if len(self) >= self.LIMIT:
            self.clear()
        digest = blake2b(word.encode("utf-8", "surrogatepass"), digest_size=8).digest()
        value = self[word] = int.from_bytes(digest, "little", signed=True)
        return value


_WORD_HASH = _WordHashes()


def word_hash(word: str) -> int:
    """The stable 64-bit hash of one word (as used for shingles)."""
    return _WORD_HASH[word]


def shingle_hashes(words: list[list[str]], k: int = 3) -> tuple[np.ndarray, np.ndarray]:
    """Flat uint64 hashes of each word list's k-shingles and the row offsets (len+1).

    A text with fewer than ``k`` words is represented by its words.
    """
    lens = np.fromiter(map(len, words), dtype=np.int64, count=len(words))
    total = int(lens.sum())
    flat = np.fromiter(
        chain.from_iterable(map(_WORD_HASH.__getitem__, w) for w in words),
        dtype=np.int64,
        count=total,
    )
    flat = flat.view(np.uint64)
    ends = np.cumsum(lens)
    row_of = np.repeat(np.arange(len(words)), lens)
    pos = np.arange(total)
    sh = flat.copy()
    if total >= k:
        with np.errstate(over="ignore"):
            combo = flat[: total - k + 1] * _M1
            for j in range(1, k):
                combo = (combo ^ (combo >> np.uint64(29))) * _M2 + flat[j : total - k + 1 + j]
        sh[: total - k + 1] = combo
    short = lens[row_of] < k
    keep = short | (pos <= ends[row_of] - k)
    tokens = np.where(short, flat, sh)[keep]
    new_lens = np.where(lens < k, lens, lens - (k - 1))
    offsets = np.zeros(len(words) + 1, dtype=np.uint64)
    np.cumsum(new_lens, out=offsets[1:])
    return np.ascontiguousarray(tokens), offsets


class NearDuplicateIndex:
    """LSH band keys in (``band_keys``, in the scanners), ``candidate_pairs`` then ``verify``
    give (a, b, jaccard)."""

    def __init__(
        self,
        threshold: float = 0.8,
        num_perm: int = 80,
        bands: int = 16,
        k: int = 3,
        seed: int = 42,
        neighbours: int = 3,
    ) -> None:
        self.threshold = threshold
        self.num_perm, self.bands, self.k, self.seed = num_perm, bands, k, seed
        self.rows = num_perm // bands
        self.neighbours = neighbours
        self._keys: list[np.ndarray] = []
        self._ids: list[np.ndarray] = []
        mult = np.random.default_rng(seed).integers(1, 2**63, size=self.rows, dtype=np.uint64)
        self._mult = mult | np.uint64(1)

    def band_keys(self, words: list[list[str]]) -> np.ndarray:
        """(len(words), bands) uint64 LSH keys of non-empty word lists."""
        if not words:
            return np.zeros((0, self.bands), dtype=np.uint64)
        tokens, offsets = shingle_hashes(words, self.k)
        matrix = rensa.RMinHash.digest_matrix_from_flat_token_hashes(
            tokens, offsets, num_perm=self.num_perm, seed=self.seed
        )
        sig = np.array(matrix.to_rows(), dtype=np.uint32).reshape(len(words), self.num_perm)
        blocks = sig.astype(np.uint64).reshape(len(words), self.bands, self.rows)
        with np.errstate(over="ignore"):
            return (blocks * self._mult).sum(axis=2, dtype=np.uint64)

    def add_keys(self, ids: np.ndarray, keys: np.ndarray) -> None:
        """Band keys (from ``band_keys``) of the examples ``ids``."""
        if len(ids):
            self._ids.append(np.asarray(ids, dtype=np.int64))
            self._keys.append(np.ascontiguousarray(keys, dtype=np.uint64))

    def candidate_pairs(self) -> set[tuple[int, int]]:
        """(a, b) with a < b sharing at least one LSH band, each id paired with up to
        ``neighbours`` others in its bucket (sort-based: memory is 8 bytes per band per row)."""
        if not self._ids:
            return set()
        ids = np.concatenate(self._ids)
        allkeys = np.concatenate(self._keys)
        self._ids, self._keys = [], []
        pairs: set[tuple[int, int]] = set()
        for b in range(self.bands):
            keys = np.ascontiguousarray(allkeys[:, b])
            order = np.argsort(keys, kind="stable")
            sk = keys[order]
            for d in range(1, self.neighbours + 1):
                if len(sk) <= d:
                    break
                hit = np.flatnonzero(sk[d:] == sk[:-d])
                if hit.size:
                    a, c = ids[order[hit]], ids[order[hit + d]]
                    pairs.update(
                        zip(np.minimum(a, c).tolist(), np.maximum(a, c).tolist(), strict=True)
                    )
        return pairs

    def verify(
        self, items: Iterable[tuple[int, list[str]]], pairs: set[tuple[int, int]]
    ) -> list[tuple[int, int, float]]:
        """The candidate ``pairs`` whose exact shingle Jaccard is >= threshold, as
        (a, b, jaccard) sorted; ``items`` gives the words of every id in the pairs."""
        sets: dict[int, frozenset[int]] = {}
        ids, words = [], []
        for i, w in items:
            ids.append(i)
            words.append(w)
        if not ids:
            return []
        tokens, offsets = shingle_hashes(words, self.k)
        for j, i in enumerate(ids):
            sets[i] = frozenset(tokens[offsets[j] : offsets[j + 1]].tolist())
        out = []
        for a, b in pairs:
            sa, sb = sets.get(a), sets.get(b)
            if sa is None or sb is None:
                continue
            jac = len(sa & sb) / len(sa | sb) if sa or sb else 1.0
            if jac >= self.threshold:
                out.append((a, b, jac))
        return sorted(out)
