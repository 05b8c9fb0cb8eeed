"""The hub's auth file (``--auth``): declared once, every mistake names file, line, field."""

from __future__ import annotations

from pathlib import Path

import pytest

from desktop.cli import main
from hub.auth import AuthFileError, TokenRegistry

GOOD = """\
[[token]]
value = "wall-token-1"
role = "wall"
name = "WALL-1"

[[token]]
value = "operator-token"
role = "operator"
name = "desk-1"
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "auth.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_tokens_and_roles(tmp_path: Path) -> None:
    registry = TokenRegistry.load(write(tmp_path, GOOD))
    assert len(registry) == 2
    found = registry.authenticate("operator-token")
    assert found is not None and (found.name, found.role) == ("desk-1", "operator")


@pytest.mark.parametrize(
    ("change", "line", "field", "problem"),
    [
        (('role = "operator"', 'role = "boss"'), 8, "token[1].role", "one of wall, operator"),
        (('value = "operator-token"', 'value = "short"'), 7, "token[1].value", ">= 8"),
        (('name = "desk-1"', 'name = ""'), 9, "token[1].name", ">= 1"),
        (('name = "desk-1"', "name = 7"), 9, "token[1].name", "expected a string, got int"),
        (('name = "desk-1"', 'nmae = "desk-1"'), 9, "token[1].nmae", "unknown field"),
        (('name = "desk-1"\n', ""), 6, "token[1].name", "is required"),
        (('"operator-token"', '"wall-token-1"'), 7, "token[1].value", "duplicate token"),
        (("[[token]]", "[[tokens]]"), 1, "tokens", "unknown field"),
    ],
)
def test_errors_name_file_line_and_field(
    tmp_path: Path, change: tuple[str, str], line: int, field: str, problem: str
) -> None:
    path = write(tmp_path, GOOD.replace(*change))
    with pytest.raises(AuthFileError) as caught:
        TokenRegistry.load(path)
    error = caught.value
    assert (error.line, error.field) == (line, field), str(error)
    assert problem in error.problem
    assert str(error).startswith(f"{path}:{line}: field '{field}': ")


def test_an_auth_file_without_tokens_is_refused(tmp_path: Path) -> None:
    with pytest.raises(AuthFileError, match="field 'token'"):
        TokenRegistry.load(write(tmp_path, "token = []\n"))
    with pytest.raises(AuthFileError, match=r"auth.toml:1: field 'token': is required"):
        TokenRegistry.load(write(tmp_path, "# nothing\n"))


def test_the_hub_exits_2_naming_file_line_and_field(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write(tmp_path, GOOD.replace('role = "wall"', 'role = "wal"'))
    assert main(["hub", "--auth", str(path), "--port", "0", "--api-port", "0"]) == 2
    assert f"{path}:3: field 'token[0].role': one of" in capsys.readouterr().err
