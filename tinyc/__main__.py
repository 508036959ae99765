"""`python -m tinyc`: the command line (as the `tinyc` script)."""
import sys

from .cli import main

sys.exit(main())
