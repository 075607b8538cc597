// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IERC1155} from "@openzeppelin/contracts/token/ERC1155/IERC1155.sol";
import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {SignedMath} from "@openzeppelin/contracts/utils/math/SignedMath.sol";

import {IDeltaHedger} from "@deltavault/interfaces/IDeltaHedger.sol";
import {IDeltaVault} from "@deltavault/interfaces/IDeltaVault.sol";
import {IRequestQueue} from "@deltavault/interfaces/IRequestQueue.sol";

import {DeltaHedger} from "contracts/DeltaHedger.sol";
import {DeltaVault} from "contracts/DeltaVault.sol";
import {TestAggregator} from "contracts/test/TestAggregator.sol";
import {TestERC20} from "contracts/test/TestERC20.sol";

import {PoolMaker} from "../utils/PoolMaker.sol";
import {VM} from "../utils/Vm.sol";

/// @title VaultHandler
/// @notice Drives the real vault system with several actors, one bounded action per external function, and keeps
///         the ghost state the invariants need. Every call into the vault or the hedger goes through one wrapper
///         (section "vault and hedger calls") so that an API change is followed in one place. A call that
///         reverts is recorded by its error selector (see `revertSelectors`), never re-raised: reverts are
///         expected outcomes here, and the properties about them (exits always work, entries refused while
///         paused) are checked explicitly and recorded as violations.
contract VaultHandler {
    // ---------------------------------------------------------------- types

    enum Action {
        Deposit,
        Mint,
        Withdraw,
        Redeem,
        Buy,
        SellBack,
        Settle,
        RedeemOptions,
        MovePrice,
        MovePool,
        SetVol,
        Warp,
        Observe,
        Rebalance,
        DonateQuote,
        DonateBase,
        Pause,
        ListSeries,
        RoundTripShares,
        RoundTripOption,
        RequestDeposit,
        RequestRedeem,
        FulfilDeposit,
        FulfilRedeem
    }

    /// @dev The number of actions (kept equal to the enum's length by the compiler check in the constructor).
    uint256 public constant ACTIONS = 24;

    /// @dev Nav and supply (virtual shares included) around an action, for the share-value check.
    struct ShareMark {
        uint256 nav;
        uint256 supply;
    }

    // ---------------------------------------------------------------- constants

    uint256 internal constant WAD = 1e18;
    uint256 internal constant BPS = 10_000;
    /// @dev (WAD base x WAD price) to quote units (6 decimals).
    uint256 internal constant QUOTE_SCALE = 1e30;
    /// @dev The vault's virtual shares (10**decimalsOffset).
    uint256 internal constant VIRTUAL_SHARES = 1e6;
    /// @notice Rounding a share conversion may cost the other holders, quote units, per action.
    uint256 public constant SHARE_VALUE_DUST = 1;
    uint256 internal constant MIN_PRICE = 200e18;
    uint256 internal constant MAX_PRICE = 20_000e18;
    uint256 internal constant MAX_LIVE = 6;

    // ---------------------------------------------------------------- system

    DeltaVault public immutable vault;
    DeltaHedger public immutable hedger;
    TestERC20 public immutable quote;
    TestERC20 public immutable base;
    TestAggregator public immutable feed;
    PoolMaker public immutable maker;
    IERC1155 public immutable optionToken;
    IRequestQueue public immutable queue;
    address public immutable manager;
    address public immutable guardian;
    address public immutable keeper;
    address[] public actors;

    // ---------------------------------------------------------------- ghost state

    /// @notice The oracle price, WAD (the feed's latest answer).
    uint256 public price;
    /// @notice Every feed round pushed, oldest first: its `updatedAt` (the round id is 2**64 + index + 1).
    uint256[] public roundUpdatedAt;
    /// @notice Payoff per option each settled series must pay, computed here from the settlement round.
    mapping(uint256 seriesId => uint256) public expectedPayoff;
    mapping(uint256 seriesId => bool) public settledHere;
    /// @notice The loss-budget window as seen from outside: start and loss measured from balances, quote units.
    uint256 public ghostWindowStart;
    uint256 public ghostWindowLoss;

    /// @notice The first violation of each property, empty when none happened.
    string public exitViolation;
    string public pauseViolation;
    string public roundTripViolation;
    string public shareValueViolation;
    string public rebalanceViolation;
    string public payoffViolation;
    string public requestViolation;

    /// @notice Calls and successes per action; reverts per error selector (bytes4(0) when no data).
    uint256[ACTIONS] public calls;
    uint256[ACTIONS] public successes;
    bytes4[] public revertSelectors;
    mapping(bytes4 => uint256) public revertCount;
    /// @notice Exits that succeeded while the vault was paused, and successful rebalances (coverage).
    uint256 public exitsWhilePaused;
    uint256 public rebalances;
    /// @notice Requests fulfilled (coverage).
    uint256 public fulfilments;

    // ---------------------------------------------------------------- constructor

    constructor(
        DeltaVault vault_,
        DeltaHedger hedger_,
        TestAggregator feed_,
        PoolMaker maker_,
        address manager_,
        address guardian_,
        address keeper_,
        address[] memory actors_
    ) {
        require(uint256(type(Action).max) + 1 == ACTIONS, "ACTIONS != number of actions");
        vault = vault_;
        hedger = hedger_;
        quote = TestERC20(vault_.asset());
        base = TestERC20(vault_.baseAsset());
        feed = feed_;
        maker = maker_;
        optionToken = IERC1155(vault_.optionToken());
        queue = IRequestQueue(vault_.requestQueue());
        manager = manager_;
        guardian = guardian_;
        keeper = keeper_;
        actors = actors_;
        (, int256 answer, , uint256 updatedAt, ) = feed_.latestRoundData();
        price = uint256(answer) * 1e10;
        roundUpdatedAt.push(updatedAt);
        ghostWindowStart = hedger_.lossWindowStart();
        for (uint256 i; i < actors_.length; ++i) {
            VM.prank(actors_[i]);
            quote.approve(address(vault_), type(uint256).max);
            VM.prank(actors_[i]);
            quote.approve(address(queue), type(uint256).max);
        }
    }

    // ---------------------------------------------------------------- actions: shares

    function deposit(uint256 actorSeed, uint256 assets) external {
        address actor = _actor(actorSeed);
        assets = _bound(assets, 1e6, 1_000_000e6);
        quote.mint(actor, assets);
        ShareMark memory before = _mark();
        (bool ok, , bytes memory err) = _deposit(actor, assets);
        _record(Action.Deposit, ok, err);
        if (ok) {
            _entryWhilePaused("deposit");
            _checkShareValue(before, "deposit");
        }
    }

    function mint(uint256 actorSeed, uint256 shares) external {
        address actor = _actor(actorSeed);
        shares = _bound(shares, 1e6, 1_000_000e12);
        quote.mint(actor, 2_000_000e6);
        ShareMark memory before = _mark();
        (bool ok, , bytes memory err) = _mint(actor, shares);
        _record(Action.Mint, ok, err);
        if (ok) {
            _entryWhilePaused("mint");
            _checkShareValue(before, "mint");
        }
    }

    function withdraw(uint256 actorSeed, uint256 assets) external {
        address actor = _actor(actorSeed);
        uint256 max = vault.maxWithdraw(actor);
        if (max == 0) return;
        assets = _bound(assets, 1, max);
        ShareMark memory before = _mark();
        (bool ok, , bytes memory err) = _withdraw(actor, assets);
        _record(Action.Withdraw, ok, err);
        _checkExit(ok, err, "withdraw <= maxWithdraw");
        if (ok) _checkShareValue(before, "withdraw");
    }

    function redeem(uint256 actorSeed, uint256 shares) external {
        address actor = _actor(actorSeed);
        uint256 max = vault.maxRedeem(actor);
        if (max == 0) return;
        shares = _bound(shares, 1, max);
        ShareMark memory before = _mark();
        (bool ok, , bytes memory err) = _redeem(actor, shares);
        _record(Action.Redeem, ok, err);
        _checkExit(ok, err, "redeem <= maxRedeem");
        if (ok) _checkShareValue(before, "redeem");
    }

    /// @notice Deposit then redeem every share received, in one block: the actor must not get more back.
    function roundTripShares(uint256 actorSeed, uint256 assets) external {
        address actor = _actor(actorSeed);
        assets = _bound(assets, 1e6, 1_000_000e6);
        quote.mint(actor, assets);
        (bool ok, uint256 shares, bytes memory err) = _deposit(actor, assets);
        if (ok) {
            uint256 out;
            (ok, out, err) = _redeem(actor, shares);
            if (ok && out > assets && bytes(roundTripViolation).length == 0) {
                roundTripViolation = string.concat(
                    "deposit ",
                    VM.toString(assets),
                    " -> redeem ",
                    VM.toString(out)
                );
            }
        }
        _record(Action.RoundTripShares, ok, err);
    }

    // ---------------------------------------------------------------- actions: requests

    /// @notice An actor requests a deposit through the queue: its quote waits there, outside the vault's assets.
    function requestDeposit(uint256 actorSeed, uint256 assets) external {
        address actor = _actor(actorSeed);
        assets = _bound(assets, 1e6, 1_000_000e6);
        quote.mint(actor, assets);
        ShareMark memory before = _mark();
        (bool ok, bytes memory err) = _requestDeposit(actor, assets);
        _record(Action.RequestDeposit, ok, err);
        if (ok) _checkShareValue(before, "requestDeposit");
        else _requestFailed(err, "requestDeposit");
    }

    /// @notice An actor requests the redemption of some of its shares through the queue.
    function requestRedeem(uint256 actorSeed, uint256 shares) external {
        address actor = _actor(actorSeed);
        uint256 held = vault.balanceOf(actor);
        if (held == 0) return;
        shares = _bound(shares, 1, held);
        ShareMark memory before = _mark();
        (bool ok, bytes memory err) = _requestRedeem(actor, shares);
        _record(Action.RequestRedeem, ok, err);
        if (ok) _checkShareValue(before, "requestRedeem");
        else _requestFailed(err, "requestRedeem");
    }

    /// @notice Anyone fulfils a due deposit request at the first price round at or after its due time. It must
    ///         land unless the vault is paused or waiting for a settlement, and must not dilute the holders.
    function fulfilDeposit(uint256 actorSeed) external {
        _fulfil(actorSeed, true);
    }

    /// @notice Anyone fulfils a due redeem request. It must land unless the vault is waiting for a settlement or
    ///         lacks the free quote, and must not take value from the other holders.
    function fulfilRedeem(uint256 actorSeed) external {
        _fulfil(actorSeed, false);
    }

    function _fulfil(uint256 actorSeed, bool isDeposit) internal {
        address controller = _requester(actorSeed, isDeposit);
        if (controller == address(0)) return;
        uint256 due = queue.dueAt(controller, isDeposit);
        if (block.timestamp < due) return;
        (bool found, uint80 roundId) = _firstRoundAt(due);
        if (!found) return;
        uint256 pending = isDeposit
            ? queue.pendingDepositRequest(0, controller)
            : queue.pendingRedeemRequest(0, controller);
        uint256 sharesBefore = vault.balanceOf(controller);
        uint256 quoteBefore = quote.balanceOf(controller);
        ShareMark memory before = _mark();
        (bool ok, uint256 out, bytes memory err) = _fulfilRequest(controller, roundId, isDeposit);
        _record(isDeposit ? Action.FulfilDeposit : Action.FulfilRedeem, ok, err);
        if (!ok) {
            bytes4 selector = err.length >= 4 ? bytes4(err) : bytes4(0);
            bool expected = (selector == IDeltaVault.SettlementPending.selector && _seriesToSettle(0) != 0) ||
                (isDeposit && vault.paused() && selector == bytes4(keccak256("EnforcedPause()"))) ||
                (!isDeposit && selector == IDeltaVault.InsufficientCollateral.selector);
            if (!expected) _requestFailed(err, isDeposit ? "fulfilDeposit" : "fulfilRedeem");
            return;
        }
        fulfilments += 1;
        _checkShareValue(before, isDeposit ? "fulfilDeposit" : "fulfilRedeem");
        // What the controller received is what the call reported, and the request is gone.
        uint256 received = isDeposit
            ? vault.balanceOf(controller) - sharesBefore
            : quote.balanceOf(controller) - quoteBefore;
        uint256 left = isDeposit
            ? queue.pendingDepositRequest(0, controller)
            : queue.pendingRedeemRequest(0, controller);
        if ((received != out || left != 0) && bytes(requestViolation).length == 0) {
            requestViolation = string.concat(
                isDeposit ? "fulfilDeposit of " : "fulfilRedeem of ",
                VM.toString(pending),
                ": reported ",
                VM.toString(out),
                ", received ",
                VM.toString(received),
                ", left pending ",
                VM.toString(left)
            );
        }
    }

    /// @dev Records the first request or fulfilment that failed for a reason the queue does not document.
    function _requestFailed(bytes memory err, string memory what) internal {
        if (bytes(requestViolation).length != 0) return;
        requestViolation = string.concat(what, " reverted: ", VM.toString(err));
    }

    // ---------------------------------------------------------------- actions: options

    function buy(uint256 actorSeed, uint256 seriesSeed, uint256 amount) external {
        address actor = _actor(actorSeed);
        uint256 id = _series(seriesSeed);
        if (id == 0) return;
        amount = _bound(amount, 1e16, 20e18);
        quote.mint(actor, 100_000e6);
        ShareMark memory before = _mark();
        (bool ok, , bytes memory err) = _buy(actor, id, amount);
        _record(Action.Buy, ok, err);
        if (ok) {
            _entryWhilePaused("buyOption");
            _checkShareValue(before, "buyOption");
        }
    }

    function sellBack(uint256 actorSeed, uint256 seriesSeed, uint256 amount) external {
        uint256 id = _series(seriesSeed);
        if (id == 0) return;
        address actor = _holder(actorSeed, id);
        uint256 held = optionToken.balanceOf(actor, id);
        if (held < vault.MIN_OPTION_AMOUNT()) return;
        amount = _bound(amount, vault.MIN_OPTION_AMOUNT(), held);
        IDeltaVault.Series memory s = vault.series(id);
        bool tradable = !s.settled && block.timestamp + vault.policy().tradingCutoff < s.expiry;
        ShareMark memory before = tradable ? _mark() : ShareMark(0, 0);
        (bool ok, , bytes memory err) = _sell(actor, id, amount);
        _record(Action.SellBack, ok, err);
        // Before its trading cut-off a series can always be sold back (the reserve covers the premium, even
        // while paused).
        if (tradable) _checkExit(ok, err, "sellOption of held options");
        if (ok) _checkShareValue(before, "sellOption");
    }

    /// @notice Buy then sell back the same options in one block: the actor must not get more back.
    function roundTripOption(uint256 actorSeed, uint256 seriesSeed, uint256 amount) external {
        address actor = _actor(actorSeed);
        uint256 id = _series(seriesSeed);
        if (id == 0) return;
        amount = _bound(amount, 1e16, 20e18);
        quote.mint(actor, 100_000e6);
        (bool ok, uint256 paid, bytes memory err) = _buy(actor, id, amount);
        if (ok) {
            uint256 received;
            (ok, received, err) = _sell(actor, id, amount);
            if (ok && received > paid && bytes(roundTripViolation).length == 0) {
                roundTripViolation = string.concat(
                    "buyOption paid ",
                    VM.toString(paid),
                    " -> sellOption received ",
                    VM.toString(received)
                );
            }
        }
        _record(Action.RoundTripOption, ok, err);
    }

    /// @notice Settles an expired series at its settlement round, found here from the rounds pushed.
    function settle(uint256 seriesSeed) external {
        uint256 id = _seriesToSettle(seriesSeed);
        if (id == 0) return;
        IDeltaVault.Series memory s = vault.series(id);
        (bool found, uint80 roundId) = _firstRoundAt(s.expiry);
        if (!found) return;
        (bool ok, bytes memory err) = _settle(id, roundId);
        _record(Action.Settle, ok, err);
        _checkExit(ok, err, "settle at the settlement round");
        if (ok) {
            (, int256 answer, , , ) = feed.getRoundData(roundId);
            uint256 payoff = _payoff(s, uint256(answer) * 1e10);
            expectedPayoff[id] = payoff;
            settledHere[id] = true;
            if (vault.series(id).payoffPerOption != payoff && bytes(payoffViolation).length == 0) {
                payoffViolation = string.concat(
                    "series ",
                    VM.toString(id),
                    " settled at payoff ",
                    VM.toString(uint256(vault.series(id).payoffPerOption)),
                    ", expected ",
                    VM.toString(payoff)
                );
            }
        }
    }

    /// @notice Redeems settled options: the payout must be exactly amount x payoff (rounded down).
    function redeemOptions(uint256 actorSeed, uint256 seriesSeed, uint256 amount) external {
        uint256 id = _settledSeries(seriesSeed);
        if (id == 0) return;
        address actor = _holder(actorSeed, id);
        uint256 held = optionToken.balanceOf(actor, id);
        if (held == 0) return;
        amount = _bound(amount, 1, held);
        uint256 expected = Math.mulDiv(amount, expectedPayoff[id], QUOTE_SCALE);
        uint256 balanceBefore = quote.balanceOf(actor);
        (bool ok, uint256 payout, bytes memory err) = _redeemOptions(actor, id, amount);
        _record(Action.RedeemOptions, ok, err);
        _checkExit(ok, err, "redeem of settled options");
        if (ok && bytes(payoffViolation).length == 0) {
            uint256 received = quote.balanceOf(actor) - balanceBefore;
            if (payout != expected || received != expected) {
                payoffViolation = string.concat(
                    "series ",
                    VM.toString(id),
                    ": redeem of ",
                    VM.toString(amount),
                    " paid ",
                    VM.toString(received),
                    ", payoff is ",
                    VM.toString(expected)
                );
            }
        }
    }

    // ---------------------------------------------------------------- actions: market

    /// @notice The oracle and the pool move together by up to +-10 %.
    function movePrice(uint256 moveBps, bool up) external {
        moveBps = _bound(moveBps, 0, 1000);
        uint256 next = Math.mulDiv(price, up ? BPS + moveBps : BPS - moveBps, BPS);
        price = Math.min(Math.max(next, MIN_PRICE), MAX_PRICE);
        _pushPrice();
        maker.moveTo(price);
        _record(Action.MovePrice, true, "");
    }

    /// @notice The pool alone moves away from the oracle by up to +-5 % (a manipulation; the next price move
    ///         brings it back).
    function movePool(uint256 moveBps, bool up) external {
        moveBps = _bound(moveBps, 0, 500);
        maker.moveTo(Math.mulDiv(price, up ? BPS + moveBps : BPS - moveBps, BPS));
        _record(Action.MovePool, true, "");
    }

    /// @notice The manager moves the implied volatility by up to the policy's step.
    function setVol(uint256 step, bool up) external {
        uint256 current = vault.impliedVol();
        step = _bound(step, 0, vault.policy().volMarkBand);
        uint256 vol = up ? current + step : (current > step ? current - step : 0);
        vol = Math.min(Math.max(vol, vault.MIN_VOL()), vault.MAX_VOL());
        (bool ok, bytes memory err) = _setVol(vol);
        _record(Action.SetVol, ok, err);
    }

    /// @notice Time passes (1 minute to 3 days); the feed answers again at the same price.
    function warp(uint256 secondsLater) external {
        secondsLater = _bound(secondsLater, 60, 3 days);
        VM.warp(block.timestamp + secondsLater);
        VM.roll(block.number + 1 + secondsLater / 12);
        _pushPrice();
        _record(Action.Warp, true, "");
    }

    function observe() external {
        (bool ok, bytes memory err) = _observe();
        _record(Action.Observe, ok, err);
    }

    /// @notice The keeper rebalances at a base fee of up to 200 gwei; a successful rebalance is checked from
    ///         balances measured here, independently of the hedger's own accounting.
    function rebalance(uint256 baseFeeGwei) external {
        VM.fee(_bound(baseFeeGwei, 0, 200) * 1 gwei);
        RebalanceMark memory m;
        try hedger.rebalanceStatus() returns (IDeltaHedger.Status memory st) {
            m.deviation = st.delta - st.target;
        } catch {}
        try vault.hedgeState() returns (IDeltaVault.HedgeState memory h) {
            m.capital = h.freeAssets + Math.mulDiv(h.baseHeld, h.spot, QUOTE_SCALE);
        } catch {}
        m.quote = quote.balanceOf(address(vault));
        m.base = base.balanceOf(address(vault));
        m.keeperQuote = quote.balanceOf(keeper);
        (bool ok, bytes memory err) = _rebalance();
        _record(Action.Rebalance, ok, err);
        if (!ok) return;
        rebalances += 1;
        _checkRebalance(m, hedger.policy());
    }

    /// @dev Quote and base of the vault, the keeper's quote and D - T before a rebalance.
    struct RebalanceMark {
        int256 deviation;
        uint256 quote;
        uint256 base;
        uint256 keeperQuote;
        uint256 capital;
    }

    function _checkRebalance(RebalanceMark memory m, IDeltaHedger.Policy memory p) internal {
        uint256 bounty = quote.balanceOf(keeper) - m.keeperQuote;
        // The swap's quote leg: the vault's quote change with the bounty added back.
        int256 quoteChange = int256(quote.balanceOf(address(vault)) + bounty) - int256(m.quote);
        int256 baseChange = int256(base.balanceOf(address(vault))) - int256(m.base);
        int256 deviationAfter = vault.hedgeState().delta - p.target;
        (uint256 valueIn, uint256 valueOut) = baseChange > 0
            ? (uint256(-quoteChange), Math.mulDiv(uint256(baseChange), price, QUOTE_SCALE))
            : (Math.mulDiv(uint256(-baseChange), price, QUOTE_SCALE), uint256(quoteChange));
        if (block.timestamp >= ghostWindowStart + p.lossWindow) {
            ghostWindowStart = block.timestamp;
            ghostWindowLoss = 0;
        }
        ghostWindowLoss += valueIn > valueOut ? valueIn - valueOut : 0;
        // A purchase may receive more base than it asked for when the pool sits below the oracle (at most
        // the allowed pool deviation); a sale spends exactly the trade.
        uint256 maxBase = Math.mulDiv(p.hedgeCap, BPS, BPS - p.maxPoolDeviationBps);
        string memory why;
        if (SignedMath.abs(deviationAfter) >= SignedMath.abs(m.deviation)) why = "|D - T| did not shrink";
        else if (SignedMath.abs(baseChange) > maxBase) why = "trade beyond the hedge cap";
        else if (ghostWindowLoss > Math.mulDiv(m.capital, p.lossBudgetBps, BPS))
            why = "window loss beyond the budget";
        else if (bounty > p.bountyCap) why = "bounty beyond its cap";
        if (bytes(why).length == 0 || bytes(rebalanceViolation).length != 0) return;
        rebalanceViolation = string.concat(
            why,
            ": deviation ",
            VM.toString(m.deviation),
            " -> ",
            VM.toString(deviationAfter),
            ", base ",
            VM.toString(baseChange),
            ", window loss ",
            VM.toString(ghostWindowLoss),
            ", bounty ",
            VM.toString(bounty)
        );
    }

    function donateQuote(uint256 actorSeed, uint256 amount) external {
        address actor = _actor(actorSeed);
        amount = _bound(amount, 1, 100_000e6);
        quote.mint(actor, amount);
        VM.prank(actor);
        quote.transfer(address(vault), amount);
        _record(Action.DonateQuote, true, "");
    }

    function donateBase(uint256 actorSeed, uint256 amount) external {
        address actor = _actor(actorSeed);
        amount = _bound(amount, 1, 50e18);
        base.mint(actor, amount);
        VM.prank(actor);
        base.transfer(address(vault), amount);
        _record(Action.DonateBase, true, "");
    }

    /// @notice The guardian pauses (one call in three) or unpauses.
    function setPaused(uint256 seed) external {
        (bool ok, bytes memory err) = _setPaused(seed % 3 == 0);
        _record(Action.Pause, ok, err);
    }

    /// @notice The manager lists a series around the current price, expiring in 1 hour to 30 days.
    function listSeries(uint256 strikeBps, uint256 lifeSeconds, bool isCall) external {
        if (vault.liveSeries().length >= MAX_LIVE) return;
        uint256 unit = vault.STRIKE_UNIT();
        uint256 strike = (Math.mulDiv(price, _bound(strikeBps, 8_000, 12_000), BPS) / 1e18) * 1e18;
        uint256 cap = isCall ? ((strike / 2) / unit) * unit : 0;
        uint256 expiry = block.timestamp + _bound(lifeSeconds, 1 hours, 30 days);
        (bool ok, bytes memory err) = _listSeries(strike, cap, expiry, isCall);
        _record(Action.ListSeries, ok, err);
    }

    // ---------------------------------------------------------------- vault and hedger calls (one place each)

    function _deposit(address actor, uint256 assets) internal returns (bool, uint256, bytes memory) {
        VM.prank(actor);
        try vault.deposit(assets, actor) returns (uint256 shares) {
            return (true, shares, "");
        } catch (bytes memory err) {
            return (false, 0, err);
        }
    }

    function _mint(address actor, uint256 shares) internal returns (bool, uint256, bytes memory) {
        VM.prank(actor);
        try vault.mint(shares, actor) returns (uint256 assets) {
            return (true, assets, "");
        } catch (bytes memory err) {
            return (false, 0, err);
        }
    }

    function _withdraw(address actor, uint256 assets) internal returns (bool, uint256, bytes memory) {
        VM.prank(actor);
        try vault.withdraw(assets, actor, actor) returns (uint256 shares) {
            return (true, shares, "");
        } catch (bytes memory err) {
            return (false, 0, err);
        }
    }

    function _redeem(address actor, uint256 shares) internal returns (bool, uint256, bytes memory) {
        VM.prank(actor);
        try vault.redeem(shares, actor, actor) returns (uint256 assets) {
            return (true, assets, "");
        } catch (bytes memory err) {
            return (false, 0, err);
        }
    }

    function _buy(address actor, uint256 id, uint256 amount) internal returns (bool, uint256, bytes memory) {
        VM.prank(actor);
        try vault.buyOption(id, amount, type(uint256).max, actor) returns (uint256 premium) {
            return (true, premium, "");
        } catch (bytes memory err) {
            return (false, 0, err);
        }
    }

    function _sell(address actor, uint256 id, uint256 amount) internal returns (bool, uint256, bytes memory) {
        VM.prank(actor);
        try vault.sellOption(id, amount, 0, actor) returns (uint256 premium) {
            return (true, premium, "");
        } catch (bytes memory err) {
            return (false, 0, err);
        }
    }

    function _settle(uint256 id, uint80 roundId) internal returns (bool, bytes memory) {
        try vault.settle(id, roundId) {
            return (true, "");
        } catch (bytes memory err) {
            return (false, err);
        }
    }

    function _redeemOptions(
        address actor,
        uint256 id,
        uint256 amount
    ) internal returns (bool, uint256, bytes memory) {
        VM.prank(actor);
        try vault.redeemOption(id, amount, actor) returns (uint256 payout) {
            return (true, payout, "");
        } catch (bytes memory err) {
            return (false, 0, err);
        }
    }

    function _requestDeposit(address actor, uint256 assets) internal returns (bool, bytes memory) {
        VM.prank(actor);
        try queue.requestDeposit(assets, actor, actor) {
            return (true, "");
        } catch (bytes memory err) {
            return (false, err);
        }
    }

    function _requestRedeem(address actor, uint256 shares) internal returns (bool, bytes memory) {
        VM.prank(actor);
        try queue.requestRedeem(shares, actor, actor) {
            return (true, "");
        } catch (bytes memory err) {
            return (false, err);
        }
    }

    function _fulfilRequest(
        address controller,
        uint80 roundId,
        bool isDeposit
    ) internal returns (bool, uint256, bytes memory) {
        VM.prank(keeper);
        if (isDeposit) {
            try queue.fulfilDeposit(controller, roundId, 0) returns (uint256 shares) {
                return (true, shares, "");
            } catch (bytes memory err) {
                return (false, 0, err);
            }
        }
        try queue.fulfilRedeem(controller, roundId, 0) returns (uint256 assets) {
            return (true, assets, "");
        } catch (bytes memory err) {
            return (false, 0, err);
        }
    }

    function _setVol(uint256 vol) internal returns (bool, bytes memory) {
        VM.prank(manager);
        try vault.setImpliedVol(vol) {
            return (true, "");
        } catch (bytes memory err) {
            return (false, err);
        }
    }

    function _listSeries(
        uint256 strike,
        uint256 cap,
        uint256 expiry,
        bool isCall
    ) internal returns (bool, bytes memory) {
        VM.prank(manager);
        try vault.listSeries(strike, cap, expiry, isCall) {
            return (true, "");
        } catch (bytes memory err) {
            return (false, err);
        }
    }

    function _setPaused(bool paused) internal returns (bool, bytes memory) {
        VM.prank(guardian);
        if (paused) {
            try vault.pause() {
                return (true, "");
            } catch (bytes memory err) {
                return (false, err);
            }
        }
        try vault.unpause() {
            return (true, "");
        } catch (bytes memory err) {
            return (false, err);
        }
    }

    function _observe() internal returns (bool, bytes memory) {
        try hedger.observe() {
            return (true, "");
        } catch (bytes memory err) {
            return (false, err);
        }
    }

    function _rebalance() internal returns (bool, bytes memory) {
        VM.prank(keeper);
        try hedger.rebalance() {
            return (true, "");
        } catch (bytes memory err) {
            return (false, err);
        }
    }

    // ---------------------------------------------------------------- internal: checks

    function _checkExit(bool ok, bytes memory err, string memory what) internal {
        if (ok) {
            if (vault.paused()) exitsWhilePaused += 1;
            return;
        }
        if (bytes(exitViolation).length != 0) return;
        // Share conversions wait while an expired series is unsettled (anyone can settle it first).
        bool pending = _seriesToSettle(0) != 0;
        if (pending && err.length >= 4 && bytes4(err) == IDeltaVault.SettlementPending.selector) return;
        exitViolation = string.concat(
            what,
            " reverted",
            vault.paused() ? " (paused): " : ": ",
            VM.toString(err)
        );
    }

    function _entryWhilePaused(string memory what) internal {
        if (vault.paused() && bytes(pauseViolation).length == 0) {
            pauseViolation = string.concat(what, " succeeded while paused");
        }
    }

    /// @dev The value of one share (nav over supply with the virtual shares) must not fall by more than
    ///      SHARE_VALUE_DUST over the whole supply: (navAfter + dust) / supplyAfter >= navBefore / supplyBefore.
    function _checkShareValue(ShareMark memory before, string memory what) internal {
        if (before.supply == 0) return;
        ShareMark memory after_ = _mark();
        if (
            (after_.nav + SHARE_VALUE_DUST) * before.supply < before.nav * after_.supply &&
            bytes(shareValueViolation).length == 0
        ) {
            shareValueViolation = string.concat(
                what,
                ": nav/supply ",
                VM.toString(before.nav),
                "/",
                VM.toString(before.supply),
                " -> ",
                VM.toString(after_.nav),
                "/",
                VM.toString(after_.supply)
            );
        }
    }

    function _mark() internal view returns (ShareMark memory) {
        return ShareMark(vault.totalAssets() + 1, vault.totalSupply() + VIRTUAL_SHARES);
    }

    function _record(Action action, bool ok, bytes memory err) internal {
        calls[uint256(action)] += 1;
        if (ok) {
            successes[uint256(action)] += 1;
            return;
        }
        bytes4 selector = err.length >= 4 ? bytes4(err) : bytes4(0);
        if (revertCount[selector] == 0) revertSelectors.push(selector);
        revertCount[selector] += 1;
    }

    // ---------------------------------------------------------------- internal: helpers

    function _pushPrice() internal {
        feed.pushAnswer(int256(price / 1e10));
        roundUpdatedAt.push(block.timestamp);
    }

    /// @dev The first round updated at or after `time` whose predecessor exists (the vault and the queue verify
    ///      both): a settlement round for an expiry, a fulfilment round for a request's due time.
    function _firstRoundAt(uint256 time) internal view returns (bool, uint80) {
        uint256 n = roundUpdatedAt.length;
        for (uint256 i = 1; i < n; ++i) {
            if (roundUpdatedAt[i] >= time) {
                if (roundUpdatedAt[i - 1] >= time) return (false, 0);
                return (true, uint80((uint256(1) << 64) | (i + 1)));
            }
        }
        return (false, 0);
    }

    /// @dev The payoff of one option at `settlement`, written out from the series' terms.
    function _payoff(IDeltaVault.Series memory s, uint256 settlement) internal pure returns (uint256) {
        if (s.isCall) return settlement > s.strike ? Math.min(settlement - s.strike, s.cap) : 0;
        return settlement < s.strike ? s.strike - settlement : 0;
    }

    function _actor(uint256 seed) internal view returns (address) {
        return actors[seed % actors.length];
    }

    /// @dev The first actor from `seed` on who holds options of `id` (the seed's actor when none does).
    function _holder(uint256 seed, uint256 id) internal view returns (address) {
        uint256 n = actors.length;
        for (uint256 i; i < n; ++i) {
            address actor = actors[((seed % n) + i) % n];
            if (optionToken.balanceOf(actor, id) != 0) return actor;
        }
        return actors[seed % n];
    }

    /// @dev The first actor from `seed` on with a pending deposit (`isDeposit`) or redeem request (0 when none).
    function _requester(uint256 seed, bool isDeposit) internal view returns (address) {
        uint256 n = actors.length;
        for (uint256 i; i < n; ++i) {
            address actor = actors[((seed % n) + i) % n];
            if (queue.dueAt(actor, isDeposit) != 0) return actor;
        }
        return address(0);
    }

    /// @dev A listed series id (0 when none is listed).
    function _series(uint256 seed) internal view returns (uint256) {
        uint256 count = vault.seriesCount();
        return count == 0 ? 0 : 1 + (seed % count);
    }

    /// @dev The first expired, unsettled series from `seed` on (0 when none).
    function _seriesToSettle(uint256 seed) internal view returns (uint256) {
        uint256 count = vault.seriesCount();
        for (uint256 i; i < count; ++i) {
            uint256 id = 1 + (((seed % count) + i) % count);
            IDeltaVault.Series memory s = vault.series(id);
            if (!s.settled && block.timestamp >= s.expiry) return id;
        }
        return 0;
    }

    /// @dev The first settled series from `seed` on whose options someone still holds (0 when none).
    function _settledSeries(uint256 seed) internal view returns (uint256) {
        uint256 count = vault.seriesCount();
        for (uint256 i; i < count; ++i) {
            uint256 id = 1 + (((seed % count) + i) % count);
            IDeltaVault.Series memory s = vault.series(id);
            if (s.settled && s.outstanding != 0) return id;
        }
        return 0;
    }

    function _bound(uint256 x, uint256 min, uint256 max) internal pure returns (uint256) {
        if (max <= min) return min;
        return min + (x % (max - min + 1));
    }

    // ---------------------------------------------------------------- views for the invariants and the report

    function actorCount() external view returns (uint256) {
        return actors.length;
    }

    function roundCount() external view returns (uint256) {
        return roundUpdatedAt.length;
    }

    function revertSelectorCount() external view returns (uint256) {
        return revertSelectors.length;
    }
}
