"""Run every benchmark module of this package (or the ones named on the command line), in name order."""

import importlib
import pkgutil
import sys

import benchmarks


def main(argv: list[str]) -> int:
    from ape.logging import LogLevel, logger

    logger.set_level(LogLevel.WARNING)  # one line per transaction would bury the tables
    names = argv or sorted(
        m.name for m in pkgutil.iter_modules(benchmarks.__path__) if not m.name.startswith("_")
    )
    failed = [name for name in names if importlib.import_module(f"benchmarks.{name}").main() is False]
    if failed:
        print(f"\nTargets missed in: {', '.join(failed)}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
