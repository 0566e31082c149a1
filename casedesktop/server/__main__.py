"""`python -m casedesktop.server` runs the server CLI."""

import sys

from casedesktop.server.cli import main

sys.exit(main())
