"""The Silverback bot module is valid Python that uses the shared keeper (importing it needs a live network
through Silverback's settings, so only its source is checked here)."""

import ast
from pathlib import Path

import pytest


def test_bot__uses_the_shared_keeper_on_every_block():
    pytest.importorskip("silverback")
    source = (Path(__file__).resolve().parents[2] / "bots" / "keeper.py").read_text()
    tree = ast.parse(source)
    imported = {
        alias.name for node in ast.walk(tree) if isinstance(node, ast.ImportFrom) for alias in node.names
    }
    assert {"Keeper", "SilverbackBot"} <= imported
    assert "bot.on_(chain.blocks)" in source and "keeper.tick(" in source
