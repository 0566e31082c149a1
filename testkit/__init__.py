"""Helpers that both the tests and the benchmarks use: tests/ and bench/ import them from here.

A top-level package beside tests/ and bench/, so neither has to import the other. It is not
shipped: pyproject's package finder takes casedesktop* only, and the bundle starts from
casedesktop. Modules import only the standard library at the top (the bundle smoke test runs on
Windows and macOS with little more than pytest installed), except syncworld and killsoak, which
drive the client and the server and so import them.
"""
