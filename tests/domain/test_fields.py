"""Field rules shared by the dialog, the CLI and the server."""

from __future__ import annotations

import pytest

from casedesktop.domain import known_product, validate_product

PRODUCTS = ["Ledger Cloud", "Payroll"]


@pytest.mark.parametrize(
    ("typed", "expected"),
    [("Ledger Cloud", "Ledger Cloud"), (" ledger cloud ", "Ledger Cloud"), ("PAYROLL", "Payroll"),
     ("Ledger Clod", None), ("", None)],
)
def test_known_product_gives_the_vendors_spelling(typed: str, expected: str | None) -> None:
    assert known_product(typed, PRODUCTS) == expected


def test_any_product_goes_while_the_vendor_lists_none() -> None:
    assert known_product(" Anything ", []) == "Anything"
    assert validate_product("Anything", []) == []


def test_validate_product_names_the_problem() -> None:
    assert validate_product("", PRODUCTS)[0].message == "Choose the product the problem is in."
    assert "no product 'Ledgr'" in validate_product("Ledgr", PRODUCTS)[0].message
    assert validate_product("payroll", PRODUCTS) == []


def test_nul_characters_are_taken_out_of_text_everywhere() -> None:
    from casedesktop.domain import ActionInput, without_nul

    assert without_nul("a\x00b") == "ab"
    assert without_nul({"k\x00": ["x\x00", ("y\x00",)], "n": 1}) == {"k": ["x", ("y",)], "n": 1}
    given = without_nul(ActionInput(reason="why\x00", survey={"q": "a\x00"}))
    assert given == ActionInput(reason="why", survey={"q": "a"})
