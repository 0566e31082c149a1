"""The PySide6 front end: the only package that imports Qt."""

import os

# Qt Multimedia looks for PipeWire when it loads and complains where it is missing; set before
# any Qt module is imported.
os.environ.setdefault("QT_LOGGING_RULES", "qt.multimedia.symbolsresolver=false")
