"""The anvil that Ape's foundry provider starts, without the chain history it would write to disk.

Anvil keeps the state after each of the last 500 blocks in memory and writes older ones to disk (up to 3,600,
several MB each as JSON under ~/.foundry/anvil/tmp). Ape stops anvil by killing it, so those folders stay behind:
a test session or a long demo leaves GBs that nothing reads back. `--prune-history N` keeps the last N states in
memory and writes none. The suites, the demo and the benchmarks read state at most a few blocks back (calls at a
receipt's parent block, a keeper's block); snapshots (evm_snapshot/evm_revert) are kept apart from this history,
and `trace_transaction` reads traces stored with each transaction.
"""

from ape_foundry.provider import FoundryProvider

STATES_KEPT = 256
_build_command = FoundryProvider.build_command


def lean_anvil(*, steps_tracing: bool = True, states_kept: int = STATES_KEPT) -> None:
    """Make every anvil the foundry provider starts from now on keep `states_kept` states and write none to disk;
    without `steps_tracing`, anvil also stops recording opcode-level traces (geth struct logs)."""

    def build_command(self) -> list[str]:
        command = _build_command(self)
        if not steps_tracing:
            command = [arg for arg in command if arg != "--steps-tracing"]
        return [*command, "--prune-history", str(states_kept)]

    FoundryProvider.build_command = build_command
