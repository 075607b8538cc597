"""Browser tests of the wallet page (app/): Debian's chromium driven by Playwright, against Ape's anvil with the
stack of `ape run deploy stack` deployed once per module, through a test EIP-1193 wallet injected into the page
(wallet.js) that forwards JSON-RPC to anvil's unlocked dev accounts.

The page is the production build (app/dist, built here when missing or older than its sources), served by a
small HTTP server that answers /deployments/<chain id>.json with the module's deployment record.
"""

import json
import os
import subprocess
import threading
from decimal import ROUND_HALF_UP, Decimal
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from tests.utils.constants import USDC, WAD  # noqa: F401 (the page tests import them from here)

ROOT = Path(__file__).resolve().parents[2]
APP = ROOT / "app"
DIST = APP / "dist"
REPORTS = ROOT / "reports"
CHROMIUM = Path(os.environ.get("CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
WALLET_JS = (Path(__file__).parent / "wallet.js").read_text()
TIMEOUT_MS = 20_000


def human(units: int, decimals: int, places: int = 2) -> str:
    """The page's number format: grouped, rounded half up."""
    value = (Decimal(units) / Decimal(10) ** decimals).quantize(Decimal(1).scaleb(-places), ROUND_HALF_UP)
    return f"{value:,.{places}f}"


def _sources_newer_than(target: Path) -> bool:
    if not target.exists():
        return True
    built = target.stat().st_mtime
    sources = [
        *APP.glob("src/**/*"),
        APP / "index.html",
        APP / "vite.config.mts",
        *ROOT.glob("interfaces/abi/*.json"),
    ]
    return any(p.is_file() and p.stat().st_mtime > built for p in sources)


@pytest.fixture(scope="session")
def app_dist() -> Path:
    if _sources_newer_than(DIST / "index.html"):
        vite = ROOT / "node_modules" / ".bin" / "vite"
        if not vite.exists():
            pytest.fail("node_modules/.bin/vite is missing: run `make setup`")
        subprocess.run([str(vite), "build", "--logLevel", "warn"], cwd=APP, check=True)
    return DIST


class _Handler(SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def do_GET(self):
        if self.path.startswith("/deployments/"):
            name = self.path.split("?")[0].rsplit("/", 1)[-1]
            record = self.server.deployments.get(name)  # type: ignore[attr-defined]
            body = json.dumps(record).encode() if record else b"not found"
            self.send_response(200 if record else 404)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
            return
        super().do_GET()


@pytest.fixture(scope="session")
def server(app_dist):
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), partial(_Handler, directory=str(app_dist)))
    httpd.deployments = {}  # type: ignore[attr-defined]
    httpd.url = f"http://127.0.0.1:{httpd.server_address[1]}"  # type: ignore[attr-defined]
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield httpd
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture(scope="session")
def browser():
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: `make chromium` installs Debian's chromium")
    from playwright.sync_api import sync_playwright

    playwright = sync_playwright().start()
    instance = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
    yield instance
    instance.close()
    playwright.stop()


@pytest.fixture(scope="session")
def user(accounts):
    """The person at the browser: 100,000 USDC on every stack, no shares and no options at first."""
    return accounts[8]


@pytest.fixture(scope="session")
def broke(accounts):
    """An account holding gas but no USDC."""
    return accounts[9]


@pytest.fixture(scope="module")
def stack(owner, manager, guardian, keeper, depositor, trader, attacker, user, broke, server, chain):
    """`deltavault.local.stack.deploy_stack` (what `ape run deploy stack` deploys) with 1M USDC deposited by the
    depositor and 100,000 USDC minted to the user; its record is what the page reads."""
    # Every session account fixture is requested above, so each exists before Ape's module snapshot.
    from deltavault.local.stack import deploy_stack
    from tests.utils.market import THRESHOLD_POLICY

    # The threshold + time rules, whose band and status lines the rebalance card tests read.
    result = deploy_stack(
        owner, liquidity=2_000_000, network="ethereum:local:foundry", hedge_policy=THRESHOLD_POLICY
    )
    quote, vault = result.market.quote, result.system.vault
    quote.mint(depositor, 1_000_000 * USDC, sender=owner)
    quote.approve(vault, 2**256 - 1, sender=depositor)
    vault.deposit(1_000_000 * USDC, depositor, sender=depositor)
    quote.mint(user, 100_000 * USDC, sender=owner)
    server.deployments[f"{chain.chain_id}.json"] = result.record
    return result


@pytest.fixture
def open_page(browser, server, stack, chain, user):
    """Opens the page in a fresh browser context with the test wallet; connects unless told not to."""
    contexts, errors = [], []
    rpc = chain.provider.uri

    def open_(
        account=None, *, chain_id=None, announce=True, legacy=True, connect=True, query=None, name="page"
    ):
        config = {
            "rpc": rpc,
            "account": (account or user).address,
            "chainId": chain_id or chain.chain_id,
            "nodeChainId": chain.chain_id,
            "announce": announce,
            "legacy": legacy,
        }
        context = browser.new_context(viewport={"width": 1440, "height": 1000})
        context.set_default_timeout(TIMEOUT_MS)
        context.add_init_script(WALLET_JS.replace("__WALLET_CONFIG__", json.dumps(config)))
        contexts.append(context)
        page = context.new_page()
        page.on("pageerror", lambda err: errors.append(f"{name}: {err}"))
        page.goto(f"{server.url}/?{query or f'chain={chain.chain_id}'}&rpc={rpc}&poll=500")
        page.wait_for_selector("[data-testid=nav]")
        if connect:
            page.click("[data-testid=connect-0]")
            page.wait_for_selector("[data-testid=account]")
            page.wait_for_selector("[data-testid=user-shares]")
        return page

    yield open_
    for context in contexts:
        context.close()
    assert not errors, errors


def text(page, testid: str) -> str:
    return page.inner_text(f"[data-testid={testid}]").strip()


def wait_for_block(page, block: int) -> None:
    """Waits until the page has rendered a snapshot of `block` or later."""
    page.wait_for_function(f"Number(document.body.dataset.block || 0) >= {int(block)}")


def confirm(page) -> None:
    """Confirms the action shown and waits for every step to be confirmed; fails with the page's message."""
    page.click("[data-testid=action-confirm]")
    page.wait_for_function(
        "() => { const p = [...document.querySelectorAll('#action-steps .step-phase')];"
        " return p.some(e => e.dataset.phase === 'failed') || (p.length > 0 && p.every(e => e.dataset.phase === 'confirmed')); }"
    )
    phases = page.eval_on_selector_all("#action-steps .step-phase", "els => els.map(e => e.dataset.phase)")
    assert all(p == "confirmed" for p in phases), (phases, text(page, "action-error"))


def shot(page, name: str) -> Path:
    REPORTS.mkdir(exist_ok=True)
    path = REPORTS / f"app-{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def sent_transactions(page) -> int:
    return page.evaluate("window.__testWallet.calls.filter(m => m === 'eth_sendTransaction').length")
