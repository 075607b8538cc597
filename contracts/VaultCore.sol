// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {IERC20Metadata} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";
import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {Pausable} from "@openzeppelin/contracts/utils/Pausable.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";

import {IBorrowVenue} from "@deltavault/interfaces/IBorrowVenue.sol";
import {IDeltaVault} from "@deltavault/interfaces/IDeltaVault.sol";
import {IGreeksEngine} from "@deltavault/interfaces/IGreeksEngine.sol";
import {IOptionToken} from "@deltavault/interfaces/IOptionToken.sol";

/// @title VaultLimits
/// @notice The hard bounds of a DeltaVault (see IDeltaVault, where each has a getter).
library VaultLimits {
    /// @notice Live series are bounded so that every loop over them has a known gas ceiling.
    uint256 internal constant MAX_LIVE_SERIES = 16;
    /// @notice Smallest option trade, WAD of base (1e-6 base).
    uint256 internal constant MIN_OPTION_AMOUNT = 1e12;
    /// @notice Bounds of the implied volatility, WAD.
    uint256 internal constant MIN_VOL = 0.05e18;
    uint256 internal constant MAX_VOL = 5e18;
    /// @notice Minimum delay between two manual volatility changes.
    uint256 internal constant VOL_UPDATE_DELAY = 1 hours;
    /// @notice Bounds of a new series: time to expiry and strike (WAD quote per base).
    uint256 internal constant MIN_TIME_TO_EXPIRY = 1 hours;
    uint256 internal constant MAX_TIME_TO_EXPIRY = 730 days;
    uint256 internal constant MIN_STRIKE = 1e15;
    uint256 internal constant MAX_STRIKE = 1e27;
    /// @notice Strikes and caps are whole multiples of this (WAD quote per base: seven decimals of quote).
    uint256 internal constant STRIKE_UNIT = 1e11;
    /// @notice Bounds of the oracle set-up, seconds.
    uint256 internal constant MIN_ORACLE_AGE = 60;
    uint256 internal constant MAX_ORACLE_AGE = 2 days;
    uint256 internal constant MAX_GRACE_PERIOD = 1 days;
}

/// @title ERC20Slots
/// @notice The five storage slots of OpenZeppelin's ERC20 (balances, allowances, total supply, name, symbol),
///         reserved and never used: the vault's extension inherits it first so that its layout matches the
///         vault's, whose ERC20 comes first.
abstract contract ERC20Slots {
    uint256[5] private __erc20;
}

/// @title VaultCore
/// @notice The state of a DeltaVault (constants, immutables shared by its two code contracts, storage) and the
///         internal functions both use.
/// @dev DeltaVault runs the rarely used entry points (series listing and settlement, option redemption,
///      configuration) in `DeltaVaultExtension` with `delegatecall`; both inherit this contract, so the storage
///      they share (OpenZeppelin's AccessControl and Pausable slots, then the vault's own) and their transient
///      layouts are the same. OpenZeppelin's ERC-20 takes the vault's first five slots, which the extension
///      reserves with `ERC20Slots` (and never touches); nothing else may declare state.
abstract contract VaultCore is AccessControl, Pausable, ReentrancyGuardTransient {
    // ---------------------------------------------------------------- constants

    // slither-disable-start unused-state
    uint256 internal constant WAD = 1e18;
    uint256 internal constant BPS = 10_000;

    /// @dev Virtual shares (10**6 per asset unit) make the first-depositor inflation attack unprofitable.
    uint8 internal constant DECIMALS_OFFSET = 6;
    // slither-disable-end unused-state

    // ---------------------------------------------------------------- immutables

    /// @dev Divisor from (WAD amount x WAD price) to quote units: 10**(36 - quote decimals).
    uint256 internal immutable _quoteScale;
    IOptionToken internal immutable _optionToken;
    /// @dev The Black-Scholes engine options are priced with (`greeksEngine()`).
    IGreeksEngine internal immutable _engine;

    // ---------------------------------------------------------------- storage

    // Each code contract uses part of the shared state; what one of them only reads is written by the other.
    // slither-disable-start unused-state,uninitialized-state,constable-states
    IDeltaVault.Policy internal _policy;
    IDeltaVault.OracleConfig internal _oracle;
    /// @dev A series as stored: everything a valuation reads in one slot.
    struct StoredSeries {
        uint96 outstanding;
        uint40 expiry;
        uint56 strikeUnits;
        uint56 capUnits;
        bool settled;
    }

    mapping(uint256 seriesId => StoredSeries) internal _series;
    /// @dev Payoff per option fixed at settlement, WAD quote per base.
    mapping(uint256 seriesId => uint256) internal _payoffPerOption;
    /// @dev Ids of the live series, packed eight to a slot (ids fit in 32 bits: at most 2**32 - 1 listings).
    uint32[] internal _live;
    /// @dev Number of series ever listed; ids run from 1 to `seriesCount()`.
    uint256 internal _seriesCount;
    /// @dev Sum over live series of ceil(outstanding x max payoff), quote units.
    uint256 internal _reservedLive;
    /// @dev Sum over settled series of ceil(outstanding x payoff), quote units.
    uint256 internal _owedSettled;
    uint128 internal _manualVol;
    uint64 internal _volUpdatedAt;
    /// @dev The rebalancing engine allowed to call `hedge` and `payKeeper` (`hedger()`).
    address internal _hedger;
    /// @dev The lending market of the short hedge (`borrowVenue()`), address(0) when none.
    IBorrowVenue internal _borrowVenue;
    /// @dev The two marks of the share conversion in progress (0 when none): the net asset value an exit is
    ///      priced at (+ 1) and the one an entry is priced at, see `_markOnce` and `_markRequest`.
    uint256 internal transient _exitNavPlusOne;
    uint256 internal transient _entryNav;
    /// @dev The hedge in progress (all zero when none), see `hedge` and `swapPayment`: the adapter being called,
    ///      the input token and the input it may still draw (token units).
    address internal transient _swapAdapter;
    address internal transient _swapTokenIn;
    uint256 internal transient _swapBudget;
    // slither-disable-end unused-state,uninitialized-state,constable-states

    // ---------------------------------------------------------------- constructor

    /// @param quote The quote asset (ERC-4626 asset), 6 to 18 decimals.
    /// @param engine The Black-Scholes engine.
    /// @param optionToken_ The vault's ERC-1155 option token.
    constructor(IERC20Metadata quote, IGreeksEngine engine, IOptionToken optionToken_) {
        uint8 quoteDecimals = quote.decimals();
        if (quoteDecimals < 6 || quoteDecimals > 18) {
            revert IDeltaVault.ParameterOutOfBounds("quoteDecimals", quoteDecimals, 6, 18);
        }
        _quoteScale = 10 ** (36 - quoteDecimals);
        _engine = engine;
        _optionToken = optionToken_;
    }

    // ---------------------------------------------------------------- internal

    /// @dev Quote units of `balance` not reserved for option holders.
    function _freeOf(uint256 balance) internal view returns (uint256) {
        uint256 reserved = _reservedLive + _owedSettled;
        return balance > reserved ? balance - reserved : 0;
    }

    function _removeLive(uint256 seriesId) internal {
        uint256 n = _live.length;
        for (uint256 i; i < n; ++i) {
            if (_live[i] == seriesId) {
                _live[i] = _live[n - 1];
                _live.pop();
                return;
            }
        }
    }

    function _setPolicy(IDeltaVault.Policy memory p) internal {
        _engine.checkPolicy(p);
        _policy = p;
        emit IDeltaVault.PolicySet(p);
    }

    function _setOracleConfig(IDeltaVault.OracleConfig memory c) internal {
        if (address(c.priceFeed) == address(0)) revert IDeltaVault.ZeroAddress();
        _checkBound("priceMaxAge", c.priceMaxAge, VaultLimits.MIN_ORACLE_AGE, VaultLimits.MAX_ORACLE_AGE);
        if (address(c.volFeed) != address(0))
            _checkBound("volMaxAge", c.volMaxAge, VaultLimits.MIN_ORACLE_AGE, VaultLimits.MAX_ORACLE_AGE);
        _checkBound("sequencerGracePeriod", c.sequencerGracePeriod, 0, VaultLimits.MAX_GRACE_PERIOD);
        _oracle = c;
        emit IDeltaVault.OracleConfigSet(c);
    }

    function _setManualVol(uint256 vol) internal {
        if (vol < VaultLimits.MIN_VOL || vol > VaultLimits.MAX_VOL)
            revert IDeltaVault.VolatilityOutOfBounds(vol, VaultLimits.MIN_VOL, VaultLimits.MAX_VOL);
        _manualVol = uint128(vol);
        _volUpdatedAt = uint64(block.timestamp);
        emit IDeltaVault.ImpliedVolSet(vol);
    }

    function _checkBound(bytes32 name, uint256 value, uint256 min, uint256 max) internal pure {
        if (value < min || value > max) revert IDeltaVault.ParameterOutOfBounds(name, value, min, max);
    }

    function _listed(uint256 seriesId) internal view returns (StoredSeries storage s) {
        s = _series[seriesId];
        if (s.expiry == 0) revert IDeltaVault.SeriesNotListed(seriesId);
    }

    /// @dev The external form of a stored series (without its settlement payoff).
    function _unpack(StoredSeries storage stored) internal view returns (IDeltaVault.Series memory s) {
        StoredSeries memory m = stored;
        s.strike = uint128(m.strikeUnits * VaultLimits.STRIKE_UNIT);
        s.cap = uint128(m.capUnits * VaultLimits.STRIKE_UNIT);
        s.expiry = m.expiry;
        s.isCall = m.capUnits != 0;
        s.settled = m.settled;
        s.outstanding = m.outstanding;
    }

    /// @dev ceil(amount x perOption), quote units.
    function _reserve(uint256 amount, uint256 perOption) internal view returns (uint256) {
        return Math.mulDiv(amount, perOption, _quoteScale, Math.Rounding.Ceil);
    }
}
