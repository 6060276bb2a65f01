"""Keeping partners in sync: the change feed and signed webhooks."""
