// Everything the page shows, read from the chain in one pass (`snapshot`), each oracle-dependent read on its
// own so that a stale feed marks its figures unavailable instead of blanking the page.
import type { Abi, AbiEvent, Address, PublicClient } from "viem";
import { aggregatorAbi, borrowVenueAbi, erc20Abi, hedgerAbi, optionTokenAbi, queueAbi, vaultAbi } from "./abi";
import type { Deployment } from "./config";

export const WAD = 10n ** 18n;
export const BPS = 10_000n;
/** IDeltaHedger.Rule by index; the first four after "none" are also the policy's rule bits (1, 2, 4, 8). */
export const RULES = ["none", "threshold", "time", "volatility-adjusted", "cost-aware", "health"] as const;
/** IBorrowVenue.Status by index. */
export const VENUE_STATUS = ["active", "no liquidity", "oracle unavailable", "paused"] as const;
/** IDeltaHedger.Blocked by index: what keeps the short leg from acting. */
export const BLOCKED = [
  "none",
  "no liquidity",
  "venue oracle unavailable",
  "venue paused",
  "short cap reached",
  "health unfixable",
] as const;
const ZERO = /^0x0{40}$/i;
const LOG_WINDOW = 50_000n; // blocks searched for rebalances when the deployment block is unknown

export interface Series {
  id: bigint;
  strike: bigint;
  cap: bigint;
  expiry: bigint;
  isCall: boolean;
  settled: boolean;
  outstanding: bigint;
  payoffPerOption: bigint;
}

export interface VaultPolicy {
  entryFeeBps: number;
  exitFeeBps: number;
  baseSpreadBps: number;
  exposureSpreadBps: number;
  minPremiumBps: number;
  priceMarkBps: number;
  volMarkBand: bigint;
  gammaLimit: bigint;
  vegaLimit: bigint;
  jumpMarkBps: number;
  tradingCutoff: number;
  requestDelay: number;
}

export interface HedgerStatus {
  due: boolean;
  rule: number;
  delta: bigint;
  target: bigint;
  band: bigint;
  trade: bigint;
  nextAllowed: bigint;
  collateralIn: bigint; // quote units the health rule would post
  ltv: bigint; // WAD, 0 without debt
  blocked: number; // BLOCKED
}

/** The short leg (a vault with a borrow venue): the venue's position and health, the hedger's short policy. */
export interface ShortLeg {
  venue: Address;
  collateral: bigint; // quote units posted
  debt: bigint; // base units owed, interest accrued to this block (rounded up)
  lltv: bigint; // WAD
  /** ltv (WAD), health factor (WAD), liquidation price (WAD quote per base); reverts when the market's oracle does. */
  health: Maybe<readonly [bigint, bigint, bigint]>;
  status: number; // VENUE_STATUS
  liquidity: bigint; // base units the market can lend now
  policy: { targetLtv: bigint; maxLtv: bigint; maxBaseOwed: bigint }; // WAD; maxBaseOwed WAD of base
}

export interface RebalanceEvent {
  block: bigint;
  timestamp?: bigint;
  rule: number;
  deltaBefore: bigint;
  deltaAfter: bigint;
  amountIn: bigint;
  amountOut: bigint;
  price: bigint;
  bounty: bigint;
  tx: `0x${string}`;
}

export interface Static {
  vault: Address;
  hedger: Address;
  optionToken: Address;
  quote: Address;
  base: Address;
  priceFeed: Address;
  volFeed: Address;
  queue: Address;
  name: string;
  shareDecimals: number;
  quoteDecimals: number;
  quoteSymbol: string;
  baseSymbol: string;
  baseDecimals: number;
  minOptionAmount: bigint;
  fromBlock: bigint;
}

/** A read that may fail (stale oracle): the value, or the error that explains why it is missing. */
export type Maybe<T> = { ok: true; value: T } | { ok: false; error: unknown };

export interface SeriesRow extends Series {
  state: "live" | "expired" | "settled";
  bid: Maybe<bigint>; // quoteSell(size)
  ask: Maybe<bigint>; // quoteBuy(size)
  held: bigint;
  heldValue: Maybe<bigint>; // quoteSell(held)
}

export interface User {
  account: Address;
  shares: bigint;
  sharesValue: Maybe<bigint>; // previewRedeem(shares): what withdrawing them all would pay now
  maxWithdraw: Maybe<bigint>;
  maxRedeem: Maybe<bigint>;
  quoteBalance: bigint;
  allowance: bigint;
  queueAllowance: bigint;
  ethBalance: bigint;
  depositRequest: PendingRequest;
  redeemRequest: PendingRequest;
}

/** A pending ERC-7540 request of the request queue: assets (deposit) or shares (redeem), due at `dueAt`. */
export interface PendingRequest {
  amount: bigint;
  requestedAt: bigint;
  dueAt: bigint;
}

export interface Snapshot {
  block: bigint;
  timestamp: bigint;
  paused: boolean;
  totalSupply: bigint;
  freeAssets: bigint;
  reservedAssets: bigint;
  markedNav: Maybe<readonly [bigint, bigint]>;
  spot: Maybe<bigint>;
  vol: Maybe<bigint>;
  greeks: Maybe<readonly [bigint, bigint, bigint]>;
  baseHeld: bigint; // base units
  short: ShortLeg | null; // null: the vault has no borrow venue
  policy: VaultPolicy;
  hedgerStatus: Maybe<HedgerStatus>;
  hedgerRules: number;
  rebalances: RebalanceEvent[];
  series: SeriesRow[];
  size: bigint;
  user: User | null;
}

async function maybe<T>(promise: Promise<T>): Promise<Maybe<T>> {
  try {
    return { ok: true, value: await promise };
  } catch (error) {
    return { ok: false, error };
  }
}

type Round = readonly [bigint, bigint, bigint, bigint, bigint];

export class VaultReader {
  constructor(
    readonly client: PublicClient,
    readonly deployment: Deployment,
  ) {}

  private read<T>(address: Address, abi: Abi, functionName: string, args: readonly unknown[] = []): Promise<T> {
    return this.client.readContract({ address, abi, functionName, args }) as Promise<T>;
  }

  vault<T>(functionName: string, args: readonly unknown[] = []): Promise<T> {
    return this.read<T>(this.deployment.vault, vaultAbi, functionName, args);
  }

  async loadStatic(): Promise<Static> {
    const vault = this.deployment.vault;
    const code = await this.client.getCode({ address: vault });
    if (!code || code === "0x") {
      throw new Error(
        `no contract at ${vault} on chain ${this.deployment.chainId}: is the chain running, and is this its deployment?`,
      );
    }
    const [hedger, optionToken, quote, base, oracle, name, shareDecimals, minOptionAmount, queue] = await Promise.all([
      this.deployment.hedger ?? this.vault<Address>("hedger"),
      this.vault<Address>("optionToken"),
      this.vault<Address>("asset"),
      this.vault<Address>("baseAsset"),
      this.vault<{ priceFeed: Address; volFeed: Address }>("oracleConfig"),
      this.vault<string>("name"),
      this.vault<number>("decimals"),
      this.vault<bigint>("MIN_OPTION_AMOUNT"),
      this.vault<Address>("requestQueue"),
    ]);
    const [quoteDecimals, quoteSymbol, baseSymbol, baseDecimals, head] = await Promise.all([
      this.read<number>(quote, erc20Abi, "decimals"),
      this.read<string>(quote, erc20Abi, "symbol"),
      this.read<string>(base, erc20Abi, "symbol"),
      this.read<number>(base, erc20Abi, "decimals"),
      this.client.getBlockNumber(),
    ]);
    const fromBlock =
      this.deployment.block !== undefined ? BigInt(this.deployment.block) : head > LOG_WINDOW ? head - LOG_WINDOW : 0n;
    return {
      vault,
      hedger,
      optionToken,
      quote,
      base,
      priceFeed: oracle.priceFeed,
      volFeed: oracle.volFeed,
      queue,
      name,
      shareDecimals: Number(shareDecimals),
      quoteDecimals: Number(quoteDecimals),
      quoteSymbol,
      baseSymbol,
      baseDecimals: Number(baseDecimals),
      minOptionAmount,
      fromBlock,
    };
  }

  async snapshot(st: Static, account: Address | null, size: bigint): Promise<Snapshot> {
    const block = await this.client.getBlock();
    const blockNumber = block.number!;
    const opts = { blockNumber };
    const at = <T>(address: Address, abi: Abi, functionName: string, args: readonly unknown[] = []) =>
      this.client.readContract({ address, abi, functionName, args, ...opts }) as Promise<T>;
    const v = <T>(fn: string, args: readonly unknown[] = []) => at<T>(st.vault, vaultAbi, fn, args);
    const count = await v<bigint>("seriesCount");
    const ids = Array.from({ length: Number(count) }, (_, i) => BigInt(i + 1));
    const [paused, totalSupply, freeAssets, reservedAssets, markedNav, spot, vol, greeks, policy, baseHeld, venue] =
      await Promise.all([
        v<boolean>("paused"),
        v<bigint>("totalSupply"),
        v<bigint>("freeAssets"),
        v<bigint>("reservedAssets"),
        maybe(v<readonly [bigint, bigint]>("markedNav")),
        maybe(v<bigint>("spotPrice")),
        maybe(v<bigint>("impliedVol")),
        maybe(v<readonly [bigint, bigint, bigint]>("portfolioGreeks")),
        v<VaultPolicy>("policy"),
        at<bigint>(st.base, erc20Abi, "balanceOf", [st.vault]),
        v<Address>("borrowVenue"),
      ]);
    const [hedgerStatus, hedgerPolicy, rebalances, short] = await Promise.all([
      maybe(at<HedgerStatus>(st.hedger, hedgerAbi, "rebalanceStatus")),
      at<{ rules: number }>(st.hedger, hedgerAbi, "policy"),
      this.rebalances(st, blockNumber),
      ZERO.test(venue) ? null : this.shortLeg(st, venue, blockNumber),
    ]);
    const held: bigint[] = account
      ? await at<bigint[]>(st.optionToken, optionTokenAbi, "balanceOfBatch", [ids.map(() => account), ids])
      : ids.map(() => 0n);
    const series = await Promise.all(
      ids.map(async (id, i): Promise<SeriesRow> => {
        const s = await v<Omit<Series, "id">>("series", [id]);
        const state = s.settled ? "settled" : s.expiry <= block.timestamp ? "expired" : "live";
        const live = state === "live";
        const none: Maybe<bigint> = { ok: true, value: 0n };
        const [bid, ask, heldValue] = await Promise.all([
          live ? maybe(v<bigint>("quoteSell", [id, size])) : none,
          live ? maybe(v<bigint>("quoteBuy", [id, size])) : none,
          live && held[i] > 0n ? maybe(v<bigint>("quoteSell", [id, held[i]])) : none,
        ]);
        return { id, ...s, state, bid, ask, held: held[i], heldValue };
      }),
    );
    let user: User | null = null;
    if (account) {
      const shares = await v<bigint>("balanceOf", [account]);
      type Req = { amount: bigint; requestedAt: bigint };
      const q = <T>(fn: string, args: readonly unknown[]) => at<T>(st.queue, queueAbi, fn, args);
      const [sharesValue, maxWithdraw, maxRedeem, quoteBalance, allowance, queueAllowance, ethBalance] =
        await Promise.all([
          maybe(v<bigint>("previewRedeem", [shares])),
          maybe(v<bigint>("maxWithdraw", [account])),
          maybe(v<bigint>("maxRedeem", [account])),
          at<bigint>(st.quote, erc20Abi, "balanceOf", [account]),
          at<bigint>(st.quote, erc20Abi, "allowance", [account, st.vault]),
          at<bigint>(st.quote, erc20Abi, "allowance", [account, st.queue]),
          this.client.getBalance({ address: account, blockNumber }),
        ]);
      const [dep, red, depDue, redDue] = await Promise.all([
        q<Req>("depositRequest", [account]),
        q<Req>("redeemRequest", [account]),
        q<bigint>("dueAt", [account, true]),
        q<bigint>("dueAt", [account, false]),
      ]);
      const pending = (r: Req, dueAt: bigint): PendingRequest => ({
        amount: BigInt(r.amount),
        requestedAt: BigInt(r.requestedAt),
        dueAt,
      });
      user = {
        account,
        shares,
        sharesValue,
        maxWithdraw,
        maxRedeem,
        quoteBalance,
        allowance,
        queueAllowance,
        ethBalance,
        depositRequest: pending(dep, depDue),
        redeemRequest: pending(red, redDue),
      };
    }
    return {
      block: blockNumber,
      timestamp: block.timestamp,
      paused,
      totalSupply,
      freeAssets,
      reservedAssets,
      markedNav,
      spot,
      vol,
      greeks,
      baseHeld,
      short,
      policy,
      hedgerStatus,
      hedgerRules: Number(hedgerPolicy.rules),
      rebalances,
      series,
      size,
      user,
    };
  }

  /** The borrow venue's position, health and status, and the hedger's short policy, at `blockNumber`. */
  private async shortLeg(st: Static, venue: Address, blockNumber: bigint): Promise<ShortLeg> {
    const at = <T>(address: Address, abi: Abi, functionName: string) =>
      this.client.readContract({ address, abi, functionName, blockNumber }) as Promise<T>;
    const [position, lltv, health, status, liquidity, policy] = await Promise.all([
      at<readonly [bigint, bigint]>(venue, borrowVenueAbi, "position"),
      at<bigint>(venue, borrowVenueAbi, "lltv"),
      maybe(at<readonly [bigint, bigint, bigint]>(venue, borrowVenueAbi, "health")),
      at<number>(venue, borrowVenueAbi, "status"),
      at<bigint>(venue, borrowVenueAbi, "availableLiquidity"),
      at<ShortLeg["policy"]>(st.hedger, hedgerAbi, "shortPolicy"),
    ]);
    return {
      venue,
      collateral: position[0],
      debt: position[1],
      lltv,
      health,
      status: Number(status),
      liquidity,
      policy: {
        targetLtv: BigInt(policy.targetLtv),
        maxLtv: BigInt(policy.maxLtv),
        maxBaseOwed: BigInt(policy.maxBaseOwed),
      },
    };
  }

  /** The last rebalances (newest first), from the hedger's Rebalanced events. */
  async rebalances(st: Static, toBlock: bigint, last = 5): Promise<RebalanceEvent[]> {
    const event = hedgerAbi.find((x): x is AbiEvent => x.type === "event" && x.name === "Rebalanced")!;
    const logs = await this.client.getLogs({ address: st.hedger, event, fromBlock: st.fromBlock, toBlock });
    const rows = logs.slice(-last).reverse();
    const stamps = await Promise.all(
      rows.map((log) => this.client.getBlock({ blockNumber: log.blockNumber! }).then((b) => b.timestamp)),
    );
    return rows.map((log, i) => {
      const a = (log as unknown as { args: Record<string, bigint | number> }).args;
      return {
        block: log.blockNumber!,
        timestamp: stamps[i],
        rule: Number(a.rule),
        deltaBefore: BigInt(a.deltaBefore),
        deltaAfter: BigInt(a.deltaAfter),
        amountIn: BigInt(a.amountIn),
        amountOut: BigInt(a.amountOut),
        price: BigInt(a.price),
        bounty: BigInt(a.bounty),
        tx: log.transactionHash!,
      };
    });
  }

  /** The first round of the price feed updated at or after `expiry`, which `settle` needs. */
  async settlementRound(st: Static, expiry: bigint): Promise<bigint> {
    return (
      await this.firstRoundAtOrAfter(st.priceFeed, expiry, "settlement waits for the first price after expiry")
    )[0];
  }

  /** The rounds a due request is fulfilled with: the first price round at or after `due`, and the volatility round
   *  in effect when that price round was updated (0 for a vault with a manual volatility). */
  async fulfilRounds(st: Static, due: bigint): Promise<[bigint, bigint]> {
    const price = await this.firstRoundAtOrAfter(
      st.priceFeed,
      due,
      "the request is fulfilled at the first price after its due time",
    );
    if (/^0x0+$/.test(st.volFeed)) return [price[0], 0n];
    let vol = await this.read<Round>(st.volFeed, aggregatorAbi, "latestRoundData");
    for (let i = 0; i < 500 && vol[3] > price[3]; i++) {
      vol = await this.read<Round>(st.volFeed, aggregatorAbi, "getRoundData", [vol[0] - 1n]);
    }
    return [price[0], vol[0]];
  }

  private async firstRoundAtOrAfter(feed: Address, time: bigint, why: string): Promise<Round> {
    const latest = await this.read<Round>(feed, aggregatorAbi, "latestRoundData");
    if (latest[3] < time) {
      throw new Error(
        `The price feed has no update since ${new Date(Number(time) * 1000).toLocaleString()} yet (last one ${new Date(Number(latest[3]) * 1000).toLocaleString()}): ${why}.`,
      );
    }
    let round = latest;
    for (let i = 0; i < 500; i++) {
      let previous: Round;
      try {
        previous = await this.read<Round>(feed, aggregatorAbi, "getRoundData", [round[0] - 1n]);
      } catch {
        return round;
      }
      if (previous[3] < time) return round;
      round = previous;
    }
    throw new Error("no such round within the last 500 feed rounds");
  }
}
