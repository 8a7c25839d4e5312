"""`python -m gate` runs the command line."""

from gate.cli import COMPLETE_VAR, main

main(prog_name="gate", complete_var=COMPLETE_VAR)
