"""One home for the numbers the tests share (mirrors of the contracts' constants and units)."""

WAD = 10**18  # 1.0 in the contracts' fixed point (prices, volatilities, deltas, option amounts)
BPS = 10_000  # 100 % in basis points
GWEI = 10**9
USDC = 10**6  # one whole token of the 6-decimal quote token of the stacks
STRIKE_UNIT = 10**11  # DeltaVault.STRIKE_UNIT: strikes and caps are whole multiples of it
ZERO_ADDRESS = "0x0000000000000000000000000000000000000000"
MAX_UINT = 2**256 - 1
HOUR = 3600
DAY = 86_400
YEAR = 365 * DAY
TEST_MNEMONIC = "test test test test test test test test test test test junk"
