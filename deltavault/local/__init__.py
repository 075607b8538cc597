"""Helpers bound to this repository, for local markets and deployments: the real Uniswap V3 deployed from its npm
artifacts (`uniswap`, `artifacts`), Morpho Blue built from its npm source (`lending`), and the whole stack that
`ape run deploy`, `make demo`, the benchmarks and the tests deploy (`stack`).

They need the checkout (node_modules, the compiled project), so `deltavault` does not import them: an installed
SDK (`from deltavault import Vault`) never loads this subpackage.
"""
