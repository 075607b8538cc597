"""`ape run governance ...` against the test session's anvil: the vault's owner role handed to a timelock, a
tightening change applied at once, a loosening one queued, shown by `vault status`, refused before its notice,
applied after it, and one cancelled by the guardian."""

import json

import pytest

from deltavault.roles import Role
from tests.utils.cli import invoke, ok, on_node, one_line_error
from tests.utils.constants import DAY

DELAY = 2 * DAY


@pytest.fixture(scope="module")
def run(deployed, tmp_path_factory, chain):
    """`ape run <script> ...` in-process on the session's anvil, with the module's deployment file."""
    path = tmp_path_factory.mktemp("deployments") / "31337.json"
    path.write_text(json.dumps(deployed.record))

    def run(script, *args):
        return invoke(script, *args, *on_node(chain), "--deployment", str(path))

    run.path = path
    return run


def queued_ids(run) -> list[dict]:
    return json.loads(ok(run("governance", "status", "--json")))["queue"]


def test_governance_cli__install_propose_queue_execute_cancel(
    run, deployed, owner, guardian, accounts, chain
):
    vault, hedger = deployed.system.vault, deployed.system.hedger

    # Refused in one line, nothing sent (bad option values: tests/unit/test_cli_params.py).
    assert "no timelock" in one_line_error(run("governance", "status"))
    nonce = accounts[6].nonce
    assert "not an owner" in one_line_error(
        run("governance", "install", "--delay", "2d", "--account", "TEST::6")
    )
    assert vault.hasRole(Role.OWNER.value, owner) and accounts[6].nonce == nonce

    out = ok(
        run("governance", "install", "--delay", "2d", "--guardian", guardian.address, "--account", "TEST::0")
    )
    record = json.loads(run.path.read_text())
    lock = record["timelock"]
    assert lock in out
    assert vault.hasRole(Role.OWNER.value, lock) and not vault.hasRole(Role.OWNER.value, owner)
    assert "already has a timelock" in one_line_error(
        run("governance", "install", "--delay", "2d", "--account", "TEST::0")
    )

    # A higher fee loosens (it takes more from depositors who joined under the lower one): queued.
    fee = vault.policy().entryFeeBps
    out = ok(
        run(
            "governance",
            "propose",
            "vault-policy",
            "--set",
            f"entry_fee_bps={fee + 50}",
            "--account",
            "TEST::0",
        )
    )
    assert "queued" in out and "entryFeeBps loosens" in out
    assert vault.policy().entryFeeBps == fee
    # A lower fee tightens: applied at once.
    out = ok(
        run(
            "governance",
            "propose",
            "vault-policy",
            "--set",
            f"entry_fee_bps={fee - 10}",
            "--account",
            "TEST::0",
        )
    )
    assert "applied at once" in out
    assert vault.policy().entryFeeBps == fee - 10
    # Only the admin proposes.
    assert "only the timelock's admin" in one_line_error(
        run("governance", "propose", "vault-policy", "--set", "entry_fee_bps=1", "--account", "TEST::5")
    )

    # A wider hedge band loosens: queued too.
    band = hedger.policy().band
    ok(run("governance", "propose", "hedger-policy", "--set", f"band={band * 2}", "--account", "TEST::0"))
    queue = queued_ids(run)
    assert [c["kind"] for c in queue] == ["vault policy", "hedger policy"]
    assert queue[0]["summary"] == f"entry_fee_bps {fee - 10} -> {fee + 50}"
    assert queue[1]["summary"].endswith(f"band {band} -> {band * 2}")
    assert {c["state"] for c in queue} == {"waiting"}

    # Depositors see the queue in the vault's status.
    status = ok(run("vault", "status"))
    assert f"timelock {lock}" in status and "2 change(s) queued" in status and "entry_fee_bps" in status
    assert json.loads(ok(run("vault", "status", "--json")))["governance"]["queue"][0]["id"] == queue[0]["id"]

    # Before the notice: refused with the date, nothing sent.
    nonce = accounts[7].nonce
    assert "waiting" in one_line_error(run("governance", "execute", queue[0]["id"], "--account", "TEST::7"))
    assert accounts[7].nonce == nonce
    # The guardian cancels the hedger change; a trader cannot.
    assert "only the guardian" in one_line_error(
        run("governance", "cancel", queue[1]["id"], "--account", "TEST::7")
    )
    ok(run("governance", "cancel", queue[1]["id"], "--account", "TEST::5"))
    assert [c["id"] for c in queued_ids(run)] == [queue[0]["id"]]

    # After the notice anyone applies the fee change.
    chain.mine(timestamp=chain.blocks.head.timestamp + DELAY + 60)
    assert queued_ids(run)[0]["state"] == "ready"
    ok(run("governance", "execute", queue[0]["id"], "--account", "TEST::7"))
    assert vault.policy().entryFeeBps == fee + 50
    assert hedger.policy().band == band
    assert queued_ids(run) == []
    assert "is not queued" in one_line_error(
        run("governance", "execute", queue[0]["id"], "--account", "TEST::7")
    )
