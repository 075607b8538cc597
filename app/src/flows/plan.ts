// An action is a Plan: what the user gets and pays (preview lines) and the transactions to send, in order.
// The runner (../runner.ts) simulates each step with eth_call right before asking the wallet to sign it.
import type { Abi, Address } from "viem";
import { erc20Abi } from "../abi";
import { InputError, fmt, localTime } from "../format";
import type { Snapshot, Static, VaultReader } from "../vault";

export interface Step {
  label: string;
  address: Address;
  abi: Abi;
  functionName: string;
  args: readonly unknown[];
  /** The token an ERC-20 error of this step is about, for the error's units (default: the quote token). */
  token?: { decimals: number; symbol: string };
}

export interface Plan {
  title: string;
  preview: string[];
  steps: Step[];
}

export interface Ctx {
  reader: VaultReader;
  st: Static;
  snap: Snapshot;
  account: Address;
}

export const ceilDiv = (a: bigint, b: bigint) => (a + b - 1n) / b;

/** An approval of exactly `amount` quote tokens to the vault (or its request queue), when the allowance is short. */
export function approveIfNeeded(ctx: Ctx, amount: bigint, spender: "vault" | "queue" = "vault"): Step[] {
  const allowance = (spender === "vault" ? ctx.snap.user?.allowance : ctx.snap.user?.queueAllowance) ?? 0n;
  if (allowance >= amount) return [];
  const { st } = ctx;
  return [
    {
      label: `Approve ${fmt(amount, st.quoteDecimals)} ${st.quoteSymbol} for the ${spender === "vault" ? "vault" : "request queue"}`,
      address: st.quote,
      abi: erc20Abi,
      functionName: "approve",
      args: [spender === "vault" ? st.vault : st.queue, amount],
    },
  ];
}

/**
 * Simulates `steps` in order from the user's account before anything is signed, and throws the revert of the first
 * step that fails (decoded with its ABI, so `explain` words it). One step is an `eth_call`; several (an approval
 * first) are one `eth_simulateV1` request, each call seeing the state the previous ones leave. A node without
 * `eth_simulateV1` skips the check: the runner still simulates each step right before its signature.
 */
export async function preflight(ctx: Ctx, steps: Step[]): Promise<void> {
  const client = ctx.reader.client;
  const call = (s: Step) => ({ abi: s.abi, functionName: s.functionName, args: s.args });
  if (steps.length === 1) {
    await client.simulateContract({ account: ctx.account, address: steps[0].address, ...call(steps[0]) });
    return;
  }
  let results;
  try {
    ({ results } = await client.simulateCalls({
      account: ctx.account,
      calls: steps.map((s) => ({ to: s.address, ...call(s) })),
    }));
  } catch {
    return;
  }
  const failed = results.find((r) => r.status === "failure");
  if (failed?.error) throw failed.error;
}

/** Share conversions wait while an expired series is unsettled: say which one, and that anyone may settle it. */
export function refuseWhileSettlementPending(ctx: Ctx, what: string): void {
  const pending = ctx.snap.series.find((s) => s.state === "expired");
  if (pending) {
    throw new InputError(
      `Series #${pending.id} expired on ${localTime(pending.expiry)} and is not settled yet: ${what} wait until it is. Anyone may settle it (Settle, under Expired and settled series).`,
    );
  }
}
