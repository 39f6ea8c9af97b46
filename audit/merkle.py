"""RFC 9162 (RFC 6962) Merkle tree over the entries' leaf hashes, with inclusion and consistency proofs.

The tree keeps every complete subtree hash (``levels[h][i]`` covers leaves ``i*2**h`` to
``(i+1)*2**h - 1``), so appending costs amortised two hashes and any root or proof needs only
O(log n) hashing of the ragged right edge.  The verifiers follow RFC 9162 sections 2.1.3.2 and
2.1.4.2 step by step, after length checks that give a precise message for malformed proofs.
"""
from __future__ import annotations

from typing import Iterable, Sequence

from .hashing import EMPTY_ROOT, HASH_SIZE, node_hash


class ProofError(ValueError):
    """A proof is malformed or does not lead to the claimed root."""


def _largest_power_of_two_below(n: int) -> int:
    """Largest power of two strictly smaller than ``n`` (n >= 2)."""
    return 1 << ((n - 1).bit_length() - 1)


class MerkleTree:
    """Append-only RFC 9162 tree over leaf hashes (not data: hash entries with ``leaf_hash``)."""

    def __init__(self, leaf_hashes: Iterable[bytes] = ()):
        self._levels: list[list[bytes]] = [[]]
        for leaf in leaf_hashes:
            self.append(leaf)

    def __len__(self) -> int:
        return len(self._levels[0])

    @property
    def size(self) -> int:
        return len(self._levels[0])

    def append(self, leaf: bytes) -> None:
        """Add one leaf hash, folding complete pairs upward."""
        levels = self._levels
        levels[0].append(leaf)
        height = 0
        while len(levels[height]) % 2 == 0:
            level = levels[height]
            if height + 1 == len(levels):
                levels.append([])
            levels[height + 1].append(node_hash(level[-2], level[-1]))
            height += 1

    def leaf(self, index: int) -> bytes:
        return self._levels[0][index]

    def _subtree(self, start: int, end: int) -> bytes:
        """MTH(D[start:end]) for a range the RFC recursion produces (start aligned to the split)."""
        count = end - start
        if count & (count - 1) == 0 and start % count == 0:
            return self._levels[count.bit_length() - 1][start // count]
        split = _largest_power_of_two_below(count)
        return node_hash(self._subtree(start, start + split), self._subtree(start + split, end))

    def _check_size(self, size: int | None) -> int:
        if size is None:
            return self.size
        if type(size) is not int or size < 0 or size > self.size:
            raise ProofError(f"tree size {size} out of range 0..{self.size}")
        return size

    def root(self, size: int | None = None) -> bytes:
        """MTH over the first ``size`` leaves (default: all); the empty tree has SHA-256("")."""
        size = self._check_size(size)
        if size == 0:
            return EMPTY_ROOT
        return self._subtree(0, size)

    def inclusion_proof(self, index: int, size: int | None = None) -> list[bytes]:
        """RFC 9162 PATH(index, D[0:size]).

        :raises ProofError: when ``index`` is not below ``size`` or ``size`` exceeds the tree.
        """
        size = self._check_size(size)
        if type(index) is not int or not 0 <= index < size:
            raise ProofError(f"leaf index {index} out of range for tree size {size}")
        proof: list[bytes] = []
        start, end = 0, size
        while end - start > 1:
            split = _largest_power_of_two_below(end - start)
            if index < start + split:
                proof.append(self._subtree(start + split, end))
                end = start + split
            else:
                proof.append(self._subtree(start, start + split))
                start += split
        proof.reverse()
        return proof

    def consistency_proof(self, old_size: int, new_size: int | None = None) -> list[bytes]:
        """RFC 9162 PROOF(old_size, D[0:new_size]); empty when the sizes are equal or old_size is 0.

        :raises ProofError: when old_size > new_size or new_size exceeds the tree.
        """
        new_size = self._check_size(new_size)
        if type(old_size) is not int or not 0 <= old_size <= new_size:
            raise ProofError(f"old size {old_size} out of range 0..{new_size}")
        if old_size == 0 or old_size == new_size:
            return []
        proof: list[bytes] = []
        start, end, complete = 0, new_size, True
        m = old_size
        while m != end:
            split = _largest_power_of_two_below(end - start)
            if m - start <= split:
                proof.append(self._subtree(start + split, end))
                end = start + split
            else:
                proof.append(self._subtree(start, start + split))
                start += split
                complete = False
        if not complete:
            proof.append(self._subtree(start, end))
        proof.reverse()
        return proof


def root(leaf_hashes: Sequence[bytes]) -> bytes:
    """MTH over ``leaf_hashes`` (RFC 9162 section 2.1.1)."""
    return MerkleTree(leaf_hashes).root()


def _check_hash(value: bytes, what: str) -> None:
    if not isinstance(value, (bytes, bytearray)) or len(value) != HASH_SIZE:
        size = len(value) if isinstance(value, (bytes, bytearray)) else type(value).__name__
        raise ProofError(f"{what} must be a {HASH_SIZE}-byte hash, got {size}")


def inclusion_proof_length(index: int, size: int) -> int:
    """Number of hashes in PATH(index, D[0:size])."""
    inner = (index ^ (size - 1)).bit_length()
    return inner + bin(index >> inner).count("1")


def consistency_proof_length(size1: int, size2: int) -> int:
    """Number of hashes in PROOF(size1, D[0:size2]) for 0 < size1 < size2."""
    shift = (size1 & -size1).bit_length() - 1
    seed_included = 0 if size1 == 1 << shift else 1
    return seed_included + inclusion_proof_length(size1 - 1, size2) - shift


def verify_inclusion(leaf_hash: bytes, index: int, size: int, proof: Sequence[bytes], root: bytes) -> None:
    """Check that ``leaf_hash`` is leaf ``index`` of the tree of ``size`` leaves with ``root``.

    :raises ProofError: naming the first problem (index/size, proof length, element size, root).
    """
    if type(index) is not int or type(size) is not int or index < 0 or size < 1:
        raise ProofError(f"invalid leaf index {index!r} or tree size {size!r}")
    if index >= size:
        raise ProofError(f"leaf index {index} is not below tree size {size}")
    _check_hash(leaf_hash, "leaf hash")
    _check_hash(root, "root")
    expected = inclusion_proof_length(index, size)
    if len(proof) != expected:
        raise ProofError(
            f"inclusion proof for leaf {index} in a tree of {size} needs {expected} hashes, got {len(proof)} "
            f"(proof too {'long' if len(proof) > expected else 'short'})"
        )
    for position, element in enumerate(proof):
        _check_hash(element, f"proof element {position}")
    # RFC 9162 section 2.1.3.2
    fn, sn, r = index, size - 1, bytes(leaf_hash)
    for p in proof:
        if sn == 0:
            raise ProofError("inclusion proof too long")
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            if not fn & 1:
                while not fn & 1 and fn != 0:
                    fn >>= 1
                    sn >>= 1
        else:
            r = node_hash(r, p)
        fn >>= 1
        sn >>= 1
    if sn != 0:
        raise ProofError("inclusion proof too short")
    if r != root:
        raise ProofError(
            f"inclusion proof for leaf {index} leads to root {r.hex()}, not the expected {bytes(root).hex()}"
        )


def verify_consistency(size1: int, size2: int, root1: bytes, root2: bytes, proof: Sequence[bytes]) -> None:
    """Check that the tree of ``size2`` leaves with ``root2`` extends the one of ``size1`` with ``root1``.

    :raises ProofError: naming the first problem (sizes, proof length, element size, which root).
    """
    if type(size1) is not int or type(size2) is not int or size1 < 0 or size2 < 0:
        raise ProofError(f"invalid tree sizes {size1!r}, {size2!r}")
    if size2 < size1:
        raise ProofError(f"second tree size {size2} is smaller than the first {size1}")
    _check_hash(root1, "first root")
    _check_hash(root2, "second root")
    if size1 == size2:
        if proof:
            raise ProofError(f"equal tree sizes need an empty proof, got {len(proof)} hashes")
        if root1 != root2:
            raise ProofError(f"two different roots for the same tree size {size1}")
        return
    if size1 == 0:
        if proof:
            raise ProofError(f"a proof from the empty tree must be empty, got {len(proof)} hashes")
        if root1 != EMPTY_ROOT:
            raise ProofError("the first root is not the root of the empty tree")
        return
    expected = consistency_proof_length(size1, size2)
    if len(proof) != expected:
        raise ProofError(
            f"consistency proof from size {size1} to {size2} needs {expected} hashes, got {len(proof)} "
            f"(proof too {'long' if len(proof) > expected else 'short'})"
        )
    for position, element in enumerate(proof):
        _check_hash(element, f"proof element {position}")
    # RFC 9162 section 2.1.4.2
    path = list(proof)
    if size1 & (size1 - 1) == 0:
        path.insert(0, bytes(root1))
    fn, sn = size1 - 1, size2 - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            raise ProofError("consistency proof too long")
        if fn & 1 or fn == sn:
            fr = node_hash(c, fr)
            sr = node_hash(c, sr)
            if not fn & 1:
                while not fn & 1 and fn != 0:
                    fn >>= 1
                    sn >>= 1
        else:
            sr = node_hash(sr, c)
        fn >>= 1
        sn >>= 1
    if sn != 0:
        raise ProofError("consistency proof too short")
    if fr != root1:
        raise ProofError(f"consistency proof does not lead to the first root (size {size1}): the old tree is not a prefix")
    if sr != root2:
        raise ProofError(f"consistency proof does not lead to the second root (size {size2})")
