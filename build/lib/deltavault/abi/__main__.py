"""`python -m deltavault.abi`: write the packaged and exported ABI files from the build."""

from deltavault.abi import main

main()
