"""CaseDesktop: a desktop client for customer support cases that works offline."""

__version__ = "0.1.0"

APP_NAME = "CaseDesktop"
# One reverse-DNS id for every place the desktop identifies the app: the desktop entry and the
# AppStream metainfo (Linux), the bundle id (macOS), the AppUserModelID (Windows), Qt's desktop
# file name (window grouping and icons on Wayland).
APP_ID = "org.casedesktop.CaseDesktop"
# A frozen bundle carries the server too, for the demo: this first argument runs the server CLI
# from the bundle's own executable (packaging/launcher.py) instead of the client.
FROZEN_SERVER_ARG = "--bundled-server"
