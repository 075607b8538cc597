// The wallet page: loads the vault (config.ts), reads a snapshot every few seconds (vault.ts), renders it, and
// runs the user's actions (flows/) through the connected wallet (wallet.ts, runner.ts).
import {
  type Address,
  type PublicClient,
  type WalletClient,
  createPublicClient,
  createWalletClient,
  custom,
  http,
} from "viem";
import { impliedVol, optionValue } from "./bs";
import { type Config, ConfigError, loadConfig } from "./config";
import { type Units, explain } from "./errors";
import { buyPlan, payout, redeemPlan, sellPlan, seriesName, settlePlan } from "./flows/options";
import type { Ctx, Plan } from "./flows/plan";
import { fulfilPlan } from "./flows/requests";
import { ENTRY_MODES, type EntryMode } from "./flows/shares";
import {
  InputError,
  escapeHtml,
  fmt,
  fmtSigned,
  localTime,
  parseAmount,
  pct,
  relative,
  sci,
  shortAddress,
} from "./format";
import { type Phase, runPlan } from "./runner";
import { BLOCKED, type Maybe, RULES, type Snapshot, type Static, VENUE_STATUS, VaultReader, WAD } from "./vault";
import { type Connection, type WalletOption, connect, discoverWallets, switchChain } from "./wallet";

const $ = <T extends HTMLElement = HTMLElement>(id: string) => document.getElementById(id) as T;

interface State {
  cfg?: Config;
  publicClient?: PublicClient;
  reader?: VaultReader;
  st?: Static;
  snap?: Snapshot;
  wallets: WalletOption[];
  conn: Connection | null;
  walletClient?: WalletClient;
  plan?: Plan;
  running: boolean;
  refreshing: boolean;
  refreshAgain: boolean;
}

const state: State = { wallets: [], conn: null, running: false, refreshing: false, refreshAgain: false };
const params = new URLSearchParams(window.location.search);
const POLL_MS = Number(params.get("poll") ?? 4000);

// ---------------------------------------------------------------- start

async function start(): Promise<void> {
  discoverWallets((wallets) => {
    state.wallets = wallets;
    renderWallet();
  });
  try {
    state.cfg = await loadConfig();
  } catch (err) {
    showNotice(err instanceof ConfigError ? `${err.message}.` : explain(err, unitsFallback()));
    return;
  }
  const { cfg } = state;
  $("vault-id").innerHTML =
    `<code>${escapeHtml(cfg.deployment.vault)}</code> <span class="pill">${escapeHtml(cfg.chain.name)} (${cfg.chain.id})</span>`;
  if (cfg.rpcUrl) setReadClient(http(cfg.rpcUrl, { batch: true }));
  else showNotice("No RPC for this chain: connect a wallet on it, or open the page with rpc=<url>.");
  await refresh();
  setInterval(() => void refresh(), POLL_MS);
  bindForms();
}

function setReadClient(transport: ReturnType<typeof http> | ReturnType<typeof custom>): void {
  const cfg = state.cfg!;
  state.publicClient = createPublicClient({ chain: cfg.chain, transport, pollingInterval: Math.min(POLL_MS, 1000) });
  state.reader = new VaultReader(state.publicClient, cfg.deployment);
  state.st = undefined;
}

function unitsFallback(): Units {
  const st = state.st;
  return {
    quoteSymbol: st?.quoteSymbol ?? "USDC",
    quoteDecimals: st?.quoteDecimals ?? 6,
    shareDecimals: st?.shareDecimals ?? 12,
    baseSymbol: st?.baseSymbol ?? "WETH",
  };
}

function showNotice(text: string | null): void {
  const el = $("notice");
  el.hidden = !text;
  el.textContent = text ?? "";
}

// ---------------------------------------------------------------- wallet

const account = (): Address | null => state.conn?.account ?? null;
const onRightChain = () => !!state.conn && state.conn.chainId === state.cfg?.chain.id;
const canAct = () => !!account() && onRightChain();

function renderWallet(): void {
  const el = $("wallet");
  const { conn } = state;
  if (conn?.account) {
    el.innerHTML = `<span class="pill good" data-testid="account">${shortAddress(conn.account)}</span>
      <span class="muted">${escapeHtml(conn.wallet.name)}</span>
      <button class="secondary small" id="disconnect" data-testid="disconnect">Disconnect</button>`;
    $("disconnect").onclick = () => {
      state.conn?.unsubscribe();
      state.conn = null;
      state.walletClient = undefined;
      renderWallet();
      void refresh();
    };
  } else if (state.wallets.length === 0) {
    el.innerHTML = `<span class="muted" data-testid="read-only">Read-only: no wallet found in this browser</span>`;
  } else {
    el.innerHTML =
      `<span class="muted" data-testid="read-only">Read-only</span><div class="wallet-list">` +
      state.wallets
        .map(
          (w, i) =>
            `<button data-wallet="${i}" data-testid="connect-${i}">${w.icon ? `<img src="${escapeHtml(w.icon)}" alt="">` : ""}Connect ${escapeHtml(w.name)}</button>`,
        )
        .join("") +
      `</div>`;
    el.querySelectorAll<HTMLButtonElement>("button[data-wallet]").forEach((b) => {
      b.onclick = () => void connectWallet(state.wallets[Number(b.dataset.wallet)]);
    });
  }
  renderChainBanner();
  updateButtons();
}

async function connectWallet(wallet: WalletOption): Promise<void> {
  try {
    state.conn = await connect(wallet, {
      onAccounts: (acct) => {
        if (!state.conn) return;
        state.conn.account = acct;
        renderWallet();
        void refresh();
      },
      onChain: (chainId) => {
        if (!state.conn) return;
        state.conn.chainId = chainId;
        makeWalletClient();
        renderWallet();
        void refresh();
      },
    });
  } catch (err) {
    showNotice(explain(err, unitsFallback()));
    return;
  }
  showNotice(null);
  makeWalletClient();
  if (!state.publicClient) setReadClient(custom(wallet.provider));
  renderWallet();
  await refresh();
}

function makeWalletClient(): void {
  if (!state.conn || !state.cfg) return;
  state.walletClient = createWalletClient({ chain: state.cfg.chain, transport: custom(state.conn.wallet.provider) });
}

function renderChainBanner(): void {
  const el = $("chain-banner");
  const { conn, cfg } = state;
  if (!conn || !cfg || conn.chainId === cfg.chain.id) {
    el.hidden = true;
    return;
  }
  el.hidden = false;
  el.innerHTML = `<span>Your wallet is on chain ${conn.chainId}; this vault is on <b>${escapeHtml(cfg.chain.name)}</b> (${cfg.chain.id}). Transactions are disabled until you switch.</span>
    <button id="switch-chain" data-testid="switch-chain">Switch to ${escapeHtml(cfg.chain.name)}</button>`;
  $("switch-chain").onclick = async () => {
    try {
      await switchChain(conn.wallet, { chainId: cfg.chain.id, name: cfg.chain.name, rpcUrl: cfg.rpcUrl });
      conn.chainId = Number(await conn.wallet.provider.request({ method: "eth_chainId" }));
      makeWalletClient();
      renderWallet();
      void refresh();
    } catch (err) {
      showNotice(`Switching the network failed: ${explain(err, unitsFallback())}`);
    }
  };
}

function updateButtons(): void {
  const ok = canAct() && !state.running;
  document.querySelectorAll<HTMLButtonElement>(".needs-wallet").forEach((b) => {
    b.disabled = !ok;
    b.title = ok
      ? ""
      : !account()
        ? "Connect a wallet first"
        : !onRightChain()
          ? "Switch your wallet to the vault's chain"
          : "";
  });
  const hint = $("liquidity-hint");
  if (!account()) hint.textContent = "Read-only: connect a wallet to deposit, withdraw and trade.";
  else if (!onRightChain()) hint.textContent = "Your wallet is on another chain: switch it to act.";
  else hint.textContent = "";
}

// ---------------------------------------------------------------- reading

function quoteSize(): bigint {
  try {
    return parseAmount(($("quote-size") as HTMLInputElement).value, 18, "quote size");
  } catch {
    return WAD;
  }
}

async function refresh(): Promise<void> {
  if (!state.reader) return;
  if (state.refreshing) {
    state.refreshAgain = true;
    return;
  }
  state.refreshing = true;
  try {
    if (!state.st) state.st = await state.reader.loadStatic();
    const reading = account();
    const snap = await state.reader.snapshot(state.st, reading, quoteSize());
    if (account() !== reading) {
      // The wallet changed account (or disconnected) while this read was in flight: never show its result.
      state.refreshAgain = true;
      return;
    }
    state.snap = snap;
    render(state.st, snap);
    if (!$("notice").textContent?.startsWith("Switching")) showNotice(null);
    $("app").hidden = false;
    document.body.dataset.block = String(snap.block);
  } catch (err) {
    showNotice(`Cannot read the vault: ${explain(err, unitsFallback())}`);
  } finally {
    state.refreshing = false;
    if (state.refreshAgain) {
      state.refreshAgain = false;
      void refresh();
    }
  }
}

// ---------------------------------------------------------------- rendering

function na<T>(m: Maybe<T>, show: (v: T) => string): string {
  if (m.ok) return show(m.value);
  return `<span class="warn" title="${escapeHtml(explain(m.error, unitsFallback()))}">n/a</span>`;
}

const dl = (rows: [string, string, string?][]) =>
  `<dl>${rows.map(([k, v, id]) => `<dt>${k}</dt><dd${id ? ` data-testid="${id}"` : ""}>${v}</dd>`).join("")}</dl>`;

function render(st: Static, snap: Snapshot): void {
  const q = (x: bigint, places = 2) => `${fmt(x, st.quoteDecimals, places)} ${st.quoteSymbol}`;
  const base = (x: bigint, places = 4) => `${fmtSigned(x, 18, places)} ${st.baseSymbol}`;
  document.querySelectorAll(".quote-symbol").forEach((e) => (e.textContent = st.quoteSymbol));
  document.querySelectorAll(".base-symbol").forEach((e) => (e.textContent = st.baseSymbol));
  const perShare = (nav: bigint) => ((nav + 1n) * 10n ** BigInt(st.shareDecimals)) / (snap.totalSupply + 10n ** 6n);

  // Vault
  $("card-vault").innerHTML =
    `<h2>${escapeHtml(st.name)} ${snap.paused ? '<span class="pill warn">paused</span>' : ""}</h2>` +
    dl([
      ["NAV", na(snap.markedNav, ([nav]) => q(nav)), "nav"],
      ["Share price", na(snap.markedNav, ([nav]) => q(perShare(nav), 4)), "share-price"],
      ["Jump band (±)", na(snap.markedNav, ([, band]) => q(band))],
      ["Shares issued", fmt(snap.totalSupply, st.shareDecimals, 2)],
      ["Free liquidity", q(snap.freeAssets), "free-liquidity"],
      ["Reserved for options", q(snap.reservedAssets)],
      [`${st.baseSymbol} price (oracle)`, na(snap.spot, (s) => q((s * 10n ** BigInt(st.quoteDecimals)) / WAD))],
      ["Implied volatility", na(snap.vol, (v) => pct(v))],
      ["Fees (entry / exit)", `${snap.policy.entryFeeBps} / ${snap.policy.exitFeeBps} bps`],
    ]);

  // User
  const u = snap.user;
  if (!u) {
    $("card-user").innerHTML =
      `<h2>Your position</h2><p class="muted">Connect a wallet to see your shares and options.</p>`;
  } else {
    const options = snap.series.filter((s) => s.held > 0n && s.state === "live");
    const optionValue = options.reduce((sum, s) => sum + (s.heldValue.ok ? s.heldValue.value : 0n), 0n);
    $("card-user").innerHTML =
      `<h2>Your position</h2>` +
      dl([
        ["Account", `<code>${shortAddress(u.account)}</code>`],
        ["Shares", fmt(u.shares, st.shareDecimals, 4), "user-shares"],
        ["Shares' value (withdrawn now)", na(u.sharesValue, (v) => q(v)), "user-value"],
        ["Withdrawable now", na(u.maxWithdraw, (v) => q(v)), "user-max-withdraw"],
        [`Live options (sell-back value)`, `${options.length} series, ${q(optionValue)}`, "user-options"],
        [`${st.quoteSymbol} in wallet`, q(u.quoteBalance), "user-quote"],
        ["Gas balance", `${fmt(u.ethBalance, 18, 4)} ETH`],
      ]);
  }

  // Risk
  const status = snap.hedgerStatus;
  let bar = "";
  if (snap.greeks.ok && status.ok && status.value.band > 0n) {
    const d = Number(snap.greeks.value[0]) / 1e18;
    const t = Number(status.value.target) / 1e18;
    const b = Number(status.value.band) / 1e18;
    const lo = t - 2 * b;
    const span = 4 * b;
    const x = (v: number) => Math.max(0, Math.min(100, ((v - lo) / span) * 100));
    bar = `<div class="bar" title="delta against the target band"><div class="band" style="left:${x(t - b)}%;width:${x(t + b) - x(t - b)}%"></div><div class="target" style="left:${x(t)}%"></div><div class="mark" style="left:${x(d)}%"></div></div>`;
  }
  const inside =
    snap.greeks.ok && status.ok ? abs(snap.greeks.value[0] - status.value.target) <= status.value.band : null;
  $("card-risk").innerHTML =
    `<h2>Risk</h2>` +
    dl([
      ["Portfolio delta", na(snap.greeks, (g) => base(g[0])), "delta"],
      [
        "Target band",
        status.ok
          ? `${base(status.value.target - status.value.band, 2)} … ${base(status.value.target + status.value.band, 2)}`
          : na(status, () => ""),
        "band",
      ],
      [
        "Delta vs band",
        inside === null ? "n/a" : inside ? '<span class="good">inside</span>' : '<span class="warn">outside</span>',
        "delta-vs-band",
      ],
      ["Gamma", na(snap.greeks, (g) => `${sci(Number(g[1]) / 1e18)} ${st.baseSymbol} per ${st.quoteSymbol}`)],
      ["Vega", na(snap.greeks, (g) => `${fmtSigned(g[2] / 100n, 18, 2)} ${st.quoteSymbol} per vol point`)],
      [`Hedge (${st.baseSymbol} held)`, `${fmt(snap.baseHeld, st.baseDecimals, 4)} ${st.baseSymbol}`, "hedge"],
      ...(snap.short
        ? [
            [`${st.baseSymbol} owed (short)`, `${fmt(snap.short.debt, st.baseDecimals, 4)} ${st.baseSymbol}`] as [
              string,
              string,
            ],
          ]
        : []),
    ]) +
    bar;
  renderShort(st, snap);

  // Rebalance
  const enabled = RULES.slice(1, 5).filter((_, i) => (snap.hedgerRules >> i) & 1);
  const rows = snap.rebalances
    .map(
      (
        r,
      ) => `<tr><td class="l">${r.timestamp ? relative(r.timestamp, snap.timestamp) : `block ${r.block}`}</td><td class="l">${RULES[r.rule] ?? r.rule}</td>
        <td>${fmtSigned(r.deltaBefore, 18, 2)} → ${fmtSigned(r.deltaAfter, 18, 2)}</td><td>${fmt(r.price, 18, 2)}</td><td>${fmt(r.bounty, st.quoteDecimals, 2)}</td></tr>`,
    )
    .join("");
  $("card-rebalance").innerHTML =
    `<h2>Rebalancing</h2>` +
    dl([
      [
        "Status",
        na(status, (s) =>
          s.due
            ? `<span class="pill warn">due: ${RULES[s.rule]} rule</span>`
            : s.rule
              ? `<span class="pill warn">${s.rule === 5 ? "LTV above the short policy's maximum" : `${RULES[s.rule]} band crossed`}, ${s.nextAllowed > snap.timestamp ? "cooling down" : "no trade possible"}</span>`
              : `<span class="pill good">not due</span>`,
        ),
        "rebalance-status",
      ],
      ["Rules", enabled.join(", ") || "none"],
      [
        "Trade if due",
        na(status, (s) =>
          s.rule === 5 && s.collateralIn > 0n ? `post ${q(s.collateralIn)} as collateral` : base(s.trade),
        ),
        "rebalance-trade",
      ],
      [
        "Last rebalance",
        snap.rebalances[0]?.timestamp ? localTime(snap.rebalances[0].timestamp) : "none yet",
        "last-rebalance",
      ],
      [
        "Cooldown ends",
        na(status, (s) => (s.nextAllowed > snap.timestamp ? relative(s.nextAllowed, snap.timestamp) : "over")),
      ],
    ]) +
    `<div class="scroll"><table class="compact" data-testid="rebalances"><tr><th class="l">when</th><th class="l">rule</th><th>delta</th><th>price</th><th>bounty</th></tr>${rows || '<tr><td class="l muted" colspan="5">no rebalance yet</td></tr>'}</table></div>`;

  renderRequests(st, snap);
  renderSeries(st, snap);
  renderSettled(st, snap);
  $("footer").textContent =
    `Block ${snap.block}, ${localTime(snap.timestamp)} · ${state.cfg?.source ?? ""} · refreshes every ${POLL_MS / 1000} s`;
  updateButtons();
}

const abs = (x: bigint) => (x < 0n ? -x : x);

interface ShortState {
  ok: boolean;
  pill: string;
  text: string;
}

/** The short leg's state in words: active, or what keeps it from acting (the hedger's status, the venue's), or a
 *  loan-to-value above the policy's maximum (the health rule's turn). */
function shortState(st: Static, snap: Snapshot): ShortState {
  const s = snap.short!;
  const scale = 10n ** BigInt(18 - st.baseDecimals);
  const cap = `${fmt(s.policy.maxBaseOwed, 18, 4)} ${st.baseSymbol}`;
  const status = snap.hedgerStatus.ok ? snap.hedgerStatus.value : null;
  const reason = (blocked: number): string => {
    switch (blocked) {
      case 1:
        return "no liquidity: the lending market has nothing left to lend, so the short cannot grow (repaying and collateral still work)";
      case 2:
        return "the lending market's oracle is unavailable: borrowing and withdrawing collateral wait for a fresh price";
      case 3:
        return "the lending venue is paused by its governance: the short cannot grow";
      case 4:
        return `capacity reached: base owed has reached the hedger's cap of ${cap}`;
      case 5:
        return "the loan-to-value is above the policy's maximum and there is no free quote to post or to buy base back with";
      default:
        return BLOCKED[blocked] ?? String(blocked);
    }
  };
  const blocked = (why: number): ShortState => ({ ok: false, pill: "blocked", text: `blocked: ${reason(why)}` });
  if (s.policy.maxBaseOwed === 0n) {
    return { ok: false, pill: "off", text: "off: the hedger's short policy allows no base owed" };
  }
  if (status?.blocked === 5) return blocked(5);
  if (s.health.ok && s.debt > 0n && s.health.value[0] > s.policy.maxLtv) {
    return {
      ok: false,
      pill: "LTV above max",
      text: "loan-to-value above the policy's maximum: the health rule is due",
    };
  }
  if (status && status.blocked !== 0) return blocked(status.blocked);
  if (s.status !== 0) return blocked(s.status);
  if (s.debt * scale >= s.policy.maxBaseOwed) return blocked(4);
  return { ok: true, pill: "active", text: "active" };
}

/** The short leg (only for a vault with a borrow venue): held and owed, collateral, LTV against the policy, the
 *  liquidation price, and what blocks it. */
function renderShort(st: Static, snap: Snapshot): void {
  const el = $("card-short");
  const s = snap.short;
  el.hidden = !s;
  if (!s) {
    el.innerHTML = "";
    return;
  }
  const q = (x: bigint, places = 2) => `${fmt(x, st.quoteDecimals, places)} ${st.quoteSymbol}`;
  const b = (x: bigint, places = 4) => `${fmt(x, st.baseDecimals, places)} ${st.baseSymbol}`;
  const noDebt = s.debt === 0n;
  const state = shortState(st, snap);
  const spot = snap.spot.ok ? snap.spot.value : null;
  const sub = (text: string) => `<br><span class="muted">${text}</span>`;
  const ltvText = na(
    s.health,
    ([ltv]) =>
      pct(ltv) + sub(`target ${pct(s.policy.targetLtv)} · max ${pct(s.policy.maxLtv)} · liquidation ${pct(s.lltv)}`),
  );
  const liquidation = na(s.health, ([, , price]) => {
    if (noDebt) return '<span class="muted">no debt</span>';
    const away = spot ? sub(`${fmtSigned(((price - spot) * WAD * 100n) / spot, 18, 1)} % from the oracle price`) : "";
    return `${fmt(price, 18, 2)} ${st.quoteSymbol}${away}`;
  });
  let bar = "";
  if (s.health.ok && s.lltv > 0n) {
    const x = (v: bigint) => Math.max(0, Math.min(100, (Number(v) / Number(s.lltv)) * 100));
    bar = `<div class="bar" title="loan-to-value (blue) against the policy's target (green line) and maximum (green), up to the liquidation LTV (right end)"><div class="band" style="left:0;width:${x(s.policy.maxLtv)}%"></div><div class="target" style="left:${x(s.policy.targetLtv)}%"></div><div class="mark" style="left:${x(s.health.value[0])}%"></div></div>`;
  }
  el.innerHTML =
    `<h2>Short hedge <span class="pill ${state.ok ? "good" : "warn"}" data-testid="short-pill">${escapeHtml(state.pill)}</span></h2>` +
    `<p class="${state.ok ? "good" : "warn"} state" data-testid="short-state">${escapeHtml(state.text)}</p>` +
    dl([
      [`${st.baseSymbol} held`, b(snap.baseHeld), "short-held"],
      [`${st.baseSymbol} owed${sub("interest to now")}`, b(s.debt), "short-owed"],
      ["Net hedge", `${fmtSigned(snap.baseHeld - s.debt, st.baseDecimals, 4)} ${st.baseSymbol}`, "short-net"],
      ["Collateral", q(s.collateral), "short-collateral"],
      ["Loan-to-value", ltvText, "short-ltv"],
      [
        "Health factor",
        na(s.health, ([, hf]) => (noDebt ? '<span class="muted">no debt</span>' : fmt(hf, 18, 2))),
        "short-health",
      ],
      ["Liquidation price", liquidation, "short-liquidation"],
      [
        `Owed / cap`,
        `${fmt(s.debt, st.baseDecimals, 4)} / ${fmt(s.policy.maxBaseOwed, 18, 4)} ${st.baseSymbol}`,
        "short-cap",
      ],
      ["Market can lend", b(s.liquidity), "short-liquidity"],
      ["Lending market", escapeHtml(VENUE_STATUS[s.status] ?? String(s.status)), "short-venue"],
    ]) +
    bar;
}

function renderSeries(st: Static, snap: Snapshot): void {
  const live = snap.series.filter((s) => s.state === "live");
  const spot = snap.spot.ok ? Number(snap.spot.value) / 1e18 : null;
  const vol = snap.vol.ok ? Number(snap.vol.value) / 1e18 : null;
  const now = Number(snap.timestamp);
  const size = Number(snap.size) / 1e18;
  const qn = (x: bigint) => Number(x) / 10 ** st.quoteDecimals;
  const body = live
    .map((s) => {
      const terms = {
        strike: Number(s.strike) / 1e18,
        cap: Number(s.cap) / 1e18,
        expiry: Number(s.expiry),
        isCall: s.isCall,
      };
      const delta = spot !== null && vol !== null ? optionValue(terms, spot, vol, now).delta : null;
      const iv = (m: Maybe<bigint>) => {
        if (!m.ok || spot === null) return "–";
        const v = impliedVol(terms, spot, qn(m.value) / size, now);
        return v === null ? "–" : (v * 100).toFixed(1) + " %";
      };
      const breakeven = s.ask.ok
        ? s.isCall
          ? terms.strike + qn(s.ask.value) / size
          : terms.strike - qn(s.ask.value) / size
        : null;
      return `<tr data-series="${s.id}">
        <td class="l">#${s.id}</td><td class="l">${s.isCall ? "call" : "put"}</td>
        <td>${fmt(s.strike, 18, 0)}</td><td>${s.isCall ? fmt(s.cap, 18, 0) : "–"}</td>
        <td class="l">${localTime(s.expiry)}<br><span class="muted">${relative(s.expiry, snap.timestamp)}</span></td>
        <td data-testid="bid-${s.id}">${na(s.bid, (x) => fmt(x, st.quoteDecimals, 2))}</td>
        <td data-testid="ask-${s.id}">${na(s.ask, (x) => fmt(x, st.quoteDecimals, 2))}</td>
        <td>${vol !== null ? (vol * 100).toFixed(1) + " %" : "n/a"}<br><span class="muted">${iv(s.bid)} / ${iv(s.ask)}</span></td>
        <td>${delta !== null ? delta.toFixed(3) : "n/a"}</td>
        <td>${breakeven !== null ? breakeven.toFixed(2) : "n/a"}</td>
        <td>${fmt(s.outstanding, 18, 2)}</td>
        <td data-testid="held-${s.id}">${s.held > 0n ? fmt(s.held, 18, 4) : "–"}</td>
        <td data-testid="held-value-${s.id}">${s.held > 0n ? na(s.heldValue, (x) => fmt(x, st.quoteDecimals, 2)) : "–"}</td>
        <td><button class="small needs-wallet" data-pick="${s.id}" data-side="buy">Buy</button>
            <button class="small secondary needs-wallet" data-pick="${s.id}" data-side="sell" ${s.held > 0n ? "" : "hidden"}>Sell</button></td>
      </tr>`;
    })
    .join("");
  $("series-table").innerHTML =
    `<tr><th class="l">id</th><th class="l">type</th><th>strike</th><th>cap</th><th class="l">expiry (local time)</th>
     <th>bid</th><th>ask</th><th>IV mark<br><span class="muted">bid / ask</span></th><th>delta</th><th>breakeven</th>
     <th>outstanding</th><th>yours</th><th>your value</th><th></th></tr>` +
    (body || `<tr><td class="l muted" colspan="14">no live series</td></tr>`);
  $("series-table")
    .querySelectorAll<HTMLButtonElement>("button[data-pick]")
    .forEach((b) => {
      b.onclick = () => {
        ($("trade-series") as HTMLSelectElement).value = b.dataset.pick!;
        ($("trade-side") as HTMLSelectElement).value = b.dataset.side!;
        $("trade-amount").focus();
      };
    });
  const select = $("trade-series") as HTMLSelectElement;
  const chosen = select.value;
  select.innerHTML = live
    .map((s) => `<option value="${s.id}">${escapeHtml(seriesName(s))}, ${localTime(s.expiry)}</option>`)
    .join("");
  if (live.some((s) => String(s.id) === chosen)) select.value = chosen;
}

function renderRequests(st: Static, snap: Snapshot): void {
  const u = snap.user;
  const rows: string[] = [];
  for (const kind of ["deposit", "redeem"] as const) {
    const r = kind === "deposit" ? u?.depositRequest : u?.redeemRequest;
    if (!r || r.amount === 0n) continue;
    const what =
      kind === "deposit"
        ? `${fmt(r.amount, st.quoteDecimals)} ${st.quoteSymbol}`
        : `${fmt(r.amount, st.shareDecimals, 4)} shares`;
    const due = r.dueAt <= snap.timestamp;
    rows.push(
      `<tr data-testid="request-${kind}"><td class="l">${kind === "deposit" ? "Deposit" : "Withdrawal"} of ${what}</td>
       <td class="l">${due ? '<span class="good">due</span>' : `due ${relative(r.dueAt, snap.timestamp)}`}</td>
       <td>${due ? `<button class="small needs-wallet" data-fulfil="${kind}" data-testid="fulfil-${kind}">Fulfil</button>` : ""}</td></tr>`,
    );
  }
  const el = $("requests");
  el.hidden = rows.length === 0;
  el.innerHTML = `<h3>Your pending requests</h3><table class="compact">${rows.join("")}</table>`;
  el.querySelectorAll<HTMLButtonElement>("button[data-fulfil]").forEach((b) => {
    b.onclick = () => void act((ctx) => fulfilPlan(ctx, b.dataset.fulfil as "deposit" | "redeem"));
  });
}

function renderSettled(st: Static, snap: Snapshot): void {
  const done = snap.series.filter((s) => s.state !== "live");
  const ctx = state.snap && account() ? { st, snap, account: account()!, reader: state.reader! } : null;
  const body = done
    .map((s) => {
      const settled = s.state === "settled";
      const yours = s.held > 0n ? fmt(s.held, 18, 4) : "–";
      const paid =
        settled && s.held > 0n && ctx ? `${fmt(payout(ctx, s, s.held), st.quoteDecimals, 2)} ${st.quoteSymbol}` : "–";
      const action = settled
        ? s.held > 0n
          ? `<button class="small needs-wallet" data-redeem="${s.id}" data-testid="redeem-${s.id}">Redeem</button>`
          : ""
        : `<button class="small needs-wallet" data-settle="${s.id}" data-testid="settle-${s.id}">Settle</button>`;
      return `<tr><td class="l">#${s.id}</td><td class="l">${s.isCall ? "call" : "put"}</td><td>${fmt(s.strike, 18, 0)}</td>
        <td class="l">${localTime(s.expiry)}</td>
        <td class="l" data-testid="state-${s.id}">${settled ? "settled" : '<span class="warn">expired, awaiting settlement</span>'}</td>
        <td>${settled ? `${fmt(s.payoffPerOption, 18, 2)} ${st.quoteSymbol}` : "–"}</td>
        <td>${yours}</td><td data-testid="payout-${s.id}">${paid}</td><td>${action}</td></tr>`;
    })
    .join("");
  $("settled-table").innerHTML =
    `<tr><th class="l">id</th><th class="l">type</th><th>strike</th><th class="l">expired</th><th class="l">state</th><th>payoff per option</th><th>yours</th><th>your payout</th><th></th></tr>` +
    (body || `<tr><td class="l muted" colspan="9">none yet</td></tr>`);
  $("settled-table")
    .querySelectorAll<HTMLButtonElement>("button[data-settle]")
    .forEach((b) => {
      b.onclick = () => void act((ctx) => settlePlan(ctx, BigInt(b.dataset.settle!)));
    });
  $("settled-table")
    .querySelectorAll<HTMLButtonElement>("button[data-redeem]")
    .forEach((b) => {
      b.onclick = () => void act((ctx) => redeemPlan(ctx, BigInt(b.dataset.redeem!)));
    });
}

// ---------------------------------------------------------------- actions

function bindForms(): void {
  const modeSelect = $("entry-mode") as HTMLSelectElement;
  modeSelect.innerHTML = ENTRY_MODES.map((m) => `<option value="${m.id}">${escapeHtml(m.label)}</option>`).join("");
  $("entry-mode-label").hidden = ENTRY_MODES.length < 2;
  const mode = (): EntryMode => ENTRY_MODES.find((m) => m.id === modeSelect.value) ?? ENTRY_MODES[0];
  $("deposit-form").onsubmit = (e) => {
    e.preventDefault();
    void act((ctx) =>
      mode().deposit(
        ctx,
        parseAmount(($("deposit-amount") as HTMLInputElement).value, ctx.st.quoteDecimals, "the deposit amount"),
      ),
    );
  };
  $("withdraw-form").onsubmit = (e) => {
    e.preventDefault();
    const all = ($("withdraw-all") as HTMLInputElement).checked;
    void act((ctx) =>
      mode().withdraw(
        ctx,
        all
          ? "all"
          : parseAmount(
              ($("withdraw-amount") as HTMLInputElement).value,
              ctx.st.quoteDecimals,
              "the withdrawal amount",
            ),
      ),
    );
  };
  $("withdraw-all").onchange = () =>
    (($("withdraw-amount") as HTMLInputElement).disabled = ($("withdraw-all") as HTMLInputElement).checked);
  $("trade-form").onsubmit = (e) => {
    e.preventDefault();
    void act((ctx) => {
      const id = BigInt(($("trade-series") as HTMLSelectElement).value || "0");
      const amount = parseAmount(($("trade-amount") as HTMLInputElement).value, 18, "the number of options");
      const slippageText = ($("trade-slippage") as HTMLInputElement).value.trim();
      if (!/^\d+$/.test(slippageText) || Number(slippageText) > 5000) {
        throw new InputError("Slippage bound: a whole number of basis points from 0 to 5000.");
      }
      const slippage = BigInt(slippageText);
      return ($("trade-side") as HTMLSelectElement).value === "buy"
        ? buyPlan(ctx, id, amount, slippage)
        : sellPlan(ctx, id, amount, slippage);
    });
  };
  $("quote-size").onchange = () => void refresh();
  $("action-close").onclick = () => {
    if (state.running) return;
    $("action").hidden = true;
  };
  $("action-confirm").onclick = () => void confirmPlan();
}

/** Builds a plan (reading quotes and previews) and shows it for confirmation; input errors show in its place. */
async function act(build: (ctx: Ctx) => Promise<Plan> | Plan): Promise<void> {
  if (!state.st || !state.snap || !state.reader || !canAct()) return;
  const ctx: Ctx = { reader: state.reader, st: state.st, snap: state.snap, account: account()! };
  $("action").hidden = false;
  $("action-title").textContent = "Preparing…";
  $("action-preview").innerHTML = "";
  $("action-steps").innerHTML = "";
  setActionError(null);
  ($("action-confirm") as HTMLButtonElement).hidden = true;
  try {
    const plan = await build(ctx);
    state.plan = plan;
    $("action-title").textContent = plan.title;
    $("action-preview").innerHTML = plan.preview.map((line) => `<li>${escapeHtml(line)}</li>`).join("");
    $("action-steps").innerHTML = plan.steps
      .map(
        (s, i) =>
          `<li data-testid="step-${i}">${escapeHtml(s.label)}<span class="step-phase waiting" id="phase-${i}" data-phase="waiting">waiting</span></li>`,
      )
      .join("");
    ($("action-confirm") as HTMLButtonElement).hidden = false;
    ($("action-confirm") as HTMLButtonElement).disabled = false;
  } catch (err) {
    $("action-title").textContent = "Cannot do that";
    setActionError(err instanceof InputError ? err.message : explain(err, unitsFallback()));
  }
}

function setActionError(text: string | null): void {
  const el = $("action-error");
  el.hidden = !text;
  el.textContent = text ?? "";
}

const PHASE_TEXT: Record<Phase, string> = {
  waiting: "waiting",
  simulating: "simulating…",
  signing: "waiting for your signature…",
  pending: "pending…",
  confirmed: "confirmed",
  failed: "failed",
};

async function confirmPlan(): Promise<void> {
  const plan = state.plan;
  if (!plan || !state.publicClient || !state.walletClient || !canAct() || state.running) return;
  state.running = true;
  updateButtons();
  ($("action-confirm") as HTMLButtonElement).disabled = true;
  setActionError(null);
  const ok = await runPlan(plan, {
    publicClient: state.publicClient,
    walletClient: state.walletClient,
    account: account()!,
    units: unitsFallback(),
    onProgress: (p) => {
      const el = $(`phase-${p.step}`);
      if (!el) return;
      el.className = `step-phase ${p.phase}`;
      el.dataset.phase = p.phase;
      const tx = p.hash ? ` <code>${shortAddress(p.hash)}</code>` : "";
      el.innerHTML = PHASE_TEXT[p.phase] + (p.block !== undefined ? ` in block ${p.block}` : "") + tx;
      if (p.message) setActionError(p.message);
    },
  });
  state.running = false;
  ($("action-confirm") as HTMLButtonElement).hidden = ok;
  ($("action-confirm") as HTMLButtonElement).disabled = false;
  if (ok) $("action-title").textContent = `${plan.title}: done`;
  state.plan = ok ? undefined : plan;
  await refresh();
}

void start();
