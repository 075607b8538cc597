"""Benchmarks run by `make bench` (`python -m benchmarks`): each module has a `main()` that prints a table and
merges its rows into `reports/bench.json` through `deltavault.bench`."""

from deltavault.local.anvil import lean_anvil

lean_anvil()  # the anvil each benchmark starts keeps its history in memory only
