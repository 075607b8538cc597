// Contract errors in plain words. The revert data is decoded with the project's ABIs (viem), then each
// custom error becomes one sentence in human units that says what limit was hit and what to do.
import { BaseError, ContractFunctionRevertedError, decodeErrorResult, type Hex, UserRejectedRequestError } from "viem";
import { errorsAbi } from "./abi";
import { fmt, localTime } from "./format";

/** Units the sentences need: the vault's quote token and its share token. */
export interface Units {
  quoteSymbol: string;
  quoteDecimals: number;
  shareDecimals: number;
  /** The base token's symbol (hedge figures, WAD of base). */
  baseSymbol?: string;
  /** Decimals of the token an ERC-20 error of the current step is about (quote unless the step moves shares). */
  tokenDecimals?: number;
  tokenSymbol?: string;
}

type Args = readonly unknown[];

const big = (x: unknown) => BigInt(x as bigint);

export function describeError(name: string, args: Args, u: Units): string {
  const q = (x: unknown) => `${fmt(big(x), u.quoteDecimals, 2)} ${u.quoteSymbol}`;
  const opts = (x: unknown) => `${fmt(big(x), 18, 18).replace(/\.?0+$/, "")} options`;
  const wad = (x: unknown, places = 4) => fmt(big(x), 18, places);
  const tok = (x: unknown) => `${fmt(big(x), u.tokenDecimals ?? u.quoteDecimals, 2)} ${u.tokenSymbol ?? u.quoteSymbol}`;
  const shares = (x: unknown) => `${fmt(big(x), u.shareDecimals, 4)} shares`;
  const a = args;
  switch (name) {
    case "AmountTooSmall":
      return `${opts(a[0])} is below the vault's minimum trade of ${opts(a[1])}: smaller amounts would round the premium and the collateral to nothing. Enter at least ${opts(a[1])}.`;
    case "PremiumAboveMax":
      return `The premium is now ${q(a[0])}, above your limit of ${q(a[1])} (the price moved beyond your slippage bound). Check the new quote or allow more slippage.`;
    case "PremiumBelowMin":
      return `The vault would pay ${q(a[0])}, below your minimum of ${q(a[1])} (the price moved beyond your slippage bound). Check the new quote or allow more slippage.`;
    case "ExceedsOutstanding":
      return `You sell ${opts(a[0])} back, but the vault has only ${opts(a[1])} outstanding in this series.`;
    case "InsufficientCollateral":
      return `The vault's quote balance (${q(a[1])}) cannot cover the ${q(a[0])} it must keep for option holders after this trade. Try a smaller size.`;
    case "GammaLimitExceeded":
      return `This trade would take the vault's gamma to ${wad(a[0], 6)}, beyond its limit of ${wad(a[1], 6)}. Only trades that reduce gamma are open until the book changes.`;
    case "VegaLimitExceeded":
      return `This trade would take the vault's vega to ${wad(a[0], 2)} ${u.quoteSymbol} per 100 % of volatility, beyond its limit of ${wad(a[1], 2)}. Only trades that reduce vega are open until the book changes.`;
    case "SeriesNotListed":
      return `Series #${a[0]} does not exist.`;
    case "SeriesExpired":
      return `Series #${a[0]} expired on ${localTime(big(a[1]))}: it can no longer be traded. Settle it and redeem your options instead.`;
    case "SeriesNotExpired":
      return `Series #${a[0]} expires on ${localTime(big(a[1]))}: it cannot be settled before then.`;
    case "SeriesAlreadySettled":
      return `Series #${a[0]} is already settled: redeem your options.`;
    case "SeriesNotSettled":
      return `Series #${a[0]} is not settled yet: settle it first (anyone may, once it has expired).`;
    case "InvalidSettlementRound":
      return `Price round ${a[0]} is not the first oracle update after expiry (${localTime(big(a[3]))}); reload the page to pick the right round.`;
    case "EnforcedPause":
      return "The vault is paused: deposits and new options are stopped. Withdrawals, sales back to the vault, settlement and redemptions keep working.";
    case "OracleStale":
      return `The oracle's last price (${localTime(big(a[1]))}) is older than the ${Number(big(a[2]) / 60n)} minutes the vault accepts: pricing waits for a fresh update.`;
    case "OracleAnswerNotPositive":
      return "The oracle answered a price of zero or less: pricing is suspended until it recovers.";
    case "SequencerDown":
      return "The network's sequencer is down: prices are refused until it is back.";
    case "SequencerGracePeriod":
      return `The sequencer came back on ${localTime(big(a[1]))}; prices are refused for ${a[2]} s after that.`;
    case "SeriesTradingClosed":
      return `Trading in series #${a[0]} closed on ${localTime(big(a[1]))}, shortly before its expiry: hold the options to settlement, or pick another series.`;
    case "SettlementPending":
      return `Series #${a[0]} expired on ${localTime(big(a[1]))} and is not settled yet: share deposits and withdrawals wait until it is. Anyone may settle it (Expired and settled series, below).`;
    case "ZeroAmount":
      return "A request for nothing: enter an amount above zero.";
    case "NotOwner":
      return "Only the owner of the assets or shares may request with them.";
    case "NoPendingRequest":
      return "There is no pending request of this kind to fulfil.";
    case "RequestNotDue":
      return `The request is due on ${localTime(big(a[1]))}: it can be fulfilled from then on.`;
    case "InvalidVolatilityRound":
      return `Volatility round ${a[0]} is not the one in effect at the request's price round; reload the page to pick the right round.`;
    case "TooManyLiveSeries":
      return `The vault already has its maximum of ${a[0]} live series.`;
    case "ERC20InsufficientBalance":
      return `Insufficient balance: you hold ${tok(a[1])}, ${tok(a[2])} needed.`;
    case "ERC20InsufficientAllowance":
      return `The vault may spend only ${tok(a[1])} of your ${u.tokenSymbol ?? u.quoteSymbol}, ${tok(a[2])} needed: approve it first.`;
    case "ERC1155InsufficientBalance":
      return `You hold ${opts(a[1])} of series #${a[3]}, ${opts(a[2])} needed.`;
    case "ERC4626ExceededMaxWithdraw":
      return `You can withdraw at most ${q(a[2])} now (limited by your shares and by the vault's free liquidity), not ${q(a[1])}.`;
    case "ERC4626ExceededMaxRedeem":
      return `You can redeem at most ${shares(a[2])} now (limited by your shares and by the vault's free liquidity), not ${shares(a[1])}.`;
    case "ERC4626ExceededMaxDeposit":
    case "ERC4626ExceededMaxMint":
      return "Deposits are closed for now: the vault is paused, or an expired series waits for settlement.";
    case "TransferAmountMismatch":
      return `The token delivered ${q(a[1])} instead of ${q(a[0])} (fee-on-transfer tokens are not accepted).`;
    case "ZeroAddress":
      return "An address is missing (zero address).";
    case "RebalanceNotDue":
      return `No rebalance is due: delta ${wad(a[0])} is within ${wad(a[2])} of the target ${wad(a[1])}.`;
    case "RebalanceCooldown":
      return `The hedger is cooling down until ${localTime(big(a[1]))}.`;
    case "HedgeCapacityExceeded":
      return `The vault cannot hedge this trade: after it, the vault's options would need ${wad(a[0])} ${u.baseSymbol ?? "base"} of short hedge (borrowed and sold), beyond the ${wad(a[1])} ${u.baseSymbol ?? "base"} its short can carry now (the hedger's cap on base owed, what the lending market can lend, and the free quote as collateral). Try a smaller size, or wait until the hedge has more room.`;
    case "ReentrancyGuardReentrantCall":
      return "The call re-entered the vault and was refused.";
    default:
      return `The contract refused: ${name}(${a.map(String).join(", ")}).`;
  }
}

/** One sentence for any failure of a read, a simulation or a transaction. */
export function explain(err: unknown, u: Units): string {
  if (err instanceof BaseError) {
    if (err.walk((e) => e instanceof UserRejectedRequestError) || /rejected|denied/i.test(err.details ?? "")) {
      return "You rejected the request in your wallet.";
    }
    const reverted = err.walk(
      (e) => e instanceof ContractFunctionRevertedError,
    ) as ContractFunctionRevertedError | null;
    if (reverted?.data?.errorName) {
      if (reverted.data.errorName === "Error") return `The contract refused: ${String(reverted.data.args?.[0])}.`;
      return describeError(reverted.data.errorName, reverted.data.args ?? [], u);
    }
    const raw = rawRevertData(err);
    if (raw) {
      try {
        const decoded = decodeErrorResult({ abi: errorsAbi, data: raw });
        return describeError(decoded.errorName, decoded.args ?? [], u);
      } catch {
        return `The contract refused with unknown error data ${raw.slice(0, 10)}.`;
      }
    }
    if (/insufficient funds/i.test(err.details ?? err.message)) {
      return "Your account has too little of the chain's native token to pay for gas.";
    }
    return err.shortMessage;
  }
  if (err instanceof Error) return err.message;
  return String(err);
}

function rawRevertData(err: BaseError): Hex | undefined {
  let found: Hex | undefined;
  err.walk((e) => {
    const data = (e as { data?: unknown }).data;
    if (typeof data === "string" && /^0x[0-9a-f]{8}/i.test(data)) found = data as Hex;
    else if (data && typeof (data as { data?: unknown }).data === "string") found = (data as { data: Hex }).data;
    return false;
  });
  return found;
}
