"""Load compiled third-party contracts (Uniswap V3, WETH9) from their npm artifacts as Ape containers.

The npm packages ship ABI + creation bytecode, so the real protocol contracts deploy on a local chain without
being compiled here. Two artifact formats are understood:

- hardhat (`_format: hh-sol-artifact-1`): `contractName`, `abi`, `bytecode`, `deployedBytecode`,
  `linkReferences`;
- truffle (`canonical-weth`): `contractName`, `abi`, `bytecode`, `deployedBytecode`.

Artifacts that need library linking are refused (none of the contracts in `ARTIFACTS` do).
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # keep `import deltavault.local.artifacts` cheap; Ape is imported on first load
    from ape.contracts import ContractContainer
    from ethpm_types import ContractType

ROOT = Path(__file__).resolve().parents[2]
NODE_MODULES = ROOT / "node_modules"

_V3_CORE = "@uniswap/v3-core/artifacts/contracts"
_V3_PERIPHERY = "@uniswap/v3-periphery/artifacts/contracts"
_ROUTER02 = "@uniswap/swap-router-contracts/artifacts/contracts"

# Contract name -> artifact path relative to node_modules.
ARTIFACTS: dict[str, str] = {
    "UniswapV3Factory": f"{_V3_CORE}/UniswapV3Factory.sol/UniswapV3Factory.json",
    "UniswapV3Pool": f"{_V3_CORE}/UniswapV3Pool.sol/UniswapV3Pool.json",
    "SwapRouter": f"{_V3_PERIPHERY}/SwapRouter.sol/SwapRouter.json",
    "NonfungiblePositionManager": (
        f"{_V3_PERIPHERY}/NonfungiblePositionManager.sol/NonfungiblePositionManager.json"
    ),
    "QuoterV2": f"{_V3_PERIPHERY}/lens/QuoterV2.sol/QuoterV2.json",
    "SwapRouter02": f"{_ROUTER02}/SwapRouter02.sol/SwapRouter02.json",
    "WETH9": "canonical-weth/build/contracts/WETH9.json",
}


class ArtifactError(Exception):
    """An artifact is missing, malformed or needs linking."""


def artifact_path(name: str, node_modules: Path = NODE_MODULES) -> Path:
    """Path of the npm artifact for `name` (a key of `ARTIFACTS`)."""
    try:
        relative = ARTIFACTS[name]
    except KeyError:
        raise ArtifactError(f"unknown artifact {name!r}; known: {', '.join(sorted(ARTIFACTS))}") from None
    return node_modules / relative


def _hex(value: object) -> str:
    if not isinstance(value, str) or not value.startswith("0x"):
        raise ArtifactError("bytecode is not a 0x-prefixed hex string")
    return value


def parse_artifact(data: dict, *, name: str | None = None) -> ContractType:
    """Turn a parsed hardhat or truffle artifact into an `ethpm_types.ContractType`."""
    from ethpm_types import ContractType

    for key in ("abi", "bytecode"):
        if key not in data:
            raise ArtifactError(f"artifact has no {key!r} field")
    if data.get("linkReferences"):
        raise ArtifactError(f"artifact needs library linking: {sorted(data['linkReferences'])}")
    bytecode = _hex(data["bytecode"])
    if "__" in bytecode:  # truffle leaves `__LibName____` placeholders for unlinked libraries
        raise ArtifactError("artifact bytecode has unlinked library placeholders")
    contract_type = {
        "contractName": name or data.get("contractName"),
        "abi": data["abi"],
        "deploymentBytecode": {"bytecode": bytecode},
    }
    if data.get("deployedBytecode"):
        contract_type["runtimeBytecode"] = {"bytecode": _hex(data["deployedBytecode"])}
    if data.get("sourceName"):
        contract_type["sourceId"] = data["sourceName"]
    return ContractType.model_validate(contract_type)


@cache
def load_contract_type(name: str, node_modules: Path = NODE_MODULES) -> ContractType:
    """The `ContractType` (ABI + creation and runtime bytecode) of a named npm artifact; cached."""
    path = artifact_path(name, node_modules)
    if not path.is_file():
        raise ArtifactError(f"{name}: {path} not found (run `npm ci`)")
    return parse_artifact(json.loads(path.read_text()), name=name)


def load_container(name: str, node_modules: Path = NODE_MODULES) -> ContractContainer:
    """An Ape `ContractContainer` for a named npm artifact: `account.deploy(container, ...)`, `container.at(a)`.

    The `ContractType` is cached; the container is a thin wrapper, built on each call.
    """
    from ape.contracts import ContractContainer

    return ContractContainer(load_contract_type(name, node_modules))
