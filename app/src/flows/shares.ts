// Entering and leaving the vault, as entry modes: the synchronous ERC-4626 entry points (deposit, withdraw,
// redeem; priced over the jump band) and the asynchronous requests of the vault's request queue (ERC-7540 style:
// due after the policy's delay, fulfilled by anyone at the first oracle round after that, no band). Everything
// that depends on how shares are issued and redeemed lives here and in requests.ts.
import { vaultAbi, overload } from "../abi";
import { InputError, fmt } from "../format";
import { BPS } from "../vault";
import { type Ctx, type Plan, approveIfNeeded, ceilDiv, refuseWhileSettlementPending } from "./plan";
import { requestDepositPlan, requestRedeemPlan } from "./requests";

const VIRTUAL_SHARES = 10n ** 6n; // the vault's decimals offset

export async function depositPlan(ctx: Ctx, assets: bigint): Promise<Plan> {
  const { st, snap, reader } = ctx;
  const q = (x: bigint) => `${fmt(x, st.quoteDecimals)} ${st.quoteSymbol}`;
  if (snap.paused) throw new InputError("The vault is paused: deposits are stopped (withdrawals keep working).");
  refuseWhileSettlementPending(ctx, "deposits");
  const balance = snap.user?.quoteBalance ?? 0n;
  if (balance < assets)
    throw new InputError(`Insufficient ${st.quoteSymbol}: you hold ${q(balance)}, ${q(assets)} needed.`);
  const shares = await reader.vault<bigint>("previewDeposit", [assets]);
  const feeBps = BigInt(snap.policy.entryFeeBps);
  const fee = ceilDiv(assets * feeBps, feeBps + BPS);
  const preview = [
    `You pay ${q(assets)}`,
    `Entry fee ${snap.policy.entryFeeBps} bps, kept by the vault for its depositors: ${q(fee)}`,
  ];
  if (snap.markedNav.ok) {
    const [nav, band] = snap.markedNav.value;
    const atNav = (shares * (nav + 1n)) / (snap.totalSupply + VIRTUAL_SHARES);
    const bandCost = assets - fee - atNav;
    preview.push(
      `Priced at NAV + jump band (the NAV change a ${snap.policy.jumpMarkBps / 100} % price jump could bring, ${q(band)}; a request pays none): ${q(bandCost > 0n ? bandCost : 0n)}`,
      `You receive ≈ ${fmt(shares, st.shareDecimals, 4)} shares, worth ${q(atNav)} at NAV`,
    );
  } else {
    preview.push(`You receive ≈ ${fmt(shares, st.shareDecimals, 4)} shares`);
  }
  const exitNow = await reader.vault<bigint>("previewRedeem", [shares]).catch(() => null);
  if (exitNow !== null) {
    preview.push(
      `Withdrawing them right away would pay ≈ ${q(exitNow)} (exit fee ${snap.policy.exitFeeBps} bps, priced at NAV − jump band)`,
    );
  }
  return {
    title: `Deposit ${q(assets)}`,
    preview,
    steps: [
      ...approveIfNeeded(ctx, assets),
      {
        label: `Deposit ${q(assets)}`,
        address: st.vault,
        abi: vaultAbi,
        functionName: "deposit",
        args: [assets, ctx.account],
      },
    ],
  };
}

export async function withdrawPlan(ctx: Ctx, assets: bigint | "all"): Promise<Plan> {
  const { st, snap, reader } = ctx;
  const q = (x: bigint) => `${fmt(x, st.quoteDecimals)} ${st.quoteSymbol}`;
  const sh = (x: bigint) => `${fmt(x, st.shareDecimals, 4)} shares`;
  const user = snap.user;
  if (!user || user.shares === 0n) throw new InputError("You hold no shares of this vault.");
  refuseWhileSettlementPending(ctx, "withdrawals");
  const free = `the vault's free liquidity is ${q(snap.freeAssets)}; the rest backs options until they are sold back or settled`;
  if (assets === "all") {
    const shares = await reader.vault<bigint>("maxRedeem", [ctx.account]);
    if (shares === 0n) throw new InputError(`Nothing can be withdrawn now: ${free}.`);
    const paid = await reader.vault<bigint>("previewRedeem", [shares]);
    const preview = [
      `You redeem ${sh(shares)} and receive ≈ ${q(paid)}`,
      `Exit fee ${snap.policy.exitFeeBps} bps, priced at NAV − jump band`,
    ];
    if (shares < user.shares)
      preview.push(`Only ${sh(shares)} of your ${sh(user.shares)} can be redeemed now: ${free}.`);
    return {
      title: `Withdraw all (${q(paid)})`,
      preview,
      steps: [
        {
          label: `Redeem ${sh(shares)} for ≈ ${q(paid)}`,
          address: st.vault,
          abi: overload(vaultAbi, "redeem", ["uint256", "address", "address"]),
          functionName: "redeem",
          args: [shares, ctx.account, ctx.account],
          token: { decimals: st.shareDecimals, symbol: "shares" },
        },
      ],
    };
  }
  const most = await reader.vault<bigint>("maxWithdraw", [ctx.account]);
  if (assets > most) throw new InputError(`You can withdraw at most ${q(most)} now: ${free}.`);
  const shares = await reader.vault<bigint>("previewWithdraw", [assets]);
  const fee = ceilDiv(assets * BigInt(snap.policy.exitFeeBps), BPS);
  return {
    title: `Withdraw ${q(assets)}`,
    preview: [
      `You receive ${q(assets)} for ≈ ${sh(shares)} of your ${sh(user.shares)}`,
      `Exit fee ${snap.policy.exitFeeBps} bps, kept by the vault: ${q(fee)}; shares priced at NAV − jump band`,
    ],
    steps: [
      {
        label: `Withdraw ${q(assets)}`,
        address: st.vault,
        abi: vaultAbi,
        functionName: "withdraw",
        args: [assets, ctx.account, ctx.account],
        token: { decimals: st.shareDecimals, symbol: "shares" },
      },
    ],
  };
}

/** One way of entering and leaving the vault: the plans behind the page's deposit and withdraw forms. */
export interface EntryMode {
  id: string;
  label: string;
  deposit(ctx: Ctx, assets: bigint): Promise<Plan>;
  withdraw(ctx: Ctx, assets: bigint | "all"): Promise<Plan>;
}

export const ENTRY_MODES: readonly EntryMode[] = [
  { id: "instant", label: "now, over the jump band (ERC-4626)", deposit: depositPlan, withdraw: withdrawPlan },
  {
    id: "request",
    label: "the next oracle round, no band (request)",
    deposit: requestDepositPlan,
    withdraw: requestRedeemPlan,
  },
];
