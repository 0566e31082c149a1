"""The wire protocol between the desktop client and the server: every JSON shape lives here."""

from casedesktop.api.models import *  # noqa: F403
from casedesktop.api.models import __all__  # noqa: F401
