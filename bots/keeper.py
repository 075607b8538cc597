"""Silverback bot: the DeltaVault keeper as a managed, event-driven service.

    DELTAVAULT_DEPLOYMENT=deployments/11155111.json DELTAVAULT_MAX_GAS_PRICE_GWEI=30 \
        silverback run bots.keeper:bot --network ethereum:sepolia:node --account keeper

On every new block it runs one step of the same `deltavault.keeper.Keeper` as `ape run keeper run` (one batched
read, the pure decision, at most one rebalance in flight) and returns the step as metrics (with a short leg: `short_blocked`, the hedgers whose short leg cannot act,
and `short_max_ltv`, the highest loan-to-value; the keeper logs a blocked short leg once). Needs the `dev`
extras (silverback 0.7.38); importing this module without silverback installed raises ImportError.
"""

import os

from ape import chain
from silverback import SilverbackBot

from deltavault.cli import parse_gas_price
from deltavault.keeper import Keeper, KeeperConfig
from deltavault.registry import read_deployment

bot = SilverbackBot()


def _config() -> KeeperConfig:
    ceiling = os.environ.get("DELTAVAULT_MAX_GAS_PRICE_GWEI")
    return KeeperConfig(
        max_gas_price=parse_gas_price(f"{ceiling}gwei") if ceiling else None,
        require_profit=os.environ.get("DELTAVAULT_ALLOW_UNPROFITABLE", "") == "",
        log_every_block=False,
    )


@bot.on_startup()
def start_keeper(_startup_state):
    if bot.signer is None:
        raise RuntimeError("the keeper bot needs a signer: pass --account")
    files = os.environ.get("DELTAVAULT_DEPLOYMENT")
    sources = files.split(",") if files else [chain.chain_id]
    deployments = [read_deployment(source, chain_id=chain.chain_id) for source in sources]
    bot.state.keeper = Keeper.from_deployments(deployments, bot.signer, config=_config())


@bot.on_(chain.blocks)
def rebalance_when_due(block):
    keeper: Keeper = bot.state.keeper
    result = keeper.tick(block_number=block.number)
    if result is None:
        return {}
    metrics = {
        "due": sum(1 for v in result.views if v.status is not None and v.status.due),
        "sent": int(result.sent is not None),
        "rebalances": len(keeper.rebalances),
        "base_fee_gwei": result.basefee / 10**9,
    }
    shorts = [v for v in result.views if v.short is not None]
    if shorts:
        # The short leg: how many hedgers cannot act on it (no liquidity, venue paused, ...; the keeper logs
        # the reason once), and the highest loan-to-value among the shorts (a fraction).
        metrics["short_blocked"] = sum(1 for v in shorts if v.blocked)
        metrics["short_max_ltv"] = max((v.short.ltv or 0) for v in shorts) / 10**18
    return metrics
