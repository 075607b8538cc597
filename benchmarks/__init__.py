"""Benchmarks run by `make bench` (`python -m benchmarks`): each module has a `main()` that prints a table and
merges its rows into `reports/bench.json` through `deltavault.bench`."""
