"""Standard exports for data managers and auditors: ODM 1.3.2, CSV, printable casebooks."""
