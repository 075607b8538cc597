"""Export the ABI of every user-facing contract from Ape's build into `interfaces/abi/`.

Wallets and integrators read these files; `make abi` regenerates them and a test checks that they match the
build. Run as `python -m deltavault.abi` after `ape compile`.
"""

import json
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MANIFEST = ROOT / ".build" / "__local__.json"
ABI_DIR = ROOT / "interfaces" / "abi"

# Contracts whose ABI is part of the product's public surface.
USER_FACING: tuple[str, ...] = (
    "DeltaVault",
    "DeltaHedger",
    "OptionToken",
    "RequestQueue",
    "UniswapV3Adapter",
    "UniswapV3PoolAdapter",
    "VaultLens",
)


def build_abis(manifest_path: Path = MANIFEST) -> dict[str, list]:
    """Return {contract name: ABI} for the user-facing contracts found in the compiled manifest."""
    manifest = json.loads(manifest_path.read_text())
    types = manifest.get("contractTypes", {})
    missing = [name for name in USER_FACING if name not in types]
    if missing:
        raise SystemExit(f"not in the build (run `ape compile`): {', '.join(missing)}")
    return {name: types[name]["abi"] for name in USER_FACING}


def render(abi: list) -> str:
    return json.dumps(abi, indent=2, sort_keys=True) + "\n"


def main() -> None:
    ABI_DIR.mkdir(parents=True, exist_ok=True)
    for name, abi in build_abis().items():
        (ABI_DIR / f"{name}.json").write_text(render(abi))
        print(f"wrote {ABI_DIR.relative_to(ROOT)}/{name}.json")


if __name__ == "__main__":
    main()
