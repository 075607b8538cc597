// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IAccessControl} from "@openzeppelin/contracts/access/IAccessControl.sol";
import {IERC20Metadata} from "@openzeppelin/contracts/token/ERC20/extensions/IERC20Metadata.sol";
import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {SignedMath} from "@openzeppelin/contracts/utils/math/SignedMath.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";
import {FixedPointMathLib as F} from "solady/utils/FixedPointMathLib.sol";
import {SSTORE2} from "solady/utils/SSTORE2.sol";

import {IBorrowVenue} from "@deltavault/interfaces/IBorrowVenue.sol";
import {IDeltaHedger} from "@deltavault/interfaces/IDeltaHedger.sol";
import {IDeltaVault} from "@deltavault/interfaces/IDeltaVault.sol";
import {ISwapAdapter} from "@deltavault/interfaces/ISwapAdapter.sol";

import {RebalanceLib} from "./libraries/RebalanceLib.sol";
import {Roles} from "./libraries/Roles.sol";

/// @title DeltaHedger
/// @notice The rebalancing engine of one DeltaVault (rules, execution and protections in IDeltaHedger).
/// @dev Protections: the pool price must agree with the oracle before trading; the swap's minimum output comes
///      from the oracle price and `maxSlippageBps`; a per-window loss budget bounds what repeated rebalances can
///      lose; the trade must shrink |D - T|; a cooldown separates rebalances (so never twice in one block); the
///      bounty is paid only by a rebalance that traded (or posted collateral for the health rule). The caller
///      passes nothing. The short leg borrows on the vault's borrow venue: through the vault when collateral
///      moves (`borrowBase`, `repayBase`, `addCollateral`: the vault checks that only free quote is posted), on
///      the venue directly when only base moves (`borrow` to the vault, `repay` pulled from it: the venue takes
///      these from the vault's hedger; the vault's quote is untouched). Its position is read live from the venue
///      on every decision.
contract DeltaHedger is IDeltaHedger, ReentrancyGuardTransient {
    // ---------------------------------------------------------------- constants

    uint256 internal constant WAD = 1e18;
    uint256 internal constant BPS = 10_000;
    uint8 internal constant RULE_THRESHOLD = 1;
    uint8 internal constant RULE_TIME = 2;
    uint8 internal constant RULE_VOLATILITY = 4;
    uint8 internal constant RULE_COST = 8;
    /// @notice Gas a rebalance spends outside the measured section (transaction base cost, calldata, payment).
    uint256 public constant BOUNTY_GAS_OVERHEAD = 60_000;
    /// @notice Hard bounds of the policy.
    uint256 public constant MIN_BAND = 1e12;
    uint256 public constant MAX_BAND = 1e27;
    uint256 public constant MAX_COOLDOWN = 1 days;
    uint256 public constant MAX_INTERVAL = 30 days;
    uint256 public constant MAX_DEVIATION_BPS = 500;
    uint256 public constant MAX_SLIPPAGE_BPS = 500;
    uint256 public constant MIN_LOSS_WINDOW = 1 hours;
    uint256 public constant MAX_LOSS_WINDOW = 30 days;
    uint256 public constant MAX_BOUNTY_MULTIPLIER_BPS = 30_000;
    uint256 public constant MIN_EWMA_ALPHA = 0.01e18;
    uint256 public constant MAX_EWMA_ALPHA = 0.5e18;
    uint256 public constant MIN_REFERENCE_VOL = 0.05e18;
    uint256 public constant MAX_REFERENCE_VOL = 5e18;
    uint256 public constant MIN_OBSERVATION_SPACING = 60;
    uint256 public constant MAX_OBSERVATION_SPACING = 1 days;
    uint256 public constant MAX_REBALANCE_GAS = 2_000_000;
    /// @notice Lowest target or maximum loan-to-value of the short, WAD.
    uint256 public constant MIN_LTV = 0.01e18;
    /// @notice The short's collateral is valued this far above the oracle price when sizing a borrow (1 %, in
    ///         basis points): the venue's own price, rounding and interest until the transaction lands stay
    ///         covered, so that a borrow the decision sized never fails on the venue's collateral check.
    uint256 public constant BORROW_PRICE_MARGIN_BPS = 100;
    /// @notice Collateral hysteresis, in basis points of `targetLtv`: a borrow that would take the loan-to-value
    ///         above `targetLtv` posts collateral down to `POST_LTV_BPS` of it, and a repayment takes back
    ///         collateral only once the loan-to-value is below `WITHDRAW_LTV_BPS` of it (back to that level).
    ///         Between the two, the short grows and shrinks without moving collateral (two transfers and a
    ///         Morpho call saved per leg).
    uint256 public constant POST_LTV_BPS = 8_000;
    uint256 public constant WITHDRAW_LTV_BPS = 6_000;
    /// @dev Lengths of the ABI-encoded `ShortPolicy` (3 words) and `Policy` (19 words) in the policy data.
    uint256 internal constant SHORT_POLICY_BYTES = 96;
    uint256 internal constant POLICY_BYTES = 608;
    /// @dev Solady SSTORE2's data contracts start with one STOP byte.
    uint256 internal constant DATA_OFFSET = 1;

    // ---------------------------------------------------------------- immutables

    IDeltaVault public immutable vault;
    ISwapAdapter public immutable adapter;
    /// @dev WAD base to base token units: 10**(18 - base decimals).
    uint256 internal immutable _baseScale;
    /// @dev (WAD base x WAD price) to quote units: 10**(36 - quote decimals).
    uint256 internal immutable _quoteScale;

    // ---------------------------------------------------------------- storage

    /// @notice Time of the last rebalance, start of the current loss-budget window, time of the last volatility
    ///         observation, and the loss accumulated in the window (quote units): one storage slot.
    uint40 public lastRebalance;
    uint40 public lossWindowStart;
    uint40 public lastObservation;
    uint128 public windowLoss;
    /// @dev The short leg's policy (`SHORT_POLICY_BYTES`) followed by the policy, ABI-encoded in the code of a
    ///      data contract (Solady SSTORE2): a rebalance reads them with one account access instead of seven cold
    ///      storage slots; a new policy or short policy writes a new data contract.
    address internal _policyData;
    /// @notice Realized-variance EWMA (annualized, WAD) and the last observed price (WAD).
    uint128 public variance;
    uint128 public lastObservedPrice;

    // ---------------------------------------------------------------- constructor

    constructor(IDeltaVault vault_, ISwapAdapter adapter_, Policy memory policy_) {
        address base = vault_.baseAsset();
        address quote = IERC4626Asset(address(vault_)).asset();
        if (adapter_.base() != base || adapter_.quote() != quote) revert ISwapAdapter.UnsupportedToken(base);
        vault = vault_;
        adapter = adapter_;
        _baseScale = 10 ** (18 - IERC20Metadata(base).decimals());
        _quoteScale = 10 ** (36 - IERC20Metadata(quote).decimals());
        _setPolicy(policy_);
        lastRebalance = uint40(block.timestamp);
        lossWindowStart = uint40(block.timestamp);
        // Seed the volatility estimator with the current price when the oracle answers (the first observation
        // then measures a return instead of only recording a price).
        try vault_.spotPrice() returns (uint256 spot) {
            lastObservedPrice = uint128(spot);
            lastObservation = uint40(block.timestamp);
        } catch {}
    }

    // ---------------------------------------------------------------- external

    /// @inheritdoc IDeltaHedger
    function rebalance() external nonReentrant returns (int256) {
        return _rebalance(msg.sender);
    }

    /// @inheritdoc IDeltaHedger
    function performUpkeep(bytes calldata) external nonReentrant {
        _rebalance(msg.sender);
    }

    /// @inheritdoc IDeltaHedger
    function checkUpkeep(bytes calldata) external view returns (bool upkeepNeeded, bytes memory performData) {
        Status memory s = _status(vault.hedgeState(), _loadPolicy());
        return (s.due, abi.encode(s.rule));
    }

    /// @inheritdoc IDeltaHedger
    function rebalanceStatus() external view returns (Status memory) {
        return _status(vault.hedgeState(), _loadPolicy());
    }

    /// @inheritdoc IDeltaHedger
    function observe() external nonReentrant {
        Policy memory p = _loadPolicy();
        uint256 next = lastObservation + p.observationSpacing;
        if (block.timestamp < next) revert ObservationTooSoon(lastObservation, next);
        _observe(vault.spotPrice(), p.ewmaAlpha);
    }

    /// @inheritdoc IDeltaHedger
    function realizedVol() public view returns (uint256) {
        return F.sqrtWad(variance);
    }

    /// @inheritdoc IDeltaHedger
    function setPolicy(Policy calldata policy_) external {
        if (!IAccessControl(address(vault)).hasRole(Roles.OWNER, msg.sender))
            revert NotVaultOwner(msg.sender);
        _setPolicy(policy_);
    }

    /// @inheritdoc IDeltaHedger
    function policy() external view returns (Policy memory) {
        return _loadPolicy();
    }

    /// @inheritdoc IDeltaHedger
    function setShortPolicy(ShortPolicy calldata sp) external {
        if (!IAccessControl(address(vault)).hasRole(Roles.OWNER, msg.sender))
            revert NotVaultOwner(msg.sender);
        IBorrowVenue venue = vault.borrowVenue();
        if (address(venue) == address(0)) revert NoBorrowVenue();
        _bound("maxLtv", sp.maxLtv, MIN_LTV, venue.lltv() - 1);
        _bound("targetLtv", sp.targetLtv, MIN_LTV, sp.maxLtv);
        _bound("maxBaseOwed", sp.maxBaseOwed, 0, MAX_BAND);
        _writePolicy(sp, _loadPolicy());
        emit ShortPolicySet(sp);
    }

    /// @inheritdoc IDeltaHedger
    function shortPolicy() external view returns (ShortPolicy memory) {
        return _loadShort();
    }

    /// @inheritdoc IDeltaHedger
    function checkCapacity(int256 optionsDeltaBefore) external view {
        IDeltaVault.HedgeState memory h = vault.hedgeState();
        Policy memory p = _loadPolicy();
        int256 optionsDelta = h.delta - int256(h.baseHeld) + int256(h.baseOwed);
        if (optionsDelta <= optionsDeltaBefore || optionsDelta <= p.target) return;
        uint256 needed = uint256(optionsDelta - p.target);
        ShortPolicy memory sp = _loadShort();
        uint256 capacity = h.baseOwed;
        IBorrowVenue venue = vault.borrowVenue();
        if (sp.maxBaseOwed != 0 && venue.status() == IBorrowVenue.Status.Active) {
            uint256 lendable = h.baseOwed + venue.availableLiquidity() * _baseScale;
            capacity = Math.min(Math.min(sp.maxBaseOwed, lendable), Math.max(_carried(h, p, sp), h.baseOwed));
        }
        if (needed > capacity) revert IDeltaVault.HedgeCapacityExceeded(needed, capacity);
    }

    // ---------------------------------------------------------------- internal: execution

    function _rebalance(address keeper) internal returns (int256) {
        uint256 gasStart = gasleft();
        Policy memory p = _loadPolicy();
        IDeltaVault.HedgeState memory h = vault.hedgeState();
        uint256 spot = h.spot;
        if (block.timestamp >= lastObservation + p.observationSpacing) _observe(spot, p.ewmaAlpha);
        // The band itself is only needed to trade to its edge: otherwise the cost rule stops its solve once it
        // knows that |D - T| is past the band (same decision, s.band then an upper bound of the band).
        Status memory s = _status(h, p, p.tradeToEdge);
        if (!s.due) {
            if (block.timestamp < s.nextAllowed) revert RebalanceCooldown(lastRebalance, s.nextAllowed);
            revert RebalanceNotDue(s.delta, s.target, _status(h, p).band);
        }
        if (s.collateralIn != 0) {
            // The health rule with free quote to spare: post it, trade nothing.
            vault.addCollateral(s.collateralIn);
            lastRebalance = uint40(block.timestamp);
            uint256 paid = _bounty(gasStart - gasleft(), spot, p);
            if (paid != 0) paid = vault.payKeeper(keeper, paid);
            emit CollateralPosted(keeper, s.collateralIn, s.ltv, paid);
            return 0;
        }
        _checkPoolPrice(spot, p.maxPoolDeviationBps);

        (uint256 amountIn, uint256 amountOut, int256 baseChange) = _swap(s.trade, h, p);
        int256 deviationBefore = s.delta - s.target;
        int256 deviationAfter = deviationBefore + baseChange;
        // The health rule's buy-back reduces the short whatever it does to |D - T|.
        if (s.rule != Rule.Health && SignedMath.abs(deviationAfter) >= SignedMath.abs(deviationBefore))
            revert DeltaNotReduced(deviationBefore, deviationAfter);
        lastRebalance = uint40(block.timestamp);

        // The vault pays at most its free quote: a bounty cannot make a useful rebalance revert.
        uint256 bounty = _bounty(gasStart - gasleft(), spot, p);
        if (bounty != 0) bounty = vault.payKeeper(keeper, bounty);
        emit Rebalanced(keeper, s.rule, s.delta, s.delta + baseChange, amountIn, amountOut, spot, bounty);
        return baseChange;
    }

    /// @dev Trades `trade` WAD of base at the oracle-bounded price; returns amounts (token units) and the
    ///      change of the net base position (WAD). A sale beyond the base held borrows the rest first; a purchase
    ///      while base is owed repays first. Accounts the loss against the oracle in the window's budget, whose
    ///      capital is the free quote, the collateral and the base held at the oracle price (quote units).
    function _swap(
        int256 trade,
        IDeltaVault.HedgeState memory h,
        Policy memory p
    ) internal returns (uint256 amountIn, uint256 amountOut, int256 baseChange) {
        uint256 spot = h.spot;
        uint256 capital = h.freeAssets + h.collateral + F.fullMulDiv(h.baseHeld, spot, _quoteScale);
        uint256 keep = BPS - p.maxSlippageBps;
        uint256 loss;
        if (trade > 0) {
            // Buy: spend the oracle value of `trade` in quote; receive at least (1 - slippage) of `trade`.
            amountIn = F.fullMulDiv(uint256(trade), spot, _quoteScale);
            uint256 minOut = F.fullMulDiv(uint256(trade) / _baseScale, keep, BPS);
            amountOut = vault.hedge(address(adapter), true, amountIn, minOut);
            baseChange = int256(amountOut * _baseScale);
            uint256 valueOut = F.fullMulDiv(amountOut * _baseScale, spot, _quoteScale);
            loss = amountIn > valueOut ? amountIn - valueOut : 0;
            // Repay before holding: the debt takes what was bought first; the collateral it frees comes back.
            if (h.baseOwed != 0) {
                uint256 ltv = _withdrawLtv(h, amountOut * _baseScale);
                if (ltv == 0) vault.borrowVenue().repay(amountOut);
                else vault.repayBase(amountOut, ltv);
            }
        } else {
            // Sell: spend `trade` base; receive at least (1 - slippage) of its oracle value in quote.
            amountIn = uint256(-trade) / _baseScale;
            // Held base goes first: only what it cannot cover is borrowed (base held is whole token units).
            uint256 held = h.baseHeld / _baseScale;
            if (amountIn > held) {
                uint256 borrowed = amountIn - held;
                uint256 ltv = _borrowLtv(h, borrowed * _baseScale);
                if (ltv == 0) vault.borrowVenue().borrow(borrowed);
                else vault.borrowBase(borrowed, ltv);
            }
            uint256 valueIn = F.fullMulDiv(amountIn * _baseScale, spot, _quoteScale);
            amountOut = vault.hedge(address(adapter), false, amountIn, F.fullMulDiv(valueIn, keep, BPS));
            baseChange = -int256(amountIn * _baseScale);
            loss = valueIn > amountOut ? valueIn - amountOut : 0;
        }
        _chargeLoss(loss, p, capital);
    }

    /// @dev Adds `loss` to the current window's total; reverts beyond the budget, `lossBudgetBps` of `capital`
    ///      (quote units, rounded down: a smaller budget is in the vault's favour).
    function _chargeLoss(uint256 loss, Policy memory p, uint256 capital) internal {
        uint256 total = windowLoss;
        if (block.timestamp >= lossWindowStart + p.lossWindow) {
            lossWindowStart = uint40(block.timestamp);
            total = 0;
        }
        total += loss;
        uint256 budget = F.fullMulDiv(capital, p.lossBudgetBps, BPS);
        if (total > budget) revert LossBudgetExceeded(total, budget);
        windowLoss = uint128(total);
    }

    function _checkPoolPrice(uint256 spot, uint256 maxBps) internal view {
        uint256 poolPrice = adapter.venuePrice();
        uint256 gap = poolPrice > spot ? poolPrice - spot : spot - poolPrice;
        if (gap * BPS > spot * maxBps) revert PoolOracleDeviation(poolPrice, spot, maxBps);
    }

    /// @dev Gas used (measured + overhead) at the gas price the transaction pays, at most the base fee times the
    ///      multiplier, in quote at the oracle price (the base asset is the gas token), capped. Never more than
    ///      the transaction's own gas cost: a rebalance is reimbursed, not a source of profit.
    function _bounty(uint256 gasUsed, uint256 spot, Policy memory p) internal view returns (uint256) {
        uint256 gasPrice = Math.min(tx.gasprice, (block.basefee * p.bountyMultiplierBps) / BPS);
        uint256 bounty = F.fullMulDiv((gasUsed + BOUNTY_GAS_OVERHEAD) * gasPrice, spot, _quoteScale);
        return Math.min(bounty, p.bountyCap);
    }

    function _observe(uint256 spot, uint256 ewmaAlpha) internal {
        uint256 elapsed = block.timestamp - lastObservation;
        variance = uint128(RebalanceLib.ewmaVariance(variance, lastObservedPrice, spot, elapsed, ewmaAlpha));
        lastObservedPrice = uint128(spot);
        lastObservation = uint40(block.timestamp);
        emit VolatilityObserved(spot, realizedVol());
    }

    // ---------------------------------------------------------------- internal: decision

    /// @dev The decision, computed from on-chain state only.
    function _status(IDeltaVault.HedgeState memory h, Policy memory p) internal view returns (Status memory) {
        return _status(h, p, true);
    }

    /// @dev `_status`; with `exactBand` false, a cost-rule band that |D - T| is known to exceed may be reported as
    ///      an upper bound of it (`RebalanceLib.fixedCostBand` with `above`): due, rule and trade are the same.
    function _status(
        IDeltaVault.HedgeState memory h,
        Policy memory p,
        bool exactBand
    ) internal view returns (Status memory s) {
        (uint256 spot, int256 delta) = (h.spot, h.delta);
        s.delta = delta;
        s.target = p.target;
        s.nextAllowed = uint256(lastRebalance) + p.minInterval;
        uint256 deviation = SignedMath.abs(delta - p.target);
        uint256 elapsed = block.timestamp - lastRebalance;
        // The band reported when no rule fires: the first enabled of threshold, volatility, cost, time.
        uint256 primary;

        if (p.rules & RULE_THRESHOLD != 0) {
            primary = p.band;
            if (deviation > p.band) (s.rule, s.band) = (Rule.Threshold, p.band);
        }
        if (s.rule == Rule.None && p.rules & RULE_VOLATILITY != 0) {
            uint256 k = RebalanceLib.volScale(p.referenceVol, realizedVol());
            uint256 band = Math.max(F.fullMulDiv(p.band, k, WAD), p.minBand);
            uint256 interval = F.fullMulDiv(F.fullMulDiv(p.maxInterval, k, WAD), k, WAD);
            if (primary == 0) primary = band;
            if (deviation > band || (elapsed >= interval && deviation > p.minBand)) {
                (s.rule, s.band) = (Rule.Volatility, band);
            }
        }
        if (s.rule == Rule.None && p.rules & RULE_COST != 0) {
            uint256 above = exactBand ? 0 : deviation;
            uint256 band = Math.max(_costBand(p, spot, SignedMath.abs(h.gamma), deviation, above), p.minBand);
            if (primary == 0) primary = band;
            if (deviation > band) (s.rule, s.band) = (Rule.Cost, band);
        }
        if (s.rule == Rule.None && p.rules & RULE_TIME != 0) {
            if (primary == 0) primary = p.minBand;
            if (elapsed >= p.maxInterval && deviation > p.minBand) (s.rule, s.band) = (Rule.Time, p.minBand);
        }
        if (s.rule == Rule.None) s.band = primary;
        if (h.baseOwed != 0) {
            // Health first: the short's loan-to-value at the oracle price (the venue prices from the same feed).
            ShortPolicy memory sp = _loadShort();
            uint256 debtValue = Math.mulDiv(h.baseOwed, spot, _quoteScale, Math.Rounding.Ceil);
            s.ltv = h.collateral == 0
                ? type(uint256).max
                : Math.mulDiv(debtValue, WAD, h.collateral, Math.Rounding.Ceil);
            if (s.ltv > sp.maxLtv) {
                s.rule = Rule.Health;
                _healthAction(s, h, p, sp, debtValue);
            }
        }
        if (s.rule == Rule.None) return s;
        if (s.rule != Rule.Health) s.trade = _tradeSize(p, delta - p.target, s.band, h, s);
        s.due = (s.trade != 0 || s.collateralIn != 0) && block.timestamp >= s.nextAllowed;
    }

    /// @dev The health rule's action: post the free quote (less the bounty cap) that brings the loan-to-value
    ///      back to `targetLtv`; without that much, buy base with the free quote and repay; with no free quote
    ///      worth a trade, report `HealthUnfixable` (nothing is due).
    function _healthAction(
        Status memory s,
        IDeltaVault.HedgeState memory h,
        Policy memory p,
        ShortPolicy memory sp,
        uint256 debtValue
    ) internal view {
        // Rounded up: the posted collateral covers the debt at the target.
        uint256 needed = Math.mulDiv(debtValue, WAD, sp.targetLtv, Math.Rounding.Ceil);
        uint256 add = needed > h.collateral ? needed - h.collateral : 0;
        uint256 free = h.freeAssets > p.bountyCap ? h.freeAssets - p.bountyCap : 0;
        if (add != 0 && add <= free) {
            s.collateralIn = add;
            return;
        }
        uint256 size = Math.min(Math.mulDiv(free, _quoteScale, h.spot), h.baseOwed);
        size -= size % _baseScale;
        if (size < p.minBand) s.blocked = Blocked.HealthUnfixable;
        else s.trade = int256(size);
    }

    /// @dev The fixed + proportional cost band (`RebalanceLib.fixedCostBand`): the gas of a rebalance is the fixed
    ///      cost K = rebalanceGas x basefee (wei of the base, which is the gas token) at the oracle spot, WAD of
    ///      quote; lambda = pool fee + expected price impact of the current |D - T|, from the adapter. With `above`
    ///      non-zero, an upper bound of the band smaller than `above` may be returned instead.
    function _costBand(
        Policy memory p,
        uint256 spot,
        uint256 gamma,
        uint256 deviation,
        uint256 above
    ) internal view returns (uint256) {
        (uint256 feeWad, uint256 impactWad) = adapter.tradingCost(deviation);
        uint256 fixedCost = F.fullMulDiv(uint256(p.rebalanceGas) * block.basefee, spot, WAD);
        return RebalanceLib.fixedCostBand(fixedCost, feeWad + impactWad, spot, gamma, p.riskAversion, above);
    }

    /// @dev Trade (WAD base, + buys) taking `deviation` to zero or to the band edge; capped by the hedge cap, by
    ///      the base held plus what the short can borrow (sales) and by the free quote less the bounty cap, at
    ///      the oracle price (purchases).
    ///      Zero when the capped trade is smaller than `minBand`: dust is never worth a trade or a bounty (a
    ///      donation of dust cannot make a rebalance due).
    function _tradeSize(
        Policy memory p,
        int256 deviation,
        uint256 band,
        IDeltaVault.HedgeState memory h,
        Status memory s
    ) internal view returns (int256) {
        uint256 size = SignedMath.abs(deviation);
        if (p.tradeToEdge) size = size > band ? size - band : 0;
        size = Math.min(size, p.hedgeCap);
        if (deviation > 0) {
            if (size > h.baseHeld) size = Math.min(size, h.baseHeld + _borrowable(h, p, s));
            size -= size % _baseScale;
            return size < p.minBand ? int256(0) : -int256(size);
        }
        // The bounty is paid from the free quote after the swap: keep its cap aside, or a withdrawal that
        // leaves exactly the purchase's worth free would make the payment (and the rebalance) revert.
        uint256 free = h.freeAssets > p.bountyCap ? h.freeAssets - p.bountyCap : 0;
        uint256 affordable = F.fullMulDiv(free, _quoteScale, h.spot);
        size = Math.min(size, affordable);
        size -= size % _baseScale;
        return size < p.minBand ? int256(0) : int256(size);
    }

    /// @dev Base (WAD) the short can borrow now: within `maxBaseOwed`, the venue's liquidity and what the
    ///      collateral carries (`_carried`); 0 with the reason in `s.blocked` when the venue cannot lend.
    function _borrowable(
        IDeltaVault.HedgeState memory h,
        Policy memory p,
        Status memory s
    ) internal view returns (uint256) {
        ShortPolicy memory sp = _loadShort();
        if (sp.maxBaseOwed <= h.baseOwed) {
            if (sp.maxBaseOwed != 0) s.blocked = Blocked.ShortCapReached;
            return 0;
        }
        IBorrowVenue venue = vault.borrowVenue();
        if (address(venue) == address(0)) return 0;
        // One read instead of `status()` (which does not return the liquidity): Morpho Blue never pauses.
        (uint256 liquidity, bool priced) = venue.lendingState();
        if (liquidity == 0) {
            s.blocked = Blocked.NoLiquidity;
            return 0;
        }
        if (!priced) {
            s.blocked = Blocked.VenueOracleUnavailable;
            return 0;
        }
        uint256 carried = _carried(h, p, sp);
        if (carried <= h.baseOwed) return 0;
        uint256 room = Math.min(sp.maxBaseOwed - h.baseOwed, liquidity * _baseScale);
        return Math.min(room, carried - h.baseOwed);
    }

    /// @dev The loan-to-value a borrow of `borrow` (WAD) posts collateral down to: `POST_LTV_BPS` of
    ///      `targetLtv`; 0 (a plain borrow on the venue, nothing posted) when the collateral posted already carries
    ///      the debt after it at `targetLtv` at the oracle price (the venue prices from the same feed, and the
    ///      market's own limit, the liquidation LTV, lies above `maxLtv`).
    function _borrowLtv(IDeltaVault.HedgeState memory h, uint256 borrow) internal view returns (uint256) {
        uint256 target = _loadShort().targetLtv;
        uint256 debtValue = Math.mulDiv(h.baseOwed + borrow, h.spot, _quoteScale, Math.Rounding.Ceil);
        if (Math.mulDiv(h.collateral, target, WAD) >= debtValue) return 0;
        return (target * POST_LTV_BPS) / BPS;
    }

    /// @dev The loan-to-value a repayment of `repaid` (WAD) takes collateral back to: `WITHDRAW_LTV_BPS` of
    ///      `targetLtv`; 0 (repay only: no venue price read, no withdrawal) when the collateral posted would not
    ///      exceed what the debt left needs there by `BORROW_PRICE_MARGIN_BPS` at the oracle price, i.e. when
    ///      the venue, pricing from the same feed, would find (next to) nothing to withdraw. A withdrawal skipped
    ///      leaves collateral posted, still counted in NAV; once the debt is repaid in full, all of it comes back.
    function _withdrawLtv(
        IDeltaVault.HedgeState memory h,
        uint256 repaid
    ) internal view returns (uint256 ltv) {
        ltv = (_loadShort().targetLtv * WITHDRAW_LTV_BPS) / BPS;
        if (repaid >= h.baseOwed) return ltv;
        uint256 debtValue = Math.mulDiv(h.baseOwed - repaid, h.spot, _quoteScale);
        // Collateral the debt left needs at `ltv` (WAD), with the price margin: at or above the collateral
        // posted, nothing is due back.
        uint256 needed = Math.mulDiv(debtValue, WAD * (BPS + BORROW_PRICE_MARGIN_BPS), ltv * BPS);
        if (needed >= h.collateral) return 0;
    }

    /// @dev Base (WAD) owed that the collateral posted plus the free quote less the bounty cap carries at
    ///      `POST_LTV_BPS` of `targetLtv`, priced `BORROW_PRICE_MARGIN_BPS` above the oracle (rounded down).
    function _carried(
        IDeltaVault.HedgeState memory h,
        Policy memory p,
        ShortPolicy memory sp
    ) internal view returns (uint256) {
        uint256 free = h.freeAssets > p.bountyCap ? h.freeAssets - p.bountyCap : 0;
        uint256 price = Math.mulDiv(h.spot, BPS + BORROW_PRICE_MARGIN_BPS, BPS, Math.Rounding.Ceil);
        return
            Math.mulDiv(
                Math.mulDiv(h.collateral + free, _quoteScale, price),
                sp.targetLtv * POST_LTV_BPS,
                WAD * BPS
            );
    }

    // ---------------------------------------------------------------- internal: policy

    /// @dev The policy, copied from the data contract's code into memory as is: a struct of static fields has
    ///      the same layout in memory as ABI-encoded, and the words were encoded (clean, within bounds) by
    ///      `_setPolicy`, the only writer of that immutable code, so no decoding checks are needed.
    function _loadPolicy() internal view returns (Policy memory p) {
        address data = _policyData;
        assembly ("memory-safe") {
            extcodecopy(data, p, add(DATA_OFFSET, SHORT_POLICY_BYTES), POLICY_BYTES)
        }
    }

    /// @dev The short leg's policy, copied as `_loadPolicy` does; all zero (the short leg off) before the first
    ///      policy is written (a copy from an account without code is zeros).
    function _loadShort() internal view returns (ShortPolicy memory sp) {
        address data = _policyData;
        assembly ("memory-safe") {
            extcodecopy(data, sp, DATA_OFFSET, SHORT_POLICY_BYTES)
        }
    }

    function _writePolicy(ShortPolicy memory sp, Policy memory p) internal {
        bytes memory data = abi.encode(sp, p);
        // The lengths `_loadPolicy` and `_loadShort` copy.
        assert(data.length == SHORT_POLICY_BYTES + POLICY_BYTES);
        _policyData = SSTORE2.write(data);
    }

    function _setPolicy(Policy memory p) internal {
        _bound("rules", p.rules, 1, 15);
        _bound("target", SignedMath.abs(p.target), 0, MAX_BAND);
        _bound("band", p.band, MIN_BAND, MAX_BAND);
        _bound("minBand", p.minBand, MIN_BAND, p.band);
        _bound("hedgeCap", p.hedgeCap, MIN_BAND, MAX_BAND);
        _bound("minInterval", p.minInterval, 1, MAX_COOLDOWN);
        _bound("maxInterval", p.maxInterval, p.minInterval, MAX_INTERVAL);
        _bound("maxPoolDeviationBps", p.maxPoolDeviationBps, 1, MAX_DEVIATION_BPS);
        _bound("maxSlippageBps", p.maxSlippageBps, 1, MAX_SLIPPAGE_BPS);
        _bound("lossWindow", p.lossWindow, MIN_LOSS_WINDOW, MAX_LOSS_WINDOW);
        _bound("lossBudgetBps", p.lossBudgetBps, 1, BPS);
        _bound("riskAversion", p.riskAversion, 1, type(uint128).max);
        _bound("rebalanceGas", p.rebalanceGas, 0, MAX_REBALANCE_GAS);
        _bound("bountyMultiplierBps", p.bountyMultiplierBps, 0, MAX_BOUNTY_MULTIPLIER_BPS);
        _bound("referenceVol", p.referenceVol, MIN_REFERENCE_VOL, MAX_REFERENCE_VOL);
        _bound("ewmaAlpha", p.ewmaAlpha, MIN_EWMA_ALPHA, MAX_EWMA_ALPHA);
        _bound("observationSpacing", p.observationSpacing, MIN_OBSERVATION_SPACING, MAX_OBSERVATION_SPACING);
        _writePolicy(_loadShort(), p);
        emit PolicySet(p);
    }

    function _bound(bytes32 name, uint256 value, uint256 min, uint256 max) internal pure {
        if (value < min || value > max) revert PolicyOutOfBounds(name, value, min, max);
    }
}

/// @dev The ERC-4626 `asset()` getter of the vault.
interface IERC4626Asset {
    function asset() external view returns (address);
}
