"""The layering contracts of the house (README, "Layers"), checked on the import graph.

The graph and the contracts live in ``scripts/layers.py`` (which also prints the import
matrix); this runs them in CI, with no list of tolerated exceptions.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _load_layers() -> ModuleType:
    spec = importlib.util.spec_from_file_location("layers", ROOT / "scripts" / "layers.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("layers", module)  # dataclasses look their module up by name
    spec.loader.exec_module(module)
    return module


layers = _load_layers()

HUB = "the hub imports no Qt, widgets or desktop"
WIDGETS = "widgets import neither the hub, the transport nor the cache"
CORE = "the shared core (backend_client minus transport, cache, qt) does no I/O"
CLIENT = "backend_client imports nothing from hub, widgets or desktop"
HUB_CORE = "the hub uses only the shared core of backend_client"


@pytest.fixture(scope="module")
def broken() -> dict[str, list[object]]:
    result: dict[str, list[object]] = layers.check(layers.import_graph(ROOT))
    return result


def _edges(found: list[object]) -> set[tuple[str, str]]:
    return {(e.importer, e.imported) for e in found}  # type: ignore[attr-defined]


def test_every_contract_is_named(broken: dict[str, list[object]]) -> None:
    assert set(broken) == {HUB, WIDGETS, CORE, CLIENT, HUB_CORE}


@pytest.mark.parametrize("contract", [HUB, WIDGETS, CORE, CLIENT, HUB_CORE])
def test_contract_holds(broken: dict[str, list[object]], contract: str) -> None:
    # At 584e4b1 the widgets contract was broken by five edges (the drill-down, the live
    # map and the situation panel fetched through the transport and the cache themselves);
    # the stories in backend_client/stories/ fetch for them now. No exception list: any
    # edge that breaks a contract fails here.
    assert not broken[contract], "\n".join(str(e) for e in broken[contract])


def test_the_widget_contract_is_stated_exactly() -> None:
    contract = next(c for c in layers.CONTRACTS if c.name == WIDGETS)
    assert contract.sources == ("widgets",)
    assert set(contract.forbidden) == {
        "hub",
        "backend_client.transport",
        "backend_client.cache",
    }


def test_the_core_is_all_of_backend_client_but_its_io_shell() -> None:
    contract = next(c for c in layers.CONTRACTS if c.name == CORE)
    assert contract.exempt == (
        "backend_client.transport",
        "backend_client.cache",
        "backend_client.qt",
    )
    for library in ("socket", "asyncio.streams", "websockets", "sqlalchemy", "PySide6"):
        assert library in contract.forbidden


# ---- the checker checks: a deliberately wrong import in a tiny fake house ----------------


def _house(tmp_path: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return tmp_path


def test_a_wrong_import_is_reported_with_file_and_line(tmp_path: Path) -> None:
    root = _house(
        tmp_path,
        {
            "hub/__init__.py": "",
            "hub/service.py": '"""Fine so far."""\n\nimport json\n\nfrom PySide6 import QtCore\n',
            "widgets/__init__.py": "",
            "widgets/map.py": "def f() -> None:\n    from backend_client import transport\n",
            "backend_client/__init__.py": "",
            "backend_client/transport.py": "import websockets\n",
            "backend_client/state.py": (
                "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    import sqlalchemy\n"
                "from . import transport\nimport asyncio\nasyncio.open_connection\n"
            ),
            "desktop/__init__.py": "",
        },
    )
    found = layers.check(layers.import_graph(root))
    assert [str(e) for e in found[HUB]] == ["hub/service.py:5: hub.service imports PySide6"]
    # Inside a function, and a module named in `from package import module`.
    assert [str(e) for e in found[WIDGETS]] == [
        "widgets/map.py:2: widgets.map imports backend_client.transport"
    ]
    # Relative imports resolved; asyncio's streams are I/O, a type-only import is not.
    assert [str(e) for e in found[CORE]] == [
        "backend_client/state.py:4: backend_client.state imports backend_client.transport",
        "backend_client/state.py:6: backend_client.state imports asyncio.streams",
    ]
    assert not found[CLIENT] and not found[HUB_CORE]


def test_the_script_prints_the_matrix_and_fails_on_a_broken_contract(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = _house(
        tmp_path,
        {"hub/__init__.py": "import widgets\n", "widgets/__init__.py": "import hub\n"},
    )
    assert layers.main(["--root", str(root)]) == 1
    out = capsys.readouterr().out
    assert "hub     -> widgets" in out and "widgets -> hub" in out
    assert "BROKEN the hub imports no Qt, widgets or desktop" in out
    assert "hub/__init__.py:1: hub imports widgets" in out
