"""The tamper-evident audit ledger of the EDC (21 CFR Part 11 audit trail), as a pure library.

Design, in the order data flows:

* :mod:`audit.canonical` - an entry body is RFC 8785 canonical JSON with stricter value rules (no
  floats, integers within +-(2**53-1), NFC strings); the stored bytes are kept verbatim and the
  verifier demands byte equality with their re-encoding.
* :mod:`audit.entry` / :mod:`audit.chain` - an entry names its sequence number, UTC time, actor,
  action, record, payload, reason, the leaf hash of the previous body and the signing key; it is
  signed with Ed25519 over a domain-separated message (:mod:`audit.hashing`).
* :mod:`audit.keys` - the signing key lives in a 0600 PEM file; entry 1 (``ledger.genesis``)
  introduces it, and a ``ledger.key_rotated`` entry signed by the old key introduces the next one.
* :mod:`audit.merkle` - the bodies' leaf hashes form an RFC 9162 Merkle tree with inclusion and
  consistency proofs; :mod:`audit.checkpoint` signs (size, root, time) as a C2SP checkpoint note.
* :mod:`audit.identifiers` - direct identifiers are sealed with AES-GCM under a per-subject key
  kept outside the ledger; destroying that key erases them without breaking the chain.
* :mod:`audit.verifier` / :mod:`audit.bundle` - everything above is checked offline, from a
  database read-out or an exported bundle, reporting the first bad sequence number.

Only the standard library, ``cryptography`` and ``rfc8785`` are imported: no Flask, SQLAlchemy or
``edc`` code, so an auditor can verify a bundle with this package alone.  Import submodules
explicitly; this package module imports nothing.
"""
