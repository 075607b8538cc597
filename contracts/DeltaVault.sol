// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {IERC20, IERC20Metadata, ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";
import {ERC4626} from "@openzeppelin/contracts/token/ERC20/extensions/ERC4626.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {SignedMath} from "@openzeppelin/contracts/utils/math/SignedMath.sol";
import {Pausable} from "@openzeppelin/contracts/utils/Pausable.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";

import {AggregatorV3Interface} from "@deltavault/interfaces/AggregatorV3Interface.sol";
import {IDeltaVault} from "@deltavault/interfaces/IDeltaVault.sol";
import {IGreeksEngine} from "@deltavault/interfaces/IGreeksEngine.sol";
import {IOptionToken} from "@deltavault/interfaces/IOptionToken.sol";
import {ISwapAdapter} from "@deltavault/interfaces/ISwapAdapter.sol";

import {OptionToken} from "./OptionToken.sol";
import {RequestQueue} from "./RequestQueue.sol";
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
contract DeltaVault is IDeltaVault, ERC4626, AccessControl, Pausable, ReentrancyGuardTransient {
    using SafeERC20 for IERC20;
    using SeriesLib for Series;

    // ---------------------------------------------------------------- constants

    uint256 internal constant WAD = 1e18;
    uint256 internal constant BPS = 10_000;

    /// @notice Live series are bounded so that every loop over them has a known gas ceiling.
    uint256 public constant MAX_LIVE_SERIES = 16;
    /// @notice Smallest option trade, WAD of base (1e-6 base).
    uint256 public constant MIN_OPTION_AMOUNT = 1e12;
    /// @notice Bounds of the implied volatility, WAD.
    uint256 public constant MIN_VOL = 0.05e18;
    uint256 public constant MAX_VOL = 5e18;
    /// @notice Minimum delay between two manual volatility changes.
    uint256 public constant VOL_UPDATE_DELAY = 1 hours;
    /// @notice Bounds of a new series: time to expiry and strike (WAD quote per base).
    uint256 public constant MIN_TIME_TO_EXPIRY = 1 hours;
    uint256 public constant MAX_TIME_TO_EXPIRY = 730 days;
    uint256 public constant MIN_STRIKE = 1e15;
    uint256 public constant MAX_STRIKE = 1e27;
    /// @notice Strikes and caps are whole multiples of this (WAD quote per base: seven decimals of quote).
    uint256 public constant STRIKE_UNIT = 1e11;
    /// @dev The policy's bounds live with the pricing rules (`PricingLib`, checked through the engine).
    /// @notice Bounds of the oracle set-up, seconds.
    uint256 public constant MIN_ORACLE_AGE = 60;
    uint256 public constant MAX_ORACLE_AGE = 2 days;
    uint256 public constant MAX_GRACE_PERIOD = 1 days;
    /// @dev Virtual shares (10**6 per asset unit) make the first-depositor inflation attack unprofitable.
    uint8 internal constant DECIMALS_OFFSET = 6;

    // ---------------------------------------------------------------- immutables

    IERC20 internal immutable _base;
    /// @dev Divisor from (WAD amount x WAD price) to quote units: 10**(36 - quote decimals).
    uint256 internal immutable _quoteScale;
    /// @dev Multiplier from base token units to WAD: 10**(18 - base decimals).
    uint256 internal immutable _baseToWad;
    IOptionToken internal immutable _optionToken;
    /// @notice The Black-Scholes engine options are priced with.
    IGreeksEngine public immutable greeksEngine;
    /// @inheritdoc IDeltaVault
    address public immutable requestQueue;

    // ---------------------------------------------------------------- storage

    Policy internal _policy;
    OracleConfig internal _oracle;
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
    /// @notice Number of series ever listed; ids run from 1 to `seriesCount`.
    uint256 public seriesCount;
    /// @dev Sum over live series of ceil(outstanding x max payoff), quote units.
    uint256 internal _reservedLive;
    /// @dev Sum over settled series of ceil(outstanding x payoff), quote units.
    uint256 internal _owedSettled;
    uint128 internal _manualVol;
    uint64 internal _volUpdatedAt;
    /// @inheritdoc IDeltaVault
    address public hedger;
    /// @dev The two marks of the share conversion in progress (0 when none): the net asset value an exit is
    ///      priced at (+ 1) and the one an entry is priced at, see `markOnce` and `_process`.
    uint256 internal transient _exitNavPlusOne;
    uint256 internal transient _entryNav;
    /// @dev The hedge in progress (all zero when none), see `hedge` and `swapPayment`: the adapter being called,
    ///      the input token and the input it may still draw (token units).
    address internal transient _swapAdapter;
    address internal transient _swapTokenIn;
    uint256 internal transient _swapBudget;

    // ---------------------------------------------------------------- constructor

    /// @param quote The quote asset (ERC-4626 asset), 6 to 18 decimals.
    /// @param base The base asset held as the hedge, at most 18 decimals.
    /// @param engine The Black-Scholes engine.
    constructor(
        IERC20Metadata quote,
        IERC20Metadata base,
        IGreeksEngine engine,
        string memory name_,
        string memory symbol_,
        OracleConfig memory oracle,
        Policy memory policy_,
        uint256 initialVol,
        address owner,
        address manager,
        address guardian
    ) ERC4626(quote) ERC20(name_, symbol_) {
        if (owner == address(0) || manager == address(0) || guardian == address(0)) revert ZeroAddress();
        uint8 quoteDecimals = quote.decimals();
        uint8 baseDecimals = base.decimals();
        if (quoteDecimals < 6 || quoteDecimals > 18) {
            revert ParameterOutOfBounds("quoteDecimals", quoteDecimals, 6, 18);
        }
        if (baseDecimals > 18) revert ParameterOutOfBounds("baseDecimals", baseDecimals, 0, 18);
        _base = base;
        _quoteScale = 10 ** (36 - quoteDecimals);
        _baseToWad = 10 ** (18 - baseDecimals);
        greeksEngine = engine;
        _optionToken = new OptionToken("");
        requestQueue = address(new RequestQueue(IDeltaVault(address(this)), IERC20(address(quote))));
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

    /// @inheritdoc IDeltaVault
    function settle(uint256 seriesId, uint80 roundId) external nonReentrant {
        StoredSeries storage stored = _listed(seriesId);
        Series memory m = _unpack(stored);
        if (m.settled) revert SeriesAlreadySettled(seriesId);
        if (block.timestamp < m.expiry) revert SeriesNotExpired(seriesId, m.expiry);
        uint256 price = OracleLib.settlementPrice(_oracle.priceFeed, roundId, m.expiry);
        uint256 payoffPerOption = m.payoff(price);
        uint256 owed = _reserve(m.outstanding, payoffPerOption);
        _reservedLive -= _reserve(m.outstanding, m.maxPayoff());
        _owedSettled += owed;
        stored.settled = true;
        _payoffPerOption[seriesId] = payoffPerOption;
        _removeLive(seriesId);
        emit SeriesSettled(seriesId, roundId, price, payoffPerOption, owed);
    }

    /// @inheritdoc IDeltaVault
    function redeem(
        uint256 seriesId,
        uint256 amount,
        address receiver
    ) external nonReentrant returns (uint256 payout) {
        if (receiver == address(0)) revert ZeroAddress();
        StoredSeries storage s = _listed(seriesId);
        if (!s.settled) revert SeriesNotSettled(seriesId);
        _optionToken.burn(msg.sender, seriesId, amount);
        uint256 payoffPerOption = _payoffPerOption[seriesId];
        uint256 outstanding = s.outstanding;
        // ceil(o1 x p) - ceil(o2 x p) >= floor((o1 - o2) x p): the release always covers the payout.
        _owedSettled -=
            _reserve(outstanding, payoffPerOption) - _reserve(outstanding - amount, payoffPerOption);
        s.outstanding = uint96(outstanding - amount);
        // Rounded down: in the vault's favour.
        payout = Math.mulDiv(amount, payoffPerOption, _quoteScale);
        IERC20(asset()).safeTransfer(receiver, payout);
        emit OptionRedeemed(seriesId, msg.sender, receiver, amount, payout);
    }

    // ---------------------------------------------------------------- hedging

    /// @inheritdoc IDeltaVault
    function hedge(
        address adapter,
        bool buyBase,
        uint256 amountIn,
        uint256 minAmountOut
    ) external nonReentrant returns (uint256 amountOut) {
        if (msg.sender != hedger) revert OnlyHedger(msg.sender);
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
        amountOut = tokenOut.balanceOf(address(this)) - before;
        if (amountOut < minAmountOut) revert HedgeSlippage(amountOut, minAmountOut);
        _checkSolvent();
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
        if (msg.sender != hedger) revert OnlyHedger(msg.sender);
        paid = Math.min(amount, freeAssets());
        if (paid != 0) IERC20(asset()).safeTransfer(keeper, paid);
        emit KeeperPaid(keeper, paid);
    }

    // ---------------------------------------------------------------- ERC-4626

    /// @notice Net asset value in quote units at the current marks: quote held + base at the oracle price - the
    ///         value of the outstanding options at the current implied volatility - settled payouts not yet
    ///         redeemed. Deposits waiting in the request queue are not part of it. Share conversions use the
    ///         marked band around it (`markedNav`) or, for requests, the marks of `processDeposit`.
    function totalAssets() public view override returns (uint256 nav) {
        (nav, ) = markedNav();
    }

    /// @inheritdoc IDeltaVault
    function markedNav() public view returns (uint256 nav, uint256 band) {
        uint256 spot = _spotPrice();
        uint256 vol = _impliedVol();
        IGreeksEngine.Position[] memory book = _book(false);
        int256 vega;
        (nav, vega) = _navAt(book, spot, vol);
        // The book revalued one jump up and one jump down (the jump is at most half the spot); rounded up.
        uint256 jump = Math.mulDiv(spot, _policy.jumpMarkBps, BPS, Math.Rounding.Ceil);
        (uint256 up, ) = _navAt(book, spot + jump, vol);
        (uint256 down, ) = _navAt(book, spot - jump, vol);
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
    ) public override nonReentrant whenNotPaused markOnce returns (uint256) {
        return super.deposit(assets, receiver);
    }

    function mint(
        uint256 shares,
        address receiver
    ) public override nonReentrant whenNotPaused markOnce returns (uint256) {
        return super.mint(shares, receiver);
    }

    function withdraw(
        uint256 assets,
        address receiver,
        address owner
    ) public override nonReentrant markOnce returns (uint256) {
        return super.withdraw(assets, receiver, owner);
    }

    function redeem(
        uint256 shares,
        address receiver,
        address owner
    ) public override nonReentrant markOnce returns (uint256) {
        return super.redeem(shares, receiver, owner);
    }

    /// @notice Zero while paused or while an expired series waits for settlement.
    function maxDeposit(address) public view override returns (uint256) {
        return paused() || _settlementPending() != 0 ? 0 : type(uint256).max;
    }

    /// @notice Zero while paused or while an expired series waits for settlement.
    function maxMint(address) public view override returns (uint256) {
        return paused() || _settlementPending() != 0 ? 0 : type(uint256).max;
    }

    /// @notice Limited by the owner's shares and by the free (unreserved) quote assets; zero while an expired
    ///         series waits for settlement.
    function maxWithdraw(address owner) public view override returns (uint256) {
        if (_settlementPending() != 0) return 0;
        return Math.min(previewRedeem(balanceOf(owner)), freeAssets());
    }

    /// @notice Limited by the owner's shares and by the shares the free quote assets can pay for; zero while an
    ///         expired series waits for settlement.
    /// @dev All the owner's shares when the free assets cover what they redeem for (net of the exit fee), so
    ///      that the last shareholder can always leave; otherwise the shares worth the free assets, rounded down.
    function maxRedeem(address owner) public view override returns (uint256) {
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
    ///      conversion all run before any state changes) over the jump band, kept in transient storage.
    modifier markOnce() {
        _checkSettled();
        (uint256 nav, uint256 band) = markedNav();
        (_exitNavPlusOne, _entryNav) = ((nav > band ? nav - band : 0) + 1, nav + band);
        _;
        _exitNavPlusOne = 0;
    }

    /// @dev The marks of a request: the least favourable for its owner of the net asset value at the request's
    ///      due marks (a verified oracle round after the request's due time) and at the live marks.
    function _markRequest(uint256 dueSpot, uint256 dueVol) internal {
        if (msg.sender != requestQueue) revert OnlyRequestQueue(msg.sender);
        _checkSettled();
        uint256 vol = _impliedVol();
        IGreeksEngine.Position[] memory book = _book(false);
        (uint256 live, ) = _navAt(book, _spotPrice(), vol);
        (uint256 due, ) = _navAt(book, dueSpot, dueVol == 0 ? vol : dueVol);
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
    function previewDeposit(uint256 assets) public view override returns (uint256) {
        return super.previewDeposit(assets - _feeOnTotal(assets, _policy.entryFeeBps));
    }

    function previewMint(uint256 shares) public view override returns (uint256) {
        uint256 assets = super.previewMint(shares);
        return assets + _feeOnRaw(assets, _policy.entryFeeBps);
    }

    /// @dev The exit fee is added to the assets the shares must cover and stays in the vault.
    function previewWithdraw(uint256 assets) public view override returns (uint256) {
        return super.previewWithdraw(assets + _feeOnRaw(assets, _policy.exitFeeBps));
    }

    function previewRedeem(uint256 shares) public view override returns (uint256) {
        uint256 assets = super.previewRedeem(shares);
        return assets - _feeOnTotal(assets, _policy.exitFeeBps);
    }

    // ---------------------------------------------------------------- views

    /// @inheritdoc IDeltaVault
    function portfolioGreeks() external view returns (int256 delta, int256 gamma, int256 vega) {
        (, delta, gamma, vega) = _portfolio(_spotPrice(), _impliedVol(), true);
        delta += int256(_baseWad());
    }

    /// @inheritdoc IDeltaVault
    function hedgeState() external view returns (HedgeState memory h) {
        h.spot = _spotPrice();
        (, h.delta, h.gamma, ) = _portfolio(h.spot, _impliedVol(), false);
        h.baseHeld = _baseWad();
        h.delta += int256(h.baseHeld);
        h.freeAssets = freeAssets();
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
        uint256 balance = IERC20(asset()).balanceOf(address(this));
        uint256 reserved = reservedAssets();
        return balance > reserved ? balance - reserved : 0;
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
    function listSeries(
        uint256 strike,
        uint256 cap,
        uint256 expiry,
        bool isCall
    ) external onlyRole(Roles.MANAGER) returns (uint256 seriesId) {
        bool validStrike = strike >= MIN_STRIKE && strike <= MAX_STRIKE && strike % STRIKE_UNIT == 0;
        bool validCap = isCall ? cap > 0 && cap <= MAX_STRIKE && cap % STRIKE_UNIT == 0 : cap == 0;
        bool validExpiry = expiry >= block.timestamp + MIN_TIME_TO_EXPIRY &&
            expiry <= block.timestamp + MAX_TIME_TO_EXPIRY;
        if (!validStrike || !validCap || !validExpiry) revert InvalidSeries(strike, cap, expiry);
        if (_live.length >= MAX_LIVE_SERIES) revert TooManyLiveSeries(MAX_LIVE_SERIES);
        seriesId = ++seriesCount;
        // Bounded above: strike and cap below 2**56 units, expiry below 2**40.
        _series[seriesId] = StoredSeries({
            outstanding: 0,
            expiry: uint40(expiry),
            strikeUnits: uint56(strike / STRIKE_UNIT),
            capUnits: uint56(cap / STRIKE_UNIT),
            settled: false
        });
        _live.push(uint32(seriesId));
        emit SeriesListed(seriesId, strike, cap, expiry, isCall);
    }

    /// @inheritdoc IDeltaVault
    function setImpliedVol(uint256 vol) external onlyRole(Roles.MANAGER) {
        if (address(_oracle.volFeed) != address(0)) revert VolatilityFromFeed(address(_oracle.volFeed));
        uint256 nextAllowed = _volUpdatedAt + VOL_UPDATE_DELAY;
        if (block.timestamp < nextAllowed) revert VolatilityUpdateTooSoon(_volUpdatedAt, nextAllowed);
        if (vol < MIN_VOL || vol > MAX_VOL) revert VolatilityOutOfBounds(vol, MIN_VOL, MAX_VOL);
        uint256 current = _manualVol;
        uint256 step = vol > current ? vol - current : current - vol;
        if (step > _policy.volMarkBand) revert VolatilityStepTooLarge(current, vol, _policy.volMarkBand);
        _setManualVol(vol);
    }

    /// @inheritdoc IDeltaVault
    function setPolicy(Policy calldata policy_) external onlyRole(Roles.OWNER) {
        _setPolicy(policy_);
    }

    /// @inheritdoc IDeltaVault
    function setOracleConfig(OracleConfig calldata config) external onlyRole(Roles.OWNER) {
        _setOracleConfig(config);
    }

    /// @inheritdoc IDeltaVault
    function setHedger(address hedger_) external onlyRole(Roles.OWNER) {
        hedger = hedger_;
        emit HedgerSet(hedger_);
    }

    /// @inheritdoc IDeltaVault
    function pause() external onlyRole(Roles.GUARDIAN) {
        _pause();
    }

    /// @inheritdoc IDeltaVault
    function unpause() external onlyRole(Roles.GUARDIAN) {
        _unpause();
    }

    // ---------------------------------------------------------------- internal: trading

    /// @dev Everything an option trade is priced and checked with.
    struct Trade {
        uint256 spot;
        uint256 vol;
        uint256 premium;
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
        (, , t.gammaBefore, t.vegaBefore) = _portfolio(t.spot, t.vol, true);
        (t.premium, t.gammaAfter, t.vegaAfter) = greeksEngine.quoteTrade(
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
        uint256 balance = IERC20(asset()).balanceOf(address(this));
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

    // ---------------------------------------------------------------- internal: configuration

    function _setPolicy(Policy memory p) internal {
        greeksEngine.checkPolicy(p);
        _policy = p;
        emit PolicySet(p);
    }

    function _setOracleConfig(OracleConfig memory c) internal {
        if (address(c.priceFeed) == address(0)) revert ZeroAddress();
        _checkBound("priceMaxAge", c.priceMaxAge, MIN_ORACLE_AGE, MAX_ORACLE_AGE);
        if (address(c.volFeed) != address(0))
            _checkBound("volMaxAge", c.volMaxAge, MIN_ORACLE_AGE, MAX_ORACLE_AGE);
        _checkBound("sequencerGracePeriod", c.sequencerGracePeriod, 0, MAX_GRACE_PERIOD);
        _oracle = c;
        emit OracleConfigSet(c);
    }

    function _setManualVol(uint256 vol) internal {
        if (vol < MIN_VOL || vol > MAX_VOL) revert VolatilityOutOfBounds(vol, MIN_VOL, MAX_VOL);
        _manualVol = uint128(vol);
        _volUpdatedAt = uint64(block.timestamp);
        emit ImpliedVolSet(vol);
    }

    function _checkBound(bytes32 name, uint256 value, uint256 min, uint256 max) internal pure {
        if (value < min || value > max) revert ParameterOutOfBounds(name, value, min, max);
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
        return greeksEngine.book(book, spot, vol, full);
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

    /// @dev Net asset value (quote units) and vega of `book` at `spot` and `vol`: assets rounded down,
    ///      liabilities rounded up.
    function _navAt(
        IGreeksEngine.Position[] memory book,
        uint256 spot,
        uint256 vol
    ) internal view returns (uint256 nav, int256 vega) {
        uint256 liabilityWad;
        if (book.length != 0) (liabilityWad, , , vega) = greeksEngine.book(book, spot, vol, true);
        uint256 assets = IERC20(asset()).balanceOf(address(this)) +
            Math.mulDiv(_baseWad(), spot, _quoteScale);
        uint256 debts = Math.mulDiv(liabilityWad, WAD, _quoteScale, Math.Rounding.Ceil) + _owedSettled;
        nav = assets > debts ? assets - debts : 0;
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

    function _listed(uint256 seriesId) internal view returns (StoredSeries storage s) {
        s = _series[seriesId];
        if (s.expiry == 0) revert SeriesNotListed(seriesId);
    }

    /// @dev The external form of a stored series (without its settlement payoff).
    function _unpack(StoredSeries storage stored) internal view returns (Series memory s) {
        StoredSeries memory m = stored;
        s.strike = uint128(m.strikeUnits * STRIKE_UNIT);
        s.cap = uint128(m.capUnits * STRIKE_UNIT);
        s.expiry = m.expiry;
        s.isCall = m.capUnits != 0;
        s.settled = m.settled;
        s.outstanding = m.outstanding;
    }

    /// @dev Base held, WAD.
    function _baseWad() internal view returns (uint256) {
        return _base.balanceOf(address(this)) * _baseToWad;
    }

    /// @dev ceil(amount x perOption), quote units.
    function _reserve(uint256 amount, uint256 perOption) internal view returns (uint256) {
        return Math.mulDiv(amount, perOption, _quoteScale, Math.Rounding.Ceil);
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
