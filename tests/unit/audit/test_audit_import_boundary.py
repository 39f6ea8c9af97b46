"""The audit package stays free of the web application, so an auditor can run it on its own."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[3]
MODULES = "audit, audit.canonical, audit.hashing, audit.entry, audit.keys, audit.chain, audit.merkle, " \
          "audit.checkpoint, audit.identifiers, audit.verifier, audit.bundle"
ALLOWED_THIRD_PARTY = {"cryptography", "rfc8785", "_cffi_backend", "cffi"}


def loaded_top_level_modules() -> set[str]:
    code = f"import {MODULES}; import sys; print(' '.join(sorted({{m.split('.')[0] for m in sys.modules}})))"
    result = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, check=True)
    return set(result.stdout.split())


def test_importing_audit_loads_no_flask_sqlalchemy_or_application_code():
    code = (
        f"import {MODULES}; import sys; "
        "assert not any(m.split('.')[0] in ('flask', 'sqlalchemy', 'edc', 'forms', 'config', 'werkzeug') "
        "for m in sys.modules), sorted(sys.modules)"
    )
    subprocess.run([sys.executable, "-c", code], cwd=REPO, check=True)


def test_audit_imports_only_the_standard_library_cryptography_and_rfc8785():
    third_party = {
        name for name in loaded_top_level_modules()
        if name not in sys.stdlib_module_names and not name.startswith("_") and name != "audit"
    }
    assert third_party <= ALLOWED_THIRD_PARTY, third_party
    assert {"cryptography", "rfc8785"} <= third_party
