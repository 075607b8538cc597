// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IDeltaVault} from "./IDeltaVault.sol";
import {ISwapAdapter} from "./ISwapAdapter.sol";

/// @title IDeltaHedger
/// @notice The rebalancing engine of one DeltaVault. Anyone may trigger a rebalance, but only when the vault's
///         policy says one is due; the engine computes everything on-chain (portfolio delta, band, trade size,
///         price bounds, keeper bounty) and the caller chooses nothing that matters. Also speaks the Chainlink
///         Automation interface (`checkUpkeep` / `performUpkeep`), usable by Gelato as well.
/// @dev Units: deltas, bands and trade sizes in WAD of base; prices WAD quote per base; volatility WAD,
///      annualized; gamma WAD per one quote unit of spot; risk aversion WAD per quote unit; costs WAD fractions
///      of notional; bounties in quote units; the loss budget in basis points of the hedge's capital (free quote
///      plus base held at the oracle price); times in seconds.
///      Portfolio delta D = sum over live series of (position x option delta) + base held - base owed. With
///      x = D - T:
///      - Threshold: due when |x| > band.
///      - Time: due when now - lastRebalance >= maxInterval and |x| > minBand.
///      - Volatility-adjusted: k = clamp(referenceVol / realizedVol, 1/4, 4), where realizedVol is an EWMA of
///        annualized squared oracle log returns (`observe()`); due when |x| > band * k, or when
///        now - lastRebalance >= maxInterval * k^2 and |x| > minBand. Faster markets: narrower band, shorter
///        interval.
///      - Cost-aware (fixed + proportional costs): H is the root of H^4 - p H - q = 0 with
///        p = 6 lambda S Gamma^2 / riskAversion and q = 12 K Gamma^2 / riskAversion, where K = rebalanceGas x
///        basefee x S is the fixed cost of one rebalance (the base asset is the chain's gas token; K is what the
///        keeper bounty reimburses) and lambda = pool fee + expected price impact of |x| (from the swap adapter)
///        is the proportional cost; r = 0 (the vault holds no interest-bearing cash). Due when
///        |x| > max(H, minBand). H minimises the long-run rate of risk penalty (riskAversion / 2) x variance of
///        the hedged P&L plus trading costs for a hedge that trades back to the target when |x| reaches H; its
///        limits are the Whalley-Wilmott band (6 lambda S Gamma^2 / riskAversion)^(1/3) when K = 0 and the
///        fixed-cost band (12 K Gamma^2 / riskAversion)^(1/4) when lambda = 0. Sources: Whalley & Wilmott,
///        Mathematical Finance 7(3), 1997 (proportional costs); Whalley & Wilmott, European Journal of Applied
///        Mathematics 10(2), 1999 (fixed + proportional costs); Zakamouline, Journal of Economic Dynamics and
///        Control 30(1), 2006. The derivation is in `RebalanceLib.fixedCostBand`. Because the gas enters as a
///        cost per trade, one riskAversion gives the band for books of any size. Policies using this rule
///        should trade to the target (`tradeToEdge` false), as the band assumes.
///      Rules are checked in the order threshold, volatility-adjusted, cost-aware, time, and the first whose band
///      is crossed fires. Enabled together, the threshold band is therefore a hard risk limit on the cost-aware
///      band: the rebalance is due when |x| > min(band, max(H, minBand)) (reported as Threshold when |x| > band,
///      else as Cost), and while neither fires the reported band is the threshold band. Set `band` above the
///      cost-aware bands you expect (or leave the threshold rule off) to run the cost-aware rule alone.
///      A cooldown (minInterval) always applies. The trade goes to the target, or to the firing rule's band edge,
///      by policy, and is capped by `hedgeCap`, by the base held (sales) and by the free quote less `bountyCap`
///      (purchases; the bounty is paid from the free quote after the swap, and never exceeds it). A trade
///      smaller than `minBand` is never due: no rebalance trades (or pays a bounty for) dust, whether the dust
///      is a real deviation or a donation made to create one.
///      The short leg (when the vault has a borrow venue and `shortPolicy().maxBaseOwed` > 0): a sale may go
///      beyond the base held by borrowing the rest on the venue, with free quote as collateral (capped by
///      `maxBaseOwed`, the venue's liquidity and what the collateral and the free quote less `bountyCap`
///      carry at `POST_LTV_BPS` of `targetLtv`, 1 % above the oracle price). Collateral moves with hysteresis:
///      a borrow that would take the loan-to-value above `targetLtv` posts down to `POST_LTV_BPS` of it, a
///      repayment withdraws only below `WITHDRAW_LTV_BPS` of it (back to that level). A rebalance that crosses zero does both legs in one call with one
///      swap: it borrows only what the base held cannot cover, then sells the whole trade (held base goes
///      first). A purchase while base is owed repays min(bought, owed) (and withdraws collateral, see above);
///      what is bought beyond the debt is held. Every leg has
///      the protections above.
///      Health (a fifth rule, checked before the others while base is owed): when the short's loan-to-value at
///      the oracle price exceeds `maxLtv`, a rebalance is due that posts the free quote (less `bountyCap`)
///      needed to bring it back to `targetLtv`; without enough free quote it buys base with the free quote and
///      repays (reducing the short; |D - T| need not shrink). With neither possible, `blocked` says
///      `HealthUnfixable` and no rebalance is due. A venue that cannot lend (`NoLiquidity`, `OracleUnavailable`,
///      `Paused`) is reported in `blocked` and the short is not grown; nothing reverts in a loop.
///      The bounty reimburses gas: (gas used + `BOUNTY_GAS_OVERHEAD`) x min(tx.gasprice, basefee x
///      `bountyMultiplierBps`), in quote at the oracle price, capped by `bountyCap`. It never exceeds what the
///      transaction paid for its gas, so calling `rebalance` is never a source of profit in itself.
interface IDeltaHedger {
    // ---------------------------------------------------------------- types

    /// @notice Which rule makes a rebalance due (0 when none does).
    enum Rule {
        None,
        Threshold,
        Time,
        Volatility,
        Cost,
        Health
    }

    /// @notice What the short leg cannot do now (None: nothing is in the way). `NoLiquidity`,
    ///         `VenueOracleUnavailable` and `VenuePaused` mirror the venue's status: the short is not grown.
    ///         `ShortCapReached`: base owed is at `maxBaseOwed`. `HealthUnfixable`: the short's loan-to-value is
    ///         above `maxLtv` and there is no free quote to post or to buy base back with.
    enum Blocked {
        None,
        NoLiquidity,
        VenueOracleUnavailable,
        VenuePaused,
        ShortCapReached,
        HealthUnfixable
    }

    /// @notice The short leg's policy, set by the vault's owner (`setShortPolicy`).
    /// @param targetLtv Loan-to-value the short is opened at and brought back to, WAD (at most `maxLtv`).
    /// @param maxLtv Loan-to-value above which the health rule acts, WAD (below the venue's liquidation LTV).
    /// @param maxBaseOwed Largest base owed, WAD of base (0: the short leg is off).
    struct ShortPolicy {
        uint64 targetLtv;
        uint64 maxLtv;
        uint128 maxBaseOwed;
    }

    /// @notice The rebalancing policy, set by the vault's owner within hard bounds.
    /// @param rules Bit mask of enabled rules: 1 threshold, 2 time, 4 volatility-adjusted, 8 cost-aware.
    /// @param tradeToEdge True: trade to the firing rule's band edge; false: trade to the target.
    /// @param target Target delta T, WAD of base.
    /// @param band Threshold band, WAD of base.
    /// @param minBand Smallest deviation worth a trade, WAD of base.
    /// @param hedgeCap Largest trade per rebalance, WAD of base.
    /// @param minInterval Cooldown between rebalances, seconds.
    /// @param maxInterval Maximum time between rebalances (time rule), seconds.
    /// @param maxPoolDeviationBps Largest allowed gap between the pool price and the oracle.
    /// @param maxSlippageBps Largest allowed loss of a swap against the oracle price.
    /// @param lossWindow Length of the loss-budget window, seconds.
    /// @param lossBudgetBps Largest value lost to slippage against the oracle per window, in basis points of the
    ///        hedge's capital at the trade (free quote + base held x oracle price). At or above
    ///        `maxSlippageBps` (as by default), one trade of any size, an unwind after a large move included,
    ///        fits an unused window: the budget grows with what is held.
    /// @param riskAversion Risk aversion of the cost-aware band (weight of the hedged P&L variance against
    ///        trading costs), WAD per quote unit.
    /// @param rebalanceGas Gas of one rebalance: with the base fee, the fixed cost K of the cost-aware band.
    /// @param bountyMultiplierBps Largest gas price reimbursed, as a multiple of the base fee (10_000 = 1x): the
    ///        keeper's priority fee is reimbursed up to (multiplier - 1) x basefee.
    /// @param bountyCap Largest keeper bounty, quote units.
    /// @param referenceVol Volatility at which the volatility-adjusted band equals `band`, WAD.
    /// @param ewmaAlpha Weight of a new observation in the realized-variance EWMA, WAD.
    /// @param observationSpacing Minimum time between two volatility observations, seconds.
    struct Policy {
        uint8 rules;
        bool tradeToEdge;
        int128 target;
        uint128 band;
        uint128 minBand;
        uint128 hedgeCap;
        uint32 minInterval;
        uint32 maxInterval;
        uint16 maxPoolDeviationBps;
        uint16 maxSlippageBps;
        uint32 lossWindow;
        uint16 lossBudgetBps;
        uint128 riskAversion;
        uint32 rebalanceGas;
        uint16 bountyMultiplierBps;
        uint128 bountyCap;
        uint64 referenceVol;
        uint64 ewmaAlpha;
        uint32 observationSpacing;
    }

    /// @notice What `rebalance()` would do now.
    /// @param due True when a rebalance is due and possible.
    /// @param rule The rule whose band is crossed (None when none is). A rule can be reported with `due` false:
    ///        during the cooldown, or when no trade is possible (no base to sell, no free quote to buy with).
    /// @param delta Portfolio delta D, WAD of base.
    /// @param target Target T, WAD of base.
    /// @param band The active band: the firing rule's band; when none fires, the band of the first enabled rule
    ///        in the order threshold, volatility-adjusted, cost-aware, time (minBand).
    /// @param trade The trade that would be made, WAD of base (positive: buy base; negative: sell base).
    /// @param nextAllowed The end of the cooldown.
    /// @param collateralIn Free quote the health rule would post as collateral, quote units (no trade then).
    /// @param ltv The short's loan-to-value at the oracle price, WAD (0 without debt).
    /// @param blocked What keeps the short leg from acting (see `Blocked`).
    struct Status {
        bool due;
        Rule rule;
        int256 delta;
        int256 target;
        uint256 band;
        int256 trade;
        uint256 nextAllowed;
        uint256 collateralIn;
        uint256 ltv;
        Blocked blocked;
    }

    // ---------------------------------------------------------------- errors

    /// @notice No rule makes a rebalance due: |delta - target| is within `band`.
    error RebalanceNotDue(int256 delta, int256 target, uint256 band);
    /// @notice The cooldown since the last rebalance at `lastRebalance` runs until `nextAllowed`.
    error RebalanceCooldown(uint256 lastRebalance, uint256 nextAllowed);
    /// @notice The pool price is further from the oracle than allowed.
    error PoolOracleDeviation(uint256 poolPrice, uint256 oraclePrice, uint256 maxDeviationBps);
    /// @notice This rebalance would take the window's loss against the oracle beyond the budget (quote units).
    error LossBudgetExceeded(uint256 windowLoss, uint256 budget);
    /// @notice The trade did not shrink |delta - target|.
    error DeltaNotReduced(int256 deviationBefore, int256 deviationAfter);
    /// @notice A volatility observation came before the minimum spacing.
    error ObservationTooSoon(uint256 lastObservation, uint256 nextAllowed);
    /// @notice Only the vault's owner may set the policy.
    error NotVaultOwner(address caller);
    /// @notice A policy parameter is outside its hard bound.
    error PolicyOutOfBounds(bytes32 parameter, uint256 value, uint256 min, uint256 max);
    /// @notice The short policy needs the vault's borrow venue, and the vault has none.
    error NoBorrowVenue();

    // ---------------------------------------------------------------- events

    /// @notice A rebalance traded the hedge.
    event Rebalanced(
        address indexed caller,
        Rule rule,
        int256 deltaBefore,
        int256 deltaAfter,
        uint256 amountIn,
        uint256 amountOut,
        uint256 price,
        uint256 bounty
    );
    /// @notice A volatility observation updated the realized-variance EWMA.
    event VolatilityObserved(uint256 price, uint256 realizedVol);
    /// @notice The policy changed.
    event PolicySet(Policy policy);
    /// @notice The short leg's policy changed.
    event ShortPolicySet(ShortPolicy policy);
    /// @notice The health rule posted `assets` of free quote as collateral; the loan-to-value was `ltvBefore`.
    event CollateralPosted(address indexed caller, uint256 assets, uint256 ltvBefore, uint256 bounty);

    // ---------------------------------------------------------------- functions

    /// @notice Rebalances the vault's hedge when a rule says so; pays the caller a bounty for its gas.
    /// @return trade The base traded, WAD (positive: bought).
    function rebalance() external returns (int256 trade);

    /// @notice Whether a rebalance is due, which rule says so, D, T, the active band and the trade.
    function rebalanceStatus() external view returns (Status memory);

    /// @notice Chainlink Automation: whether `performUpkeep` would rebalance. `performData` is the firing rule.
    function checkUpkeep(
        bytes calldata checkData
    ) external view returns (bool upkeepNeeded, bytes memory performData);

    /// @notice Chainlink Automation: rebalances, re-checking every condition on-chain (ignores `performData`).
    function performUpkeep(bytes calldata performData) external;

    /// @notice Records an oracle observation in the realized-volatility EWMA (permissionless, spaced).
    function observe() external;

    /// @notice The realized volatility estimate, WAD (0 before the first return is measured; the price at the
    ///         hedger's deployment, when the oracle answers, is the first observation).
    function realizedVol() external view returns (uint256);

    /// @notice Sets the policy (the vault's owner).
    function setPolicy(Policy calldata policy) external;

    /// @notice The policy.
    function policy() external view returns (Policy memory);

    /// @notice Sets the short leg's policy (the vault's owner), within bounds: 0.01e18 <= targetLtv <= maxLtv <
    ///         the venue's liquidation LTV, maxBaseOwed <= MAX_BAND. Reverts with `NoBorrowVenue` when the vault
    ///         has no borrow venue; a new venue needs the policy set again.
    function setShortPolicy(ShortPolicy calldata policy) external;

    /// @notice The short leg's policy (all zero until set: the short leg is off).
    function shortPolicy() external view returns (ShortPolicy memory);

    /// @notice Called by the vault after an option sale: reverts with `IDeltaVault.HedgeCapacityExceeded` when
    ///         the book's delta now needs more base owed than the short can carry and the trade increased that
    ///         need. The need is max(0, options delta - target); the capacity is min(maxBaseOwed, base owed +
    ///         what the venue lends now on its collateral plus the free quote less `bountyCap`, at `targetLtv`
    ///         and 1 % above the oracle price, within its liquidity).
    /// @param optionsDeltaBefore The options' delta before the trade, WAD of base.
    function checkCapacity(int256 optionsDeltaBefore) external view;

    /// @notice The vault this engine hedges.
    function vault() external view returns (IDeltaVault);

    /// @notice The swap adapter the hedge trades through.
    function adapter() external view returns (ISwapAdapter);
}
