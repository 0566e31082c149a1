"""Qt passes `checked` to a slot connected to clicked/triggered/toggled if the slot takes an
argument: a method with an optional first parameter then gets False for it (a Save as that saved
to `False`, a Discard that skipped its confirmation). Such methods are connected through a lambda."""

from __future__ import annotations

import ast
import re
from pathlib import Path

UI = Path(__file__).resolve().parents[1] / "casedesktop" / "ui"
CONNECT = re.compile(r"\.(clicked|triggered|toggled)\.connect\(self\.(\w+)\)")


def _methods_with_optional_arguments(tree: ast.Module) -> set[str]:
    return {
        node.name
        for node in ast.walk(tree)
        if isinstance(node, ast.FunctionDef) and len(node.args.args) > 1 and node.args.defaults
    }


def test_no_button_passes_checked_into_an_optional_argument() -> None:
    wrong = []
    for path in sorted(UI.rglob("*.py")):
        source = path.read_text(encoding="utf-8")
        optional = _methods_with_optional_arguments(ast.parse(source))
        wrong += [f"{path.relative_to(UI)}: {m.group(0)}" for m in CONNECT.finditer(source) if m.group(2) in optional]
    assert not wrong, wrong


def test_the_scan_sees_the_mistake() -> None:
    source = "class A:\n    def save(self, where=None): ...\n    def wire(self):\n        b.clicked.connect(self.save)\n"
    optional = _methods_with_optional_arguments(ast.parse(source))
    assert [m.group(2) for m in CONNECT.finditer(source) if m.group(2) in optional] == ["save"]
