"""Standard exports of the study data: CDISC ODM 1.3.2, CSV per form, printable casebooks.

The builders read the tables through :mod:`.dataset` (current values, one policy for identifiers)
and the ledger through :mod:`.history` (who changed what, when and why); :mod:`.record` writes
the produced file to a spool file, hashes it and ledgers the export before anything is sent.
"""
