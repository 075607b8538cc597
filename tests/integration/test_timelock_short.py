"""PolicyTimelock and the short leg (a stack with its Morpho Blue market): a lower short policy applies at once, a
higher one and every borrow-venue change wait the delay (early execution reverts with `ChangeNotReady`), the
guardian cancels, the hedger's bounds still hold; `ape run governance propose short-policy / borrow-venue`."""

import importlib.util
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from deltavault.governance import ChangeKind, Timelock
from deltavault.roles import Role
from tests.utils.constants import WAD
from tests.utils.short_stack import deploy_short_stack
from tests.utils.vault import DAY, reverts

ROOT = Path(__file__).resolve().parents[2]
DELAY = 2 * DAY
ZERO = "0x" + "00" * 20


def b32(name: str) -> bytes:
    return name.encode().ljust(32, b"\0")


def event(tx, name):
    [log] = [log for log in tx.events if log.event_name == name]
    return log


@pytest.fixture(scope="module")
def short(owner, depositor, chain):
    return deploy_short_stack(owner, depositor, chain)


@pytest.fixture(scope="module")
def timelock(project, short, owner, guardian):
    vault = short.vault
    timelock = owner.deploy(project.PolicyTimelock, vault, owner, guardian, DELAY)
    vault.grantRole(Role.OWNER.value, timelock, sender=owner)
    vault.renounceRole(Role.OWNER.value, owner, sender=owner)
    return timelock


@pytest.fixture(scope="module")
def governance_cli(short, timelock, tmp_path_factory, chain):
    """`ape run governance` invoked in-process, on the test's anvil (its URI as the network)."""
    path = tmp_path_factory.mktemp("deployments") / "31337.json"
    path.write_text(json.dumps({**short.record, "timelock": timelock.address}))
    spec = importlib.util.spec_from_file_location(
        "script_governance_short", ROOT / "scripts" / "governance.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)

    def run(*args):
        argv = [*args, "--network", chain.provider.uri, "--deployment", str(path)]
        return CliRunner().invoke(module.cli, argv)

    return run


def policy(short, **changes) -> tuple:
    p = short.hedger.shortPolicy()
    values = {"targetLtv": p.targetLtv, "maxLtv": p.maxLtv, "maxBaseOwed": p.maxBaseOwed, **changes}
    return (values["targetLtv"], values["maxLtv"], values["maxBaseOwed"])


def test_short_policy__lower_cap_and_ltvs__applies_at_once(short, timelock, owner):
    tighter = policy(short, targetLtv=4 * WAD // 10, maxLtv=55 * WAD // 100, maxBaseOwed=100 * WAD)
    tx = timelock.proposeShortPolicy(short.hedger, tighter, sender=owner)
    assert tx.return_value.applied and event(tx, "ChangeApplied").immediate
    assert tuple(short.hedger.shortPolicy()) == tighter and timelock.pendingIds() == []


@pytest.mark.parametrize(
    "field, value",
    [("targetLtv", 55 * WAD // 100), ("maxLtv", 7 * WAD // 10), ("maxBaseOwed", 501 * WAD)],
)
def test_short_policy__higher_field__queued_with_that_field(short, timelock, owner, field, value):
    before = tuple(short.hedger.shortPolicy())
    tx = timelock.proposeShortPolicy(short.hedger, policy(short, **{field: value}), sender=owner)
    assert not tx.return_value.applied and event(tx, "ChangeQueued").field == b32(field)
    assert tuple(short.hedger.shortPolicy()) == before


def test_short_policy__looser__early_execute_reverts_then_applies_after_delay(short, timelock, owner, chain):
    looser = policy(short, maxLtv=7 * WAD // 10, maxBaseOwed=800 * WAD)
    tx = timelock.proposeShortPolicy(short.hedger, looser, sender=owner)
    queued = event(tx, "ChangeQueued")
    ready_at = chain.blocks.head.timestamp + DELAY
    assert queued.readyAt == ready_at and queued.field == b32("maxLtv")
    chain.pending_timestamp = ready_at - 1
    with reverts(timelock.ChangeNotReady, id=queued.id, readyAt=ready_at):
        timelock.execute(queued.id, sender=owner)
    chain.pending_timestamp = ready_at
    timelock.execute(queued.id, sender=owner)
    assert tuple(short.hedger.shortPolicy()) == looser


def test_short_policy__tighter_but_out_of_the_hedgers_bounds__reverts_with_its_error(short, timelock, owner):
    before = tuple(short.hedger.shortPolicy())
    with reverts(short.hedger.PolicyOutOfBounds):  # target above max: the hedger's bound, checked at once
        timelock.proposeShortPolicy(short.hedger, policy(short, maxLtv=WAD // 10), sender=owner)
    assert tuple(short.hedger.shortPolicy()) == before


def test_short_policy__queued_beyond_the_venues_lltv__execute_reverts_with_the_bound(
    short, timelock, owner, chain
):
    tx = timelock.proposeShortPolicy(short.hedger, policy(short, maxLtv=9 * WAD // 10), sender=owner)
    chain.pending_timestamp = event(tx, "ChangeQueued").readyAt
    with reverts(short.hedger.PolicyOutOfBounds):
        timelock.execute(event(tx, "ChangeQueued").id, sender=owner)


def test_short_policy__old_owner__cannot_bypass(short, timelock, owner):
    with reverts(short.hedger.NotVaultOwner, caller=owner.address):
        short.hedger.setShortPolicy(policy(short, maxBaseOwed=900 * WAD), sender=owner)


def test_borrow_venue__always_queued__guardian_cancels(short, timelock, owner, guardian, chain):
    venue = short.vault.borrowVenue()
    tx = timelock.proposeBorrowVenue(ZERO, sender=owner)
    queued = event(tx, "ChangeQueued")
    assert queued.field == b32("borrowVenue") and queued.kind == ChangeKind.BORROW_VENUE
    with reverts(timelock.ChangeNotReady, id=queued.id, readyAt=queued.readyAt):
        timelock.execute(queued.id, sender=owner)
    timelock.cancel(queued.id, sender=guardian)
    chain.pending_timestamp = queued.readyAt
    with reverts(timelock.ChangeNotQueued, id=queued.id):
        timelock.execute(queued.id, sender=owner)
    assert short.vault.borrowVenue() == venue


def test_borrow_venue__off_after_the_delay__short_leg_off(short, timelock, owner, chain):
    tx = timelock.proposeBorrowVenue(ZERO, sender=owner)
    queued = event(tx, "ChangeQueued")
    chain.pending_timestamp = queued.readyAt
    timelock.execute(queued.id, sender=owner)
    assert short.vault.borrowVenue() == ZERO


def test_rules__short_policy_one_per_field_in_struct_order(timelock):
    names = [rule.name.rstrip(b"\0").decode() for rule in timelock.shortPolicyRules()]
    assert names == ["targetLtv", "maxLtv", "maxBaseOwed"]
    assert all(rule.loosens == 0 for rule in timelock.shortPolicyRules())  # Higher
    current = (WAD // 2, 6 * WAD // 10, 500 * WAD)
    assert timelock.shortPolicyLoosens(current, current) == b"\0" * 32
    assert timelock.shortPolicyLoosens(current, (WAD // 2, 6 * WAD // 10, 499 * WAD)) == b"\0" * 32
    assert timelock.shortPolicyLoosens(current, (WAD // 2, 6 * WAD // 10, 501 * WAD)) == b32("maxBaseOwed")


def test_governance_cli__short_policy_and_borrow_venue(short, timelock, governance_cli, chain):
    result = governance_cli("propose", "short-policy", "--max-base-owed", "100", "--account", "TEST::0")
    assert result.exit_code == 0, result.output
    assert "applied at once" in result.output and short.hedger.shortPolicy().maxBaseOwed == 100 * WAD

    result = governance_cli("propose", "short-policy", "--max-ltv", "65%", "--account", "TEST::0")
    assert result.exit_code == 0, result.output
    assert "queued 0x" in result.output and "maxLtv loosens" in result.output
    result = governance_cli("propose", "borrow-venue", ZERO, "--account", "TEST::0")
    assert result.exit_code == 0, result.output
    assert "borrowVenue loosens" in result.output

    result = governance_cli("status", "--json")
    assert result.exit_code == 0, result.output
    queue = {c["kind"]: c for c in json.loads(result.output[result.output.index("{") :])["queue"]}
    assert queue["short policy"]["summary"].endswith("max_ltv 0.6 -> 0.65")
    assert queue["borrow venue"]["summary"] == "borrow venue -> none (short leg off)"
    lock = Timelock.at(timelock.address)
    assert {c.kind for c in lock.queue()} == {ChangeKind.SHORT_POLICY, ChangeKind.BORROW_VENUE}

    early = governance_cli("execute", queue["short policy"]["id"], "--account", "TEST::5")
    assert early.exit_code == 1 and "is waiting: it can be applied from" in early.output
    chain.pending_timestamp = chain.blocks.head.timestamp + DELAY
    chain.mine()
    result = governance_cli("execute", queue["short policy"]["id"], "--account", "TEST::5")
    assert result.exit_code == 0, result.output
    assert short.hedger.shortPolicy().maxLtv == 65 * WAD // 100


@pytest.mark.parametrize(
    "args, message",
    [
        (("--max-ltv", "1.5"), "is outside (0, 1]"),
        (("--max-base-owed", "-1"), "max-base-owed"),
        ((), "nothing to propose"),
        (("--target-ltv", "0.59", "--max-ltv", "0.58"), "is above the max LTV"),
    ],
)
def test_governance_cli__short_policy_bad_input__one_line(governance_cli, args, message):
    result = governance_cli("propose", "short-policy", *args, "--account", "TEST::0")
    assert result.exit_code != 0 and "Traceback" not in result.output
    errors = [line for line in result.output.splitlines() if line.startswith("Error")]
    assert len(errors) == 1 and message in errors[0], result.output


def test_governance_cli__borrow_venue_without_code__one_line(governance_cli):
    result = governance_cli("propose", "borrow-venue", "0x" + "ab" * 20, "--account", "TEST::0")
    assert result.exit_code == 1 and "no contract at" in result.output, result.output
