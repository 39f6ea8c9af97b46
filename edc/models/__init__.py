"""Typed SQLAlchemy models.  The schema is built only by the Alembic migrations."""
from .accounts import ROLE_LABELS, ROLES, PasswordHistory, RecoveryCode, SiteRole, TrainingRecord, User
from .base import Base, utcnow
from .consent import ConsentDocument, ConsentRecord, ConsentSigner
from .crf import FormInstance, ItemValue
from .ledger import LedgerCheckpoint, LedgerEntry
from .monitoring import ESignature, Lock, Query, QueryMessage, SdvMark
from .safety import Deviation, DictionaryTerm, DictionaryVersion
from .study import ARMS, SUBJECT_STATUSES, Site, StudySetting, Subject, SubjectKey

__all__ = [
    "ARMS", "Base", "ConsentDocument", "ConsentRecord", "ConsentSigner", "Deviation", "DictionaryTerm",
    "DictionaryVersion", "ESignature", "FormInstance", "ItemValue", "LedgerCheckpoint", "LedgerEntry", "Lock",
    "PasswordHistory", "Query", "QueryMessage", "ROLES", "ROLE_LABELS", "RecoveryCode", "SUBJECT_STATUSES",
    "SdvMark", "Site", "SiteRole", "StudySetting", "Subject", "SubjectKey", "TrainingRecord", "User", "utcnow",
]
