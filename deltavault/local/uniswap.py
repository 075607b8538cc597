"""The real Uniswap V3 on a local chain: price math, deployment from npm artifacts, pools, liquidity, swaps.

Two halves:

- **Pure price math** (no chain, exact integers): human prices <-> `sqrtPriceX96` <-> ticks, and the token
  amounts of a liquidity position. "Price" always means the human price of one *base* token in *quote*
  tokens (e.g. 2000 USDC per WETH), whatever the pool's token order; `base_is_token0` says which order the
  pool has. Uniswap's own price is token1 per token0 in smallest units ("raw price").
- **Chain helpers** (Ape): `deploy_uniswap`, `create_pool`, `add_liquidity`, `pool_price`, `swap_exact_input`,
  `swap_to_price`, and `deploy_local_stack` which wires everything for tests and demos.

Ape is imported inside the chain helpers only, so importing this module needs no connected provider.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal, localcontext
from fractions import Fraction
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    from ape.api import AccountAPI
    from ape.contracts import ContractInstance

# ---------------------------------------------------------------------------------------------------------
# Constants (TickMath.sol, UniswapV3Factory.sol)
# ---------------------------------------------------------------------------------------------------------

Q96 = 2**96
MIN_TICK = -887272
MAX_TICK = 887272
MIN_SQRT_RATIO = 4295128739
MAX_SQRT_RATIO = 1461446703485210103287273052203988822378723970342
# Fee (hundredths of a bip) -> tick spacing. 500/3000/10000 come with the factory; `deploy_uniswap` enables 100.
FEE_TICK_SPACING: dict[int, int] = {100: 1, 500: 10, 3000: 60, 10000: 200}
FEE_DENOMINATOR = 1_000_000
MAX_UINT256 = 2**256 - 1

PriceLike = Decimal | float | int | str | Fraction
Rounding = Literal["nearest", "down", "up"]

# Decimal digits used when a price is returned as a Decimal (a raw price spans ~1e-38..1e38).
_PRICE_PRECISION = 60

# TickMath.getSqrtRatioAtTick magic factors: ratio *= factor >> 128 for each set bit of |tick| (bit 0 first).
_TICK_FACTORS = (
    0xFFFCB933BD6FAD37AA2D162D1A594001,
    0xFFF97272373D413259A46990580E213A,
    0xFFF2E50F5F656932EF12357CF3C7FDCC,
    0xFFE5CACA7E10E4E61C3624EAA0941CD0,
    0xFFCB9843D60F6159C9DB58835C926644,
    0xFF973B41FA98C081472E6896DFB254C0,
    0xFF2EA16466C96A3843EC78B326B52861,
    0xFE5DEE046A99A2A811C461F1969C3053,
    0xFCBE86C7900A88AEDCFFC83B479AA3A4,
    0xF987A7253AC413176F2B074CF7815E54,
    0xF3392B0822B70005940C7A398E4B70F3,
    0xE7159475A2C29B7443B29C7FA6E889D9,
    0xD097F3BDFD2022B8845AD8F792AA5825,
    0xA9F746462D870FDF8A65DC1F90E061E5,
    0x70D869A156D2A1B890BB3DF62BAF32F7,
    0x31BE135F97D08FD981231505542FCFA6,
    0x9AA508B5B7A84E1C677DE54F3E99BC9,
    0x5D6AF8DEDB81196699C329225EE604,
    0x2216E584F5FA1EA926041BEDFE98,
    0x48A170391F7DC42444E8FA2,
)


# ---------------------------------------------------------------------------------------------------------
# Pure price math
# ---------------------------------------------------------------------------------------------------------


def to_fraction(value: PriceLike) -> Fraction:
    """Exact rational value of a price. Floats go through their shortest repr (2000.1 -> 20001/10)."""
    if isinstance(value, Fraction):
        return value
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError(f"price must be finite, got {value}")
        return Fraction(Decimal(repr(value)))
    if isinstance(value, str):
        return Fraction(Decimal(value))
    return Fraction(value)


def _to_decimal(value: Fraction) -> Decimal:
    with localcontext() as ctx:
        ctx.prec = _PRICE_PRECISION
        return Decimal(value.numerator) / Decimal(value.denominator)


def price_to_raw(price: PriceLike, base_decimals: int, quote_decimals: int, base_is_token0: bool) -> Fraction:
    """Uniswap's raw price (token1 per token0, smallest units) for a human price (quote per 1 base)."""
    human = to_fraction(price)
    if human <= 0:
        raise ValueError(f"price must be positive, got {price}")
    # quote smallest units per base smallest unit
    quote_per_base = human * Fraction(10**quote_decimals, 10**base_decimals)
    return quote_per_base if base_is_token0 else 1 / quote_per_base


def raw_to_price(raw: Fraction, base_decimals: int, quote_decimals: int, base_is_token0: bool) -> Fraction:
    """Inverse of `price_to_raw`: the human price (quote per 1 base) of a raw token1-per-token0 price."""
    if raw <= 0:
        raise ValueError("raw price must be positive")
    quote_per_base = raw if base_is_token0 else 1 / raw
    return quote_per_base * Fraction(10**base_decimals, 10**quote_decimals)


def price_to_sqrt_price_x96(
    price: PriceLike, base_decimals: int, quote_decimals: int, base_is_token0: bool
) -> int:
    """`sqrtPriceX96` = floor(sqrt(raw price) * 2**96), exactly (integer square root of a rational)."""
    raw = price_to_raw(price, base_decimals, quote_decimals, base_is_token0)
    # floor(sqrt(floor(x))) == floor(sqrt(x)) for x >= 0, so flooring the Q192 value first is exact.
    sqrt_price = math.isqrt(raw.numerator * 2**192 // raw.denominator)
    if not MIN_SQRT_RATIO <= sqrt_price < MAX_SQRT_RATIO:
        raise ValueError(f"price {price} is outside Uniswap's range (sqrtPriceX96 {sqrt_price})")
    return sqrt_price


def sqrt_price_x96_to_price(
    sqrt_price_x96: int, base_decimals: int, quote_decimals: int, base_is_token0: bool
) -> Decimal:
    """Human price (quote per 1 base) of a `sqrtPriceX96`, as a Decimal with 60 significant digits."""
    if sqrt_price_x96 <= 0:
        raise ValueError("sqrtPriceX96 must be positive")
    raw = Fraction(sqrt_price_x96 * sqrt_price_x96, 2**192)
    return _to_decimal(raw_to_price(raw, base_decimals, quote_decimals, base_is_token0))


def sqrt_price_x96_at_tick(tick: int) -> int:
    """`TickMath.getSqrtRatioAtTick`, bit for bit: the sqrtPriceX96 at the lower edge of `tick`."""
    if not MIN_TICK <= tick <= MAX_TICK:
        raise ValueError(f"tick {tick} outside [{MIN_TICK}, {MAX_TICK}]")
    abs_tick = abs(tick)
    ratio = _TICK_FACTORS[0] if abs_tick & 1 else 1 << 128
    for bit, factor in enumerate(_TICK_FACTORS[1:], start=1):
        if abs_tick & (1 << bit):
            ratio = (ratio * factor) >> 128
    if tick > 0:
        ratio = MAX_UINT256 // ratio
    return (ratio >> 32) + (0 if ratio % (1 << 32) == 0 else 1)


def tick_at_sqrt_price_x96(sqrt_price_x96: int) -> int:
    """`TickMath.getTickAtSqrtRatio`: the greatest tick whose sqrt ratio is <= `sqrt_price_x96` (the pool's
    `slot0.tick` for that price)."""
    if not MIN_SQRT_RATIO <= sqrt_price_x96 < MAX_SQRT_RATIO:
        raise ValueError(f"sqrtPriceX96 {sqrt_price_x96} outside [MIN_SQRT_RATIO, MAX_SQRT_RATIO)")
    estimate = math.floor(2 * (math.log(sqrt_price_x96) - math.log(Q96)) / math.log(1.0001))
    tick = max(MIN_TICK, min(MAX_TICK, estimate))
    while tick > MIN_TICK and sqrt_price_x96_at_tick(tick) > sqrt_price_x96:
        tick -= 1
    while tick < MAX_TICK and sqrt_price_x96_at_tick(tick + 1) <= sqrt_price_x96:
        tick += 1
    return tick


def min_usable_tick(tick_spacing: int) -> int:
    """Lowest tick that is a multiple of `tick_spacing` (the lower bound of a full-range position)."""
    return -(MAX_TICK // tick_spacing) * tick_spacing


def max_usable_tick(tick_spacing: int) -> int:
    """Highest tick that is a multiple of `tick_spacing` (the upper bound of a full-range position)."""
    return (MAX_TICK // tick_spacing) * tick_spacing


def round_tick(tick: int, tick_spacing: int, rounding: Rounding = "nearest") -> int:
    """Round `tick` to a multiple of `tick_spacing` (in tick space), clamped to the usable range."""
    if tick_spacing <= 0:
        raise ValueError("tick_spacing must be positive")
    if rounding == "down":
        rounded = (tick // tick_spacing) * tick_spacing
    elif rounding == "up":
        rounded = -((-tick) // tick_spacing) * tick_spacing
    elif rounding == "nearest":
        rounded = ((tick + tick_spacing // 2) // tick_spacing) * tick_spacing
    else:
        raise ValueError(f"unknown rounding {rounding!r}")
    return max(min_usable_tick(tick_spacing), min(max_usable_tick(tick_spacing), rounded))


def price_to_tick(
    price: PriceLike,
    base_decimals: int,
    quote_decimals: int,
    base_is_token0: bool,
    tick_spacing: int = 1,
    rounding: Rounding = "nearest",
) -> int:
    """The pool tick of a human price (TickMath floor), rounded to a multiple of `tick_spacing`.

    Rounding is in tick space: with base as token1 a lower tick is a *higher* human price.
    """
    sqrt_price = price_to_sqrt_price_x96(price, base_decimals, quote_decimals, base_is_token0)
    return round_tick(tick_at_sqrt_price_x96(sqrt_price), tick_spacing, rounding)


def tick_to_price(tick: int, base_decimals: int, quote_decimals: int, base_is_token0: bool) -> Decimal:
    """Human price (quote per 1 base) at the lower edge of `tick`."""
    return sqrt_price_x96_to_price(
        sqrt_price_x96_at_tick(tick), base_decimals, quote_decimals, base_is_token0
    )


def _div_up(numerator: int, denominator: int) -> int:
    return -((-numerator) // denominator)


def amount0_delta(sqrt_a: int, sqrt_b: int, liquidity: int) -> int:
    """token0 amount between two sqrt prices for `liquidity`, rounded up (SqrtPriceMath.getAmount0Delta)."""
    lower, upper = sorted((sqrt_a, sqrt_b))
    return _div_up(_div_up(liquidity * Q96 * (upper - lower), upper), lower)


def amount1_delta(sqrt_a: int, sqrt_b: int, liquidity: int) -> int:
    """token1 amount between two sqrt prices for `liquidity`, rounded up (SqrtPriceMath.getAmount1Delta)."""
    lower, upper = sorted((sqrt_a, sqrt_b))
    return _div_up(liquidity * (upper - lower), Q96)


def position_amounts(
    sqrt_price_x96: int, sqrt_lower: int, sqrt_upper: int, liquidity: int
) -> tuple[int, int]:
    """(amount0, amount1) held by a position of `liquidity` over [sqrt_lower, sqrt_upper] at the current
    price, rounded up (what a mint of that liquidity pulls)."""
    if sqrt_lower >= sqrt_upper:
        raise ValueError("sqrt_lower must be below sqrt_upper")
    if sqrt_price_x96 <= sqrt_lower:
        return amount0_delta(sqrt_lower, sqrt_upper, liquidity), 0
    if sqrt_price_x96 >= sqrt_upper:
        return 0, amount1_delta(sqrt_lower, sqrt_upper, liquidity)
    return (
        amount0_delta(sqrt_price_x96, sqrt_upper, liquidity),
        amount1_delta(sqrt_lower, sqrt_price_x96, liquidity),
    )


def with_fee(amount_net: int, fee: int) -> int:
    """Gross input that leaves `amount_net` after a `fee` (hundredths of a bip), rounded up like SwapMath."""
    return amount_net + _div_up(amount_net * fee, FEE_DENOMINATOR - fee)


# ---------------------------------------------------------------------------------------------------------
# Chain objects
# ---------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class UniswapV3:
    """The deployed Uniswap V3 contracts (all from the npm artifacts)."""

    factory: ContractInstance
    router: ContractInstance  # SwapRouter02 (exactInputSingle without deadline)
    router_v1: ContractInstance  # the original SwapRouter (exactInputSingle with deadline)
    position_manager: ContractInstance  # NonfungiblePositionManager
    weth: ContractInstance
    quoter: ContractInstance | None = None  # QuoterV2

    def get_pool(self, token_a: Any, token_b: Any, fee: int) -> ContractInstance | None:
        """The pool contract for a pair and fee, or None when the factory has none."""
        from ape.utils import ZERO_ADDRESS

        address = self.factory.getPool(token_a, token_b, fee)
        return None if address == ZERO_ADDRESS else _pool_container().at(address)


@dataclass(frozen=True)
class Pool:
    """A Uniswap V3 pool seen as base/quote: the contract plus the orientation the price math needs."""

    contract: ContractInstance
    base: ContractInstance
    quote: ContractInstance
    fee: int
    tick_spacing: int
    base_is_token0: bool
    base_decimals: int
    quote_decimals: int

    @classmethod
    def from_contract(
        cls, contract: ContractInstance, base: ContractInstance, quote: ContractInstance
    ) -> Pool:
        """Wrap an existing pool contract (e.g. on a fork), reading its orientation and the decimals."""
        token0, token1 = contract.token0(), contract.token1()
        if {token0, token1} != {base.address, quote.address}:
            raise ValueError(
                f"pool {contract.address} holds {token0}/{token1}, not {base.address}/{quote.address}"
            )
        return cls(
            contract=contract,
            base=base,
            quote=quote,
            fee=contract.fee(),
            tick_spacing=contract.tickSpacing(),
            base_is_token0=token0 == base.address,
            base_decimals=base.decimals(),
            quote_decimals=quote.decimals(),
        )

    @property
    def address(self) -> str:
        return self.contract.address

    @property
    def token0(self) -> ContractInstance:
        return self.base if self.base_is_token0 else self.quote

    @property
    def token1(self) -> ContractInstance:
        return self.quote if self.base_is_token0 else self.base

    def sqrt_price_x96(self, price: PriceLike) -> int:
        """sqrtPriceX96 of a human price for this pool."""
        return price_to_sqrt_price_x96(price, self.base_decimals, self.quote_decimals, self.base_is_token0)

    def price_at(self, sqrt_price_x96: int) -> Decimal:
        """Human price (quote per base) of a sqrtPriceX96 for this pool."""
        return sqrt_price_x96_to_price(
            sqrt_price_x96, self.base_decimals, self.quote_decimals, self.base_is_token0
        )

    def tick(self, price: PriceLike, rounding: Rounding = "nearest") -> int:
        """Usable tick (multiple of the spacing) of a human price for this pool."""
        return price_to_tick(
            price, self.base_decimals, self.quote_decimals, self.base_is_token0, self.tick_spacing, rounding
        )


@dataclass(frozen=True)
class LiquidityRange:
    """A position to mint: human price bounds (None = the full-range edge) and its value in quote units at
    the current price (e.g. 1_000_000 = one million USDC worth of base + quote)."""

    lower: PriceLike | None
    upper: PriceLike | None
    quote_value: PriceLike


@dataclass(frozen=True)
class Position:
    """A minted NonfungiblePositionManager position."""

    token_id: int
    liquidity: int
    tick_lower: int
    tick_upper: int
    amount0: int
    amount1: int


@dataclass(frozen=True)
class SwapResult:
    """What a swap did, measured from balances and slot0 (smallest token units)."""

    amount_in: int
    amount_out: int
    sqrt_price_x96_before: int
    sqrt_price_x96_after: int
    price_before: Decimal
    price_after: Decimal


@dataclass(frozen=True)
class LocalStack:
    """Everything `deploy_local_stack` deployed."""

    uni: UniswapV3
    base: ContractInstance
    quote: ContractInstance
    pool: Pool
    positions: list[Position] = field(default_factory=list)

    @property
    def weth(self) -> ContractInstance:
        return self.uni.weth


def default_ranges(price: PriceLike, quote_value: PriceLike = 10_000_000) -> list[LiquidityRange]:
    """A deep range at +-10 % (50 % of the value), a wider one at 0.5x..2x (30 %), full range (20 %)."""
    p = to_fraction(price)
    total = to_fraction(quote_value)
    return [
        LiquidityRange(p * Fraction(9, 10), p * Fraction(11, 10), total * Fraction(5, 10)),
        LiquidityRange(p / 2, p * 2, total * Fraction(3, 10)),
        LiquidityRange(None, None, total * Fraction(2, 10)),
    ]


# ---------------------------------------------------------------------------------------------------------
# Chain helpers
# ---------------------------------------------------------------------------------------------------------


def _pool_container():
    from deltavault.local.artifacts import load_container

    return load_container("UniswapV3Pool")


def _deadline() -> int:
    from ape import chain

    return chain.blocks.head.timestamp + 3600


def deploy_uniswap(deployer: AccountAPI, weth: ContractInstance) -> UniswapV3:
    """Deploy factory, SwapRouter02, SwapRouter, NonfungiblePositionManager and QuoterV2 from npm artifacts.

    No V2 factory exists here, so SwapRouter02 gets address(0) for it (only its V2 paths would use it). The
    position manager gets address(0) as token descriptor: minting works, `tokenURI` does not (the real
    descriptor needs a linked library). The 0.01 % fee tier (tick spacing 1) is enabled on the factory.
    """
    from ape.utils import ZERO_ADDRESS

    from deltavault.local.artifacts import ArtifactError, load_container

    factory = deployer.deploy(load_container("UniswapV3Factory"))
    if factory.feeAmountTickSpacing(100) == 0:
        factory.enableFeeAmount(100, FEE_TICK_SPACING[100], sender=deployer)
    position_manager = deployer.deploy(
        load_container("NonfungiblePositionManager"), factory, weth, ZERO_ADDRESS
    )
    router = deployer.deploy(load_container("SwapRouter02"), ZERO_ADDRESS, factory, position_manager, weth)
    router_v1 = deployer.deploy(load_container("SwapRouter"), factory, weth)
    try:
        quoter = deployer.deploy(load_container("QuoterV2"), factory, weth)
    except ArtifactError:
        quoter = None
    return UniswapV3(factory, router, router_v1, position_manager, weth, quoter)


def create_pool(
    uni: UniswapV3,
    base: ContractInstance,
    quote: ContractInstance,
    fee: int,
    price: PriceLike,
    deployer: AccountAPI,
) -> Pool:
    """Create the base/quote pool for `fee` and initialize it at `price` (quote per 1 base).

    Works for either token order and any decimals. An existing, uninitialized pool is initialized; an existing
    initialized pool is refused (its price would not be `price`).
    """
    contract = uni.get_pool(base, quote, fee)
    if contract is None:
        uni.factory.createPool(base, quote, fee, sender=deployer)
        contract = uni.get_pool(base, quote, fee)
        assert contract is not None
    pool = Pool.from_contract(contract, base, quote)
    if contract.slot0().sqrtPriceX96 != 0:
        raise ValueError(f"pool {contract.address} is already initialized")
    contract.initialize(pool.sqrt_price_x96(price), sender=deployer)
    return pool


def fund(uni: UniswapV3 | None, token: ContractInstance, account: AccountAPI, amount: int) -> None:
    """Make `account` hold at least `amount` of `token`: wrap ETH for WETH (topping the account's ETH up on a
    local chain when short), otherwise call the test token's open `mint`."""
    balance = token.balanceOf(account)
    if balance >= amount:
        return
    shortfall = amount - balance
    if uni is not None and token.address == uni.weth.address:
        from ape import chain

        needed_eth = shortfall + 10**18  # leave gas money
        if account.balance < needed_eth:
            chain.provider.set_balance(account.address, account.balance + needed_eth)
        token.deposit(value=shortfall, sender=account)
    else:
        token.mint(account, shortfall, sender=account)


def _approve(token: ContractInstance, owner: AccountAPI, spender: Any, amount: int) -> None:
    if token.allowance(owner, spender) < amount:
        token.approve(spender, MAX_UINT256, sender=owner)


def add_liquidity(
    uni: UniswapV3, pool: Pool, ranges: Sequence[LiquidityRange], provider: AccountAPI
) -> list[Position]:
    """Mint one NonfungiblePositionManager position per range, funding `provider` with what each needs.

    Each range's bounds become usable ticks, widened outward (lower rounded down, upper up, in tick space);
    the liquidity is sized so the position is worth `quote_value` at the current pool price.
    """
    npm = uni.position_manager
    sqrt_price = pool.contract.slot0().sqrtPriceX96
    if sqrt_price == 0:
        raise ValueError(f"pool {pool.address} is not initialized")
    price = to_fraction(pool.price_at(sqrt_price))
    positions = []
    for liquidity_range in ranges:
        tick_lower, tick_upper = _range_ticks(pool, liquidity_range)
        sqrt_lower, sqrt_upper = sqrt_price_x96_at_tick(tick_lower), sqrt_price_x96_at_tick(tick_upper)
        # Value of a reference liquidity, then scale linearly to the requested value.
        reference = 10**24
        ref0, ref1 = position_amounts(sqrt_price, sqrt_lower, sqrt_upper, reference)
        ref_base, ref_quote = (ref0, ref1) if pool.base_is_token0 else (ref1, ref0)
        ref_value = Fraction(ref_base, 10**pool.base_decimals) * price + Fraction(
            ref_quote, 10**pool.quote_decimals
        )
        liquidity = int(reference * to_fraction(liquidity_range.quote_value) / ref_value)
        amount0, amount1 = position_amounts(sqrt_price, sqrt_lower, sqrt_upper, liquidity)
        amount0, amount1 = amount0 + 1 if amount0 else 0, amount1 + 1 if amount1 else 0
        for token, amount in ((pool.token0, amount0), (pool.token1, amount1)):
            fund(uni, token, provider, amount)
            _approve(token, provider, npm, amount)
        receipt = npm.mint(
            (
                pool.token0,
                pool.token1,
                pool.fee,
                tick_lower,
                tick_upper,
                amount0,
                amount1,
                0,
                0,
                provider,
                _deadline(),
            ),
            sender=provider,
        )
        event = next(iter(receipt.decode_logs(npm.IncreaseLiquidity)))
        positions.append(
            Position(event.tokenId, event.liquidity, tick_lower, tick_upper, event.amount0, event.amount1)
        )
    return positions


def _range_ticks(pool: Pool, liquidity_range: LiquidityRange) -> tuple[int, int]:
    """Usable (tick_lower, tick_upper) for a human price range; None bounds are the full-range edges."""
    spacing = pool.tick_spacing
    # A low human price is a low tick when base is token0 and a high tick otherwise.
    low_edge, high_edge = (
        (min_usable_tick(spacing), max_usable_tick(spacing))
        if pool.base_is_token0
        else (max_usable_tick(spacing), min_usable_tick(spacing))
    )
    ticks = [
        low_edge if liquidity_range.lower is None else pool.tick(liquidity_range.lower, "nearest"),
        high_edge if liquidity_range.upper is None else pool.tick(liquidity_range.upper, "nearest"),
    ]
    lower = round_tick(min(ticks), spacing, "down")
    upper = round_tick(max(ticks), spacing, "up")
    if lower >= upper:
        raise ValueError(f"range {liquidity_range} is narrower than one tick spacing")
    return lower, upper


def pool_price(pool: Pool) -> Decimal:
    """The pool's current human price (quote per 1 base), from slot0."""
    return pool.price_at(pool.contract.slot0().sqrtPriceX96)


def _initialized_ticks(pool: Pool, tick_a: int, tick_b: int) -> list[int]:
    """Initialized ticks in [min, max] of the two ticks, ascending, read from the pool's tick bitmap."""
    spacing = pool.tick_spacing
    low, high = sorted((tick_a, tick_b))
    low_c, high_c = low // spacing, high // spacing
    ticks = []
    for word in range(low_c >> 8, (high_c >> 8) + 1):
        bitmap = pool.contract.tickBitmap(word)
        while bitmap:
            bit = (bitmap & -bitmap).bit_length() - 1
            bitmap &= bitmap - 1
            compressed = word * 256 + bit
            if low_c <= compressed <= high_c:
                ticks.append(compressed * spacing)
    return sorted(ticks)


def input_to_reach_price(pool: Pool, target_price: PriceLike) -> tuple[ContractInstance, int, int]:
    """(token in, gross amount in, target sqrtPriceX96) of an exact-input swap that moves the pool to
    `target_price`, computed by walking the pool's initialized ticks (rounded up: an upper bound within a
    few wei per crossed tick). Raising the price means paying quote for base; lowering it, the reverse.
    """
    target = pool.sqrt_price_x96(target_price)
    slot0 = pool.contract.slot0()
    sqrt_price, tick = slot0.sqrtPriceX96, slot0.tick
    liquidity = pool.contract.liquidity()
    zero_for_one = target < sqrt_price  # token0 in, raw price down
    token_in = pool.token0 if zero_for_one else pool.token1
    if target == sqrt_price:
        return token_in, 0, target
    target_tick = tick_at_sqrt_price_x96(target)
    ticks = _initialized_ticks(pool, tick, target_tick)
    if zero_for_one:
        ticks = [t for t in reversed(ticks) if t <= tick]
    else:
        ticks = [t for t in ticks if t > tick]
    delta = amount0_delta if zero_for_one else amount1_delta
    total = 0
    for t in ticks:
        sqrt_at_t = sqrt_price_x96_at_tick(t)
        if (zero_for_one and sqrt_at_t <= target) or (not zero_for_one and sqrt_at_t >= target):
            break
        total += with_fee(delta(sqrt_price, sqrt_at_t, liquidity), pool.fee) + 1
        sqrt_price = sqrt_at_t
        net = pool.contract.ticks(t).liquidityNet
        liquidity += -net if zero_for_one else net
    total += with_fee(delta(sqrt_price, target, liquidity), pool.fee) + 1
    return token_in, total, target


def swap_exact_input(
    uni: UniswapV3,
    pool: Pool,
    token_in: ContractInstance,
    amount_in: int,
    trader: AccountAPI,
    *,
    sqrt_price_limit_x96: int = 0,
    amount_out_minimum: int = 0,
    use_router_v1: bool = False,
    fund_trader: bool = True,
) -> SwapResult:
    """Swap `amount_in` of `token_in` for the pool's other token through SwapRouter02 (or the original
    SwapRouter) `exactInputSingle`. With a price limit the swap may stop early and spend less.

    Amounts in the result are measured from the trader's balances.
    """
    if token_in.address not in (pool.base.address, pool.quote.address):
        raise ValueError(f"{token_in.address} is not in pool {pool.address}")
    token_out = pool.quote if token_in.address == pool.base.address else pool.base
    router = uni.router_v1 if use_router_v1 else uni.router
    if fund_trader:
        fund(uni, token_in, trader, amount_in)
    _approve(token_in, trader, router, amount_in)
    in_before, out_before = token_in.balanceOf(trader), token_out.balanceOf(trader)
    sqrt_before = pool.contract.slot0().sqrtPriceX96
    if use_router_v1:
        params: tuple = (
            token_in,
            token_out,
            pool.fee,
            trader,
            _deadline(),
            amount_in,
            amount_out_minimum,
            sqrt_price_limit_x96,
        )
    else:
        params = (token_in, token_out, pool.fee, trader, amount_in, amount_out_minimum, sqrt_price_limit_x96)
    router.exactInputSingle(params, sender=trader)
    sqrt_after = pool.contract.slot0().sqrtPriceX96
    return SwapResult(
        amount_in=in_before - token_in.balanceOf(trader),
        amount_out=token_out.balanceOf(trader) - out_before,
        sqrt_price_x96_before=sqrt_before,
        sqrt_price_x96_after=sqrt_after,
        price_before=pool.price_at(sqrt_before),
        price_after=pool.price_at(sqrt_after),
    )


def swap_to_price(
    uni: UniswapV3,
    pool: Pool,
    target_price: PriceLike,
    trader: AccountAPI,
    *,
    use_router_v1: bool = False,
) -> SwapResult:
    """Move the pool to `target_price` (quote per base) with one real exact-input swap whose
    `sqrtPriceLimitX96` is the target, funding `trader` with the input it needs.

    The pool stops exactly at the target sqrt price (the input is sized from the pool's liquidity, with a
    small margin the router does not spend). A target within one unit of sqrtPriceX96 of the current price
    swaps nothing.
    """
    token_in, amount_in, target = input_to_reach_price(pool, target_price)
    sqrt_now = pool.contract.slot0().sqrtPriceX96
    # One unit of sqrtPriceX96 is below price resolution (the Decimal of `pool_price` maps back to it or to
    # its neighbour), so a target that close is already reached.
    if amount_in == 0 or abs(target - sqrt_now) <= 1:
        price = pool.price_at(sqrt_now)
        return SwapResult(0, 0, sqrt_now, sqrt_now, price, price)
    budget = amount_in + amount_in // 10_000 + 1_000  # margin: unspent, the price limit stops the swap
    return swap_exact_input(
        uni,
        pool,
        token_in,
        budget,
        trader,
        sqrt_price_limit_x96=target,
        use_router_v1=use_router_v1,
    )


def deploy_local_stack(
    deployer: AccountAPI,
    *,
    base_decimals: int = 18,
    quote_decimals: int = 6,
    price: PriceLike = 2000,
    fee: int = 3000,
    ranges: Sequence[LiquidityRange] | None = None,
    base_is_token0: bool | None = None,
) -> LocalStack:
    """Deploy a complete local market: base token, USD quote token, Uniswap V3, one pool with liquidity.

    The base is WETH9 (npm artifact) when `base_decimals` is 18, else a `TestERC20` "WBTC"-like token with
    those decimals; the quote is a `TestERC20` "USDC" with `quote_decimals`. `base_is_token0` forces the pool's
    token order (by redeploying a token until the addresses sort that way); None keeps what deployment gives.
    Liquidity defaults to `default_ranges(price)` (10 M quote units over three ranges), minted by `deployer`.
    """
    from ape import project

    from deltavault.local.artifacts import load_container

    weth = deployer.deploy(load_container("WETH9"))

    def deploy_base() -> ContractInstance:
        if base_decimals == 18:
            return weth
        return deployer.deploy(project.TestERC20, "Wrapped Bitcoin", "WBTC", base_decimals)

    def deploy_quote() -> ContractInstance:
        return deployer.deploy(project.TestERC20, "USD Coin", "USDC", quote_decimals)

    base, quote = deploy_base(), deploy_quote()
    # CREATE addresses follow the deployer's nonce, so a redeployment lands on a fresh, uniformly spread address
    # (deterministically for a given chain state). Every token on the wrong side of the middle of the address
    # space for the wanted order is redeployed (WETH included): a try succeeds with probability >= 1/4 whatever
    # the addresses, where redeploying one token only can take many tries when the other sits near an end.
    middle = 1 << 159
    for _ in range(64):
        if base_is_token0 is None or (int(base.address, 16) < int(quote.address, 16)) == base_is_token0:
            break
        if (int(base.address, 16) < middle) != base_is_token0:
            if base_decimals == 18:
                weth = deployer.deploy(load_container("WETH9"))
            base = deploy_base()
        if (int(quote.address, 16) >= middle) != base_is_token0:
            quote = deploy_quote()
    else:
        raise RuntimeError("could not deploy the tokens in the requested order")

    uni = deploy_uniswap(deployer, weth)
    pool = create_pool(uni, base, quote, fee, price, deployer)
    positions = add_liquidity(uni, pool, default_ranges(price) if ranges is None else ranges, deployer)
    return LocalStack(uni=uni, base=base, quote=quote, pool=pool, positions=positions)
