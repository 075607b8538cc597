"""DeltaVault tooling: the SDK (`Vault`, `Hedger`), the keeper's decision and loop, the error decoder, and the
deployment helpers shared by scripts, bots and tests. The local market of the repository (Uniswap V3 from npm
artifacts, Morpho Blue, the whole stack) lives in `deltavault.local`, which this package never imports."""

from deltavault.errors import ContractError
from deltavault.sdk import DeploymentError, Hedger, Vault

__all__ = ["ContractError", "DeploymentError", "Hedger", "Vault"]
