"""Word-shingle MinHash with LSH banding (rensa, in Rust) for near-duplicate search.

Memory stays small: per example one MinHash signature (``num_perm`` u32) in rensa's compact
digest matrices plus the LSH band index. Pass 1 flags every example that shares a band with
an earlier one; a reverse pass over the stored matrices flags their partners. Only flagged
examples are re-read to pair them up and verify each pair by exact Jaccard.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from itertools import chain

import numpy as np
import rensa

_M1 = np.uint64(0x9E3779B97F4A7C15)
_M2 = np.uint64(0xC2B2AE3D27D4EB4F)


def normalise(text: str) -> str:
    """Lowercase with whitespace collapsed: the text both duplicate checks compare."""
    return " ".join(text.lower().split())


def shingle_hashes(texts: list[str], k: int = 3) -> tuple[np.ndarray, np.ndarray]:
    """Flat uint64 hashes of each text's word k-shingles and the row offsets (len+1).

    A text with fewer than ``k`` words is represented by its words.
    """
    words = [t.split() for t in texts]
    lens = np.fromiter(map(len, words), dtype=np.int64, count=len(words))
    total = int(lens.sum())
    flat = np.fromiter(
        chain.from_iterable(map(hash, w) for w in words), dtype=np.int64, count=total
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
    """Streams texts in, then yields verified (earlier_id, later_id, jaccard) pairs."""

    def __init__(
        self,
        threshold: float = 0.8,
        num_perm: int = 80,
        bands: int = 16,
        k: int = 3,
        batch: int = 4096,
        seed: int = 42,
    ) -> None:
        self.threshold = threshold
        self.num_perm, self.bands, self.k, self.batch, self.seed = num_perm, bands, k, batch, seed
        self.lsh = rensa.RMinHashLSH(threshold=threshold, num_perm=num_perm, num_bands=bands)
        self.matrices: list[tuple[int, object]] = []
        self.keys: list[np.ndarray] = []
        self.flagged: set[int] = set()
        self._ids: list[int] = []
        self._texts: list[str] = []
        self._next_key = 0

    def add(self, item_id: int, text: str) -> None:
        """Queue one normalised, non-empty text."""
        self._ids.append(item_id)
        self._texts.append(text)
        if len(self._ids) >= self.batch:
            self._flush()

    def _flush(self) -> None:
        if not self._ids:
            return
        tokens, offsets = shingle_hashes(self._texts, self.k)
        matrix = rensa.RMinHash.digest_matrix_from_flat_token_hashes(
            tokens, offsets, num_perm=self.num_perm, seed=self.seed
        )
        start = self._next_key
        flags = self.lsh.insert_matrix_and_query_duplicate_flags(matrix, start_key=start)
        ids = np.asarray(self._ids, dtype=np.int64)
        hits = np.flatnonzero(np.asarray(flags, dtype=bool))
        self.flagged.update(ids[hits].tolist())
        self.matrices.append((start, matrix))
        self.keys.append(ids)
        self._next_key += len(ids)
        self._ids, self._texts = [], []

    def candidates(self) -> set[int]:
        """Ids of every example that shares an LSH band with another one."""
        self._flush()
        if not self.flagged:
            return set()
        self.lsh = None  # free the forward index before building the reverse one
        reverse = rensa.RMinHashLSH(
            threshold=self.threshold, num_perm=self.num_perm, num_bands=self.bands
        )
        found = set(self.flagged)
        for (start, matrix), ids in zip(reversed(self.matrices), reversed(self.keys), strict=True):
            flags = reverse.insert_matrix_and_query_duplicate_flags(matrix, start_key=start)
            found.update(ids[np.flatnonzero(np.asarray(flags, dtype=bool))].tolist())
        self.matrices, self.keys = [], []
        return found

    def pairs(self, items: Iterable[tuple[int, str]]) -> list[tuple[int, int, float]]:
        """Verified pairs among the candidate ``(id, normalised text)`` items: (a, b, J)
        with a < b and exact shingle Jaccard >= threshold."""
        ids, texts = [], []
        for i, t in items:
            ids.append(i)
            texts.append(t)
        if len(ids) < 2:
            return []
        tokens, offsets = shingle_hashes(texts, self.k)
        sets = [frozenset(tokens[offsets[j] : offsets[j + 1]].tolist()) for j in range(len(ids))]
        rows = rensa.RMinHash.digest_matrix_from_flat_token_hashes(
            tokens, offsets, num_perm=self.num_perm, seed=self.seed
        ).to_rows()
        r = self.num_perm // self.bands
        buckets: dict[tuple, list[int]] = defaultdict(list)
        for j, row in enumerate(rows):
            for b in range(self.bands):
                buckets[(b, *row[b * r : (b + 1) * r])].append(j)
        seen: set[tuple[int, int]] = set()
        out = []
        for members in buckets.values():
            if len(members) < 2:
                continue
            for x in range(len(members)):
                for y in range(x + 1, len(members)):
                    a, b = members[x], members[y]
                    if (a, b) in seen:
                        continue
                    seen.add((a, b))
                    sa, sb = sets[a], sets[b]
                    jac = len(sa & sb) / len(sa | sb) if sa or sb else 1.0
                    if jac >= self.threshold:
                        ia, ib = ids[a], ids[b]
                        out.append((min(ia, ib), max(ia, ib), jac))
        return sorted(out)
