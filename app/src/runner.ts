// Sends a plan's steps one by one: simulate (eth_call from the user's account), ask the wallet to sign,
// wait for the receipt. Progress goes to `onProgress`; a failure stops the plan with one readable sentence.
import type { Address, PublicClient, WalletClient } from "viem";
import { type Units, explain } from "./errors";
import type { Plan } from "./flows/plan";

export type Phase = "waiting" | "simulating" | "signing" | "pending" | "confirmed" | "failed";

export interface Progress {
  step: number;
  phase: Phase;
  hash?: `0x${string}`;
  block?: bigint;
  message?: string;
}

export async function runPlan(
  plan: Plan,
  opts: {
    publicClient: PublicClient;
    walletClient: WalletClient;
    account: Address;
    units: Units;
    onProgress: (p: Progress) => void;
  },
): Promise<boolean> {
  const { publicClient, walletClient, account, onProgress } = opts;
  for (let i = 0; i < plan.steps.length; i++) {
    const step = plan.steps[i];
    const units: Units = { ...opts.units, tokenDecimals: step.token?.decimals, tokenSymbol: step.token?.symbol };
    let hash: `0x${string}` | undefined;
    try {
      onProgress({ step: i, phase: "simulating" });
      const { request } = await publicClient.simulateContract({
        account,
        address: step.address,
        abi: step.abi,
        functionName: step.functionName,
        args: step.args,
      });
      onProgress({ step: i, phase: "signing" });
      hash = await walletClient.writeContract({ ...request, account, chain: walletClient.chain } as never);
      onProgress({ step: i, phase: "pending", hash });
      const receipt = await publicClient.waitForTransactionReceipt({ hash });
      if (receipt.status !== "success") {
        onProgress({
          step: i,
          phase: "failed",
          hash,
          message: `The transaction reverted on-chain in block ${receipt.blockNumber}.`,
        });
        return false;
      }
      onProgress({ step: i, phase: "confirmed", hash, block: receipt.blockNumber });
    } catch (err) {
      onProgress({ step: i, phase: "failed", hash, message: explain(err, units) });
      return false;
    }
  }
  return true;
}
