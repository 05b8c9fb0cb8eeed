"""The dependency locks: a fresh machine installs exactly what CI proved (scripts/lockfile.py)."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _load() -> ModuleType:
    spec = importlib.util.spec_from_file_location("lockfile", ROOT / "scripts" / "lockfile.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["lockfile"] = module
    spec.loader.exec_module(module)
    return module


lockfile = _load()

PYPROJECT = """\
[project]
name = "demo"
requires-python = ">=3.11"
dependencies = [
    "PySide6>=6.9,<6.12; python_version < '3.12'",
    "PySide6>=6.9; python_version >= '3.12'",
    "numpy>=1.26",
]
[project.optional-dependencies]
dev = ["pytest>=8.0"]
"""
TOOLS = "# tools\npip\nsetuptools>=68\n"
HASH = "    --hash=sha256:" + "ab" * 32


def _lock_text(inputs: object, pins: dict[str, str], unhashed: tuple[str, ...] = ()) -> str:
    lines = [lockfile.FINGERPRINT_PREFIX + inputs.fingerprint(), "# made by uv"]  # type: ignore[attr-defined]
    for name, version in pins.items():
        if name in unhashed:
            lines.append(f"{name}=={version}")
        else:
            lines += [f"{name}=={version} \\", HASH]
        lines.append("    # via demo")
    return "\n".join(lines) + "\n"


@pytest.fixture
def project(tmp_path: Path) -> tuple[Path, Path]:
    pyproject = tmp_path / "pyproject.toml"
    tools = tmp_path / "tools.in"
    pyproject.write_text(PYPROJECT, encoding="utf-8")
    tools.write_text(TOOLS, encoding="utf-8")
    return pyproject, tools


GOOD = {
    "pyside6": "6.11.3",
    "numpy": "2.4.6",
    "pytest": "9.0.1",
    "pip": "26.3",
    "setuptools": "84.2.1",
}


def _check(
    project: tuple[Path, Path],
    tmp_path: Path,
    pins: dict[str, str],
    python: str,
    **kwargs: tuple[str, ...],
) -> list[str]:
    inputs = lockfile.read_inputs(*project)
    path = tmp_path / f"lock-py{python}.txt"
    path.write_text(_lock_text(inputs, pins, **kwargs), encoding="utf-8")
    return list(lockfile.check_lock(inputs, lockfile.read_lock(path), python))


def test_the_committed_locks_agree_with_pyproject() -> None:
    assert lockfile.check() == []


def test_this_environment_holds_exactly_its_lock() -> None:
    # The README's test command runs in the bootstrapped .venv: what pip installed there is
    # what the lock pins, nothing more, nothing less, no other version.
    lock = lockfile.read_lock(lockfile.lock_path(lockfile.current_python()))
    assert len(lock.pins) > 50
    assert lockfile.compare_installed(lock, lockfile.installed_versions()) == []


def test_every_committed_pin_carries_hashes() -> None:
    for python in lockfile.PYTHONS:
        lock = lockfile.read_lock(lockfile.lock_path(python))
        assert set(lock.pins) == set(lock.hashed), python
        assert "pyside6" in lock.pins and "pyinstaller" in lock.pins and "uv" in lock.pins


def test_a_lock_made_from_these_inputs_agrees(project, tmp_path) -> None:
    assert _check(project, tmp_path, GOOD, "3.11") == []


def test_an_edited_range_without_a_new_lock_is_refused(project, tmp_path) -> None:
    inputs = lockfile.read_inputs(*project)
    path = tmp_path / "lock-py3.11.txt"
    path.write_text(_lock_text(inputs, GOOD), encoding="utf-8")
    pyproject, tools = project
    # The old pins still satisfy the new range: only the fingerprint can tell.
    pyproject.write_text(PYPROJECT.replace("numpy>=1.26", "numpy>=1.25"), encoding="utf-8")
    inputs = lockfile.read_inputs(pyproject, tools)
    problems = lockfile.check_lock(inputs, lockfile.read_lock(path), "3.11")
    assert len(problems) == 1 and "other inputs" in problems[0]


def test_comments_in_pyproject_do_not_change_the_fingerprint(project) -> None:
    pyproject, tools = project
    before = lockfile.read_inputs(pyproject, tools).fingerprint()
    pyproject.write_text(PYPROJECT.replace('    "numpy>=1.26",', '    # why\n    "numpy>=1.26",'))
    assert lockfile.read_inputs(pyproject, tools).fingerprint() == before


def test_a_pin_outside_its_range_is_named(project, tmp_path) -> None:
    problems = _check(project, tmp_path, {**GOOD, "numpy": "1.25.2"}, "3.11")
    assert problems == ["lock-py3.11.txt: numpy==1.25.2 is outside 'numpy>=1.26'"]


def test_markers_are_judged_per_python_version(project, tmp_path) -> None:
    # PySide6 6.12 crashes on 3.11 (QT-NOTES): the 3.11 lock may not hold it, 3.12's may.
    pins = {**GOOD, "pyside6": "6.12.0"}
    assert _check(project, tmp_path, pins, "3.12") == []
    problems = _check(project, tmp_path, pins, "3.11")
    assert len(problems) == 1 and "pyside6==6.12.0 is outside" in problems[0].lower()


def test_a_missing_package_and_a_pin_without_hash_are_named(project, tmp_path) -> None:
    pins = {k: v for k, v in GOOD.items() if k != "pytest"}
    problems = _check(project, tmp_path, pins, "3.11", unhashed=("numpy",))
    assert any("pytest is required" in p and "not locked" in p for p in problems)
    assert any("without a hash: numpy" in p for p in problems)


def test_installed_differences_are_each_named(tmp_path) -> None:
    path = tmp_path / "lock.txt"
    path.write_text("a==1.0 \\\n" + HASH + "\nb==2.0 \\\n" + HASH + "\n", encoding="utf-8")
    lock = lockfile.read_lock(path)
    problems = lockfile.compare_installed(lock, {"a": "1.1", "c": "3.0", "watchfloor": "0.1.0"})
    assert problems == [
        "a is 1.1, the lock says 1.0",
        "b==2.0 is locked but not installed",
        "c==3.0 is installed but not in the lock",
    ]


def test_changes_lists_added_removed_and_moved(tmp_path) -> None:
    assert lockfile.changes({"a": "1", "b": "2", "c": "3"}, {"a": "1", "b": "2.1", "d": "4"}) == [
        "  ~ b 2 -> 2.1",
        "  - c 3",
        "  + d 4",
    ]


def test_check_command_fails_on_disagreement(tmp_path) -> None:
    # The CI step itself: scripts/lockfile.py check exits non-zero and says why.
    copy = tmp_path / "repo"
    (copy / "scripts").mkdir(parents=True)
    (copy / "requirements").mkdir()
    (copy / "scripts" / "lockfile.py").write_bytes((ROOT / "scripts" / "lockfile.py").read_bytes())
    for name in ("lock-py3.11.txt", "lock-py3.12.txt", "tools.in"):
        (copy / "requirements" / name).write_bytes((ROOT / "requirements" / name).read_bytes())
    text = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    (copy / "pyproject.toml").write_text(text, encoding="utf-8")
    command = [sys.executable, str(copy / "scripts" / "lockfile.py"), "check"]
    assert subprocess.run(command, capture_output=True, check=False).returncode == 0
    (copy / "pyproject.toml").write_text(
        text.replace('"numpy>=1.26"', '"numpy>=1.26,<1.27"'), encoding="utf-8"
    )
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    assert result.returncode == 1
    assert "numpy==" in result.stderr and "outside 'numpy>=1.26,<1.27'" in result.stderr
