// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IERC4626} from "@openzeppelin/contracts/interfaces/IERC4626.sol";

import {AggregatorV3Interface} from "./AggregatorV3Interface.sol";
import {IGreeksEngine} from "./IGreeksEngine.sol";
import {IBorrowVenue} from "./IBorrowVenue.sol";
import {ISwapPayer} from "./ISwapAdapter.sol";

/// @title IDeltaVault
/// @notice An ERC-4626 vault over a quote asset (USDC-like) that writes fully collateralized, cash-settled
///         European options (calls with a payoff cap, and puts) and holds the base asset (WETH-like) as its
///         spot hedge. Liquidity providers hold the vault's shares; option holders hold one ERC-1155 token per
///         series (see `optionToken()`).
/// @dev Units, everywhere in this interface unless a name says otherwise:
///      - prices (spot, strike, cap, settlement price) in WAD of quote per one whole unit of base
///        (2000 USDC per WETH = 2000e18), whatever the tokens' decimals;
///      - option amounts in WAD of base units (1 option on 1 WETH = 1e18), whatever the base decimals;
///      - premiums, payouts and ERC-4626 assets in the quote token's own units (6 decimals for USDC);
///      - volatility annualized in WAD (80% = 0.8e18); time in seconds; fees and spreads in basis points.
///      Solvency: the quote balance always covers the maximum payoff of every outstanding option plus every
///      settled payout not yet redeemed (`reservedAssets()`). The spot hedge is bought only with free quote,
///      and base held is never counted towards that reserve, so a fall of the base price to zero cannot make
///      the vault unable to pay its option holders. The short hedge (base borrowed on `borrowVenue()` and sold)
///      posts only free quote as collateral, and neither the collateral nor the base owed ever counts towards
///      the reserve, so a rise of the base price, up to a liquidation of the short, cannot either.
interface IDeltaVault is IERC4626, ISwapPayer {
    // ---------------------------------------------------------------- types

    /// @notice An option series the vault writes.
    /// @param strike Strike price, WAD quote per base.
    /// @param cap For calls, the maximum payoff per option (WAD quote per base); the call pays
    ///        min(max(S - strike, 0), cap). Zero for puts, whose maximum payoff is the strike.
    /// @param expiry Expiry timestamp, seconds.
    /// @param isCall True for a call, false for a put.
    /// @param settled True once the settlement price is recorded.
    /// @param outstanding Options written and not bought back, WAD of base (the vault is short this amount).
    /// @param payoffPerOption Payoff per option fixed at settlement, WAD quote per base (0 before).
    struct Series {
        uint128 strike;
        uint128 cap;
        uint64 expiry;
        bool isCall;
        bool settled;
        uint128 outstanding;
        uint128 payoffPerOption;
    }

    /// @notice The state a rebalance decides from (see `hedgeState`).
    /// @param spot Oracle price, WAD quote per base.
    /// @param delta Portfolio delta: every live series plus the base held less the base owed, WAD of base.
    /// @param gamma Portfolio gamma, WAD per one quote unit of spot.
    /// @param baseHeld Base held, WAD.
    /// @param freeAssets Quote not reserved for option holders, quote units.
    /// @param baseOwed Base owed on the borrow venue with interest accrued to now (rounded up), WAD.
    /// @param collateral Quote posted as collateral on the borrow venue, quote units.
    struct HedgeState {
        uint256 spot;
        int256 delta;
        int256 gamma;
        uint256 baseHeld;
        uint256 freeAssets;
        uint256 baseOwed;
        uint256 collateral;
    }

    /// @notice The policy the owner sets within hard-coded bounds.
    /// @param entryFeeBps Fee on deposits, kept by the vault (must be at least the price feed's deviation
    ///        threshold to make trading against a predictable mark unprofitable).
    /// @param exitFeeBps Fee on withdrawals, kept by the vault.
    /// @param baseSpreadBps Spread charged on every option trade.
    /// @param exposureSpreadBps Extra spread at full use of the vega limit, for trades that add exposure.
    /// @param minPremiumBps Minimum buy premium as a fraction of the maximum payoff, so that nobody can lock
    ///        the vault's collateral with options bought for nothing.
    /// @param priceMarkBps The price feed's deviation threshold: the price move of one routine oracle update.
    ///        Option trades are marked against it (see `quoteBuy`).
    /// @param volMarkBand The implied-volatility move of one routine update (WAD): the volatility feed's
    ///        deviation threshold, and the largest manual step. Option trades are marked against it.
    /// @param gammaLimit Limit of |portfolio gamma|, WAD per one quote unit of spot.
    /// @param vegaLimit Limit of |portfolio vega|, WAD quote per 1.00 of vol.
    /// @param jumpMarkBps The largest single price update the synchronous ERC-4626 path covers (a crash or a
    ///        pump is one oracle round): synchronous deposits and withdrawals are priced at the least favourable
    ///        net asset value with the book revalued this far up and down (see `markedNav`).
    /// @param tradingCutoff No option trade in a series within this many seconds of its expiry.
    /// @param requestDelay Seconds from a deposit or redeem request to its due time (see `requestQueue`).
    struct Policy {
        uint16 entryFeeBps;
        uint16 exitFeeBps;
        uint16 baseSpreadBps;
        uint16 exposureSpreadBps;
        uint16 minPremiumBps;
        uint16 priceMarkBps;
        uint64 volMarkBand;
        uint128 gammaLimit;
        uint128 vegaLimit;
        uint16 jumpMarkBps;
        uint32 tradingCutoff;
        uint32 requestDelay;
    }

    /// @notice The oracle set-up.
    /// @param priceFeed Base/quote price feed (Chainlink AggregatorV3).
    /// @param priceMaxAge Maximum age of a price answer, seconds (the feed's heartbeat plus a margin).
    /// @param volFeed Implied-volatility feed answering annualized volatility as a fraction with the feed's
    ///        decimals (0.8 = 80% with 8 decimals is 80000000); address(0) when volatility is set by the manager.
    /// @param volMaxAge Maximum age of a volatility answer, seconds.
    /// @param sequencerFeed L2 sequencer-uptime feed (answer 0 = up); address(0) on L1.
    /// @param sequencerGracePeriod Time after the sequencer comes back up during which prices are refused.
    struct OracleConfig {
        AggregatorV3Interface priceFeed;
        uint32 priceMaxAge;
        AggregatorV3Interface volFeed;
        uint32 volMaxAge;
        AggregatorV3Interface sequencerFeed;
        uint32 sequencerGracePeriod;
    }

    // ---------------------------------------------------------------- errors

    /// @notice The series id does not exist.
    error SeriesNotListed(uint256 seriesId);
    /// @notice The series expired at `expiry`; it can no longer be traded.
    error SeriesExpired(uint256 seriesId, uint256 expiry);
    /// @notice The series expires at `expiry`, after now; it cannot be settled yet.
    error SeriesNotExpired(uint256 seriesId, uint256 expiry);
    /// @notice The series has already been settled.
    error SeriesAlreadySettled(uint256 seriesId);
    /// @notice The series has not been settled yet; its options cannot be redeemed.
    error SeriesNotSettled(uint256 seriesId);
    /// @notice Listing a series with these parameters is not allowed.
    error InvalidSeries(uint256 strike, uint256 cap, uint256 expiry);
    /// @notice The number of live (unsettled) series would exceed `max`.
    error TooManyLiveSeries(uint256 max);
    /// @notice Option amounts must be at least `min` (WAD).
    error AmountTooSmall(uint256 amount, uint256 min);
    /// @notice The premium of a buy is above the buyer's bound.
    error PremiumAboveMax(uint256 premium, uint256 maxPremium);
    /// @notice The premium of a sale is below the seller's bound.
    error PremiumBelowMin(uint256 premium, uint256 minPremium);
    /// @notice Selling back more options than the vault has written in the series.
    error ExceedsOutstanding(uint256 amount, uint256 outstanding);
    /// @notice The free quote assets cannot cover the collateral the trade needs.
    error InsufficientCollateral(uint256 required, uint256 available);
    /// @notice The trade would take |portfolio gamma| beyond its limit.
    error GammaLimitExceeded(int256 gammaAfter, uint256 limit);
    /// @notice The trade would take |portfolio vega| beyond its limit.
    error VegaLimitExceeded(int256 vegaAfter, uint256 limit);
    /// @notice A feed answered a non-positive value.
    error OracleAnswerNotPositive(address feed, int256 answer);
    /// @notice A feed's last update is older than the allowed age.
    error OracleStale(address feed, uint256 updatedAt, uint256 maxAge);
    /// @notice The L2 sequencer is down.
    error SequencerDown(address feed);
    /// @notice The L2 sequencer came back up at `upSince`; prices are refused during the grace period.
    error SequencerGracePeriod(address feed, uint256 upSince, uint256 gracePeriod);
    /// @notice `roundId` is not the first round of the price feed at or after the series' expiry.
    error InvalidSettlementRound(
        uint80 roundId,
        uint256 updatedAt,
        uint256 previousUpdatedAt,
        uint256 expiry
    );
    /// @notice The implied volatility is outside the hard bounds.
    error VolatilityOutOfBounds(uint256 vol, uint256 min, uint256 max);
    /// @notice The manual volatility was changed at `lastUpdate`; the next change is allowed at `nextAllowed`.
    error VolatilityUpdateTooSoon(uint256 lastUpdate, uint256 nextAllowed);
    /// @notice A manual volatility change larger than the policy's `volMarkBand`.
    error VolatilityStepTooLarge(uint256 current, uint256 requested, uint256 maxStep);
    /// @notice Manual volatility cannot be set while a volatility feed is configured.
    error VolatilityFromFeed(address volFeed);
    /// @notice A policy or oracle parameter is outside its hard bound.
    error ParameterOutOfBounds(bytes32 parameter, uint256 value, uint256 min, uint256 max);
    /// @notice A token transfer delivered a different amount than requested (fee-on-transfer tokens).
    error TransferAmountMismatch(uint256 expected, uint256 received);
    /// @notice The zero address was passed where an account or contract is required.
    error ZeroAddress();
    /// @notice Trading in `seriesId` closed at `closedAt` (its expiry less the trading cut-off).
    error SeriesTradingClosed(uint256 seriesId, uint256 closedAt);
    /// @notice Series `seriesId` expired at `expiry` and is not settled yet: share conversions wait for `settle`.
    error SettlementPending(uint256 seriesId, uint256 expiry);
    /// @notice Only the vault's request queue may call this function.
    error OnlyRequestQueue(address caller);
    /// @notice Only the vault's rebalancing engine may move the hedge or pay keepers.
    error OnlyHedger(address caller);
    /// @notice A hedge swap returned less than its oracle-derived minimum.
    error HedgeSlippage(uint256 amountOut, uint256 minAmountOut);
    /// @notice `swapPayment` was called by `caller` while no hedge is in progress.
    error SwapPaymentOutsideHedge(address caller);
    /// @notice `swapPayment` was called by `caller` during a hedge on another adapter, `adapter`.
    error SwapPaymentNotFromAdapter(address caller, address adapter);
    /// @notice `swapPayment` asked for `token`, but the hedge in progress pays in `tokenIn`.
    error SwapPaymentWrongToken(address token, address tokenIn);
    /// @notice `swapPayment` asked for `amount`, more than the `remaining` input of the hedge in progress.
    error SwapPaymentOverBudget(uint256 amount, uint256 remaining);
    /// @notice The borrow venue cannot change while its position holds `collateral` (quote units) or owes `debt`
    ///         (base units).
    error BorrowVenuePositionOpen(uint256 collateral, uint256 debt);
    /// @notice `venue` does not serve this vault: its `vault()`, `collateralToken()` (the quote asset) or
    ///         `debtToken()` (the base asset) differs.
    error BorrowVenueMismatch(address venue);
    /// @notice The extension given to the constructor was deployed for another quote or base asset.
    error ExtensionMismatch(address extension);
    /// @notice No borrow venue is set: the hedge cannot hold a short position.
    error NoBorrowVenue();
    /// @notice An option trade adds long delta that needs `needed` base owed (WAD) for the hedge, beyond the
    ///         `capacity` (WAD) of the short: the hedger's cap on base owed, or what the venue can lend now
    ///         (its liquidity, and the free quote posted as collateral at the hedger's target loan-to-value).
    error HedgeCapacityExceeded(uint256 needed, uint256 capacity);

    // ---------------------------------------------------------------- events

    /// @notice A series was listed.
    event SeriesListed(uint256 indexed seriesId, uint256 strike, uint256 cap, uint256 expiry, bool isCall);
    /// @notice `buyer` bought `amount` options of `seriesId` for `premium` (quote units), minted to `receiver`.
    event OptionBought(
        uint256 indexed seriesId,
        address indexed buyer,
        address indexed receiver,
        uint256 amount,
        uint256 premium,
        uint256 spot,
        uint256 vol
    );
    /// @notice `seller` sold `amount` options of `seriesId` back for `premium`, paid to `receiver`.
    event OptionSold(
        uint256 indexed seriesId,
        address indexed seller,
        address indexed receiver,
        uint256 amount,
        uint256 premium,
        uint256 spot,
        uint256 vol
    );
    /// @notice A series was settled at `settlementPrice` (round `roundId`); `totalPayout` quote units are owed.
    event SeriesSettled(
        uint256 indexed seriesId,
        uint80 roundId,
        uint256 settlementPrice,
        uint256 payoffPerOption,
        uint256 totalPayout
    );
    /// @notice `holder` redeemed `amount` settled options of `seriesId` for `payout`, paid to `receiver`.
    event OptionRedeemed(
        uint256 indexed seriesId,
        address indexed holder,
        address indexed receiver,
        uint256 amount,
        uint256 payout
    );
    /// @notice The manager set the implied volatility.
    event ImpliedVolSet(uint256 vol);
    /// @notice The owner changed the policy.
    event PolicySet(Policy policy);
    /// @notice The owner changed the oracle set-up.
    event OracleConfigSet(OracleConfig config);
    /// @notice The owner set the rebalancing engine.
    event HedgerSet(address hedger);
    /// @notice The hedge paid `amountIn` of quote (`buyBase`) or base for `amountOut` on `adapter` (`amountIn` is
    ///         what the adapter drew through `swapPayment`, at most the amount the hedge allowed).
    event Hedged(address indexed adapter, bool buyBase, uint256 amountIn, uint256 amountOut);
    /// @notice `keeper` was paid `amount` quote units for a rebalance.
    event KeeperPaid(address indexed keeper, uint256 amount);
    /// @notice The owner set the borrow venue of the short hedge (address(0): none).
    event BorrowVenueSet(address indexed venue);
    /// @notice The hedge borrowed `assets` of base (base units) through the vault, posting `collateralAdded` of free
    ///         quote first. A borrow that posts no collateral goes from the hedger to the venue directly and shows in
    ///         the venue's `Borrowed` event.
    event BaseBorrowed(uint256 assets, uint256 collateralAdded);
    /// @notice The hedge repaid `repaid` base (base units) through the vault and took back `collateralWithdrawn`
    ///         quote. A repayment that withdraws no collateral goes from the hedger to the venue directly and shows
    ///         in the venue's `Repaid` event.
    event BaseRepaid(uint256 repaid, uint256 collateralWithdrawn);
    /// @notice The hedge posted `assets` of free quote as extra collateral (the health action).
    event CollateralAdded(uint256 assets);

    // ---------------------------------------------------------------- trading

    /// @notice Premium a buyer pays now for `amount` options of `seriesId` (quote units, rounded up).
    /// @dev Per option: (Black-Scholes value + mark) x (1 + spread), at least `minPremiumBps` of the maximum
    ///      payoff and at most the maximum payoff, where the mark is what the option's value can move in one
    ///      routine update: |delta| x dS + |gamma| x dS^2 / 2 + |vega| x volMarkBand, dS = spot x priceMarkBps.
    ///      A sale back pays (value - mark) x (1 - spread). Buying before a known update and selling back after
    ///      it therefore loses. No trade within `tradingCutoff` of expiry (`SeriesTradingClosed`).
    function quoteBuy(uint256 seriesId, uint256 amount) external view returns (uint256 premium);

    /// @notice Premium a seller receives now for `amount` options of `seriesId` (quote units, rounded down).
    function quoteSell(uint256 seriesId, uint256 amount) external view returns (uint256 premium);

    /// @notice Buys `amount` options of `seriesId` from the vault, paying at most `maxPremium` quote units.
    /// @dev Reserves the series' maximum payoff for `amount` from the free assets; reverts when they cannot
    ///      cover it, when the series is expired or unlisted, when the vault is paused, or when the trade would
    ///      take |portfolio gamma| or |portfolio vega| beyond its limit without reducing it.
    /// @return premium The premium paid, quote units.
    function buyOption(
        uint256 seriesId,
        uint256 amount,
        uint256 maxPremium,
        address receiver
    ) external returns (uint256 premium);

    /// @notice Sells `amount` options of `seriesId` back to the vault for at least `minPremium` quote units.
    /// @dev Works while paused. Burns the caller's option tokens and releases their reserve.
    /// @return premium The premium received, quote units.
    function sellOption(
        uint256 seriesId,
        uint256 amount,
        uint256 minPremium,
        address receiver
    ) external returns (uint256 premium);

    /// @notice Records the settlement price of an expired series. Anyone may call.
    /// @param roundId The first round of the price feed updated at or after expiry; the vault verifies that its
    ///        `updatedAt` is at or after expiry and that the previous round's is before.
    function settle(uint256 seriesId, uint80 roundId) external;

    /// @notice Burns `amount` settled options of `seriesId` held by the caller and pays their payoff.
    /// @dev Named apart from ERC-4626's `redeem(shares, receiver, owner)` so that callers need no overload.
    /// @return payout The payout, quote units (rounded down).
    function redeemOption(
        uint256 seriesId,
        uint256 amount,
        address receiver
    ) external returns (uint256 payout);

    // ---------------------------------------------------------------- hedging (rebalancing engine only)

    /// @notice Trades the spot hedge on `adapter`: `amountIn` of quote for base (`buyBase`) or of base for quote.
    /// @dev Only the hedger set by the owner. Nothing is sent to the adapter beforehand: during the call the
    ///      adapter draws at most `amountIn` of the input token through `swapPayment`. Quote spent on base must
    ///      come from the free assets (the reserve is never spent on the hedge); the output is measured on the
    ///      vault's own balance and must reach `minAmountOut`; the solvency invariant is checked afterwards.
    function hedge(
        address adapter,
        bool buyBase,
        uint256 amountIn,
        uint256 minAmountOut
    ) external returns (uint256 amountOut);

    /// @notice Pays `amount` of the hedge's input token to `to` on behalf of the adapter of the hedge in
    ///         progress (its venue, or the adapter itself when the venue pulls from it).
    /// @dev Accepted only during `hedge`, only from the adapter `hedge` is calling, only for the hedge's input
    ///      token and only up to the input not yet paid; otherwise reverts with `SwapPaymentOutsideHedge`,
    ///      `SwapPaymentNotFromAdapter`, `SwapPaymentWrongToken` or `SwapPaymentOverBudget`. Outside a hedge
    ///      it cannot move any funds.
    function swapPayment(address token, address to, uint256 amount) external override;

    /// @notice Pays a keeper's bounty of `amount` quote units, limited to the free assets. Only the hedger.
    /// @return paid The amount paid: min(amount, freeAssets()).
    function payKeeper(address keeper, uint256 amount) external returns (uint256 paid);

    /// @notice Borrows `assets` of base (base units) on the borrow venue to the vault, posting first the free
    ///         quote the debt then needs as collateral at loan-to-value `ltv` (WAD, at most the venue's `lltv`).
    ///         Only the hedger; the hedger then sells the base with `hedge`.
    /// @dev The collateral comes only from the free assets (`IBorrowVenue.CollateralAboveMax` otherwise); the
    ///      solvency invariant is checked afterwards. Reverts with `NoBorrowVenue` when none is set.
    /// @return collateralAdded Quote posted, quote units.
    function borrowBase(uint256 assets, uint256 ltv) external returns (uint256 collateralAdded);

    /// @notice Repays min(`assets`, debt) of base (base units) from the base held, then takes back the
    ///         collateral above what the remaining debt needs at loan-to-value `ltv` (WAD; all of it once the
    ///         debt is closed). With `ltv` 0, repays only. Only the hedger, after buying the base with `hedge`.
    /// @return repaid Base repaid, base units.
    /// @return collateralWithdrawn Quote returned to the vault, quote units.
    function repayBase(
        uint256 assets,
        uint256 ltv
    ) external returns (uint256 repaid, uint256 collateralWithdrawn);

    /// @notice Posts `assets` of free quote (quote units) as extra collateral of the short. Only the hedger (its
    ///         health action); reverts with `InsufficientCollateral` beyond the free assets.
    function addCollateral(uint256 assets) external;

    /// @notice The rebalancing engine allowed to call `hedge`, `payKeeper` and the borrow-venue functions.
    function hedger() external view returns (address);

    /// @notice The lending market the short hedge borrows base from (address(0): the hedge holds base only).
    function borrowVenue() external view returns (IBorrowVenue);

    // ---------------------------------------------------------------- views

    /// @notice Greeks of the whole portfolio: every live series (the vault is short what it wrote) plus the
    ///         base held less the base owed on the borrow venue.
    /// @return delta WAD of base units.
    /// @return gamma WAD, change of delta per one quote unit of spot.
    /// @return vega WAD quote per 1.00 of vol.
    function portfolioGreeks() external view returns (int256 delta, int256 gamma, int256 vega);

    /// @notice Everything a rebalance decides from, in one read: the oracle spot, the portfolio's delta (base
    ///         held and base owed included) and gamma, the base held, the free quote, and the short's position
    ///         on the borrow venue (read live: a liquidation by anyone shows at once).
    function hedgeState() external view returns (HedgeState memory);

    /// @notice Net asset value (quote units) at the current marks, and the jump band of the synchronous path: the
    ///         largest change of the net asset value with the book revalued at spot x (1 +- jumpMarkBps), plus
    ///         |vega| x the largest volatility step (`volMarkBand` for a manual volatility; the whole range
    ///         MAX_VOL - MIN_VOL for a volatility feed, which can step anywhere). Synchronous deposits and mints
    ///         are priced at nav + band, withdrawals and redemptions at nav - band, so that seeing even a crash
    ///         coming in the next oracle round does not pay. The band is zero for a vault holding only quote.
    ///         Requests through `requestQueue` pay no band (see `processDeposit`).
    function markedNav() external view returns (uint256 nav, uint256 band);

    /// @notice The asynchronous way in and out (ERC-7540-style requests, see IRequestQueue), created with the
    ///         vault. It holds requested deposits and shares until they are processed.
    function requestQueue() external view returns (address);

    /// @notice Mints shares to `receiver` for `assets` quote drawn from the request queue. Only the queue, for a
    ///         deposit request that is due.
    /// @dev Priced at the higher of the net asset value at the request's due marks (`dueSpot` from the first
    ///      price round at or after the due time, `dueVol` from the volatility round in effect then, 0 for the
    ///      manual volatility) and at the live marks: nobody who asked before the due round existed can know
    ///      its price, and waiting after it cannot improve on it. Entry fee as for `deposit`. Reverts while
    ///      paused or while an expired series waits for settlement.
    /// @return shares Shares minted (rounded down).
    function processDeposit(
        uint256 assets,
        address receiver,
        uint256 dueSpot,
        uint256 dueVol
    ) external returns (uint256 shares);

    /// @notice Burns `shares` held by the request queue and pays their value to `receiver`. Only the queue, for
    ///         a redeem request that is due.
    /// @dev Priced at the lower of the net asset value at the request's due marks and at the live marks (see
    ///      `processDeposit`), less the exit fee; limited by the free assets. Works while paused.
    /// @return assets Quote paid (rounded down).
    function processRedeem(
        uint256 shares,
        address receiver,
        uint256 dueSpot,
        uint256 dueVol
    ) external returns (uint256 assets);

    /// @notice The Black-Scholes engine options are priced with.
    function greeksEngine() external view returns (IGreeksEngine);

    /// @notice Number of series ever listed; ids run from 1 to `seriesCount`.
    function seriesCount() external view returns (uint256);

    /// @notice Most series live at once (every loop over them has a known gas ceiling).
    function MAX_LIVE_SERIES() external view returns (uint256);

    /// @notice Smallest option trade, WAD of base.
    function MIN_OPTION_AMOUNT() external view returns (uint256);

    /// @notice Bounds of the implied volatility, WAD.
    function MIN_VOL() external view returns (uint256);

    function MAX_VOL() external view returns (uint256);

    /// @notice Minimum delay between two manual volatility changes, seconds.
    function VOL_UPDATE_DELAY() external view returns (uint256);

    /// @notice Bounds of a new series' time to expiry, seconds.
    function MIN_TIME_TO_EXPIRY() external view returns (uint256);

    function MAX_TIME_TO_EXPIRY() external view returns (uint256);

    /// @notice Bounds of a new series' strike and cap, WAD quote per base.
    function MIN_STRIKE() external view returns (uint256);

    function MAX_STRIKE() external view returns (uint256);

    /// @notice Strikes and caps are whole multiples of this, WAD quote per base.
    function STRIKE_UNIT() external view returns (uint256);

    /// @notice Bounds of the oracle set-up's maximum ages, seconds.
    function MIN_ORACLE_AGE() external view returns (uint256);

    function MAX_ORACLE_AGE() external view returns (uint256);

    /// @notice Upper bound of the sequencer grace period, seconds.
    function MAX_GRACE_PERIOD() external view returns (uint256);

    /// @notice The vault's second code contract, deployed before it for the same quote and base (the vault
    ///         prices with its engine):
    ///         listing, settlement, option redemption, configuration and the short's position changes run there
    ///         through `delegatecall`, in the vault's own state.
    function extension() external view returns (address);

    /// @notice The ERC-1155 token holding one id per series.
    function optionToken() external view returns (address);

    /// @notice The base asset (spot hedge).
    function baseAsset() external view returns (address);

    /// @notice A series by id.
    function series(uint256 seriesId) external view returns (Series memory);

    /// @notice Ids of the live (listed, unsettled) series, at most `MAX_LIVE_SERIES`.
    function liveSeries() external view returns (uint256[] memory);

    /// @notice Quote units reserved for option holders: the maximum payoff of every outstanding option plus
    ///         every settled payout not yet redeemed.
    function reservedAssets() external view returns (uint256);

    /// @notice Quote units not reserved, available to withdrawals and to the hedge.
    function freeAssets() external view returns (uint256);

    /// @notice The oracle price of base, WAD quote per base (checked for staleness and sequencer status).
    function spotPrice() external view returns (uint256);

    /// @notice The implied volatility options are priced at, WAD.
    function impliedVol() external view returns (uint256);

    /// @notice The current policy.
    function policy() external view returns (Policy memory);

    /// @notice The current oracle set-up.
    function oracleConfig() external view returns (OracleConfig memory);

    // ---------------------------------------------------------------- administration

    /// @notice Lists a series (manager). `cap` is required and positive for calls, zero for puts. Strike and cap
    ///         are whole multiples of `STRIKE_UNIT` (1e11: seven decimals of quote per base).
    function listSeries(
        uint256 strike,
        uint256 cap,
        uint256 expiry,
        bool isCall
    ) external returns (uint256 seriesId);

    /// @notice Sets the manual implied volatility (manager), within hard bounds, at most once per delay and by
    ///         at most the policy's `volMarkBand`.
    function setImpliedVol(uint256 vol) external;

    /// @notice Sets the policy (owner), every field within its hard bound.
    function setPolicy(Policy calldata policy) external;

    /// @notice Sets the oracle set-up (owner), every age within its hard bound.
    function setOracleConfig(OracleConfig calldata config) external;

    /// @notice Sets the rebalancing engine (owner).
    function setHedger(address hedger) external;

    /// @notice Sets the borrow venue of the short hedge (owner; address(0) turns the short off). Refused with
    ///         `BorrowVenuePositionOpen` while the current venue's position holds collateral or owes debt, and
    ///         with `BorrowVenueMismatch` unless the venue's vault is this vault, its collateral token the quote
    ///         asset and its debt token the base asset. The venue is given allowances of quote (collateral) and
    ///         base (repayments); it pulls only inside `borrowBase`, `repayBase` and `addCollateral`, each
    ///         followed by the solvency check. The previous venue's allowances are revoked.
    function setBorrowVenue(IBorrowVenue venue) external;

    /// @notice Pauses new options and deposits (guardian). Withdrawals of free assets, sales back to the vault,
    ///         settlement and redemptions keep working.
    function pause() external;

    /// @notice Lifts the pause (guardian).
    function unpause() external;
}
