"""``python -m finmodel`` runs the command-line interface."""

import sys

from finmodel.cli import main

sys.exit(main())
