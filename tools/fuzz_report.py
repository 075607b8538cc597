"""Runs the forge invariant suite and prints runs, calls, the handler's actions and reverts by reason, and time.

Usage: python tools/fuzz_report.py [--profile default|fuzz] [extra forge test arguments]

Forge prints its own result (runs, calls, the shrunk sequence of a broken invariant); after every run the test
contract appends one line of action counts and revert selectors to $DELTAVAULT_FUZZ_REPORT
(`VaultInvariants.afterInvariant`), which this script totals and decodes with the ABIs forge wrote to .forge/out.
Exits with forge's exit code.
"""

import json
import os
import re
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

from eth_utils import keccak

ROOT = Path(__file__).resolve().parent.parent
# VaultHandler.Action, in order.
ACTIONS = (
    "deposit mint withdraw redeem buy sellBack settle redeemOptions movePrice movePool setVol warp observe "
    "rebalance donateQuote donateBase setPaused listSeries roundTripShares roundTripOption requestDeposit "
    "requestRedeem fulfilDeposit fulfilRedeem"
).split()
BUILTIN = {"08c379a0": "Error(string)", "4e487b71": "Panic(uint256)", "00000000": "(no data)"}


def error_names() -> dict[str, str]:
    """Selector (hex, no 0x) -> error signature, from every ABI forge wrote."""
    names = dict(BUILTIN)
    for path in (ROOT / ".forge" / "out").rglob("*.json"):
        try:
            abi = json.loads(path.read_text()).get("abi", [])
        except (OSError, ValueError):
            continue
        for item in abi:
            if item.get("type") != "error":
                continue
            signature = f"{item['name']}({','.join(i['type'] for i in item['inputs'])})"
            names.setdefault(keccak(text=signature)[:4].hex(), signature)
    return names


def summarize(lines: list[str]) -> tuple[Counter, Counter, Counter, int, int, int]:
    calls, successes, reverts = Counter(), Counter(), Counter()
    rebalances = paused_exits = fulfilments = 0
    for line in lines:
        m = re.match(r"calls (.*) reverts(.*) rebalances (\d+) pausedExits (\d+) fulfilments (\d+)", line)
        if not m:
            continue
        for name, pair in zip(ACTIONS, m.group(1).split(), strict=True):
            made, ok = pair.split("/")
            calls[name] += int(made)
            successes[name] += int(ok)
        for item in m.group(2).split():
            selector, count = item.split(":")
            reverts[selector.removeprefix("0x")] += int(count)
        rebalances += int(m.group(3))
        paused_exits += int(m.group(4))
        fulfilments += int(m.group(5))
    return calls, successes, reverts, rebalances, paused_exits, fulfilments


def main(argv: list[str]) -> int:
    profile = "default"
    if argv[:1] == ["--profile"]:
        profile, argv = argv[1], argv[2:]
    # One file per profile, so that `make fuzz` and `make test-invariant` can run side by side.
    report = ROOT / ".forge" / "reports" / f"invariant-runs-{profile}.log"
    report.parent.mkdir(parents=True, exist_ok=True)
    report.unlink(missing_ok=True)
    env = dict(os.environ, FOUNDRY_PROFILE=profile, DELTAVAULT_FUZZ_REPORT=str(report.relative_to(ROOT)))
    started = time.monotonic()
    forge = subprocess.run(
        ["forge", "test", "--match-path", "tests/forge/invariant/*", *argv],
        cwd=ROOT,
        env=env,
        text=True,
        capture_output=True,
    )
    elapsed = time.monotonic() - started
    # Compiler warnings of the contracts are the Ape build's business; show forge's result.
    out = forge.stdout
    start = out.find("Ran ")
    print(out[start:] if start >= 0 else out, end="")
    if forge.returncode and forge.stderr:
        print(forge.stderr, file=sys.stderr, end="")

    lines = report.read_text().splitlines() if report.exists() else []
    calls, successes, reverts, rebalances, paused_exits, fulfilments = summarize(lines)
    result = re.search(r"runs: (\d+), calls: (\d+), reverts: (\d+)", out)
    print(f"\nprofile {profile}: ", end="")
    if result:
        print(f"{int(result[1]):,} sequences, {int(result[2]):,} calls ", end="")
    print(f"in {elapsed:.0f} s (compile included)")
    print(f"runs reported by the handler: {len(lines):,}; successful rebalances {rebalances:,}; ", end="")
    print(f"exits that worked while paused {paused_exits:,}; requests fulfilled {fulfilments:,}")
    if calls:
        print(f"\n{'action':<18}{'calls':>10}{'succeeded':>11}")
        for name in ACTIONS:
            print(f"{name:<18}{calls[name]:>10,}{successes[name]:>11,}")
    if reverts:
        names = error_names()
        print(f"\n{'vault and hedger reverts by reason':<72}{'count':>10}")
        for selector, count in reverts.most_common():
            print(f"{names.get(selector, '0x' + selector):<72}{count:>10,}")
    return forge.returncode


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
