// Option trades and their end of life: buy, sell back, settle an expired series, redeem settled options.
import { vaultAbi } from "../abi";
import { optionValue } from "../bs";
import { InputError, fmt, localTime, pct } from "../format";
import { BPS, type SeriesRow, WAD } from "../vault";
import { type Ctx, type Plan, approveIfNeeded, ceilDiv, preflight } from "./plan";

export const seriesName = (s: SeriesRow) =>
  `#${s.id} ${s.isCall ? "call" : "put"} ${fmt(s.strike, 18, 0)}${s.isCall ? ` (cap ${fmt(s.cap, 18, 0)})` : ""}`;

const opts = (x: bigint) => fmt(x, 18, 18).replace(/\.?0+$/, "");

function findSeries(ctx: Ctx, id: bigint): SeriesRow {
  const s = ctx.snap.series.find((x) => x.id === id);
  if (!s) throw new InputError(`Series #${id} does not exist.`);
  return s;
}

/** Fair value of `amount` options at the vault's own marks (Black-Scholes at the oracle spot and implied vol). */
function fairValue(ctx: Ctx, s: SeriesRow, amount: bigint): number | null {
  const { snap } = ctx;
  if (!snap.spot.ok || !snap.vol.ok) return null;
  const terms = {
    strike: Number(s.strike) / 1e18,
    cap: Number(s.cap) / 1e18,
    expiry: Number(s.expiry),
    isCall: s.isCall,
  };
  const per = optionValue(
    terms,
    Number(snap.spot.value) / 1e18,
    Number(snap.vol.value) / 1e18,
    Number(snap.timestamp),
  ).price;
  return per * (Number(amount) / 1e18);
}

export async function buyPlan(ctx: Ctx, id: bigint, amount: bigint, slippageBps: bigint): Promise<Plan> {
  const { st, snap, reader } = ctx;
  const q = (x: bigint) => `${fmt(x, st.quoteDecimals)} ${st.quoteSymbol}`;
  const s = findSeries(ctx, id);
  if (s.state !== "live")
    throw new InputError(`Series #${id} expired on ${localTime(s.expiry)}: it can no longer be bought.`);
  if (snap.paused) throw new InputError("The vault is paused: new options are not sold (sales back keep working).");
  const premium = await reader.vault<bigint>("quoteBuy", [id, amount]);
  const maxPremium = ceilDiv(premium * (BPS + slippageBps), BPS);
  const balance = snap.user?.quoteBalance ?? 0n;
  if (balance < maxPremium) {
    throw new InputError(
      `Insufficient ${st.quoteSymbol}: you hold ${q(balance)}; this purchase needs up to ${q(maxPremium)} (premium ${q(premium)} plus your ${slippageBps} bps slippage bound).`,
    );
  }
  const preview = [`You buy ${opts(amount)} options of series ${seriesName(s)} and pay ${q(premium)}`];
  const fair = fairValue(ctx, s, amount);
  if (fair !== null) {
    const spread = Number(premium) / 10 ** st.quoteDecimals - fair;
    preview.push(
      `Fair value at the vault's marks ${fair.toFixed(2)} ${st.quoteSymbol}; you pay ${spread.toFixed(2)} ${st.quoteSymbol} over it: the base spread (${snap.policy.baseSpreadBps} bps), the price and volatility move of one oracle update (${snap.policy.priceMarkBps} bps, ${pct(snap.policy.volMarkBand)}) the trade is marked against, and the minimum-premium floor`,
    );
  }
  const perOption = (premium * WAD) / amount; // quote units per option
  const perOptionWad = perOption * 10n ** BigInt(18 - st.quoteDecimals);
  const breakeven = s.isCall ? s.strike + perOptionWad : s.strike - perOptionWad;
  preview.push(
    `Breakeven at expiry: ${fmt(breakeven, 18, 2)} ${st.quoteSymbol} per ${st.baseSymbol}; largest payoff ${q(((s.isCall ? s.cap : s.strike) * amount) / WAD / 10n ** BigInt(18 - st.quoteDecimals))}`,
    `Slippage bound ${slippageBps} bps: you pay at most ${q(maxPremium)}`,
  );
  const steps = [
    ...approveIfNeeded(ctx, maxPremium),
    {
      label: `Buy ${opts(amount)} options for at most ${q(maxPremium)}`,
      address: st.vault,
      abi: vaultAbi,
      functionName: "buyOption",
      args: [id, amount, maxPremium, ctx.account],
    },
  ];
  // The vault's own checks (limits, solvency, the short hedge's capacity) speak before the wallet is asked.
  await preflight(ctx, steps);
  return { title: `Buy ${opts(amount)} × ${seriesName(s)}`, preview, steps };
}

export async function sellPlan(ctx: Ctx, id: bigint, amount: bigint, slippageBps: bigint): Promise<Plan> {
  const { st, snap, reader } = ctx;
  const q = (x: bigint) => `${fmt(x, st.quoteDecimals)} ${st.quoteSymbol}`;
  const s = findSeries(ctx, id);
  if (s.state !== "live")
    throw new InputError(`Series #${id} expired on ${localTime(s.expiry)}: settle it and redeem instead.`);
  if (s.held < amount) throw new InputError(`You hold ${opts(s.held)} options of series #${id}, not ${opts(amount)}.`);
  const premium = await reader.vault<bigint>("quoteSell", [id, amount]);
  const minPremium = (premium * (BPS - slippageBps)) / BPS;
  const preview = [`You sell ${opts(amount)} options of series ${seriesName(s)} back and receive ${q(premium)}`];
  const fair = fairValue(ctx, s, amount);
  if (fair !== null) {
    const spread = fair - Number(premium) / 10 ** st.quoteDecimals;
    preview.push(
      `Fair value at the vault's marks ${fair.toFixed(2)} ${st.quoteSymbol}; you get ${spread.toFixed(2)} ${st.quoteSymbol} less: the base spread (${snap.policy.baseSpreadBps} bps) and the price and volatility move of one oracle update (${snap.policy.priceMarkBps} bps, ${pct(snap.policy.volMarkBand)}) the trade is marked against`,
    );
  }
  preview.push(`Slippage bound ${slippageBps} bps: you receive at least ${q(minPremium)}`);
  return {
    title: `Sell back ${opts(amount)} × ${seriesName(s)}`,
    preview,
    steps: [
      {
        label: `Sell ${opts(amount)} options for at least ${q(minPremium)}`,
        address: st.vault,
        abi: vaultAbi,
        functionName: "sellOption",
        args: [id, amount, minPremium, ctx.account],
      },
    ],
  };
}

export async function settlePlan(ctx: Ctx, id: bigint): Promise<Plan> {
  const s = findSeries(ctx, id);
  if (s.state === "settled") throw new InputError(`Series #${id} is already settled.`);
  if (s.state === "live")
    throw new InputError(`Series #${id} expires on ${localTime(s.expiry)}: it cannot be settled before.`);
  const round = await ctx.reader.settlementRound(ctx.st, s.expiry);
  return {
    title: `Settle series ${seriesName(s)}`,
    preview: [
      `Records the settlement price from the first oracle round after expiry (round ${round}); anyone may do this.`,
    ],
    steps: [
      {
        label: `Settle series #${id}`,
        address: ctx.st.vault,
        abi: vaultAbi,
        functionName: "settle",
        args: [id, round],
      },
    ],
  };
}

export function payout(ctx: Ctx, s: SeriesRow, amount: bigint): bigint {
  return (amount * s.payoffPerOption) / WAD / 10n ** BigInt(18 - ctx.st.quoteDecimals);
}

export async function redeemPlan(ctx: Ctx, id: bigint): Promise<Plan> {
  const { st } = ctx;
  const s = findSeries(ctx, id);
  if (s.state !== "settled") throw new InputError(`Series #${id} is not settled yet: settle it first.`);
  if (s.held === 0n) throw new InputError(`You hold no options of series #${id}.`);
  const paid = payout(ctx, s, s.held);
  const q = (x: bigint) => `${fmt(x, st.quoteDecimals)} ${st.quoteSymbol}`;
  return {
    title: `Redeem ${opts(s.held)} options of series #${id}`,
    preview: [
      `You redeem ${opts(s.held)} options at ${fmt(s.payoffPerOption, 18, 2)} ${st.quoteSymbol} each and receive ${q(paid)}`,
    ],
    steps: [
      {
        label: `Redeem ${opts(s.held)} options for ${q(paid)}`,
        address: st.vault,
        abi: vaultAbi,
        functionName: "redeemOption",
        args: [id, s.held, ctx.account],
      },
    ],
  };
}
