"""The ABIs the package ships (`deltavault/abi/*.json`) and their export from Ape's build.

The SDK (`deltavault.Vault`, `deltavault.Hedger`) and the error decoder (`deltavault.errors`) bind contracts from
these files, so an installed package works outside this repository. `interfaces/abi/` holds the same JSON for
wallets and front ends. `make abi` (`python -m deltavault.abi`, after `ape compile`) regenerates both, and
`tests/unit/test_abi_export.py` checks that they equal the build.

Sources: the project's compiled contracts (`.build/__local__.json`), OpenZeppelin's `IERC20Metadata` artifact
(npm) for tokens, and `AggregatorV3Interface` (the functions declared in `interfaces/AggregatorV3Interface.sol`,
taken from the compiled feed) for Chainlink-compatible feeds.
"""

from __future__ import annotations

import json
import re
from functools import cache
from pathlib import Path

PACKAGE_ABI_DIR = Path(__file__).resolve().parent
ROOT = PACKAGE_ABI_DIR.parent.parent
MANIFEST = ROOT / ".build" / "__local__.json"
ABI_DIR = ROOT / "interfaces" / "abi"
OZ_BUILD = ROOT / "node_modules" / "@openzeppelin" / "contracts" / "build" / "contracts"
AGGREGATOR_SOURCE = ROOT / "interfaces" / "AggregatorV3Interface.sol"

# Contracts whose ABI is part of the product's public surface (also exported to interfaces/abi/).
USER_FACING: tuple[str, ...] = (
    "DeltaVault",
    "DeltaHedger",
    "MorphoBlueVenue",
    "OptionToken",
    "PolicyTimelock",
    "RequestQueue",
    "UniswapV3Adapter",
    "UniswapV3PoolAdapter",
    "VaultLens",
)
# Shipped with the package only: the engine (its Black-Scholes domain errors reach callers through the vault),
# the ERC-20 metadata interface and the Chainlink feed interface.
PACKAGE_ONLY: tuple[str, ...] = ("GreeksEngine", "IERC20Metadata", "AggregatorV3Interface")
PACKAGED: tuple[str, ...] = USER_FACING + PACKAGE_ONLY


def build_abis(manifest_path: Path = MANIFEST) -> dict[str, list]:
    """{contract name: ABI} of every packaged contract, from the compiled manifest and the npm artifacts."""
    if not manifest_path.is_file():
        raise SystemExit(f"{manifest_path} not found: run `ape compile` first")
    types = json.loads(manifest_path.read_text()).get("contractTypes", {})
    wanted = USER_FACING + ("GreeksEngine", "TestAggregator")
    missing = [name for name in wanted if name not in types]
    if missing:
        raise SystemExit(f"not in the build (run `ape compile`): {', '.join(missing)}")
    abis = {name: types[name]["abi"] for name in USER_FACING + ("GreeksEngine",)}
    abis["IERC20Metadata"] = json.loads((OZ_BUILD / "IERC20Metadata.json").read_text())["abi"]
    declared = set(re.findall(r"function\s+(\w+)\s*\(", AGGREGATOR_SOURCE.read_text()))
    abis["AggregatorV3Interface"] = [
        entry
        for entry in types["TestAggregator"]["abi"]
        if entry.get("type") == "function" and entry.get("name") in declared
    ]
    return abis


def build_error_docs(manifest_path: Path = MANIFEST) -> dict[str, str]:
    """{error signature: its NatSpec sentence} for the custom errors of the packaged contracts (`@notice`, else
    OpenZeppelin's `@dev`), shipped as `errors.json` so the decoder explains an error in the contract's words."""
    types = json.loads(manifest_path.read_text()).get("contractTypes", {})
    docs: dict[str, str] = {}
    for name in USER_FACING + ("GreeksEngine",):
        for kind, key in (("devdoc", "details"), ("userdoc", "notice")):  # the notice wins
            for signature, entries in types[name].get(kind, {}).get("errors", {}).items():
                text = " ".join(str(entries[0].get(key, "")).split())
                if text:
                    docs[signature] = text
    return dict(sorted(docs.items()))


def render(abi: list) -> str:
    return json.dumps(abi, indent=2, sort_keys=True) + "\n"


@cache
def error_docs() -> dict[str, str]:
    """{error signature: NatSpec sentence} shipped with the package (empty when the file is missing)."""
    path = PACKAGE_ABI_DIR / "errors.json"
    return json.loads(path.read_text()) if path.is_file() else {}


@cache
def load(name: str) -> list[dict]:
    """The ABI of a packaged contract (one of `PACKAGED`), from the package's own files."""
    path = PACKAGE_ABI_DIR / f"{name}.json"
    if not path.is_file():
        raise FileNotFoundError(f"{path} is missing from the package: run `make abi`")
    return json.loads(path.read_text())


def main() -> None:
    ABI_DIR.mkdir(parents=True, exist_ok=True)
    for name, abi in build_abis().items():
        text = render(abi)
        (PACKAGE_ABI_DIR / f"{name}.json").write_text(text)
        print(f"wrote deltavault/abi/{name}.json")
        if name in USER_FACING:
            (ABI_DIR / f"{name}.json").write_text(text)
            print(f"wrote {ABI_DIR.relative_to(ROOT)}/{name}.json")
    (PACKAGE_ABI_DIR / "errors.json").write_text(json.dumps(build_error_docs(), indent=2) + "\n")
    print("wrote deltavault/abi/errors.json")


if __name__ == "__main__":
    main()
