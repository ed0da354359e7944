"""The audit trail: an append-only, hash-chained log of who did what and who read whose
personal data, protected in the database against UPDATE and DELETE (docs/audit.md)."""
