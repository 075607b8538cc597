// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {IERC20, IERC20Metadata, ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";
import {ERC4626} from "@openzeppelin/contracts/token/ERC20/extensions/ERC4626.sol";
import {IERC4626} from "@openzeppelin/contracts/interfaces/IERC4626.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {SignedMath} from "@openzeppelin/contracts/utils/math/SignedMath.sol";
import {Pausable} from "@openzeppelin/contracts/utils/Pausable.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";

import {AggregatorV3Interface} from "@deltavault/interfaces/AggregatorV3Interface.sol";
import {IBorrowVenue} from "@deltavault/interfaces/IBorrowVenue.sol";
import {IDeltaHedger} from "@deltavault/interfaces/IDeltaHedger.sol";
import {IDeltaVault} from "@deltavault/interfaces/IDeltaVault.sol";
import {IGreeksEngine} from "@deltavault/interfaces/IGreeksEngine.sol";
import {IOptionToken} from "@deltavault/interfaces/IOptionToken.sol";
import {ISwapAdapter} from "@deltavault/interfaces/ISwapAdapter.sol";

import {DeltaVaultExtension} from "./DeltaVaultExtension.sol";
import {OptionToken} from "./OptionToken.sol";
import {RequestQueue} from "./RequestQueue.sol";
import {VaultCore, VaultLimits} from "./VaultCore.sol";
import {OracleLib} from "./libraries/OracleLib.sol";
import {Roles} from "./libraries/Roles.sol";
import {SeriesLib} from "./libraries/SeriesLib.sol";

/// @title DeltaVault
/// @notice ERC-4626 vault that writes fully collateralized European options and holds a spot hedge.
/// @dev See IDeltaVault for units, the solvency rule and the two ways in and out (synchronous ERC-4626 calls
///      priced over a jump band, asynchronous requests through `requestQueue` priced at the least favourable
///      of a verified later oracle round and the live marks). Invariant kept by every state change:
///      quote balance >= reservedAssets(). Rounding always favours the vault: reserves, liabilities and buy
///      premiums round up; asset values, sale premiums and payouts round down; OpenZeppelin's ERC-4626 rounds
///      shares in the vault's favour and the fees round up.
contract DeltaVault is IDeltaVault, VaultCore, ERC4626 {
    using SafeERC20 for IERC20;
    using SeriesLib for Series;

    // ---------------------------------------------------------------- constants

    /// @inheritdoc IDeltaVault
    uint256 public constant MAX_LIVE_SERIES = VaultLimits.MAX_LIVE_SERIES;
    /// @inheritdoc IDeltaVault
    uint256 public constant MIN_OPTION_AMOUNT = VaultLimits.MIN_OPTION_AMOUNT;
    /// @inheritdoc IDeltaVault
    uint256 public constant MIN_VOL = VaultLimits.MIN_VOL;
    /// @inheritdoc IDeltaVault
    uint256 public constant MAX_VOL = VaultLimits.MAX_VOL;
    /// @inheritdoc IDeltaVault
    uint256 public constant VOL_UPDATE_DELAY = VaultLimits.VOL_UPDATE_DELAY;
    /// @inheritdoc IDeltaVault
    uint256 public constant MIN_TIME_TO_EXPIRY = VaultLimits.MIN_TIME_TO_EXPIRY;
    /// @inheritdoc IDeltaVault
    uint256 public constant MAX_TIME_TO_EXPIRY = VaultLimits.MAX_TIME_TO_EXPIRY;
    /// @inheritdoc IDeltaVault
    uint256 public constant MIN_STRIKE = VaultLimits.MIN_STRIKE;
    /// @inheritdoc IDeltaVault
    uint256 public constant MAX_STRIKE = VaultLimits.MAX_STRIKE;
    /// @inheritdoc IDeltaVault
    uint256 public constant STRIKE_UNIT = VaultLimits.STRIKE_UNIT;
    /// @inheritdoc IDeltaVault
    uint256 public constant MIN_ORACLE_AGE = VaultLimits.MIN_ORACLE_AGE;
    /// @inheritdoc IDeltaVault
    uint256 public constant MAX_ORACLE_AGE = VaultLimits.MAX_ORACLE_AGE;
    /// @inheritdoc IDeltaVault
    uint256 public constant MAX_GRACE_PERIOD = VaultLimits.MAX_GRACE_PERIOD;

    // ---------------------------------------------------------------- immutables

    IERC20 internal immutable _base;
    /// @dev Multiplier from base token units to WAD: 10**(18 - base decimals).
    uint256 internal immutable _baseToWad;
    /// @inheritdoc IDeltaVault
    address public immutable requestQueue;
    /// @inheritdoc IDeltaVault
    address public immutable extension;

    // ---------------------------------------------------------------- constructor

    /// @param quote The quote asset (ERC-4626 asset), 6 to 18 decimals.
    /// @param base The base asset held as the hedge, at most 18 decimals.
    /// @param extension_ The vault's `DeltaVaultExtension`, deployed for the same quote and base; its engine is the
    ///        vault's Black-Scholes engine.
    constructor(
        IERC20Metadata quote,
        IERC20Metadata base,
        DeltaVaultExtension extension_,
        string memory name_,
        string memory symbol_,
        OracleConfig memory oracle,
        Policy memory policy_,
        uint256 initialVol,
        address owner,
        address manager,
        address guardian
    ) VaultCore(quote, extension_.engine(), new OptionToken("")) ERC4626(quote) ERC20(name_, symbol_) {
        if (owner == address(0) || manager == address(0) || guardian == address(0)) revert ZeroAddress();
        if (extension_.quoteAsset() != address(quote) || extension_.baseToken() != address(base))
            revert ExtensionMismatch(address(extension_));
        if (base.decimals() > 18) revert ParameterOutOfBounds("baseDecimals", base.decimals(), 0, 18);
        _base = base;
        _baseToWad = 10 ** (18 - base.decimals());
        requestQueue = address(new RequestQueue(IDeltaVault(address(this)), IERC20(address(quote))));
        extension = address(extension_);
        _grantRole(Roles.OWNER, owner);
        _grantRole(Roles.MANAGER, manager);
        _grantRole(Roles.GUARDIAN, guardian);
        _setOracleConfig(oracle);
        _setPolicy(policy_);
        if (address(oracle.volFeed) == address(0)) _setManualVol(initialVol);
    }

    // ---------------------------------------------------------------- trading

    /// @inheritdoc IDeltaVault
    function quoteBuy(uint256 seriesId, uint256 amount) external view returns (uint256 premium) {
        return _priceTrade(seriesId, amount, true).premium;
    }

    /// @inheritdoc IDeltaVault
    function quoteSell(uint256 seriesId, uint256 amount) external view returns (uint256 premium) {
        return _priceTrade(seriesId, amount, false).premium;
    }

    /// @inheritdoc IDeltaVault
    function buyOption(
        uint256 seriesId,
        uint256 amount,
        uint256 maxPremium,
        address receiver
    ) external nonReentrant whenNotPaused returns (uint256 premium) {
        if (receiver == address(0)) revert ZeroAddress();
        Trade memory t = _priceTrade(seriesId, amount, true);
        premium = t.premium;
        if (premium > maxPremium) revert PremiumAboveMax(premium, maxPremium);
        _checkLimits(t);
        _setOutstanding(seriesId, _series[seriesId].outstanding + amount);
        _pullQuote(msg.sender, premium);
        _checkSolvent();
        // Capacity before promises: with a short hedge, the hedger refuses long delta it could not short.
        if (address(_borrowVenue) != address(0)) IDeltaHedger(_hedger).checkCapacity(t.deltaBefore);
        _optionToken.mint(receiver, seriesId, amount);
        emit OptionBought(seriesId, msg.sender, receiver, amount, premium, t.spot, t.vol);
    }

    /// @inheritdoc IDeltaVault
    function sellOption(
        uint256 seriesId,
        uint256 amount,
        uint256 minPremium,
        address receiver
    ) external nonReentrant returns (uint256 premium) {
        if (receiver == address(0)) revert ZeroAddress();
        Trade memory t = _priceTrade(seriesId, amount, false);
        premium = t.premium;
        if (premium < minPremium) revert PremiumBelowMin(premium, minPremium);
        uint256 outstanding = _series[seriesId].outstanding;
        if (amount > outstanding) revert ExceedsOutstanding(amount, outstanding);
        _checkLimits(t);
        _optionToken.burn(msg.sender, seriesId, amount);
        _setOutstanding(seriesId, outstanding - amount);
        IERC20(asset()).safeTransfer(receiver, premium);
        _checkSolvent();
        emit OptionSold(seriesId, msg.sender, receiver, amount, premium, t.spot, t.vol);
    }

    // ---------------------------------------------------------------- run by the extension

    /// @inheritdoc IDeltaVault
    function settle(uint256, uint80) external {
        _delegate();
    }

    /// @inheritdoc IDeltaVault
    // slither-disable-next-line incorrect-return
    function redeemOption(uint256, uint256, address) external returns (uint256 payout) {
        _delegate();
    }

    /// @inheritdoc IDeltaVault
    // slither-disable-next-line incorrect-return
    function listSeries(uint256, uint256, uint256, bool) external returns (uint256 seriesId) {
        _delegate();
    }

    /// @inheritdoc IDeltaVault
    function setImpliedVol(uint256) external {
        _delegate();
    }

    /// @inheritdoc IDeltaVault
    function setPolicy(Policy calldata) external {
        _delegate();
    }

    /// @inheritdoc IDeltaVault
    function setOracleConfig(OracleConfig calldata) external {
        _delegate();
    }

    /// @inheritdoc IDeltaVault
    function setBorrowVenue(IBorrowVenue) external {
        _delegate();
    }

    /// @inheritdoc IDeltaVault
    // slither-disable-next-line incorrect-return
    function borrowBase(uint256, uint256) external returns (uint256 collateralAdded) {
        _delegate();
    }

    /// @inheritdoc IDeltaVault
    // slither-disable-next-line incorrect-return
    function repayBase(uint256, uint256) external returns (uint256 repaid, uint256 collateralWithdrawn) {
        _delegate();
    }

    /// @inheritdoc IDeltaVault
    function addCollateral(uint256) external {
        _delegate();
    }

    /// @dev Runs the call in `extension` with this vault's storage, balances and caller, and returns or reverts
    ///      with its result (the assembly `return` ends the calling function on purpose: slither's
    ///      incorrect-return is disabled on each caller that declares return values).
    function _delegate() internal {
        address target = extension;
        assembly {
            calldatacopy(0, 0, calldatasize())
            let ok := delegatecall(gas(), target, 0, calldatasize(), 0, 0)
            returndatacopy(0, 0, returndatasize())
            if iszero(ok) {
                revert(0, returndatasize())
            }
            return(0, returndatasize())
        }
    }

    // ---------------------------------------------------------------- hedging

    /// @inheritdoc IDeltaVault
    function hedge(
        address adapter,
        bool buyBase,
        uint256 amountIn,
        uint256 minAmountOut
    ) external nonReentrant returns (uint256 amountOut) {
        if (msg.sender != _hedger) revert OnlyHedger(msg.sender);
        (IERC20 tokenIn, IERC20 tokenOut) = buyBase ? (IERC20(asset()), _base) : (_base, IERC20(asset()));
        if (buyBase) {
            uint256 free = freeAssets();
            if (amountIn > free) revert InsufficientCollateral(amountIn, free);
        }
        uint256 before = tokenOut.balanceOf(address(this));
        // The adapter draws the input through `swapPayment` while it swaps, within this budget.
        _swapAdapter = adapter;
        _swapTokenIn = address(tokenIn);
        _swapBudget = amountIn;
        ISwapAdapter(adapter).swapExactIn(address(tokenIn), address(tokenOut), amountIn, minAmountOut);
        uint256 paid = amountIn - _swapBudget;
        _swapAdapter = address(0);
        _swapTokenIn = address(0);
        _swapBudget = 0;
        uint256 balanceOut = tokenOut.balanceOf(address(this));
        amountOut = balanceOut - before;
        if (amountOut < minAmountOut) revert HedgeSlippage(amountOut, minAmountOut);
        // A sale's output balance is the quote balance now: no second read.
        _checkSolventAt(buyBase ? IERC20(asset()).balanceOf(address(this)) : balanceOut);
        emit Hedged(adapter, buyBase, paid, amountOut);
    }

    /// @inheritdoc IDeltaVault
    /// @dev Not `nonReentrant`: the adapter calls it from within `hedge`, which holds the lock. The transient
    ///      state of that hedge is the guard: it is set only inside `hedge` and cleared before `hedge` returns.
    function swapPayment(address token, address to, uint256 amount) external {
        address adapter = _swapAdapter;
        if (adapter == address(0)) revert SwapPaymentOutsideHedge(msg.sender);
        if (msg.sender != adapter) revert SwapPaymentNotFromAdapter(msg.sender, adapter);
        address tokenIn = _swapTokenIn;
        if (token != tokenIn) revert SwapPaymentWrongToken(token, tokenIn);
        uint256 remaining = _swapBudget;
        if (amount > remaining) revert SwapPaymentOverBudget(amount, remaining);
        _swapBudget = remaining - amount;
        IERC20(token).safeTransfer(to, amount);
    }

    /// @inheritdoc IDeltaVault
    function payKeeper(address keeper, uint256 amount) external nonReentrant returns (uint256 paid) {
        if (msg.sender != _hedger) revert OnlyHedger(msg.sender);
        paid = Math.min(amount, freeAssets());
        if (paid != 0) IERC20(asset()).safeTransfer(keeper, paid);
        emit KeeperPaid(keeper, paid);
    }

    // ---------------------------------------------------------------- ERC-4626

    /// @notice Net asset value in quote units at the current marks: quote held + collateral on the borrow venue
    ///         + (base held - base owed with interest) at the oracle price - the value of the outstanding options
    ///         at the current implied volatility - settled payouts not yet redeemed. Deposits waiting in the request queue are not part of it. Share conversions use the
    ///         marked band around it (`markedNav`) or, for requests, the marks of `processDeposit`.
    function totalAssets() public view override(ERC4626, IERC4626) returns (uint256 nav) {
        (nav, ) = markedNav();
    }

    /// @inheritdoc IDeltaVault
    function markedNav() public view returns (uint256 nav, uint256 band) {
        uint256 spot = _spotPrice();
        uint256 vol = _impliedVol();
        IGreeksEngine.Position[] memory book = _book(false);
        Holdings memory k = _holdings();
        int256 vega;
        (nav, vega) = _navAt(book, k, spot, vol);
        // The book revalued one jump up and one jump down (the jump is at most half the spot); rounded up.
        uint256 jump = Math.mulDiv(spot, _policy.jumpMarkBps, BPS, Math.Rounding.Ceil);
        (uint256 up, ) = _navAt(book, k, spot + jump, vol);
        (uint256 down, ) = _navAt(book, k, spot - jump, vol);
        band = Math.max(_gap(up, nav), _gap(down, nav));
        // A volatility feed can step anywhere within its bounds; a manual step is bounded by `volMarkBand`.
        uint256 volJump = address(_oracle.volFeed) == address(0) ? _policy.volMarkBand : MAX_VOL - MIN_VOL;
        band += Math.mulDiv(SignedMath.abs(vega), volJump, _quoteScale, Math.Rounding.Ceil);
    }

    /// @inheritdoc IDeltaVault
    function processDeposit(
        uint256 assets,
        address receiver,
        uint256 dueSpot,
        uint256 dueVol
    ) external nonReentrant whenNotPaused returns (uint256 shares) {
        _markRequest(dueSpot, dueVol);
        shares = previewDeposit(assets);
        _deposit(msg.sender, receiver, assets, shares);
        _exitNavPlusOne = 0;
    }

    /// @inheritdoc IDeltaVault
    function processRedeem(
        uint256 shares,
        address receiver,
        uint256 dueSpot,
        uint256 dueVol
    ) external nonReentrant returns (uint256 assets) {
        _markRequest(dueSpot, dueVol);
        assets = previewRedeem(shares);
        uint256 free = freeAssets();
        if (assets > free) revert InsufficientCollateral(assets, free);
        _withdraw(msg.sender, receiver, msg.sender, assets, shares);
        _exitNavPlusOne = 0;
    }

    function deposit(
        uint256 assets,
        address receiver
    ) public override(ERC4626, IERC4626) nonReentrant whenNotPaused returns (uint256 shares) {
        _markOnce();
        shares = super.deposit(assets, receiver);
        _exitNavPlusOne = 0;
    }

    function mint(
        uint256 shares,
        address receiver
    ) public override(ERC4626, IERC4626) nonReentrant whenNotPaused returns (uint256 assets) {
        _markOnce();
        assets = super.mint(shares, receiver);
        _exitNavPlusOne = 0;
    }

    function withdraw(
        uint256 assets,
        address receiver,
        address owner
    ) public override(ERC4626, IERC4626) nonReentrant returns (uint256 shares) {
        _markOnce();
        shares = super.withdraw(assets, receiver, owner);
        _exitNavPlusOne = 0;
    }

    function redeem(
        uint256 shares,
        address receiver,
        address owner
    ) public override(ERC4626, IERC4626) nonReentrant returns (uint256 assets) {
        _markOnce();
        assets = super.redeem(shares, receiver, owner);
        _exitNavPlusOne = 0;
    }

    /// @notice Zero while paused or while an expired series waits for settlement.
    function maxDeposit(address) public view override(ERC4626, IERC4626) returns (uint256) {
        return paused() || _settlementPending() != 0 ? 0 : type(uint256).max;
    }

    /// @notice Zero while paused or while an expired series waits for settlement.
    function maxMint(address) public view override(ERC4626, IERC4626) returns (uint256) {
        return paused() || _settlementPending() != 0 ? 0 : type(uint256).max;
    }

    /// @notice Limited by the owner's shares and by the free (unreserved) quote assets; zero while an expired
    ///         series waits for settlement.
    function maxWithdraw(address owner) public view override(ERC4626, IERC4626) returns (uint256) {
        if (_settlementPending() != 0) return 0;
        return Math.min(previewRedeem(balanceOf(owner)), freeAssets());
    }

    /// @notice Limited by the owner's shares and by the shares the free quote assets can pay for; zero while an
    ///         expired series waits for settlement.
    /// @dev All the owner's shares when the free assets cover what they redeem for (net of the exit fee), so
    ///      that the last shareholder can always leave; otherwise the shares worth the free assets, rounded down.
    function maxRedeem(address owner) public view override(ERC4626, IERC4626) returns (uint256) {
        if (_settlementPending() != 0) return 0;
        uint256 shares = balanceOf(owner);
        uint256 free = freeAssets();
        if (previewRedeem(shares) <= free) return shares;
        return Math.min(shares, _convertToShares(free, Math.Rounding.Floor));
    }

    /// @dev Shares for assets at the least favourable mark for the caller: a deposit (rounded down) at the entry
    ///      mark, a withdrawal (rounded up) at the exit mark.
    function _convertToShares(
        uint256 assets,
        Math.Rounding rounding
    ) internal view override returns (uint256) {
        uint256 nav = _markedNavFor(rounding == Math.Rounding.Floor);
        return Math.mulDiv(assets, totalSupply() + 10 ** _decimalsOffset(), nav + 1, rounding);
    }

    /// @dev Assets for shares at the least favourable mark for the caller: a mint (rounded up) at the entry
    ///      mark, a redemption (rounded down) at the exit mark.
    function _convertToAssets(
        uint256 shares,
        Math.Rounding rounding
    ) internal view override returns (uint256) {
        uint256 nav = _markedNavFor(rounding == Math.Rounding.Ceil);
        return Math.mulDiv(shares, nav + 1, totalSupply() + 10 ** _decimalsOffset(), rounding);
    }

    /// @dev The synchronous path values the book once per ERC-4626 entry point (its limit check, preview and
    ///      conversion all run before any state changes) over the jump band, kept in transient storage until
    ///      the entry point clears it.
    function _markOnce() internal {
        _checkSettled();
        (uint256 nav, uint256 band) = markedNav();
        (_exitNavPlusOne, _entryNav) = ((nav > band ? nav - band : 0) + 1, nav + band);
    }

    /// @dev The marks of a request: the least favourable for its owner of the net asset value at the request's
    ///      due marks (a verified oracle round after the request's due time) and at the live marks.
    function _markRequest(uint256 dueSpot, uint256 dueVol) internal {
        if (msg.sender != requestQueue) revert OnlyRequestQueue(msg.sender);
        _checkSettled();
        uint256 vol = _impliedVol();
        IGreeksEngine.Position[] memory book = _book(false);
        Holdings memory k = _holdings();
        (uint256 live, ) = _navAt(book, k, _spotPrice(), vol);
        (uint256 due, ) = _navAt(book, k, dueSpot, dueVol == 0 ? vol : dueVol);
        (_exitNavPlusOne, _entryNav) = (Math.min(live, due) + 1, Math.max(live, due));
    }

    function _markedNavFor(bool entering) internal view returns (uint256) {
        if (_exitNavPlusOne != 0) return entering ? _entryNav : _exitNavPlusOne - 1;
        (uint256 nav, uint256 band) = markedNav();
        if (entering) return nav + band;
        return nav > band ? nav - band : 0;
    }

    /// @dev The request queue moves shares only into its own escrow, for their owner's own redeem request.
    function _spendAllowance(address owner, address spender, uint256 value) internal override {
        if (spender != requestQueue) super._spendAllowance(owner, spender, value);
    }

    /// @dev The entry fee is taken out of the deposited assets and stays in the vault.
    function previewDeposit(uint256 assets) public view override(ERC4626, IERC4626) returns (uint256) {
        return super.previewDeposit(assets - _feeOnTotal(assets, _policy.entryFeeBps));
    }

    function previewMint(uint256 shares) public view override(ERC4626, IERC4626) returns (uint256) {
        uint256 assets = super.previewMint(shares);
        return assets + _feeOnRaw(assets, _policy.entryFeeBps);
    }

    /// @dev The exit fee is added to the assets the shares must cover and stays in the vault.
    function previewWithdraw(uint256 assets) public view override(ERC4626, IERC4626) returns (uint256) {
        return super.previewWithdraw(assets + _feeOnRaw(assets, _policy.exitFeeBps));
    }

    function previewRedeem(uint256 shares) public view override(ERC4626, IERC4626) returns (uint256) {
        uint256 assets = super.previewRedeem(shares);
        return assets - _feeOnTotal(assets, _policy.exitFeeBps);
    }

    // ---------------------------------------------------------------- views

    /// @inheritdoc IDeltaVault
    function portfolioGreeks() external view returns (int256 delta, int256 gamma, int256 vega) {
        (, delta, gamma, vega) = _portfolio(_spotPrice(), _impliedVol(), true);
        (, uint256 owed) = _venuePosition();
        delta += int256(_baseWad()) - int256(owed);
    }

    /// @inheritdoc IDeltaVault
    function hedgeState() external view returns (HedgeState memory h) {
        h.spot = _spotPrice();
        (, h.delta, h.gamma, ) = _portfolio(h.spot, _impliedVol(), false);
        h.baseHeld = _baseWad();
        (h.collateral, h.baseOwed) = _venuePosition();
        h.delta += int256(h.baseHeld) - int256(h.baseOwed);
        h.freeAssets = freeAssets();
    }

    /// @inheritdoc IDeltaVault
    function greeksEngine() external view returns (IGreeksEngine) {
        return _engine;
    }

    /// @inheritdoc IDeltaVault
    function seriesCount() external view returns (uint256) {
        return _seriesCount;
    }

    /// @inheritdoc IDeltaVault
    function hedger() external view returns (address) {
        return _hedger;
    }

    /// @inheritdoc IDeltaVault
    function borrowVenue() external view returns (IBorrowVenue) {
        return _borrowVenue;
    }

    /// @inheritdoc IDeltaVault
    function optionToken() external view returns (address) {
        return address(_optionToken);
    }

    /// @inheritdoc IDeltaVault
    function baseAsset() external view returns (address) {
        return address(_base);
    }

    /// @inheritdoc IDeltaVault
    function series(uint256 seriesId) external view returns (Series memory s) {
        s = _unpack(_series[seriesId]);
        s.payoffPerOption = uint128(_payoffPerOption[seriesId]);
    }

    /// @inheritdoc IDeltaVault
    function liveSeries() external view returns (uint256[] memory ids) {
        uint256 n = _live.length;
        ids = new uint256[](n);
        for (uint256 i; i < n; ++i) {
            ids[i] = _live[i];
        }
    }

    /// @inheritdoc IDeltaVault
    function reservedAssets() public view returns (uint256) {
        return _reservedLive + _owedSettled;
    }

    /// @inheritdoc IDeltaVault
    function freeAssets() public view returns (uint256) {
        return _freeOf(IERC20(asset()).balanceOf(address(this)));
    }

    /// @inheritdoc IDeltaVault
    function spotPrice() external view returns (uint256) {
        return _spotPrice();
    }

    /// @inheritdoc IDeltaVault
    function impliedVol() external view returns (uint256) {
        return _impliedVol();
    }

    /// @inheritdoc IDeltaVault
    function policy() external view returns (Policy memory) {
        return _policy;
    }

    /// @inheritdoc IDeltaVault
    function oracleConfig() external view returns (OracleConfig memory) {
        return _oracle;
    }

    // ---------------------------------------------------------------- administration

    /// @inheritdoc IDeltaVault
    function setHedger(address) external {
        _delegate();
    }

    /// @inheritdoc IDeltaVault
    function pause() external {
        _delegate();
    }

    /// @inheritdoc IDeltaVault
    function unpause() external {
        _delegate();
    }

    // ---------------------------------------------------------------- internal: trading

    /// @dev Everything an option trade is priced and checked with.
    struct Trade {
        uint256 spot;
        uint256 vol;
        uint256 premium;
        int256 deltaBefore;
        int256 gammaBefore;
        int256 gammaAfter;
        int256 vegaBefore;
        int256 vegaAfter;
    }

    /// @dev Prices buying (`isBuy`) or selling back `amount` options of a live, unexpired series.
    function _priceTrade(
        uint256 seriesId,
        uint256 amount,
        bool isBuy
    ) internal view returns (Trade memory t) {
        Series memory s = _unpack(_listed(seriesId));
        if (s.settled || block.timestamp >= s.expiry) revert SeriesExpired(seriesId, s.expiry);
        Policy memory p = _policy;
        // No trading inside the cut-off: close to expiry the settlement price is all but known.
        if (block.timestamp + p.tradingCutoff >= s.expiry) {
            revert SeriesTradingClosed(seriesId, s.expiry - p.tradingCutoff);
        }
        if (amount < MIN_OPTION_AMOUNT) revert AmountTooSmall(amount, MIN_OPTION_AMOUNT);
        t.spot = _spotPrice();
        t.vol = _impliedVol();
        (, t.deltaBefore, t.gammaBefore, t.vegaBefore) = _portfolio(t.spot, t.vol, true);
        (t.premium, t.gammaAfter, t.vegaAfter) = _engine.quoteTrade(
            IGreeksEngine.TradeQuery({
                option: IGreeksEngine.Position(s.strike, s.cap, s.expiry, 0),
                amount: amount,
                isBuy: isBuy,
                spot: t.spot,
                vol: t.vol,
                gammaBefore: t.gammaBefore,
                vegaBefore: t.vegaBefore,
                maxPayoff: s.maxPayoff(),
                quoteScale: _quoteScale,
                policy: p
            })
        );
    }

    /// @dev Gamma and vega limits: beyond a limit, only trades that reduce that exposure pass.
    function _checkLimits(Trade memory t) internal view {
        uint256 gammaAfter = SignedMath.abs(t.gammaAfter);
        if (gammaAfter > _policy.gammaLimit && gammaAfter > SignedMath.abs(t.gammaBefore)) {
            revert GammaLimitExceeded(t.gammaAfter, _policy.gammaLimit);
        }
        uint256 vegaAfter = SignedMath.abs(t.vegaAfter);
        if (vegaAfter > _policy.vegaLimit && vegaAfter > SignedMath.abs(t.vegaBefore)) {
            revert VegaLimitExceeded(t.vegaAfter, _policy.vegaLimit);
        }
    }

    /// @dev Sets a live series' outstanding amount and moves its reserve accordingly.
    function _setOutstanding(uint256 seriesId, uint256 outstanding) internal {
        StoredSeries storage s = _series[seriesId];
        uint256 maxPay = (s.capUnits != 0 ? s.capUnits : s.strikeUnits) * STRIKE_UNIT;
        _reservedLive = _reservedLive - _reserve(s.outstanding, maxPay) + _reserve(outstanding, maxPay);
        s.outstanding = SafeCast.toUint96(outstanding);
    }

    /// @dev Pulls `amount` quote from `from`, rejecting tokens that deliver less than asked.
    function _pullQuote(address from, uint256 amount) internal {
        IERC20 quote = IERC20(asset());
        uint256 before = quote.balanceOf(address(this));
        quote.safeTransferFrom(from, address(this), amount);
        uint256 received = quote.balanceOf(address(this)) - before;
        if (received != amount) revert TransferAmountMismatch(amount, received);
    }

    /// @dev The solvency invariant: the quote balance covers every reserve.
    function _checkSolvent() internal view {
        _checkSolventAt(IERC20(asset()).balanceOf(address(this)));
    }

    /// @dev `_checkSolvent` with the quote balance `balance` just read.
    function _checkSolventAt(uint256 balance) internal view {
        uint256 reserved = reservedAssets();
        if (balance < reserved) revert InsufficientCollateral(reserved, balance);
    }

    /// @dev ERC-4626 deposits also reject tokens that deliver less than asked.
    function _deposit(address caller, address receiver, uint256 assets, uint256 shares) internal override {
        uint256 before = IERC20(asset()).balanceOf(address(this));
        super._deposit(caller, receiver, assets, shares);
        uint256 received = IERC20(asset()).balanceOf(address(this)) - before;
        if (received != assets) revert TransferAmountMismatch(assets, received);
    }

    // ---------------------------------------------------------------- internal: views

    /// @dev Sum over live series of the vault's short positions (see `IGreeksEngine.book`), valued in one call to
    ///      the engine; `full` false for the hedging pass (delta and gamma only, expired series left out: their
    ///      payoff is fixed by the settlement round, there is nothing left to hedge). Every series is valued.
    function _portfolio(
        uint256 spot,
        uint256 vol,
        bool full
    ) internal view returns (uint256 liabilityWad, int256 delta, int256 gamma, int256 vega) {
        IGreeksEngine.Position[] memory book = _book(!full);
        if (book.length == 0) return (0, 0, 0, 0);
        return _engine.book(book, spot, vol, full);
    }

    /// @dev The live series with options outstanding, as engine positions; without the expired ones if `live`.
    function _book(bool live) internal view returns (IGreeksEngine.Position[] memory book) {
        uint256 n = _live.length;
        book = new IGreeksEngine.Position[](n);
        uint256 count;
        for (uint256 i; i < n; ++i) {
            StoredSeries memory s = _series[_live[i]];
            if (s.outstanding == 0 || (live && s.expiry <= block.timestamp)) continue;
            book[count++] = IGreeksEngine.Position({
                strike: s.strikeUnits * STRIKE_UNIT,
                cap: s.capUnits * STRIKE_UNIT,
                expiry: s.expiry,
                amount: s.outstanding
            });
        }
        assembly ("memory-safe") {
            mstore(book, count)
        }
    }

    /// @dev What the vault holds, read once per valuation: quote (held and posted as collateral, quote units),
    ///      base held and base owed with interest (WAD).
    struct Holdings {
        uint256 quote;
        uint256 baseWad;
        uint256 owedWad;
    }

    function _holdings() internal view returns (Holdings memory k) {
        (uint256 collateral, uint256 owed) = _venuePosition();
        return Holdings(IERC20(asset()).balanceOf(address(this)) + collateral, _baseWad(), owed);
    }

    /// @dev Net asset value (quote units) and vega of `book` with holdings `k` at `spot` and `vol`: assets rounded
    ///      down, liabilities (options, settled payouts, base owed) rounded up.
    function _navAt(
        IGreeksEngine.Position[] memory book,
        Holdings memory k,
        uint256 spot,
        uint256 vol
    ) internal view returns (uint256 nav, int256 vega) {
        uint256 liabilityWad;
        if (book.length != 0) (liabilityWad, , , vega) = _engine.book(book, spot, vol, true);
        uint256 assets = k.quote + Math.mulDiv(k.baseWad, spot, _quoteScale);
        uint256 debts = Math.mulDiv(liabilityWad, WAD, _quoteScale, Math.Rounding.Ceil) +
            _owedSettled +
            Math.mulDiv(k.owedWad, spot, _quoteScale, Math.Rounding.Ceil);
        nav = assets > debts ? assets - debts : 0;
    }

    /// @dev The short's position on the borrow venue, read live: collateral (quote units) and base owed with
    ///      interest accrued to now, rounded up (WAD). Zero without a venue.
    function _venuePosition() internal view returns (uint256 collateral, uint256 owedWad) {
        IBorrowVenue venue = _borrowVenue;
        if (address(venue) == address(0)) return (0, 0);
        (collateral, owedWad) = venue.position();
        owedWad *= _baseToWad;
    }

    /// @dev The first live series that has expired and waits for its settlement (0 when none).
    function _settlementPending() internal view returns (uint256) {
        uint256 n = _live.length;
        for (uint256 i; i < n; ++i) {
            uint256 id = _live[i];
            if (_series[id].expiry <= block.timestamp) return id;
        }
        return 0;
    }

    /// @dev Share conversions wait for every expired series to be settled: until then its payoff is not fixed
    ///      on-chain, and any value put on it could be entered or left at a known profit.
    function _checkSettled() internal view {
        uint256 id = _settlementPending();
        if (id != 0) revert SettlementPending(id, _series[id].expiry);
    }

    function _gap(uint256 a, uint256 b) internal pure returns (uint256) {
        return a > b ? a - b : b - a;
    }

    function _spotPrice() internal view returns (uint256) {
        OracleConfig memory c = _oracle;
        OracleLib.checkSequencer(c.sequencerFeed, c.sequencerGracePeriod);
        return OracleLib.read(c.priceFeed, c.priceMaxAge);
    }

    function _impliedVol() internal view returns (uint256 vol) {
        AggregatorV3Interface volFeed = _oracle.volFeed;
        if (address(volFeed) == address(0)) return _manualVol;
        vol = OracleLib.read(volFeed, _oracle.volMaxAge);
        if (vol < MIN_VOL || vol > MAX_VOL) revert VolatilityOutOfBounds(vol, MIN_VOL, MAX_VOL);
    }

    /// @dev Base held, WAD.
    function _baseWad() internal view returns (uint256) {
        return _base.balanceOf(address(this)) * _baseToWad;
    }

    function _feeOnRaw(uint256 assets, uint256 feeBps) internal pure returns (uint256) {
        return Math.mulDiv(assets, feeBps, BPS, Math.Rounding.Ceil);
    }

    function _feeOnTotal(uint256 assets, uint256 feeBps) internal pure returns (uint256) {
        return Math.mulDiv(assets, feeBps, feeBps + BPS, Math.Rounding.Ceil);
    }

    function _decimalsOffset() internal pure override returns (uint8) {
        return DECIMALS_OFFSET;
    }
}
