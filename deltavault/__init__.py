"""DeltaVault tooling: importable logic shared by scripts, bots and tests."""
