"""Events read from receipts, shared by the integration and fork suites."""

from typing import Any


def rebalanced(receipt: Any, hedger: Any) -> Any:
    """The one `Rebalanced` event of a rebalance receipt (fails if there is not exactly one)."""
    (event,) = receipt.decode_logs(hedger.Rebalanced)
    return event
