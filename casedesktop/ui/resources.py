"""Where the app's own files are: the icon and desktop files inside the package, the licence texts
beside a frozen bundle or in the installed distribution's metadata."""

from __future__ import annotations

import sys
from importlib import resources
from pathlib import Path

LICENCE = "LICENSE"
NOTICES = "THIRD_PARTY_NOTICES.txt"


def resource_path(name: str) -> Path:
    """A file of casedesktop/resources (a real path: Qt opens it by name)."""
    return Path(str(resources.files("casedesktop") / "resources" / name))


def licence_file(name: str) -> Path | None:
    """LICENSE or THIRD_PARTY_NOTICES.txt: in the bundle, else from the package's metadata (LICENSE
    only), else beside a source checkout; None when none of those has it."""
    from importlib import metadata  # ~20 ms: not on the cold start's path (the icon is)

    bundle = getattr(sys, "_MEIPASS", None)
    candidates = [Path(bundle) / name] if bundle else []
    try:
        dist = metadata.distribution("casedesktop")
        candidates += [Path(str(dist.locate_file(f))) for f in dist.files or [] if Path(str(f)).name == name]
    except metadata.PackageNotFoundError:
        pass
    candidates.append(Path(__file__).resolve().parents[2] / name)
    return next((path for path in candidates if path.is_file()), None)
