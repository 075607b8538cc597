"""DeltaVault tooling: the SDK (`Vault`, `Hedger`), the keeper's decision and loop, the error decoder, and the
deployment helpers shared by scripts, bots and tests."""

from deltavault.errors import ContractError
from deltavault.sdk import DeploymentError, Hedger, Vault

__all__ = ["ContractError", "DeploymentError", "Hedger", "Vault"]
