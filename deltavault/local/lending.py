"""The short leg's lending market: the real Morpho Blue, an interest-rate model, the market's oracle and the
vault's borrow venue (`MorphoBlueVenue`).

Morpho Blue ships as Solidity source only (npm `@morpho-org/morpho-blue`, `src/Morpho.sol`, `pragma solidity
0.8.19` exactly). `build_morpho` compiles it with the pinned solcjs 0.8.19 registered by `tools/solc/register.sh`
(`.solcx/solc-v0.8.19`), never a downloaded compiler, with the settings of Morpho's own build (`foundry.toml` of
morpho-blue: via IR, optimizer 999,999 runs, EVM paris, no metadata hash), and keeps the artifact in
`.build/morpho-blue/Morpho.json` until the source, the settings or the compiler change. The project's own
contracts (0.8.28) are compiled by Ape as usual; they import Morpho's interfaces and libraries through the
`@morpho-org/morpho-blue` remapping.

A local market is `deploy_morpho` (or an existing Morpho), `deploy_irm` (our `LinearIrm`; live networks use
Morpho's AdaptiveCurveIrm at the address of the network file), `deploy_oracle` (`ChainlinkMorphoOracle` over the
vault's price feed), `create_market` (enable the IRM and the LLTV when needed, create the market) and
`supply_liquidity` (lenders supply the base); `deploy_lending_market` does all of it. `deploy_venue` adds the
vault's `MorphoBlueVenue` once the vault exists.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # keep `import deltavault.local.lending` cheap; Ape is imported on first use
    from ape.contracts import ContractContainer, ContractInstance
    from ethpm_types import ContractType

ROOT = Path(__file__).resolve().parents[2]
NODE_MODULES = ROOT / "node_modules"
MORPHO_PACKAGE = NODE_MODULES / "@morpho-org" / "morpho-blue"
MORPHO_SOURCE = "src/Morpho.sol"
MORPHO_SOLC_VERSION = "0.8.19"
BUILD_DIR = ROOT / ".build" / "morpho-blue"

WAD = 10**18
ZERO_ADDRESS = "0x0000000000000000000000000000000000000000"
YEAR = 365 * 86_400

# Morpho Blue's own build settings (morpho-blue foundry.toml, profile default).
MORPHO_SETTINGS: dict[str, Any] = {
    "viaIR": True,
    "optimizer": {"enabled": True, "runs": 999_999},
    "evmVersion": "paris",
    "metadata": {"bytecodeHash": "none"},
    "outputSelection": {
        MORPHO_SOURCE: {"Morpho": ["abi", "evm.bytecode.object", "evm.deployedBytecode.object"]}
    },
}

# Keys this module adds to a deployment record (deployments/<chain id>.json), with their meaning.
DEPLOYMENT_KEYS: dict[str, str] = {
    "morpho": "Morpho Blue singleton holding the short leg's lending market",
    "morphoIrm": "interest-rate model of the market (LinearIrm locally, AdaptiveCurveIrm on live networks)",
    "morphoOracle": "ChainlinkMorphoOracle of the market: quote price in base units, 1e36 scale",
    "morphoMarketId": "Morpho market id (bytes32 hex): keccak256 of (loan, collateral, oracle, irm, lltv)",
    "morphoLltv": "liquidation loan-to-value of the market, WAD (int)",
    "borrowVenue": "MorphoBlueVenue: the vault's position on the market (null before the vault is wired to it)",
}
# Keys of deployments/networks/<network>.json this module reads.
NETWORK_KEYS: dict[str, str] = {
    "morpho": "Morpho Blue singleton of the network (npm @morpho-org/morpho-ts: blue)",
    "morphoIrm": "Morpho's AdaptiveCurveIrm of the network (npm @morpho-org/morpho-ts: adaptiveCurveIrm)",
    "morphoOracleFactory": "MorphoChainlinkOracleV2Factory of the network (morpho-ts: chainlinkOracleFactory)",
}


class LendingError(Exception):
    """The lending market cannot be built or deployed as asked (one-line message naming the problem)."""


def _address(value: Any) -> str:
    """The address of a contract instance or account, or `value` itself when it already is one."""
    return getattr(value, "address", value)


# ---------------------------------------------------------------------------------------------------------
# Building Morpho Blue
# ---------------------------------------------------------------------------------------------------------


def solc_executable(version: str = MORPHO_SOLC_VERSION) -> Path:
    """The registered compiler of `version` in `$SOLCX_BINARY_PATH` (default `.solcx/`)."""
    path = Path(os.environ.get("SOLCX_BINARY_PATH") or ROOT / ".solcx") / f"solc-v{version}"
    if not os.access(path, os.X_OK):
        raise LendingError(f"solc {version} is not registered ({path} missing): run `make setup`")
    return path


def morpho_standard_input() -> dict[str, Any]:
    """The standard-JSON input compiling Morpho Blue: `src/Morpho.sol` (its imports are read from the package
    by the compiler, relative to `--base-path`) with Morpho's own settings."""
    path = MORPHO_PACKAGE / MORPHO_SOURCE
    if not path.is_file():
        raise LendingError(
            f"{path} not found: run `npm ci` (@morpho-org/morpho-blue is pinned in package.json)"
        )
    return {
        "language": "Solidity",
        "sources": {MORPHO_SOURCE: {"content": path.read_text()}},
        "settings": MORPHO_SETTINGS,
    }


def _source_digest(version: str) -> str:
    """Digest of every input of the build: all Solidity files of the package, the settings, the compiler."""
    digest = hashlib.sha256()
    for path in sorted((MORPHO_PACKAGE / "src").rglob("*.sol")):
        digest.update(str(path.relative_to(MORPHO_PACKAGE)).encode())
        digest.update(path.read_bytes())
    digest.update(json.dumps(MORPHO_SETTINGS, sort_keys=True).encode())
    digest.update(version.encode())
    return digest.hexdigest()


def build_morpho(*, force: bool = False, build_dir: Path = BUILD_DIR) -> Path:
    """Compile Morpho Blue with the registered solc 0.8.19 (about 10 s); the artifact is reused while its inputs
    are unchanged. Returns the artifact's path (hardhat-like: contractName, abi, bytecode, deployedBytecode)."""
    artifact = build_dir / "Morpho.json"
    digest = _source_digest(MORPHO_SOLC_VERSION)
    if not force and artifact.is_file():
        try:
            if json.loads(artifact.read_text()).get("inputDigest") == digest:
                return artifact
        except json.JSONDecodeError:
            pass  # a truncated artifact is rebuilt
    solc = solc_executable()
    request = morpho_standard_input()
    result = subprocess.run(
        [str(solc), "--standard-json", "--base-path", str(MORPHO_PACKAGE)],
        input=json.dumps(request),
        capture_output=True,
        text=True,
        check=False,
        timeout=600,
    )
    if result.returncode != 0:
        raise LendingError(f"solc {MORPHO_SOLC_VERSION} failed: {result.stderr.strip().splitlines()[-1:]}")
    output = json.loads(result.stdout)
    errors = [e for e in output.get("errors", []) if e.get("severity") == "error"]
    if errors:
        raise LendingError(f"Morpho Blue does not compile: {errors[0].get('message')}")
    contract = output["contracts"][MORPHO_SOURCE]["Morpho"]
    version = subprocess.run(
        [str(solc), "--version"], capture_output=True, text=True, check=True
    ).stdout.splitlines()[-1]
    data = {
        "contractName": "Morpho",
        "sourceName": f"@morpho-org/morpho-blue/{MORPHO_SOURCE}",
        "abi": contract["abi"],
        "bytecode": "0x" + contract["evm"]["bytecode"]["object"],
        "deployedBytecode": "0x" + contract["evm"]["deployedBytecode"]["object"],
        "compiler": {"version": version.removeprefix("Version: "), "settings": MORPHO_SETTINGS},
        "inputDigest": digest,
    }
    build_dir.mkdir(parents=True, exist_ok=True)
    tmp = artifact.with_suffix(".tmp")
    tmp.write_text(json.dumps(data, indent=1) + "\n")
    tmp.replace(artifact)  # atomic: a concurrent reader never sees half a file
    return artifact


@cache
def morpho_contract_type() -> ContractType:
    """Morpho Blue's `ContractType` (ABI, creation and runtime bytecode), built on first use."""
    from deltavault.local.artifacts import parse_artifact

    return parse_artifact(json.loads(build_morpho().read_text()), name="Morpho")


def morpho_container() -> ContractContainer:
    """An Ape container for Morpho Blue: `deployer.deploy(morpho_container(), owner)`, `.at(address)`."""
    from ape.contracts import ContractContainer

    return ContractContainer(morpho_contract_type())


# ---------------------------------------------------------------------------------------------------------
# Market parameters
# ---------------------------------------------------------------------------------------------------------


def to_wad(value: Decimal | float | int | str, name: str) -> int:
    """`value` (a plain number, e.g. 0.86) as WAD; a one-line error for anything that is not a number."""
    try:
        number = Decimal(str(value))
    except ArithmeticError:
        raise LendingError(f"{name} must be a number, got {value!r}") from None
    if not number.is_finite():
        raise LendingError(f"{name} must be a finite number, got {value!r}")
    return int(number * WAD)


@dataclass(frozen=True)
class IrmParams:
    """`LinearIrm`'s yearly rates (plain fractions: 0.05 = 5 % a year) and its kink (utilization fraction)."""

    base_rate: Decimal = Decimal("0.005")
    slope1: Decimal = Decimal("0.05")
    slope2: Decimal = Decimal("1.0")
    kink: Decimal = Decimal("0.9")

    def as_args(self) -> tuple[int, int, int, int]:
        """Constructor arguments of `LinearIrm` (WAD)."""
        values = (
            to_wad(self.base_rate, "base_rate"),
            to_wad(self.slope1, "slope1"),
            to_wad(self.slope2, "slope2"),
            to_wad(self.kink, "kink"),
        )
        if min(values) < 0:
            raise LendingError(f"interest-rate parameters must not be negative, got {self}")
        if not 0 < values[3] < WAD:
            raise LendingError(f"kink must be strictly between 0 and 1, got {self.kink}")
        return values


DEFAULT_IRM = IrmParams()
# One of the LLTVs Morpho governance enables; 0.86 is the usual one for a volatile/stable pair.
DEFAULT_LLTV = Decimal("0.86")


@dataclass(frozen=True)
class MarketParams:
    """Morpho's `MarketParams`: loan token (the vault's base), collateral token (its quote), oracle, IRM, LLTV."""

    loan_token: str
    collateral_token: str
    oracle: str
    irm: str
    lltv: int

    def as_tuple(self) -> tuple[str, str, str, str, int]:
        return (self.loan_token, self.collateral_token, self.oracle, self.irm, self.lltv)

    @property
    def id(self) -> bytes:
        """The market id, as Morpho's `MarketParamsLib.id`: keccak256 of the five ABI-encoded fields."""
        from eth_abi import encode
        from eth_utils import keccak

        return keccak(encode(["address", "address", "address", "address", "uint256"], list(self.as_tuple())))


@dataclass
class LendingMarket:
    """A Morpho Blue market lending the base against the quote (Ape contract instances)."""

    morpho: ContractInstance
    irm: Any
    oracle: ContractInstance
    params: MarketParams

    @property
    def id(self) -> bytes:
        return self.params.id

    def record(self, venue: Any = None) -> dict[str, Any]:
        """The deployment-record keys of `DEPLOYMENT_KEYS` for this market (and the vault's venue, if any)."""
        return {
            "morpho": self.morpho.address,
            "morphoIrm": _address(self.irm),
            "morphoOracle": self.oracle.address,
            "morphoMarketId": "0x" + self.id.hex(),
            "morphoLltv": self.params.lltv,
            "borrowVenue": _address(venue),
        }


# ---------------------------------------------------------------------------------------------------------
# Deployment
# ---------------------------------------------------------------------------------------------------------


def deploy_morpho(deployer: Any, owner: Any = None) -> ContractInstance:
    """Deploy Morpho Blue, owned by `owner` (default: the deployer), who may enable IRMs and LLTVs."""
    return deployer.deploy(morpho_container(), _address(owner) or deployer.address)


def deploy_irm(deployer: Any, params: IrmParams = DEFAULT_IRM) -> ContractInstance:
    """Deploy our `LinearIrm` with `params`."""
    from ape import project

    return deployer.deploy(project.LinearIrm, *params.as_args())


def deploy_oracle(
    deployer: Any,
    price_feed: Any,
    base: Any,
    quote: Any,
    *,
    max_age: int = 3600,
    sequencer_feed: Any = None,
    sequencer_grace_period: int = 0,
) -> ContractInstance:
    """Deploy the market's `ChainlinkMorphoOracle` over the vault's base/quote `price_feed`."""
    from ape import project

    if int(max_age) <= 0:
        raise LendingError(f"max_age must be a positive number of seconds, got {max_age}")
    return deployer.deploy(
        project.ChainlinkMorphoOracle,
        price_feed,
        int(max_age),
        base,
        quote,
        _address(sequencer_feed) or ZERO_ADDRESS,
        int(sequencer_grace_period),
    )


def create_market(
    deployer: Any,
    morpho: Any,
    *,
    base: Any,
    quote: Any,
    oracle: Any,
    irm: Any,
    lltv: Decimal | float | str = DEFAULT_LLTV,
) -> MarketParams:
    """Enable `irm` and `lltv` on Morpho when they are not yet (only Morpho's owner can) and create the market
    lending `base` against `quote` (anyone can); an existing market is reused."""
    lltv_wad = to_wad(lltv, "lltv")
    if not 0 < lltv_wad < WAD:
        raise LendingError(f"lltv must be strictly between 0 and 1, got {lltv}")
    params = MarketParams(
        loan_token=_address(base),
        collateral_token=_address(quote),
        oracle=_address(oracle),
        irm=_address(irm),
        lltv=lltv_wad,
    )
    if params.loan_token == params.collateral_token:
        raise LendingError("the loan token (base) and the collateral token (quote) must differ")
    is_owner = morpho.owner() == deployer.address
    if not morpho.isIrmEnabled(params.irm):
        if not is_owner:
            raise LendingError(
                f"Morpho {morpho.address} has not enabled the IRM {params.irm} (only its owner can)"
            )
        morpho.enableIrm(params.irm, sender=deployer)
    if not morpho.isLltvEnabled(lltv_wad):
        if not is_owner:
            raise LendingError(
                f"Morpho {morpho.address} has not enabled the LLTV {lltv} (only its owner can)"
            )
        morpho.enableLltv(lltv_wad, sender=deployer)
    if morpho.market(params.id).lastUpdate == 0:
        morpho.createMarket(params.as_tuple(), sender=deployer)
    return params


def fund(token: Any, account: Any, amount: int) -> None:
    """Make `account` hold at least `amount` of `token` on a local chain: wrap ETH for WETH9, otherwise call the
    test token's open `mint`."""
    balance = token.balanceOf(account)
    if balance >= amount:
        return
    shortfall = amount - balance
    if "deposit" in token.contract_type.mutable_methods and "mint" not in token.contract_type.mutable_methods:
        from ape import chain

        needed = shortfall + 10**18  # leave gas money
        if account.balance < needed:
            chain.provider.set_balance(account.address, account.balance + needed)
        token.deposit(value=shortfall, sender=account)
    else:
        token.mint(account, shortfall, sender=account)


def supply_liquidity(
    morpho: Any, params: MarketParams, base: Any, lenders: Sequence[tuple[Any, int]], *, mint: bool = True
) -> None:
    """Each `(lender, amount)` supplies `amount` base units to the market (minted or wrapped first when `mint`)."""
    for lender, amount in lenders:
        if int(amount) <= 0:
            raise LendingError(f"a lender's supply must be positive, got {amount}")
        if mint:
            fund(base, lender, int(amount))
        if base.allowance(lender, morpho) < amount:
            base.approve(morpho, 2**256 - 1, sender=lender)
        morpho.supply(params.as_tuple(), int(amount), 0, lender, b"", sender=lender)


def deploy_lending_market(
    deployer: Any,
    *,
    base: Any,
    quote: Any,
    price_feed: Any,
    price_max_age: int = 3600,
    sequencer_feed: Any = None,
    sequencer_grace_period: int = 0,
    morpho: Any = None,
    irm: Any = None,
    irm_params: IrmParams = DEFAULT_IRM,
    lltv: Decimal | float | str = DEFAULT_LLTV,
    lenders: Sequence[tuple[Any, int]] = (),
) -> LendingMarket:
    """A complete market: Morpho (deployed unless given), the IRM (a `LinearIrm` unless given), the oracle over
    `price_feed`, the market created, and `lenders` supplying base."""
    morpho = morpho if morpho is not None else deploy_morpho(deployer)
    if isinstance(morpho, str):
        morpho = morpho_container().at(morpho)
    irm = irm if irm is not None else deploy_irm(deployer, irm_params)
    oracle = deploy_oracle(
        deployer,
        price_feed,
        base,
        quote,
        max_age=price_max_age,
        sequencer_feed=sequencer_feed,
        sequencer_grace_period=sequencer_grace_period,
    )
    params = create_market(deployer, morpho, base=base, quote=quote, oracle=oracle, irm=irm, lltv=lltv)
    if lenders:
        supply_liquidity(morpho, params, base, lenders)
    return LendingMarket(morpho=morpho, irm=irm, oracle=oracle, params=params)


def deploy_venue(deployer: Any, market: LendingMarket, vault: Any) -> ContractInstance:
    """Deploy the vault's `MorphoBlueVenue` on `market`. The vault must then allow the venue to pull its quote
    (collateral) and base (repayments) with `approve`."""
    from ape import project

    return deployer.deploy(project.MorphoBlueVenue, market.morpho, market.params.as_tuple(), vault)


if __name__ == "__main__":
    # `make contracts`: built before Python's packages are installed (this module needs only the standard
    # library, npm's compiler and the registered wrapper).
    print(build_morpho())
