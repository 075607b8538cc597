"""Helpers of the fork suite: the forked market, the keeper step, price moves, one-block bundles, errors."""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from decimal import Decimal
from typing import Any

from deltavault.deploy import VaultSystem
from deltavault.local.uniswap import Pool, UniswapV3, input_to_reach_price, pool_price, swap_to_price
from deltavault.policy import WAD, ZERO_ADDRESS, HedgePolicy, OracleConfig
from tests.utils.constants import GWEI
from tests.utils.events import rebalanced  # noqa: F401 (the fork tests import it from here)

# ---------------------------------------------------------------------------------------------------------
# The forked market
# ---------------------------------------------------------------------------------------------------------


@dataclass
class Market:
    """The upstream's tokens, pool, router and feed, as contracts on the fork."""

    quote: Any
    base: Any
    pool: Pool
    router: Any
    router_has_deadline: bool
    feed: Any
    price_max_age: int  # seconds: the feed's heartbeat plus a margin
    feed_owner: Any  # impersonated; None on a real chain (the feed cannot be pushed)
    whales: list[str]
    local: bool
    raw: dict[str, Any] = field(repr=False, default_factory=dict)
    morpho: Any = None  # Morpho Blue of the upstream (None when the market file names none)
    lending: Any = None  # the upstream's base/quote lending market (`deltavault.local.lending.LendingMarket`)

    @classmethod
    def load(cls, data: dict[str, Any], *, local: bool) -> Market:
        from ape import accounts, project

        from deltavault.local.artifacts import load_container

        quote = project.TestERC20.at(data["quoteToken"])  # ERC-20 calls only (a superset ABI)
        base = load_container("WETH9").at(data["baseToken"])
        pool = Pool.from_contract(load_container("UniswapV3Pool").at(data["pool"]), base, quote)
        router = load_container("SwapRouter" if data["routerHasDeadline"] else "SwapRouter02").at(
            data["swapRouter"]
        )
        feed = project.TestAggregator.at(data["priceFeed"])  # AggregatorV3 calls only on a real chain
        owner = accounts[data["feedOwner"]] if data.get("feedOwner") else None
        morpho = lending_market = None
        if data.get("morpho"):
            from deltavault.local.lending import LendingMarket, MarketParams, morpho_container

            morpho = morpho_container().at(data["morpho"])
            if data.get("morphoMarketId"):
                params = MarketParams(
                    loan_token=base.address,
                    collateral_token=quote.address,
                    oracle=data["morphoOracle"],
                    irm=data["morphoIrm"],
                    lltv=int(data["morphoLltv"]),
                )
                assert "0x" + params.id.hex() == data["morphoMarketId"].lower()
                oracle = project.ChainlinkMorphoOracle.at(data["morphoOracle"])
                lending_market = LendingMarket(morpho, data["morphoIrm"], oracle, params)
        return cls(
            quote=quote,
            base=base,
            pool=pool,
            router=router,
            router_has_deadline=data["routerHasDeadline"],
            feed=feed,
            price_max_age=data["priceMaxAge"],
            feed_owner=owner,
            whales=list(data["whales"]),
            local=local,
            raw=data,
            morpho=morpho,
            lending=lending_market,
        )

    @property
    def uni(self) -> UniswapV3:
        """Enough of `UniswapV3` for the swap helpers (they use the router and WETH only)."""
        return UniswapV3(
            factory=None,
            router=self.router,
            router_v1=self.router,
            position_manager=None,
            weth=self.base,
        )

    @property
    def q(self) -> int:
        return 10 ** self.quote.decimals()

    def oracle_price(self) -> Decimal:
        return Decimal(self.feed.latestRoundData().answer) / 10 ** self.feed.decimals()

    def pool_price(self) -> Decimal:
        return pool_price(self.pool)

    def option_token_balance(self, system: Any, holder: Any, series_id: int) -> int:
        return system.option_token.balanceOf(holder, series_id)

    def take_quote(self, receiver: Any, amount: int) -> None:
        """Move `amount` quote units from the first whale holding them to `receiver` (impersonation)."""
        from ape import accounts

        for address in self.whales:
            if self.quote.balanceOf(address) >= amount:
                self.quote.transfer(receiver, amount, sender=accounts[address])
                return
        raise AssertionError(f"no whale of {self.whales} holds {amount} quote units")

    def push_price(self, price: Decimal | int | float) -> int:
        """A new feed round answering `price` (impersonating the feed's owner); returns its round id."""
        assert self.feed_owner is not None, "a real chain's feed cannot be pushed"
        self.feed.pushAnswer(int(Decimal(str(price)) * 10 ** self.feed.decimals()), sender=self.feed_owner)
        return self.feed.latestRoundData().roundId

    def move_price(self, price: Decimal | int | float, trader: Any, *, push: bool = True) -> None:
        """Move the pool to `price` with a real swap by `trader` (and the feed to the same price). Quote for the
        swap comes from a whale (never minted); WETH is wrapped from ETH."""
        token_in, amount, _ = input_to_reach_price(self.pool, price)
        budget = amount + amount // 10_000 + 1_000  # what `swap_to_price` spends at most
        if token_in.address == self.quote.address and self.quote.balanceOf(trader) < budget:
            self.take_quote(trader, budget - self.quote.balanceOf(trader))
        swap_to_price(self.uni, self.pool, price, trader, use_router_v1=self.router_has_deadline)
        if push:
            self.push_price(price)


@dataclass
class ForkSystem(VaultSystem):
    """The vault system of `deltavault.deploy` on the fork, with the VaultLens the keeper reads through."""

    lens: Any = None
    borrow_venue: Any = None  # MorphoBlueVenue of the short leg (None without one)
    lending: Any = None  # the lending market the venue borrows from

    def deployment(self) -> dict[str, Any]:
        """The registry record `ape run keeper` loads (the keys the keeper uses, and the addresses)."""
        from ape import chain

        record = {"chainId": chain.chain_id, **self.addresses(), "lens": self.lens.address}
        if self.borrow_venue is not None:
            record.update(self.lending.record(self.borrow_venue))
        return record


def deploy_system(
    market: Market,
    owner: Any,
    manager: Any,
    guardian: Any,
    *,
    short_policy: tuple[int, int, int] | None = None,
    **policy_changes: Any,
) -> ForkSystem:
    """The vault system of `deltavault.deploy`, wired to the forked market's tokens, pool, router and feed, and
    a VaultLens (as `ape run deploy` deploys with a system). With `short_policy` (targetLtv, maxLtv, maxBaseOwed;
    WAD), also the short leg: a MorphoBlueVenue on the upstream's lending market, set on the vault, and the
    hedger's short policy."""
    from ape import project

    from deltavault.deploy import deploy_vault_system
    from deltavault.local.lending import deploy_venue

    system = deploy_vault_system(
        owner,
        quote=market.quote,
        base=market.base,
        price_feed=market.feed,
        pool=market.pool.contract,
        router=market.router,
        router_has_deadline=market.router_has_deadline,
        oracle=OracleConfig(
            price_feed=market.feed.address,
            price_max_age=market.price_max_age,
            sequencer_feed=market.raw.get("sequencerFeed") or ZERO_ADDRESS,
            sequencer_grace_period=market.raw.get("sequencerGracePeriod") or 0,
        ),
        hedge_policy=HedgePolicy.for_quote_decimals(market.quote.decimals(), **policy_changes),
        manager=manager,
        guardian=guardian,
    )
    lens = owner.deploy(project.VaultLens)
    borrow_venue = None
    if short_policy is not None:
        assert market.lending is not None, "the market file names no lending market (morphoMarketId)"
        borrow_venue = deploy_venue(owner, market.lending, system.vault)
        system.vault.setBorrowVenue(borrow_venue, sender=owner)
        system.hedger.setShortPolicy(short_policy, sender=owner)
    return ForkSystem(
        **{f.name: getattr(system, f.name) for f in fields(VaultSystem)},
        lens=lens,
        borrow_venue=borrow_venue,
        lending=market.lending if borrow_venue is not None else None,
    )


# ---------------------------------------------------------------------------------------------------------
# The keeper step: one tick of the product keeper (deltavault.keeper.Keeper)
# ---------------------------------------------------------------------------------------------------------

ACTIONS = {
    "gas-price-above-ceiling": "gas_above_ceiling",
    "status-reverted": "status_reverted",
    "not-due": "not_due",
    "cooldown": "not_due",
    "no-trade": "not_due",
    "unprofitable": "unprofitable",
}


@dataclass
class KeeperOutcome:
    """What one keeper tick did. `action`: "rebalanced", "not_due" (decision `not-due`, `cooldown` or
    `no-trade`), "gas_above_ceiling", "status_reverted" (the lens caught a revert of `rebalanceStatus()`, e.g.
    a stale oracle), "simulation_reverted" (due, but `eth_estimateGas` of `rebalance()` reverted: nothing was
    broadcast), "failed" (sent but reverted on chain) or "not_sent" (due, not sent for another reason: see
    `log`). `base_fee` is the base fee of the block the keeper read; `error` the raw revert data of a
    status or simulation revert (decode with `revert_error`)."""

    action: str
    base_fee: int
    status: Any = None  # deltavault.keeper.HedgeStatus
    receipt: Any = None
    error: bytes | None = None
    decision: Any = None  # deltavault.keeper.Decision
    log: list[dict[str, Any]] = field(default_factory=list, repr=False)

    @property
    def sent(self) -> bool:
        return self.receipt is not None


def keeper_step(system: ForkSystem, keeper: Any, *, max_base_fee: int = 100 * GWEI) -> KeeperOutcome:
    """One tick of `deltavault.keeper.Keeper`, built from the system's deployment record the way
    `ape run keeper run --once --max-gas-price ... --allow-unprofitable` builds it, signing with `keeper`.

    The keeper reads the latest block through the VaultLens (status, spot and base fee in one `eth_call`),
    decides, simulates `rebalance()` with `eth_estimateGas` and sends it only if the simulation passes; a sent
    transaction is waited for (the fork mines on demand). A keeper step therefore sees the head block: a change
    that is only scheduled for the next block (e.g. `anvil_setNextBlockBaseFeePerGas`) needs a block mined.
    """
    from ape import chain

    from deltavault.keeper import Keeper, KeeperConfig

    records: list[dict[str, Any]] = []
    config = KeeperConfig(max_gas_price=max_base_fee, require_profit=False)
    k = Keeper.from_deployments([system.deployment()], keeper, config=config, log=records.append)
    result = k.tick()
    assert result is not None
    (view,) = result.views
    decision = view.decision
    outcome = KeeperOutcome(
        ACTIONS.get(decision.slug, decision.slug),
        result.basefee,
        view.status,
        decision=decision,
        log=records,
    )
    if decision.slug == "status-reverted":
        outcome.error = bytes.fromhex(view.error[2:])
    elif decision.act and result.sent is None:
        reverted = [r for r in records if r["event"] == "simulation_reverted"]
        if reverted:
            outcome.action, outcome.error = "simulation_reverted", _revert_data(reverted[-1])
        else:
            outcome.action = "not_sent"
    elif result.sent is not None:
        k.wait_pending(30)
        assert k.pending is None, f"rebalance {result.sent} still pending: {records[-3:]}"
        outcome.receipt = chain.provider.get_receipt(result.sent)
        landed = [r for r in k.rebalances if r.tx_hash == result.sent]
        outcome.action = "rebalanced" if landed else "failed"
    return outcome


def _revert_data(record: dict) -> bytes:
    """The revert data of the keeper's `simulation_reverted` log record (beside its decoded message)."""
    data = record.get("revert_data")
    assert data, f"no revert data in {record!r}"
    return bytes.fromhex(data[2:])


# ---------------------------------------------------------------------------------------------------------
# Chain helpers
# ---------------------------------------------------------------------------------------------------------


def in_one_block(*calls: tuple[Any, Any, tuple]) -> list[dict]:
    """Send `(sender, contract method, args)` calls with automine off and mine them in one block.

    Every sender must be unlocked on the fork (a test account or an impersonated one). Returns the receipts
    (web3 dicts), checked successful and in the same block.
    """
    from ape import chain

    provider = chain.provider
    web3 = provider.web3
    provider.make_request("evm_setAutomine", [False])
    try:
        hashes = [
            web3.eth.send_transaction(
                {
                    "from": sender.address,
                    "to": handler.contract.address,
                    "data": handler.encode_input(*args),
                    "gas": 1_500_000,
                }
            )
            for sender, handler, args in calls
        ]
        provider.make_request("evm_mine", [])
    finally:
        provider.make_request("evm_setAutomine", [True])
    receipts = [web3.eth.get_transaction_receipt(h) for h in hashes]
    assert [r["status"] for r in receipts] == [1] * len(receipts)
    assert len({r["blockNumber"] for r in receipts}) == 1
    return receipts


def swap_call_to_price(market: Market, trader: Any, price: Decimal | int | float) -> tuple[Any, Any, tuple]:
    """An exact-input `exactInputSingle` call by `trader` that moves the pool to `price` (for `in_one_block`),
    after giving the trader the input (WETH wrapped from ETH, or quote from a whale) and the approval."""
    from ape import chain

    token_in, amount, target = input_to_reach_price(market.pool, price)
    amount += amount // 10_000 + 1_000  # margin, left unspent by the price limit
    token_out = market.quote if token_in.address == market.base.address else market.base
    if token_in.address == market.base.address:
        chain.provider.set_balance(trader.address, trader.balance + amount + 10**18)
        market.base.deposit(value=amount, sender=trader)
    else:
        market.take_quote(trader, amount)
    token_in.approve(market.router, amount, sender=trader)
    deadline = chain.pending_timestamp + 3600
    params = (token_in, token_out, market.pool.fee, trader, amount, 0, target)
    if market.router_has_deadline:
        params = (token_in, token_out, market.pool.fee, trader, deadline, amount, 0, target)
    return trader, market.router.exactInputSingle, (params,)


def revert_error(error: Exception | bytes, *contracts: Any) -> tuple[str, dict[str, Any]]:
    """(name, inputs) of the custom error in a revert (an Ape exception, or raw revert data such as a
    `KeeperOutcome.error`), decoded with the ABIs of `contracts`.

    A revert that bubbles up from a nested call (the vault's `OracleStale` inside `hedger.rebalance()`) carries
    an error the called contract's ABI does not declare; this decodes it with any of the given ABIs.
    """
    from ape.exceptions import CustomError
    from eth_abi import decode
    from hexbytes import HexBytes

    if isinstance(error, bytes | bytearray):  # raw revert data (the keeper's)
        message = "0x" + bytes(error).hex()
    elif isinstance(error, CustomError):
        return error.abi.name, dict(error.inputs)
    else:
        message = str(getattr(error, "revert_message", "") or "")
    if message.startswith("custom error 0x"):  # Ape's text for an error the called contract does not declare
        selector, _, payload = message[len("custom error ") :].partition(": ")
        message = selector + payload
    data = HexBytes(message) if message.startswith("0x") else HexBytes(b"")
    for contract in contracts:
        for abi in contract.contract_type.errors:
            if data[:4] == _selector(abi):
                values = decode([str(i.canonical_type) for i in abi.inputs], data[4:])
                return abi.name, {i.name: v for i, v in zip(abi.inputs, values, strict=True)}
    raise AssertionError(f"undecodable revert {error!r}")


def _selector(abi: Any) -> bytes:
    from eth_utils import keccak

    return keccak(text=abi.selector)[:4]


def assert_solvent(vault: Any, quote: Any) -> None:
    """The reserve rule: quote held covers every outstanding option's maximum payoff and every settled payout."""
    balance = quote.balanceOf(vault)
    reserved = vault.reservedAssets()
    assert balance >= reserved, f"quote {balance} < reserved {reserved}"
    assert vault.freeAssets() == balance - reserved


def delta_of(vault: Any) -> int:
    return vault.portfolioGreeks().delta


def wad(value: Decimal | int | float) -> int:
    return int(Decimal(str(value)) * WAD)


# ---------------------------------------------------------------------------------------------------------
# The book: deposits and options sold
# ---------------------------------------------------------------------------------------------------------


@dataclass
class Book:
    """What the depositors and the trader put in, in quote units, and the series sold."""

    deposits: dict[str, int]
    shares: dict[str, int]
    premiums: int
    call_id: int
    put_id: int
    calls: int  # WAD
    puts: int  # WAD
    call_strike: int  # WAD price
    call_cap: int
    put_strike: int
    expiry: int

    @classmethod
    def open(
        cls,
        market: Market,
        system: Any,
        manager: Any,
        depositors: list[tuple[Any, int]],
        trader: Any,
        *,
        calls: int = 80,
        puts: int = 20,
    ) -> Book:
        from ape import chain

        vault, q = system.vault, market.q
        deposits, shares = {}, {}
        for account, whole in depositors:
            amount = whole * q
            market.take_quote(account, amount)
            market.quote.approve(vault, amount, sender=account)
            vault.deposit(amount, account, sender=account)
            deposits[account.address], shares[account.address] = amount, vault.balanceOf(account)
        spot = int(market.oracle_price())
        strike = round(spot, -2) * WAD
        put_strike = round(spot * 8 // 10, -2) * WAD
        expiry = chain.pending_timestamp + 30 * 86400
        vault.listSeries(strike, strike, expiry, True, sender=manager)
        call_id = vault.seriesCount()
        vault.listSeries(put_strike, 0, expiry, False, sender=manager)
        put_id = vault.seriesCount()
        market.take_quote(trader, 1_000_000 * q)
        market.quote.approve(vault, 2**256 - 1, sender=trader)
        before = market.quote.balanceOf(trader)
        vault.buyOption(call_id, calls * WAD, 2**255, trader, sender=trader)
        vault.buyOption(put_id, puts * WAD, 2**255, trader, sender=trader)
        premiums = before - market.quote.balanceOf(trader)
        return cls(
            deposits=deposits,
            shares=shares,
            premiums=premiums,
            call_id=call_id,
            put_id=put_id,
            calls=calls * WAD,
            puts=puts * WAD,
            call_strike=strike,
            call_cap=strike,
            put_strike=put_strike,
            expiry=expiry,
        )

    @property
    def deposited(self) -> int:
        return sum(self.deposits.values())


def expect_revert(action: Any, name: str, *contracts: Any, **expected: Any) -> dict[str, Any]:
    """Run `action()`, which must revert with custom error `name` (decoded with `contracts`' ABIs) whose
    inputs include `expected`; returns the inputs."""
    from ape.exceptions import ContractLogicError

    try:
        action()
    except ContractLogicError as error:
        got, inputs = revert_error(error, *contracts)
        assert got == name, f"reverted with {got}{inputs}, expected {name}"
        for key, value in expected.items():
            assert inputs[key] == value, f"{name}.{key} = {inputs[key]}, expected {value}"
        return inputs
    raise AssertionError(f"did not revert (expected {name})")


def oracle_value(base_amount: int, spot_wad: int, quote_decimals: int) -> int:
    """Quote units (rounded down) of `base_amount` WAD of base at `spot_wad`, as the contracts compute it."""
    return base_amount * spot_wad // 10 ** (36 - quote_decimals)
