"""Revisions, oldest first; 0001 is the hand-written baseline."""
