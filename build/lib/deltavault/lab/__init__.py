"""The policy lab: simulate, backtest and calibrate DeltaHedger's rebalancing rules.

- `rules`: the exact integer mirror of `DeltaHedger._status` (checked against the contract on anvil).
- `book`: option books (the demo's, a put-heavy one, JSON files) valued by Black-Scholes.
- `paths`: GBM, Merton jump-diffusion, GARCH(1,1)-t fitted to real ETH/USD, real history, CSV replay.
- `sim`: the vectorised simulator (all paths at once): decisions, trades, costs, P&L.
- `frontier`: policy families swept into a risk/cost frontier, the standard scenarios, tuning.
"""
