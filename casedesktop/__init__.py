"""CaseDesktop: a desktop client for customer support cases that works offline."""

__version__ = "0.1.0"
