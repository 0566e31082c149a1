"""Screen recording in the window: control bar, countdown, area picker, preview."""
