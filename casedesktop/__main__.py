import sys

from casedesktop.cli import main

sys.exit(main())
