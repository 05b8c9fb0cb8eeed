"""The Watchfloor application: command line, wall shell, workstation, wiring."""

__version__ = "0.1.0"
