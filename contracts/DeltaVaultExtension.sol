// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IERC20, IERC20Metadata} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";

import {IBorrowVenue} from "@deltavault/interfaces/IBorrowVenue.sol";
import {IDeltaVault} from "@deltavault/interfaces/IDeltaVault.sol";
import {IGreeksEngine} from "@deltavault/interfaces/IGreeksEngine.sol";
import {IOptionToken} from "@deltavault/interfaces/IOptionToken.sol";

import {ERC20Slots, VaultCore, VaultLimits} from "./VaultCore.sol";
import {OracleLib} from "./libraries/OracleLib.sol";
import {Roles} from "./libraries/Roles.sol";
import {SeriesLib} from "./libraries/SeriesLib.sol";

/// @title DeltaVaultExtension
/// @notice The second code contract of a DeltaVault: series listing, settlement, option redemption,
///         configuration and the short hedge's position changes on the borrow venue, run by the vault with `delegatecall` (in the vault's storage, with the vault's
///         balances, roles and caller). Each function is documented in IDeltaVault.
/// @dev Deployed before its vault, for the same quote and base, and passed to the vault's constructor
///      (the vault's creation code cannot carry the extension's as well: EIP-3860 limits it to 49,152 bytes). It
///      reads the option token from the vault (`optionToken()`, an immutable of the vault). Called directly it
///      acts on its own, empty state; every entry point refuses such a call (`OnlyDelegateCall`).
contract DeltaVaultExtension is ERC20Slots, VaultCore {
    using SafeERC20 for IERC20;
    using SeriesLib for IDeltaVault.Series;

    /// @notice A function of the extension was called directly instead of through its vault.
    error OnlyDelegateCall();

    IERC20 private immutable _quote;
    IERC20 private immutable _baseToken;
    address private immutable _self;

    /// @param quote The vault's quote asset.
    /// @param base The vault's base asset.
    /// @param engine The vault's Black-Scholes engine.
    constructor(
        IERC20Metadata quote,
        IERC20 base,
        IGreeksEngine engine
    ) VaultCore(quote, engine, IOptionToken(address(0))) {
        _quote = quote;
        _baseToken = base;
        _self = address(this);
    }

    /// @notice The quote asset, base asset and engine this extension was deployed for (read by the vault's
    ///         constructor).
    function quoteAsset() external view returns (address) {
        return address(_quote);
    }

    function baseToken() external view returns (address) {
        return address(_baseToken);
    }

    function engine() external view returns (IGreeksEngine) {
        return _engine;
    }

    modifier onlyDelegateCall() {
        if (address(this) == _self) revert OnlyDelegateCall();
        _;
    }

    function settle(uint256 seriesId, uint80 roundId) external onlyDelegateCall nonReentrant {
        StoredSeries storage stored = _listed(seriesId);
        IDeltaVault.Series memory m = _unpack(stored);
        if (m.settled) revert IDeltaVault.SeriesAlreadySettled(seriesId);
        if (block.timestamp < m.expiry) revert IDeltaVault.SeriesNotExpired(seriesId, m.expiry);
        uint256 price = OracleLib.settlementPrice(_oracle.priceFeed, roundId, m.expiry);
        uint256 payoffPerOption = m.payoff(price);
        uint256 owed = _reserve(m.outstanding, payoffPerOption);
        _reservedLive -= _reserve(m.outstanding, m.maxPayoff());
        _owedSettled += owed;
        stored.settled = true;
        _payoffPerOption[seriesId] = payoffPerOption;
        _removeLive(seriesId);
        emit IDeltaVault.SeriesSettled(seriesId, roundId, price, payoffPerOption, owed);
    }

    function redeemOption(
        uint256 seriesId,
        uint256 amount,
        address receiver
    ) external onlyDelegateCall nonReentrant returns (uint256 payout) {
        if (receiver == address(0)) revert IDeltaVault.ZeroAddress();
        StoredSeries storage s = _listed(seriesId);
        if (!s.settled) revert IDeltaVault.SeriesNotSettled(seriesId);
        IOptionToken(IDeltaVault(address(this)).optionToken()).burn(msg.sender, seriesId, amount);
        uint256 payoffPerOption = _payoffPerOption[seriesId];
        uint256 outstanding = s.outstanding;
        // ceil(o1 x p) - ceil(o2 x p) >= floor((o1 - o2) x p): the release always covers the payout.
        _owedSettled -=
            _reserve(outstanding, payoffPerOption) - _reserve(outstanding - amount, payoffPerOption);
        s.outstanding = uint96(outstanding - amount);
        // Rounded down: in the vault's favour.
        payout = Math.mulDiv(amount, payoffPerOption, _quoteScale);
        _quote.safeTransfer(receiver, payout);
        emit IDeltaVault.OptionRedeemed(seriesId, msg.sender, receiver, amount, payout);
    }

    function listSeries(
        uint256 strike,
        uint256 cap,
        uint256 expiry,
        bool isCall
    ) external onlyDelegateCall onlyRole(Roles.MANAGER) returns (uint256 seriesId) {
        bool validStrike = strike >= VaultLimits.MIN_STRIKE &&
            strike <= VaultLimits.MAX_STRIKE &&
            strike % VaultLimits.STRIKE_UNIT == 0;
        bool validCap = isCall
            ? cap > 0 && cap <= VaultLimits.MAX_STRIKE && cap % VaultLimits.STRIKE_UNIT == 0
            : cap == 0;
        bool validExpiry = expiry >= block.timestamp + VaultLimits.MIN_TIME_TO_EXPIRY &&
            expiry <= block.timestamp + VaultLimits.MAX_TIME_TO_EXPIRY;
        if (!validStrike || !validCap || !validExpiry) revert IDeltaVault.InvalidSeries(strike, cap, expiry);
        if (_live.length >= VaultLimits.MAX_LIVE_SERIES)
            revert IDeltaVault.TooManyLiveSeries(VaultLimits.MAX_LIVE_SERIES);
        seriesId = ++_seriesCount;
        // Bounded above: strike and cap below 2**56 units, expiry below 2**40.
        _series[seriesId] = StoredSeries({
            outstanding: 0,
            expiry: uint40(expiry),
            strikeUnits: uint56(strike / VaultLimits.STRIKE_UNIT),
            capUnits: uint56(cap / VaultLimits.STRIKE_UNIT),
            settled: false
        });
        _live.push(uint32(seriesId));
        emit IDeltaVault.SeriesListed(seriesId, strike, cap, expiry, isCall);
    }

    function setImpliedVol(uint256 vol) external onlyDelegateCall onlyRole(Roles.MANAGER) {
        if (address(_oracle.volFeed) != address(0))
            revert IDeltaVault.VolatilityFromFeed(address(_oracle.volFeed));
        uint256 nextAllowed = _volUpdatedAt + VaultLimits.VOL_UPDATE_DELAY;
        if (block.timestamp < nextAllowed)
            revert IDeltaVault.VolatilityUpdateTooSoon(_volUpdatedAt, nextAllowed);
        if (vol < VaultLimits.MIN_VOL || vol > VaultLimits.MAX_VOL)
            revert IDeltaVault.VolatilityOutOfBounds(vol, VaultLimits.MIN_VOL, VaultLimits.MAX_VOL);
        uint256 current = _manualVol;
        uint256 step = vol > current ? vol - current : current - vol;
        if (step > _policy.volMarkBand)
            revert IDeltaVault.VolatilityStepTooLarge(current, vol, _policy.volMarkBand);
        _setManualVol(vol);
    }

    function setPolicy(IDeltaVault.Policy calldata policy_) external onlyDelegateCall onlyRole(Roles.OWNER) {
        _setPolicy(policy_);
    }

    function setOracleConfig(
        IDeltaVault.OracleConfig calldata config
    ) external onlyDelegateCall onlyRole(Roles.OWNER) {
        _setOracleConfig(config);
    }

    function setHedger(address hedger_) external onlyDelegateCall onlyRole(Roles.OWNER) {
        _hedger = hedger_;
        emit IDeltaVault.HedgerSet(hedger_);
    }

    function pause() external onlyDelegateCall onlyRole(Roles.GUARDIAN) {
        _pause();
    }

    function unpause() external onlyDelegateCall onlyRole(Roles.GUARDIAN) {
        _unpause();
    }

    // ---------------------------------------------------------------- short hedge

    function setBorrowVenue(IBorrowVenue venue) external onlyDelegateCall onlyRole(Roles.OWNER) {
        IBorrowVenue old = _borrowVenue;
        if (address(old) != address(0)) {
            (uint256 collateral, uint256 debt) = old.position();
            if (collateral != 0 || debt != 0) revert IDeltaVault.BorrowVenuePositionOpen(collateral, debt);
            _quote.forceApprove(address(old), 0);
            _baseToken.forceApprove(address(old), 0);
        }
        if (address(venue) != address(0)) {
            if (
                venue.vault() != address(this) ||
                venue.collateralToken() != address(_quote) ||
                venue.debtToken() != address(_baseToken)
            ) revert IDeltaVault.BorrowVenueMismatch(address(venue));
            // The venue pulls only inside the three calls below (its position changes are vault-only), each
            // followed by the solvency check.
            _quote.forceApprove(address(venue), type(uint256).max);
            _baseToken.forceApprove(address(venue), type(uint256).max);
        }
        _borrowVenue = venue;
        emit IDeltaVault.BorrowVenueSet(address(venue));
    }

    function borrowBase(
        uint256 assets,
        uint256 ltv
    ) external onlyDelegateCall nonReentrant returns (uint256 collateralAdded) {
        IBorrowVenue venue = _venueForHedger();
        // The collateral may take only free quote: the reserve never leaves the vault.
        (collateralAdded, ) = venue.borrowWithCollateral(assets, ltv, _free());
        _checkSolvent();
        emit IDeltaVault.BaseBorrowed(assets, collateralAdded);
    }

    function repayBase(
        uint256 assets,
        uint256 ltv
    ) external onlyDelegateCall nonReentrant returns (uint256 repaid, uint256 collateralWithdrawn) {
        IBorrowVenue venue = _venueForHedger();
        if (ltv == 0) repaid = venue.repay(assets);
        else (repaid, collateralWithdrawn) = venue.repayAndWithdraw(assets, ltv);
        _checkSolvent();
        emit IDeltaVault.BaseRepaid(repaid, collateralWithdrawn);
    }

    function addCollateral(uint256 assets) external onlyDelegateCall nonReentrant {
        IBorrowVenue venue = _venueForHedger();
        uint256 free = _free();
        if (assets > free) revert IDeltaVault.InsufficientCollateral(assets, free);
        venue.supplyCollateral(assets);
        _checkSolvent();
        emit IDeltaVault.CollateralAdded(assets);
    }

    // ---------------------------------------------------------------- internal

    function _venueForHedger() internal view returns (IBorrowVenue venue) {
        if (msg.sender != _hedger) revert IDeltaVault.OnlyHedger(msg.sender);
        venue = _borrowVenue;
        if (address(venue) == address(0)) revert IDeltaVault.NoBorrowVenue();
    }

    function _free() internal view returns (uint256) {
        return _freeOf(_quote.balanceOf(address(this)));
    }

    /// @dev The solvency invariant: the quote balance covers every reserve.
    function _checkSolvent() internal view {
        uint256 balance = _quote.balanceOf(address(this));
        uint256 reserved = _reservedLive + _owedSettled;
        if (balance < reserved) revert IDeltaVault.InsufficientCollateral(reserved, balance);
    }
}
