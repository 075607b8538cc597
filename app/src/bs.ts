// Black-Scholes at r = 0 (the vault's quote earns no interest), in floats: display only (per-series delta,
// fair value beside the vault's quotes, the volatility a quoted premium implies). The vault prices on-chain.

const YEAR = 365 * 86400;

/** Standard normal CDF (erfc by Numerical Recipes' Chebyshev fit, |error| < 1.2e-7). */
export function normCdf(x: number): number {
  const z = Math.abs(x) / Math.SQRT2;
  const t = 1 / (1 + 0.5 * z);
  const erfc =
    t *
    Math.exp(
      -z * z -
        1.26551223 +
        t *
          (1.00002368 +
            t *
              (0.37409196 +
                t *
                  (0.09678418 +
                    t *
                      (-0.18628806 +
                        t *
                          (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))),
    );
  return x >= 0 ? 1 - erfc / 2 : erfc / 2;
}

interface Leg {
  price: number;
  delta: number;
}

function leg(spot: number, strike: number, seconds: number, vol: number, isCall: boolean): Leg {
  if (seconds <= 0 || vol <= 0) {
    const intrinsic = isCall ? Math.max(spot - strike, 0) : Math.max(strike - spot, 0);
    const itm = isCall ? spot > strike : spot < strike;
    return { price: intrinsic, delta: itm ? (isCall ? 1 : -1) : 0 };
  }
  const sd = vol * Math.sqrt(seconds / YEAR);
  const d1 = (Math.log(spot / strike) + (sd * sd) / 2) / sd;
  const d2 = d1 - sd;
  const call = spot * normCdf(d1) - strike * normCdf(d2);
  if (isCall) return { price: call, delta: normCdf(d1) };
  return { price: call - spot + strike, delta: normCdf(d1) - 1 };
}

export interface SeriesTerms {
  strike: number;
  cap: number; // calls: payoff cap (call spread strike .. strike + cap); 0 for puts
  expiry: number;
  isCall: boolean;
}

/** Value and delta of one option of the series (a capped call is a call spread). */
export function optionValue(s: SeriesTerms, spot: number, vol: number, now: number): Leg {
  const tau = s.expiry - now;
  const long = leg(spot, s.strike, tau, vol, s.isCall);
  if (!s.isCall) return long;
  const short = leg(spot, s.strike + s.cap, tau, vol, true);
  return { price: long.price - short.price, delta: long.delta - short.delta };
}

/** The volatility at which the series is worth `price`, or null when no volatility in [1 %, 500 %] fits. */
export function impliedVol(s: SeriesTerms, spot: number, price: number, now: number): number | null {
  let lo = 0.01;
  let hi = 5;
  const at = (v: number) => optionValue(s, spot, v, now).price;
  if (!(price > at(lo) && price < at(hi))) return null;
  for (let i = 0; i < 80; i++) {
    const mid = (lo + hi) / 2;
    if (at(mid) < price) lo = mid;
    else hi = mid;
  }
  return (lo + hi) / 2;
}
