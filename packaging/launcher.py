"""The frozen app's entry point: the client, or the server CLI for the demo.

A bundle has no Python to run `-m casedesktop.server` with, so `casedesktop demo` starts its server
as this same executable with FROZEN_SERVER_ARG first. Only this file knows both sides; the client
package never imports the server.
"""

import sys

from casedesktop import FROZEN_SERVER_ARG

if sys.argv[1:2] == [FROZEN_SERVER_ARG]:
    from casedesktop.server.cli import main as server_main

    sys.exit(server_main(sys.argv[2:]))

from casedesktop.cli import main  # noqa: E402 - after the server dispatch on purpose

sys.exit(main())
