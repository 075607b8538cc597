"""Helpers for calling DeltaVault contracts through Ape."""

from typing import Any

ERC4626_REDEEM = "redeem(uint256,address,address)"
OPTION_REDEEM = "redeem(uint256,uint256,address)"


def method(contract: Any, signature: str) -> Any:
    """The handler of one overload of a contract method, chosen by its signature.

    DeltaVault has two `redeem` functions (ERC-4626 shares, and settled options), which Ape cannot tell apart
    by argument types (an address also encodes as a uint256); callers pick one explicitly with this.
    """
    from ape.contracts.base import ContractCallHandler, ContractTransactionHandler

    name = signature.split("(", 1)[0]
    abis = [abi for abi in contract.contract_type.methods if abi.name == name and abi.selector == signature]
    if not abis:
        raise ValueError(f"{signature} is not a method of {contract.contract_type.name}")
    handler = (
        ContractCallHandler if abis[0].stateMutability in ("view", "pure") else ContractTransactionHandler
    )
    return handler(contract, abis)
