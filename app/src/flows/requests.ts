// The vault's request queue (ERC-7540 style): a request moves quote (deposit) or shares (redeem) into the queue
// now; it is due `requestDelay` seconds later, and anyone may then fulfil it at the first oracle price round at or
// after the due time. Priced at the worse for the owner of those due marks and the live marks, with no jump band.
import { queueAbi } from "../abi";
import { InputError, fmt, localTime, relative } from "../format";
import { BPS } from "../vault";
import { type Ctx, type Plan, approveIfNeeded } from "./plan";

const VIRTUAL_SHARES = 10n ** 6n;

function dueLine(ctx: Ctx): string {
  const delay = ctx.snap.policy.requestDelay;
  const due = ctx.snap.timestamp + BigInt(delay);
  return `Due ${localTime(due)} (${Math.round(delay / 60)} min from now); then anyone may fulfil it at the first oracle price at or after that time, you too, from this page`;
}

const NO_CANCEL =
  "A request cannot be cancelled (that would be a free option on the due price); a new request adds to the pending one and restarts its delay";

export async function requestDepositPlan(ctx: Ctx, assets: bigint): Promise<Plan> {
  const { st, snap } = ctx;
  const q = (x: bigint) => `${fmt(x, st.quoteDecimals)} ${st.quoteSymbol}`;
  const user = snap.user!;
  if (user.quoteBalance < assets) {
    throw new InputError(`Insufficient ${st.quoteSymbol}: you hold ${q(user.quoteBalance)}, ${q(assets)} needed.`);
  }
  const preview = [
    `You put ${q(assets)} in the vault's request queue now`,
    dueLine(ctx),
    `Priced at the worse for you of those due marks and the live marks, without the jump band; entry fee ${snap.policy.entryFeeBps} bps`,
    NO_CANCEL,
  ];
  if (user.depositRequest.amount > 0n) preview.push(`Adds to your pending request of ${q(user.depositRequest.amount)}`);
  if (snap.paused) preview.push("The vault is paused: the request can be fulfilled only once it is unpaused");
  return {
    title: `Request a deposit of ${q(assets)}`,
    preview,
    steps: [
      ...approveIfNeeded(ctx, assets, "queue"),
      {
        label: `Request a deposit of ${q(assets)}`,
        address: st.queue,
        abi: queueAbi,
        functionName: "requestDeposit",
        args: [assets, ctx.account, ctx.account],
      },
    ],
  };
}

export async function requestRedeemPlan(ctx: Ctx, assets: bigint | "all"): Promise<Plan> {
  const { st, snap, reader } = ctx;
  const q = (x: bigint) => `${fmt(x, st.quoteDecimals)} ${st.quoteSymbol}`;
  const sh = (x: bigint) => `${fmt(x, st.shareDecimals, 4)} shares`;
  const user = snap.user!;
  if (user.shares === 0n) throw new InputError("You hold no shares of this vault.");
  const shares = assets === "all" ? user.shares : await reader.vault<bigint>("previewWithdraw", [assets]);
  if (shares > user.shares) throw new InputError(`That needs ${sh(shares)}; you hold ${sh(user.shares)}.`);
  const preview = [`You put ${sh(shares)} in the vault's request queue now (no approval needed)`, dueLine(ctx)];
  if (snap.markedNav.ok) {
    const [nav] = snap.markedNav.value;
    const atNav = (shares * (nav + 1n)) / (snap.totalSupply + VIRTUAL_SHARES);
    const fee = (atNav * BigInt(snap.policy.exitFeeBps) + BPS - 1n) / BPS;
    preview.push(
      `At today's NAV they are worth ${q(atNav)}; less the exit fee (${snap.policy.exitFeeBps} bps) ≈ ${q(atNav - fee)}, at the worse of the due and live marks, without the jump band`,
    );
  }
  preview.push("Paid when fulfilled, within the vault's free liquidity at that time", NO_CANCEL);
  return {
    title: `Request a withdrawal of ${sh(shares)}`,
    preview,
    steps: [
      {
        label: `Request the redemption of ${sh(shares)}`,
        address: st.queue,
        abi: queueAbi,
        functionName: "requestRedeem",
        args: [shares, ctx.account, ctx.account],
        token: { decimals: st.shareDecimals, symbol: "shares" },
      },
    ],
  };
}

/** Fulfils the user's own due request (anyone may; here the user does it for themselves). */
export async function fulfilPlan(ctx: Ctx, kind: "deposit" | "redeem"): Promise<Plan> {
  const { st, snap } = ctx;
  const user = snap.user!;
  const r = kind === "deposit" ? user.depositRequest : user.redeemRequest;
  const what =
    kind === "deposit"
      ? `${fmt(r.amount, st.quoteDecimals)} ${st.quoteSymbol}`
      : `${fmt(r.amount, st.shareDecimals, 4)} shares`;
  if (r.amount === 0n) throw new InputError(`You have no pending ${kind} request.`);
  if (r.dueAt > snap.timestamp)
    throw new InputError(`Your ${kind} request is due ${relative(r.dueAt, snap.timestamp)}.`);
  const [priceRound, volRound] = await ctx.reader.fulfilRounds(st, r.dueAt);
  return {
    title: `Fulfil your ${kind} request (${what})`,
    preview: [
      `Prices your request at price round ${priceRound}${volRound ? ` and volatility round ${volRound}` : ""} (the first after its due time ${localTime(r.dueAt)}) against the live marks, the worse for you`,
      kind === "deposit" ? "The shares go to your account" : `The ${st.quoteSymbol} goes to your account`,
    ],
    steps: [
      {
        label: `Fulfil the ${kind} request of ${what}`,
        address: st.queue,
        abi: queueAbi,
        functionName: kind === "deposit" ? "fulfilDeposit" : "fulfilRedeem",
        args: [ctx.account, priceRound, volRound],
      },
    ],
  };
}
