// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {IERC1155} from "@openzeppelin/contracts/token/ERC1155/IERC1155.sol";
import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";

import {AggregatorV3Interface} from "@deltavault/interfaces/AggregatorV3Interface.sol";
import {IDeltaHedger} from "@deltavault/interfaces/IDeltaHedger.sol";
import {IDeltaVault} from "@deltavault/interfaces/IDeltaVault.sol";
import {IGreeksEngine} from "@deltavault/interfaces/IGreeksEngine.sol";
import {IRequestQueue} from "@deltavault/interfaces/IRequestQueue.sol";

import {DeltaHedger} from "contracts/DeltaHedger.sol";
import {DeltaVault} from "contracts/DeltaVault.sol";
import {DeltaVaultExtension} from "contracts/DeltaVaultExtension.sol";
import {GreeksEngine} from "contracts/GreeksEngine.sol";
import {UniswapV3PoolAdapter} from "contracts/adapters/UniswapV3PoolAdapter.sol";
import {TestAggregator} from "contracts/test/TestAggregator.sol";
import {TestERC20} from "contracts/test/TestERC20.sol";

import {InvariantTest, VM} from "../utils/Vm.sol";
import {PoolMaker} from "../utils/PoolMaker.sol";
import {VaultHandler} from "./VaultHandler.sol";

/// @title VaultInvariants
/// @notice Stateful invariant fuzzing of the real vault system: DeltaVault, DeltaHedger, UniswapV3PoolAdapter on
///         the real Uniswap V3 factory and pool (npm artifacts), OpenZeppelin ERC-20 tokens and the test
///         aggregator, driven by `VaultHandler` with four actors. After every call forge runs `invariant_vault`,
///         which checks each named property below and reverts with the name of the first that fails.
/// @dev One invariant entry point on purpose: forge runs a separate campaign for every `invariant_*` function,
///      so nine of them would cost nine times the calls for the same coverage.
contract VaultInvariants is InvariantTest {
    uint256 internal constant WAD = 1e18;
    uint256 internal constant QUOTE_SCALE = 1e30;
    uint256 internal constant START_PRICE = 2000e18;
    /// @dev About 10 M quote and 5,000 base of full-range liquidity at 2000.
    uint128 internal constant POOL_LIQUIDITY = 2e17;

    DeltaVault internal vault;
    DeltaHedger internal hedger;
    UniswapV3PoolAdapter internal adapter;
    GreeksEngine internal engine;
    TestERC20 internal quote;
    TestERC20 internal base;
    TestAggregator internal feed;
    PoolMaker internal maker;
    VaultHandler internal handler;
    string internal reportPath;

    function setUp() public {
        address owner = VM.addr(0xA11CE);
        address manager = VM.addr(0xB0B);
        address guardian = VM.addr(0xC0DE);
        address keeper = VM.addr(0xD00D);
        address[] memory actors = new address[](4);
        for (uint256 i; i < actors.length; ++i) {
            actors[i] = VM.addr(0x1000 + i);
        }
        VM.warp(1_700_000_000);
        VM.roll(1_000_000);

        quote = new TestERC20("USD Coin", "USDC", 6);
        base = new TestERC20("Wrapped Ether", "WETH", 18);
        feed = new TestAggregator(8, "ETH / USD");
        feed.pushAnswer(int256(START_PRICE / 1e10));
        engine = new GreeksEngine();
        vault = new DeltaVault(
            quote,
            base,
            new DeltaVaultExtension(quote, base, engine),
            "DeltaVault USDC/WETH",
            "dvUSDC",
            IDeltaVault.OracleConfig({
                priceFeed: AggregatorV3Interface(address(feed)),
                priceMaxAge: 3600,
                volFeed: AggregatorV3Interface(address(0)),
                volMaxAge: 0,
                sequencerFeed: AggregatorV3Interface(address(0)),
                sequencerGracePeriod: 0
            }),
            // deltavault.policy.VaultPolicy's defaults.
            IDeltaVault.Policy({
                entryFeeBps: 50,
                exitFeeBps: 50,
                baseSpreadBps: 100,
                exposureSpreadBps: 500,
                minPremiumBps: 10,
                priceMarkBps: 50,
                volMarkBand: 0.05e18,
                gammaLimit: 1e30,
                vegaLimit: 1e30,
                jumpMarkBps: 2_000,
                tradingCutoff: 3_600,
                requestDelay: 300
            }),
            0.8e18,
            owner,
            manager,
            guardian
        );
        maker = new PoolMaker(base, quote, START_PRICE);
        maker.addLiquidity(POOL_LIQUIDITY);
        adapter = new UniswapV3PoolAdapter(maker.pool(), address(base));
        hedger = new DeltaHedger(vault, adapter, _hedgePolicy());
        VM.prank(owner);
        vault.setHedger(address(hedger));

        // Three series to start with: an at-the-money call spread and put, an out-of-the-money call spread.
        VM.prank(manager);
        vault.listSeries(2000e18, 1000e18, block.timestamp + 7 days, true);
        VM.prank(manager);
        vault.listSeries(2000e18, 0, block.timestamp + 14 days, false);
        VM.prank(manager);
        vault.listSeries(2200e18, 1000e18, block.timestamp + 2 days, true);

        handler = new VaultHandler(vault, hedger, feed, maker, manager, guardian, keeper, actors);
        feed.transferOwnership(address(handler));
        // A first depositor so that every sequence starts with a funded vault.
        handler.deposit(0, 500_000e6);

        _targetContracts.push(address(handler));
        bytes4[] memory selectors = new bytes4[](24);
        selectors[0] = VaultHandler.deposit.selector;
        selectors[1] = VaultHandler.mint.selector;
        selectors[2] = VaultHandler.withdraw.selector;
        selectors[3] = VaultHandler.redeem.selector;
        selectors[4] = VaultHandler.buy.selector;
        selectors[5] = VaultHandler.sellBack.selector;
        selectors[6] = VaultHandler.settle.selector;
        selectors[7] = VaultHandler.redeemOptions.selector;
        selectors[8] = VaultHandler.movePrice.selector;
        selectors[9] = VaultHandler.movePool.selector;
        selectors[10] = VaultHandler.setVol.selector;
        selectors[11] = VaultHandler.warp.selector;
        selectors[12] = VaultHandler.observe.selector;
        selectors[13] = VaultHandler.rebalance.selector;
        selectors[14] = VaultHandler.donateQuote.selector;
        selectors[15] = VaultHandler.donateBase.selector;
        selectors[16] = VaultHandler.setPaused.selector;
        selectors[17] = VaultHandler.listSeries.selector;
        selectors[18] = VaultHandler.roundTripShares.selector;
        selectors[19] = VaultHandler.roundTripOption.selector;
        selectors[20] = VaultHandler.requestDeposit.selector;
        selectors[21] = VaultHandler.requestRedeem.selector;
        selectors[22] = VaultHandler.fulfilDeposit.selector;
        selectors[23] = VaultHandler.fulfilRedeem.selector;
        _targetSelectors.push(FuzzSelector(address(handler), selectors));

        reportPath = VM.envOr("DELTAVAULT_FUZZ_REPORT", string(""));
    }

    // ---------------------------------------------------------------- the invariant forge checks

    function invariant_vault() public view {
        assertSolvent();
        assertReserveAccounting();
        assertSettledOptionsPayTheirPayoff();
        assertNoProfitableRoundTrip();
        assertShareValueNotDiluted();
        assertRebalancesWithinLimits();
        assertNavIdentity();
        assertQueueHoldsRequests();
        assertExitsAlwaysWork();
        assertNothingStranded();
    }

    // ---------------------------------------------------------------- named properties

    /// @notice Solvency: the quote held covers every reserve (the maximum payoff of every outstanding option and
    ///         every settled payout not yet redeemed). Must hold because option holders are paid from the quote
    ///         balance alone: base held never counts, and the hedge only ever spends free quote.
    function assertSolvent() public view {
        uint256 held = quote.balanceOf(address(vault));
        uint256 reserved = vault.reservedAssets();
        _require(held >= reserved, "solvency: quote held", held, "< reserved", reserved);
    }

    /// @notice The reserve the vault reports is its parts recomputed here: for each live series
    ///         ceil(outstanding x max payoff), for each settled one ceil(outstanding x payoff). Must hold or the
    ///         solvency check above would compare against a wrong figure.
    function assertReserveAccounting() public view {
        (uint256 live, uint256 owed) = _reserves();
        uint256 reported = vault.reservedAssets();
        _require(reported == live + owed, "reserve: reported", reported, "!= recomputed", live + owed);
    }

    /// @notice Every settled series pays exactly its payoff, whatever happened before: the payoff recorded at
    ///         settlement is the one computed from the settlement round, every redemption paid exactly
    ///         amount x payoff (checked by the handler), and what the holders can still claim is covered.
    function assertSettledOptionsPayTheirPayoff() public view {
        _requireNone(handler.payoffViolation(), "settled payoff");
        IERC1155 token = IERC1155(vault.optionToken());
        uint256 claims;
        uint256 count = vault.seriesCount();
        for (uint256 id = 1; id <= count; ++id) {
            IDeltaVault.Series memory s = vault.series(id);
            if (!s.settled) continue;
            _require(
                s.payoffPerOption == handler.expectedPayoff(id),
                "settled payoff: recorded",
                s.payoffPerOption,
                "!= expected",
                handler.expectedPayoff(id)
            );
            for (uint256 i; i < handler.actorCount(); ++i) {
                claims += Math.mulDiv(token.balanceOf(handler.actors(i), id), s.payoffPerOption, QUOTE_SCALE);
            }
        }
        uint256 held = quote.balanceOf(address(vault));
        _require(claims <= held, "settled payoff: claims", claims, "> quote held", held);
    }

    /// @notice No round trip pays: deposit then redeem every share, or buy then sell back, in one block, never
    ///         returns more than was put in. Must hold or anyone could drain the vault by repeating it (fees,
    ///         spreads and rounding all favour the vault).
    function assertNoProfitableRoundTrip() public view {
        _requireNone(handler.roundTripViolation(), "round trip");
    }

    /// @notice One actor's deposit, mint, withdrawal, redemption or option trade never lowers the value of a
    ///         share (nav over supply) by more than rounding dust. Must hold or one holder's entry or exit would
    ///         transfer value from the others.
    function assertShareValueNotDiluted() public view {
        _requireNone(handler.shareValueViolation(), "share value");
    }

    /// @notice After every successful rebalance, measured from balances: |D - T| shrank, the base traded stays
    ///         within the hedge cap, the loss against the oracle in the window stays within the budget and the
    ///         bounty within its cap. These are the hedger's protections against sandwiching, drain by
    ///         repetition and bounty farming.
    function assertRebalancesWithinLimits() public view {
        _requireNone(handler.rebalanceViolation(), "rebalance");
    }

    /// @notice NAV identity: totalAssets equals quote held + base at the oracle price (rounded down) - the value
    ///         of the live book, valued here one series at a time (rounded up) - settled payouts owed. Must hold
    ///         or share conversions would be priced off a figure that is not the vault's net assets.
    function assertNavIdentity() public view {
        uint256 spot = vault.spotPrice();
        uint256 vol = vault.impliedVol();
        uint256 liabilityWad;
        uint256[] memory live = vault.liveSeries();
        IGreeksEngine.Position[] memory one = new IGreeksEngine.Position[](1);
        for (uint256 i; i < live.length; ++i) {
            IDeltaVault.Series memory s = vault.series(live[i]);
            if (s.outstanding == 0) continue;
            one[0] = IGreeksEngine.Position(s.strike, s.cap, s.expiry, s.outstanding);
            (uint256 value, , , ) = engine.book(one, spot, vol, true);
            liabilityWad += value;
        }
        (, uint256 owed) = _reserves();
        uint256 assets = quote.balanceOf(address(vault)) +
            Math.mulDiv(base.balanceOf(address(vault)), spot, QUOTE_SCALE);
        uint256 debts = Math.mulDiv(liabilityWad, WAD, QUOTE_SCALE, Math.Rounding.Ceil) + owed;
        uint256 expected = assets > debts ? assets - debts : 0;
        uint256 reported = vault.totalAssets();
        _require(reported == expected, "nav identity: totalAssets", reported, "!= recomputed", expected);
    }

    /// @notice The request queue holds exactly what its pending requests are owed: the quote of every pending
    ///         deposit and the shares of every pending redemption, summed over the actors, equal its totals and its
    ///         balances (nobody donates to it here). Every due request lands at its round unless the vault is
    ///         paused (deposits), waiting for a settlement, or short of free quote (redemptions), and delivers
    ///         what it reports. Must hold so that a request can neither be lost nor stuck, nor fund anyone else.
    function assertQueueHoldsRequests() public view {
        _requireNone(handler.requestViolation(), "requests");
        IRequestQueue queue = handler.queue();
        uint256 assets;
        uint256 shares;
        for (uint256 i; i < handler.actorCount(); ++i) {
            assets += queue.pendingDepositRequest(0, handler.actors(i));
            shares += queue.pendingRedeemRequest(0, handler.actors(i));
        }
        _require(
            assets == queue.totalPendingAssets(),
            "queue: pending assets",
            assets,
            "!= total",
            queue.totalPendingAssets()
        );
        _require(
            shares == queue.totalPendingShares(),
            "queue: pending shares",
            shares,
            "!= total",
            queue.totalPendingShares()
        );
        uint256 held = quote.balanceOf(address(queue));
        _require(held == assets, "queue: quote held", held, "!= pending assets", assets);
        held = vault.balanceOf(address(queue));
        _require(held == shares, "queue: shares held", held, "!= pending shares", shares);
    }

    /// @notice Exits always work, paused or not: withdrawals and redemptions within maxWithdraw / maxRedeem,
    ///         sales back of unexpired options, settlement at the settlement round and redemption of settled
    ///         options never revert; entries (deposit, mint, buy) never succeed while paused. Must hold so that
    ///         a pause protects depositors instead of locking them in.
    function assertExitsAlwaysWork() public view {
        _requireNone(handler.exitViolation(), "exits");
        _requireNone(handler.pauseViolation(), "pause");
    }

    /// @notice Nothing is stranded: the adapter and the hedger hold no quote or base and the vault grants them
    ///         no allowance. Must hold because the hedge draws its input during the swap only; anything left
    ///         behind would belong to nobody.
    function assertNothingStranded() public view {
        address[3] memory holders = [address(adapter), address(hedger), address(maker.pool())];
        for (uint256 i; i < 2; ++i) {
            _require(
                quote.balanceOf(holders[i]) == 0,
                "stranded: quote in",
                uint160(holders[i]),
                "amount",
                quote.balanceOf(holders[i])
            );
            _require(
                base.balanceOf(holders[i]) == 0,
                "stranded: base in",
                uint160(holders[i]),
                "amount",
                base.balanceOf(holders[i])
            );
        }
        for (uint256 i; i < holders.length; ++i) {
            uint256 a = quote.allowance(address(vault), holders[i]) +
                base.allowance(address(vault), holders[i]);
            _require(a == 0, "stranded: vault allowance to", uint160(holders[i]), "amount", a);
        }
    }

    // ---------------------------------------------------------------- run report

    /// @notice After each run: one line of the run's action counts and revert selectors, appended to
    ///         $DELTAVAULT_FUZZ_REPORT when set (`make fuzz` summarises them with tools/fuzz_report.py).
    function afterInvariant() public {
        if (bytes(reportPath).length == 0) return;
        string memory line = "calls";
        for (uint256 i; i < handler.ACTIONS(); ++i) {
            line = string.concat(
                line,
                " ",
                VM.toString(handler.calls(i)),
                "/",
                VM.toString(handler.successes(i))
            );
        }
        line = string.concat(line, " reverts");
        for (uint256 i; i < handler.revertSelectorCount(); ++i) {
            bytes4 selector = handler.revertSelectors(i);
            line = string.concat(
                line,
                " ",
                VM.toString(abi.encodePacked(selector)),
                ":",
                VM.toString(handler.revertCount(selector))
            );
        }
        line = string.concat(
            line,
            " rebalances ",
            VM.toString(handler.rebalances()),
            " pausedExits ",
            VM.toString(handler.exitsWhilePaused()),
            " fulfilments ",
            VM.toString(handler.fulfilments())
        );
        VM.writeLine(reportPath, line);
    }

    // ---------------------------------------------------------------- helpers

    /// @dev Sum over live series of ceil(outstanding x max payoff) and over settled ones of
    ///      ceil(outstanding x payoff), quote units.
    function _reserves() internal view returns (uint256 live, uint256 owed) {
        uint256 count = vault.seriesCount();
        for (uint256 id = 1; id <= count; ++id) {
            IDeltaVault.Series memory s = vault.series(id);
            if (s.settled) {
                owed += Math.mulDiv(s.outstanding, s.payoffPerOption, QUOTE_SCALE, Math.Rounding.Ceil);
            } else {
                live += Math.mulDiv(
                    s.outstanding,
                    s.isCall ? s.cap : s.strike,
                    QUOTE_SCALE,
                    Math.Rounding.Ceil
                );
            }
        }
    }

    function _hedgePolicy() internal pure returns (IDeltaHedger.Policy memory) {
        // deltavault.policy.HedgePolicy's defaults.
        return
            IDeltaHedger.Policy({
                rules: 3,
                tradeToEdge: false,
                target: 0,
                band: 0.5e18,
                minBand: 0.05e18,
                hedgeCap: 50e18,
                minInterval: 60,
                maxInterval: 86400,
                maxPoolDeviationBps: 100,
                maxSlippageBps: 100,
                lossWindow: 86400,
                lossBudgetBps: 200,
                riskAversion: 0.05e18,
                rebalanceGas: 250_000,
                bountyMultiplierBps: 12_000,
                bountyCap: 20e6,
                referenceVol: 0.8e18,
                ewmaAlpha: 0.1e18,
                observationSpacing: 300
            });
    }

    function _require(
        bool ok,
        string memory what,
        uint256 a,
        string memory relation,
        uint256 b
    ) internal pure {
        if (!ok) revert(string.concat(what, " ", VM.toString(a), " ", relation, " ", VM.toString(b)));
    }

    function _requireNone(string memory violation, string memory what) internal pure {
        if (bytes(violation).length != 0) revert(string.concat(what, ": ", violation));
    }
}
