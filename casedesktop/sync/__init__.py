"""Talks to the server: pushes the outbox, pulls the change feed. Plain Python, no Qt."""
