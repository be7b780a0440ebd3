"""`python -m potwise.cli`, as the `potwise` script."""

from potwise.cli import main

main()
