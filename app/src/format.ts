// Human units: every figure on the page goes through these (exact bigint arithmetic, rounded half up).

export class InputError extends Error {}

const group = (digits: string): string => digits.replace(/\B(?=(\d{3})+(?!\d))/g, ",");

/** `value` in units of 10^-decimals, shown with `places` decimals and thousands separators. */
export function fmt(value: bigint, decimals: number, places = 2): string {
  const negative = value < 0n;
  let v = negative ? -value : value;
  if (places < decimals) {
    const step = 10n ** BigInt(decimals - places);
    v = (v + step / 2n) / step;
  } else {
    v = v * 10n ** BigInt(places - decimals);
  }
  const text = v.toString().padStart(places + 1, "0");
  const whole = group(text.slice(0, text.length - places));
  const frac = places > 0 ? "." + text.slice(text.length - places) : "";
  return (negative && v !== 0n ? "-" : "") + whole + frac;
}

/** Signed, with an explicit plus sign (deltas, trades). */
export function fmtSigned(value: bigint, decimals: number, places = 4): string {
  const text = fmt(value, decimals, places);
  return value > 0n && !/^0\.0*$/.test(text) ? "+" + text : text;
}

/** WAD fraction as a percentage (0.8e18 -> "80.0 %"). */
export function pct(wad: bigint, places = 1): string {
  return fmt(wad * 100n, 18, places) + " %";
}

/** A small float (gamma) in scientific form. */
export function sci(value: number): string {
  if (value === 0) return "0";
  return Math.abs(value) >= 1e-3 && Math.abs(value) < 1e6 ? value.toPrecision(4) : value.toExponential(3);
}

/** Human decimal text -> integer units; a one-line message names what is wrong. */
export function parseAmount(text: string, decimals: number, what: string): bigint {
  const t = text.trim().replace(/,/g, "");
  if (t === "") throw new InputError(`Enter ${what}.`);
  const m = /^(\d*)(?:\.(\d*))?$/.exec(t);
  if (!m || (m[1] === "" && (m[2] ?? "") === "")) throw new InputError(`${what}: "${text}" is not a number.`);
  const frac = m[2] ?? "";
  if (frac.length > decimals) throw new InputError(`${what}: at most ${decimals} decimals.`);
  const units = BigInt((m[1] || "0") + frac.padEnd(decimals, "0"));
  if (units === 0n) throw new InputError(`${what} must be more than zero.`);
  return units;
}

export function shortAddress(address: string): string {
  return address.slice(0, 6) + "…" + address.slice(-4);
}

/** Local date and time of a unix timestamp (seconds). */
export function localTime(ts: bigint | number): string {
  return new Date(Number(ts) * 1000).toLocaleString(undefined, {
    year: "numeric",
    month: "short",
    day: "numeric",
    hour: "2-digit",
    minute: "2-digit",
    timeZoneName: "short",
  });
}

/** "in 3 d 4 h" / "2 h 5 min ago". */
export function relative(ts: bigint | number, now: bigint | number): string {
  let s = Number(ts) - Number(now);
  const past = s < 0;
  s = Math.abs(s);
  const d = Math.floor(s / 86400);
  const h = Math.floor((s % 86400) / 3600);
  const m = Math.floor((s % 3600) / 60);
  if (s < 60) return past ? "just now" : "in under a minute";
  const text = d > 0 ? `${d} d ${h} h` : h > 0 ? `${h} h ${m} min` : `${m} min`;
  return past ? `${text} ago` : `in ${text}`;
}

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!);
}
