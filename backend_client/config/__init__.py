"""Configuration files (TOML) declared once as typed Structs, with errors that name a line.

Every configuration file of the house (the wall layout, ``watchfloor.toml``, the hub's
auth file) is read the same way: :func:`read_toml` parses it and indexes where each key
sits (:class:`TomlLines`, ``lines.py``), :meth:`TomlFile.convert` turns the parsed tables
into the file's declared msgspec Structs (``loader.py``; msgspec's messages reworded in
``explain.py``), and every problem, from a syntax error to a value out of range, becomes
one :class:`ConfigError`: ``FILE:LINE: field 'screens[2].panels[0].kind': PROBLEM``. The
person reading it is an installer at a wall PC. :func:`field_table` renders the same
declarations for docs/configuration.md.

Part of the shared core (the hub's auth file uses it too): pure Python, no I/O beyond
reading the one file it is given.
"""

from backend_client.config.fieldtable import field_table
from backend_client.config.lines import FieldPath, TomlLines, dotted
from backend_client.config.loader import ConfigError, TomlFile, load, read_toml

__all__ = [
    "ConfigError",
    "FieldPath",
    "TomlFile",
    "TomlLines",
    "dotted",
    "field_table",
    "load",
    "read_toml",
]
