"""RFC 9162 Merkle tree, proofs and proof verifiers, against golden vectors, an independent reference
implementation and tampered proofs modelled on transparency-dev/merkle's verifier probes."""
from __future__ import annotations

import hashlib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import audit.merkle as merkle_module
from audit.hashing import EMPTY_ROOT, leaf_hash, node_hash
from audit.merkle import MerkleTree, ProofError, root, verify_consistency, verify_inclusion

# --- an obviously correct reference: RFC 9162 section 2.1, written straight from the text -------------


def ref_leaf(data: bytes) -> bytes:
    return hashlib.sha256(b"\x00" + data).digest()


def ref_node(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(b"\x01" + left + right).digest()


def ref_k(n: int) -> int:
    k = 1
    while k * 2 < n:
        k *= 2
    return k


def ref_mth(leaves: list[bytes]) -> bytes:
    """MTH over leaf hashes."""
    if not leaves:
        return hashlib.sha256(b"").digest()
    if len(leaves) == 1:
        return leaves[0]
    k = ref_k(len(leaves))
    return ref_node(ref_mth(leaves[:k]), ref_mth(leaves[k:]))


def ref_path(m: int, leaves: list[bytes]) -> list[bytes]:
    if len(leaves) == 1:
        return []
    k = ref_k(len(leaves))
    if m < k:
        return ref_path(m, leaves[:k]) + [ref_mth(leaves[k:])]
    return ref_path(m - k, leaves[k:]) + [ref_mth(leaves[:k])]


def ref_subproof(m: int, leaves: list[bytes], complete: bool) -> list[bytes]:
    n = len(leaves)
    if m == n:
        return [] if complete else [ref_mth(leaves)]
    k = ref_k(n)
    if m <= k:
        return ref_subproof(m, leaves[:k], complete) + [ref_mth(leaves[k:])]
    return ref_subproof(m - k, leaves[k:], False) + [ref_mth(leaves[:k])]


def ref_proof(m: int, leaves: list[bytes]) -> list[bytes]:
    return ref_subproof(m, leaves, True)


# --- the RFC 6962 test vector ----------------------------------------------------------------------------

RFC_LEAVES = [
    bytes.fromhex(h)
    for h in ["", "00", "10", "2021", "3031", "40414243", "5051525354555657", "606162636465666768696a6b6c6d6e6f"]
]
RFC_ROOTS = [
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
]
H = bytes.fromhex


def rfc_tree() -> MerkleTree:
    return MerkleTree(leaf_hash(data) for data in RFC_LEAVES)


def hashes_for(count: int) -> list[bytes]:
    return [ref_leaf(i.to_bytes(4, "big")) for i in range(count)]


def test_the_rfc6962_eight_leaf_tree_has_the_published_root():
    assert rfc_tree().root().hex() == "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328"


@pytest.mark.parametrize("size", range(1, 9))
def test_every_prefix_of_the_rfc_tree_has_the_published_root(size):
    assert rfc_tree().root(size).hex() == RFC_ROOTS[size - 1]
    assert ref_mth([ref_leaf(d) for d in RFC_LEAVES[:size]]).hex() == RFC_ROOTS[size - 1]


def test_the_empty_tree_root_is_the_hash_of_nothing():
    assert MerkleTree().root() == EMPTY_ROOT == hashlib.sha256(b"").digest()
    assert root([]) == EMPTY_ROOT


@pytest.mark.parametrize(
    ("index", "size", "proof"),
    [
        (0, 8, ["96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
                "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
                "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"]),
        (0, 1, []),
    ],
)
def test_published_inclusion_proofs_are_reproduced_and_verify(index, size, proof):
    tree = rfc_tree()
    assert [p.hex() for p in tree.inclusion_proof(index, size)] == proof
    verify_inclusion(tree.leaf(index), index, size, [H(p) for p in proof], H(RFC_ROOTS[size - 1]))


@pytest.mark.parametrize(
    ("size1", "size2", "proof"),
    [
        (1, 1, []),
        (1, 8, ["96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
                "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
                "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"]),
        (6, 8, ["0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
                "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
                "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"]),
        (2, 5, ["5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
                "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"]),
    ],
)
def test_published_consistency_proofs_are_reproduced_and_verify(size1, size2, proof):
    tree = rfc_tree()
    assert [p.hex() for p in tree.consistency_proof(size1, size2)] == proof
    verify_consistency(size1, size2, H(RFC_ROOTS[size1 - 1]), H(RFC_ROOTS[size2 - 1]), [H(p) for p in proof])


# --- exhaustive comparison with the reference for small trees --------------------------------------------

SMALL = 40


def test_roots_match_the_reference_for_every_size_up_to_small():
    leaves = hashes_for(SMALL)
    tree = MerkleTree(leaves)
    for size in range(SMALL + 1):
        assert tree.root(size) == ref_mth(leaves[:size])


def test_inclusion_proofs_match_the_reference_and_verify_for_every_index_and_size():
    leaves = hashes_for(SMALL)
    tree = MerkleTree(leaves)
    for size in range(1, SMALL + 1):
        tree_root = ref_mth(leaves[:size])
        for index in range(size):
            proof = tree.inclusion_proof(index, size)
            assert proof == ref_path(index, leaves[:size]), (index, size)
            verify_inclusion(leaves[index], index, size, proof, tree_root)


def test_consistency_proofs_match_the_reference_and_verify_for_every_pair_of_sizes():
    leaves = hashes_for(SMALL)
    tree = MerkleTree(leaves)
    for size2 in range(1, SMALL + 1):
        for size1 in range(1, size2 + 1):
            proof = tree.consistency_proof(size1, size2)
            assert proof == ref_proof(size1, leaves[:size2]), (size1, size2)
            verify_consistency(size1, size2, ref_mth(leaves[:size1]), ref_mth(leaves[:size2]), proof)


def test_a_tree_grown_one_leaf_at_a_time_agrees_with_one_built_at_once():
    leaves = hashes_for(100)
    grown = MerkleTree()
    for count, leaf in enumerate(leaves, start=1):
        grown.append(leaf)
        assert grown.root() == MerkleTree(leaves[:count]).root()


# --- property tests over random sizes ---------------------------------------------------------------------

LARGE_LEAVES = hashes_for(3000)
LARGE_TREE = MerkleTree(LARGE_LEAVES)


@settings(max_examples=150, deadline=None)
@given(data=st.data())
def test_inclusion_proofs_verify_for_random_sizes_and_indices(data):
    size = data.draw(st.integers(min_value=1, max_value=len(LARGE_LEAVES)))
    index = data.draw(st.integers(min_value=0, max_value=size - 1))
    proof = LARGE_TREE.inclusion_proof(index, size)
    verify_inclusion(LARGE_LEAVES[index], index, size, proof, LARGE_TREE.root(size))
    if size <= 300:
        assert proof == ref_path(index, LARGE_LEAVES[:size])


@settings(max_examples=150, deadline=None)
@given(data=st.data())
def test_consistency_proofs_verify_for_random_size_pairs(data):
    size2 = data.draw(st.integers(min_value=1, max_value=len(LARGE_LEAVES)))
    size1 = data.draw(st.integers(min_value=0, max_value=size2))
    proof = LARGE_TREE.consistency_proof(size1, size2)
    verify_consistency(size1, size2, LARGE_TREE.root(size1), LARGE_TREE.root(size2), proof)
    if 0 < size1 and size2 <= 300:
        assert proof == ref_proof(size1, LARGE_LEAVES[:size2])


@settings(max_examples=60, deadline=None)
@given(data=st.data())
def test_a_flipped_bit_anywhere_in_a_random_proof_is_caught(data):
    size2 = data.draw(st.integers(min_value=2, max_value=len(LARGE_LEAVES)))
    size1 = data.draw(st.integers(min_value=1, max_value=size2 - 1))
    proof = LARGE_TREE.consistency_proof(size1, size2)
    element = data.draw(st.integers(min_value=0, max_value=len(proof) - 1))
    bit = data.draw(st.integers(min_value=0, max_value=255))
    corrupted = list(proof)
    flipped = bytearray(corrupted[element])
    flipped[bit // 8] ^= 1 << (bit % 8)
    corrupted[element] = bytes(flipped)
    with pytest.raises(ProofError):
        verify_consistency(size1, size2, LARGE_TREE.root(size1), LARGE_TREE.root(size2), corrupted)


# --- tampered proofs: the negative probes of transparency-dev/merkle ---------------------------------------

WRONG = hashlib.sha256(b"WrongRoot").digest()


def flip_bit(value: bytes) -> bytes:
    changed = bytearray(value)
    changed[0] ^= 8
    return bytes(changed)


def inclusion_probes(index, size, proof, tree_root, leaf):
    probes = [
        ("index - 1", index - 1, size, tree_root, leaf, proof),
        ("index + 1", index + 1, size, tree_root, leaf, proof),
        ("index ^ 2", index ^ 2, size, tree_root, leaf, proof),
        ("size * 2", index, size * 2, tree_root, leaf, proof),
        ("size / 2", index, size // 2, tree_root, leaf, proof),
        ("wrong leaf", index, size, tree_root, b"WrongLeaf", proof),
        ("leaf data not hashed", index, size, tree_root, hashlib.sha256(b"WrongLeaf").digest(), proof),
        ("empty root", index, size, EMPTY_ROOT, leaf, proof),
        ("empty leaf", index, size, tree_root, EMPTY_ROOT, proof),
        ("wrong root", index, size, WRONG, leaf, proof),
        ("trailing garbage", index, size, tree_root, leaf, proof + [b""]),
        ("trailing root", index, size, tree_root, leaf, proof + [tree_root]),
        ("preceding garbage", index, size, tree_root, leaf, [b""] + proof),
        ("preceding root", index, size, tree_root, leaf, [tree_root] + proof),
    ]
    for i in range(len(proof)):
        corrupted = list(proof)
        corrupted[i] = flip_bit(corrupted[i])
        probes.append((f"proof[{i}] bit flipped", index, size, tree_root, leaf, corrupted))
    if proof:
        probes.append(("removed component", index, size, tree_root, leaf, proof[:-1]))
    if len(proof) > 1:
        probes.append(("inserted component", index, size, tree_root, leaf, [proof[0], WRONG] + proof[1:]))
    return probes


def consistency_probes(size1, size2, root1, root2, proof):
    probes = [
        ("size1 - 1", size1 - 1, size2, root1, root2, proof),
        ("size1 + 1", size1 + 1, size2, root1, root2, proof),
        ("size1 ^ 2", size1 ^ 2, size2, root1, root2, proof),
        ("size2 * 2", size1, size2 * 2, root1, root2, proof),
        ("size2 / 2", size1, size2 // 2, root1, root2, proof),
        ("wrong root1", size1, size2, WRONG, root2, proof),
        ("wrong root2", size1, size2, root1, WRONG, proof),
        ("roots swapped", size1, size2, root2, root1, proof),
        ("empty root1", size1, size2, EMPTY_ROOT, root2, proof),
        ("empty root2", size1, size2, root1, EMPTY_ROOT, proof),
        ("trailing garbage", size1, size2, root1, root2, proof + [b""]),
        ("trailing root", size1, size2, root1, root2, proof + [root1]),
        ("preceding garbage", size1, size2, root1, root2, [b""] + proof),
        ("preceding root", size1, size2, root1, root2, [root2] + proof),
    ]
    for i in range(len(proof)):
        corrupted = list(proof)
        corrupted[i] = flip_bit(corrupted[i])
        probes.append((f"proof[{i}] bit flipped", size1, size2, root1, root2, corrupted))
    if proof:
        probes.append(("removed component", size1, size2, root1, root2, proof[:-1]))
    if len(proof) > 1:
        probes.append(("inserted component", size1, size2, root1, root2, [proof[0], WRONG] + proof[1:]))
    return probes


def test_every_corrupted_inclusion_proof_is_rejected():
    leaves = hashes_for(SMALL)
    tree = MerkleTree(leaves)
    checked = 0
    for size in range(1, SMALL + 1):
        tree_root = tree.root(size)
        for index in range(size):
            proof = tree.inclusion_proof(index, size)
            for name, p_index, p_size, p_root, p_leaf, p_proof in inclusion_probes(
                index, size, proof, tree_root, leaves[index]
            ):
                with pytest.raises(ProofError):
                    verify_inclusion(p_leaf, p_index, p_size, p_proof, p_root)
                    pytest.fail(f"probe {name} accepted for index {index} size {size}")
                checked += 1
    assert checked > 10_000


def test_every_corrupted_consistency_proof_is_rejected():
    leaves = hashes_for(SMALL)
    tree = MerkleTree(leaves)
    checked = 0
    for size2 in range(2, SMALL + 1):
        for size1 in range(1, size2):
            proof = tree.consistency_proof(size1, size2)
            for name, s1, s2, r1, r2, p in consistency_probes(size1, size2, tree.root(size1), tree.root(size2), proof):
                with pytest.raises(ProofError):
                    verify_consistency(s1, s2, r1, r2, p)
                    pytest.fail(f"probe {name} accepted for sizes {size1}->{size2}")
                checked += 1
    assert checked > 10_000


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda t: verify_inclusion(t.leaf(0), 8, 8, t.inclusion_proof(0, 8), t.root()), "not below tree size"),
        (lambda t: verify_inclusion(t.leaf(0), 0, 8, t.inclusion_proof(0, 8)[:-1], t.root()), "too short"),
        (lambda t: verify_inclusion(t.leaf(0), 0, 8, t.inclusion_proof(0, 8) + [WRONG], t.root()), "too long"),
        (lambda t: verify_inclusion(b"raw", 0, 8, t.inclusion_proof(0, 8), t.root()), "32-byte hash"),
        (lambda t: verify_inclusion(t.leaf(1), 0, 8, t.inclusion_proof(0, 8), t.root()), "leads to root"),
        (lambda t: verify_consistency(5, 3, t.root(5), t.root(3), []), "smaller than the first"),
        (lambda t: verify_consistency(3, 7, t.root(3), t.root(7), t.consistency_proof(3, 7)[1:]), "too short"),
        (lambda t: verify_consistency(3, 7, t.root(3), t.root(7), t.consistency_proof(3, 7) + [WRONG]), "too long"),
        (lambda t: verify_consistency(3, 7, WRONG, t.root(7), t.consistency_proof(3, 7)), "first root"),
        (lambda t: verify_consistency(3, 7, t.root(3), WRONG, t.consistency_proof(3, 7)), "second root"),
        (lambda t: verify_consistency(4, 4, t.root(4), WRONG, []), "different roots"),
        (lambda t: verify_consistency(4, 4, t.root(4), t.root(4), [WRONG]), "empty proof"),
        (lambda t: verify_consistency(0, 4, WRONG, t.root(4), []), "empty tree"),
        (lambda t: verify_consistency(0, 4, EMPTY_ROOT, t.root(4), [WRONG]), "must be empty"),
    ],
)
def test_proof_errors_say_what_is_wrong(call, message):
    with pytest.raises(ProofError, match=message):
        call(rfc_tree())


def test_a_node_hash_cannot_pass_as_a_leaf_of_the_signed_tree_size():
    tree = rfc_tree()
    left_pair = node_hash(tree.leaf(0), tree.leaf(1))
    right_pair = node_hash(tree.leaf(2), tree.leaf(3))
    four_root = tree.root(4)
    # Read as a two-leaf tree the same root would "include" the node; the size from the signed
    # checkpoint (4) is what rules this out.
    verify_inclusion(left_pair, 0, 2, [right_pair], four_root)
    with pytest.raises(ProofError, match="too short"):
        verify_inclusion(left_pair, 0, 4, [right_pair], four_root)
    with pytest.raises(ProofError, match="leads to root"):
        verify_inclusion(left_pair, 0, 4, [tree.leaf(1), right_pair], four_root)


def test_sizes_and_indices_outside_the_tree_are_refused_when_making_proofs():
    tree = rfc_tree()
    for bad in (lambda: tree.inclusion_proof(8, 8), lambda: tree.inclusion_proof(0, 9),
                lambda: tree.inclusion_proof(-1, 4), lambda: tree.consistency_proof(5, 4),
                lambda: tree.root(9)):
        with pytest.raises(ProofError):
            bad()


def test_an_inclusion_proof_at_100000_leaves_hashes_only_along_one_path(monkeypatch):
    tree = MerkleTree(hashes_for(100_000))
    calls = []
    real = merkle_module.node_hash
    monkeypatch.setattr(merkle_module, "node_hash", lambda a, b: calls.append(1) or real(a, b))
    for index in (0, 1, 4_999, 65_535, 65_536, 99_998, 99_999):
        calls.clear()
        proof = tree.inclusion_proof(index)
        verify_inclusion(tree.leaf(index), index, 100_000, proof, tree.root())
        assert len(calls) < 80, (index, len(calls))  # two 17-level walks, not 100,000 hashes
