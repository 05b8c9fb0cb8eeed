#!/usr/bin/env python3
"""The layers of the house as a checked fact: the import graph, its contracts, its matrix.

``python scripts/layers.py`` prints the import matrix (each package -> the packages it
imports, with the Qt and I/O libraries named) and every broken contract; it exits 1 when
a contract is broken. ``tests/architecture/test_layers.py`` runs the same contracts in CI.

The graph is read from the source with ``ast`` (nothing is imported, so a module that needs
Qt or a database is judged all the same), counting every import: at module level, inside
functions, and under ``if TYPE_CHECKING:`` (a type-only import still ties the layers; only
the "does no I/O" contract, a promise about what runs, lets type-only imports pass).
``asyncio`` itself is no I/O (tasks, futures); its streams are: ``asyncio.open_connection``
and friends count as imports of ``asyncio.streams``. ``--root DIR`` judges another tree
(``git archive HEAD | tar -x -C DIR`` gives the committed one).
"""

from __future__ import annotations

import argparse
import ast
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("hub", "backend_client", "widgets", "desktop")

QT = ("PySide6", "shiboken6", "qasync", "pyqtgraph")
#: What "does I/O" means for the shared core: sockets and streams, databases, Qt.
IO = ("socket", "ssl", "asyncio.streams", "websockets", "sqlalchemy", "http", "urllib", *QT)
_STREAMS = frozenset(
    {"open_connection", "start_server", "open_unix_connection", "start_unix_server"}
    | {"StreamReader", "StreamWriter", "streams"}
)
#: backend_client's shell around its core: the modules that do I/O (README, "Layers").
CLIENT_IO = ("backend_client.transport", "backend_client.cache", "backend_client.qt")
#: Libraries the matrix names (everything else outside the house is left out).
NOTABLE = (*IO, "numpy", "msgspec")


@dataclass(frozen=True, order=True)
class Edge:
    """One import statement: ``importer`` (a module) imports ``imported`` at file:line."""

    importer: str
    imported: str
    file: str
    line: int
    type_only: bool = False  # under `if TYPE_CHECKING:`: never imported at run time

    def __str__(self) -> str:
        how = " (for types only)" if self.type_only else ""
        return f"{self.file}:{self.line}: {self.importer} imports {self.imported}{how}"


@dataclass(frozen=True)
class Contract:
    """Modules under ``sources`` (minus ``exempt``) may import nothing under ``forbidden``."""

    name: str
    sources: tuple[str, ...]
    forbidden: tuple[str, ...]
    exempt: tuple[str, ...] = ()
    runtime_only: bool = False  # type-only imports do not break it

    def broken_by(self, edges: Iterable[Edge]) -> list[Edge]:
        found = (
            e
            for e in edges
            if _under(e.importer, self.sources)
            and not (self.runtime_only and e.type_only)
            and not _under(e.importer, self.exempt)
            and _under(e.imported, self.forbidden)
        )
        return sorted(found, key=lambda e: (e.file, e.line, e.imported))


CONTRACTS = (
    Contract("the hub imports no Qt, widgets or desktop", ("hub",), (*QT, "widgets", "desktop")),
    Contract(
        "widgets import neither the hub, the transport nor the cache",
        ("widgets",),
        ("hub", "backend_client.transport", "backend_client.cache"),
    ),
    Contract(
        "the shared core (backend_client minus transport, cache, qt) does no I/O",
        ("backend_client",),
        (*IO, *CLIENT_IO),
        exempt=CLIENT_IO,
        runtime_only=True,
    ),
    Contract(
        "backend_client imports nothing from hub, widgets or desktop",
        ("backend_client",),
        ("hub", "widgets", "desktop"),
    ),
    Contract("the hub uses only the shared core of backend_client", ("hub",), CLIENT_IO),
)


def _under(module: str, prefixes: Sequence[str]) -> bool:
    return any(module == p or module.startswith(p + ".") for p in prefixes)


def module_name(root: Path, file: Path) -> str:
    parts = list(file.relative_to(root).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _is_module(root: Path, dotted: str) -> bool:
    base = root.joinpath(*dotted.split("."))
    return base.with_suffix(".py").is_file() or (base / "__init__.py").is_file()


def _type_checking_lines(tree: ast.Module) -> set[int]:
    """Line numbers inside ``if TYPE_CHECKING:`` blocks."""
    lines: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            for inner in node.body:
                lines.update(range(inner.lineno, (inner.end_lineno or inner.lineno) + 1))
    return lines


def file_edges(root: Path, file: Path) -> list[Edge]:
    """Every import in ``file``, as absolute module names (relative ones resolved)."""
    importer = module_name(root, file)
    is_package = file.name == "__init__.py"
    tree = ast.parse(file.read_text(encoding="utf-8"), filename=str(file))
    typing_only = _type_checking_lines(tree)
    where = str(file.relative_to(root))
    edges: list[Edge] = []

    def add(imported: str, line: int) -> None:
        edges.append(Edge(importer, imported, where, line, line in typing_only))

    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                add(alias.name, node.lineno)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                package = importer.split(".")
                if not is_package:
                    package.pop()
                package = package[: len(package) - (node.level - 1)]
                base = ".".join([*package, base] if base else package)
            for alias in node.names:
                # `from backend_client import transport` imports a module, not a name.
                target = f"{base}.{alias.name}"
                if base == "asyncio" and alias.name in _STREAMS:
                    add("asyncio.streams", node.lineno)
                else:
                    add(target if _is_module(root, target) else base, node.lineno)
        elif (
            isinstance(node, ast.Attribute)
            and node.attr in _STREAMS
            and isinstance(node.value, ast.Name)
            and node.value.id == "asyncio"
        ):
            add("asyncio.streams", node.lineno)
    return edges


def import_graph(root: Path = ROOT, packages: Sequence[str] = PACKAGES) -> list[Edge]:
    edges: list[Edge] = []
    for package in packages:
        for file in sorted((root / package).rglob("*.py")):
            edges += file_edges(root, file)
    return sorted(set(edges))


def check(
    edges: Iterable[Edge], contracts: Sequence[Contract] = CONTRACTS
) -> dict[str, list[Edge]]:
    """Contract name -> the edges that break it (empty lists for those that hold)."""
    edges = list(edges)
    return {c.name: c.broken_by(edges) for c in contracts}


def matrix(edges: Iterable[Edge], packages: Sequence[str] = PACKAGES) -> dict[str, list[str]]:
    """Package (and backend_client's core / shell) -> what it imports, by package."""
    rows: dict[str, set[str]] = {}
    for edge in edges:
        source = edge.importer.split(".")[0]
        if source == "backend_client":
            source += ".shell" if _under(edge.importer, CLIENT_IO) else ".core"
        top = edge.imported.split(".")[0]
        if top in packages:
            target = top
            if top == "backend_client":
                target += ".shell" if _under(edge.imported, CLIENT_IO) else ".core"
        elif top in NOTABLE:
            target = top
        else:
            continue
        if target != source:
            rows.setdefault(source, set()).add(target)
    return {k: sorted(v, key=lambda t: (t not in _internal(packages), t)) for k, v in rows.items()}


def _internal(packages: Sequence[str]) -> set[str]:
    return {*packages, "backend_client.core", "backend_client.shell"}


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0] if __doc__ else "")
    parser.add_argument("--root", type=Path, default=ROOT, help="the tree to judge")
    args = parser.parse_args(argv)
    edges = import_graph(args.root)
    print("import matrix (package -> what it imports; backend_client split into its")
    print("shared core and its I/O shell: transport, cache, qt)")
    table = matrix(edges)
    width = max(len(k) for k in table)
    for source in sorted(table):
        print(f"  {source:<{width}} -> {', '.join(table[source])}")
    broken = 0
    for name, bad in check(edges).items():
        print(f"{'BROKEN' if bad else 'ok    '} {name}")
        for edge in bad:
            print(f"         {edge}")
        broken += len(bad)
    return 1 if broken else 0


if __name__ == "__main__":
    sys.exit(main())
