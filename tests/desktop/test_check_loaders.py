"""``watchfloor check`` judges files with the programs' own loaders and reaches the hub
with the walls' own client (desktop/check.py)."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from backend_client.transport import AuthRejected, FeedClient
from desktop import check


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_config_is_judged_by_the_walls_loader(tmp_path: Path) -> None:
    config = write(tmp_path, "watchfloor.toml", '[wall]\nhub = "ws://h:1"\n\ntokn = "x"\n')
    finding = check.check_config(config)
    assert (finding.status, finding.exit_code) == ("fail", 2)
    assert finding.detail.startswith(f"{config}:4: field 'wall.tokn': unknown field")


def test_config_is_judged_by_the_desks_loader_too(tmp_path: Path) -> None:
    config = write(tmp_path, "watchfloor.toml", '[desk]\nlang = "fr"\n')
    finding = check.check_config(config)
    assert finding.exit_code == 2
    assert f"{config}:2: field 'desk.lang': one of zh_CN, en" in finding.detail
    config.write_text('[desk]\nlang = "en"\n[hub]\nanything = 1\n', encoding="utf-8")
    ok = check.check_config(config)
    assert ok.status == "ok" and "[desk] valid" in ok.detail


def test_an_unknown_top_level_table_in_a_layout_names_its_line(tmp_path: Path) -> None:
    layout = write(
        tmp_path,
        "wall.toml",
        '[[screens]]\nscreen = 0\n\n[[screens.panels]]\nkind = "map"\n\n[walll]\ntitle = "x"\n',
    )
    finding = check.check_layout(layout)
    assert finding is not None and finding.exit_code == 2
    expected = f"{layout}:7: field 'walll': unknown field (known: screens, wall, speech, rules)"
    assert expected in finding.detail


def test_the_hub_is_probed_with_the_walls_client(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[tuple[str, str]] = []

    async def refused(self: FeedClient) -> str | None:
        seen.append((self.url, self.token))
        raise AuthRejected("unknown token", "unauthorized")

    monkeypatch.setattr(FeedClient, "probe", refused)
    finding = asyncio.run(check.probe_hub("127.0.0.1:9", "t0ken", 1.0))
    assert seen == [("ws://127.0.0.1:9/stream", "t0ken")]
    assert (finding.status, finding.exit_code) == ("fail", 2)
    assert "refused the token: unauthorized: unknown token" in finding.detail

    async def welcomed(self: FeedClient) -> str | None:
        return "wall"

    monkeypatch.setattr(FeedClient, "probe", welcomed)
    finding = asyncio.run(check.probe_hub("127.0.0.1:9", "t0ken", 1.0))
    assert finding.status == "ok" and "token accepted (role wall)" in finding.detail
