"""Build the one-folder bundle ``dist/watchfloor/`` with PyInstaller (no network needed),
then, on Linux, its installable artifacts beside it.

    python packaging/build.py [--dist DIR] [--no-clean] [--no-artifacts] [--max-mib 150]

Runs under the project's virtual environment (re-executes itself with ``.venv/bin/python``
when started by another interpreter), prints the build time and the bundle size, and
writes ``BUILD-INFO.txt`` next to the executable so an installer can tell on site which
build a wall runs (docs/install.md, "update and roll back").

On Linux it then makes ``watchfloor_VERSION_amd64.deb`` and
``watchfloor-VERSION-linux-x86_64.tar.xz`` in the same ``--dist`` folder, each with a
``.sha256`` (packaging/artifacts.py), and fails when one is over ``--max-mib``.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import platform
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SPEC = ROOT / "packaging" / "watchfloor.spec"
NAME = "watchfloor"


def _venv_python() -> Path:
    if sys.platform == "win32":
        return ROOT / ".venv" / "Scripts" / "python.exe"
    return ROOT / ".venv" / "bin" / "python"


def _ensure_interpreter() -> None:
    """Re-run under the venv when this interpreter cannot build (no PyInstaller/PySide6)."""
    if all(importlib.util.find_spec(m) is not None for m in ("PyInstaller", "PySide6")):
        return
    venv = _venv_python()
    if venv.exists() and Path(sys.executable).resolve() != venv.resolve():
        os.execv(str(venv), [str(venv), *sys.argv])
    sys.exit(
        "build: PyInstaller and PySide6 must be importable: "
        f"{venv} -m pip install 'pyinstaller>=6.10,<7' (or ./scripts/bootstrap)"
    )


def _git(*args: str) -> str:
    try:
        result = subprocess.run(
            ["git", *args], cwd=ROOT, capture_output=True, text=True, check=True, timeout=10
        )
    except (OSError, subprocess.SubprocessError):
        return ""
    return result.stdout.strip()


def build_info() -> dict[str, str]:
    from desktop import __version__

    commit = _git("rev-parse", "HEAD") or "unknown"
    if commit != "unknown" and _git("status", "--porcelain"):
        commit += "-dirty"
    pyside = importlib.import_module("PySide6").__version__
    pyinstaller = importlib.import_module("PyInstaller").__version__
    return {
        "version": __version__,
        "commit": commit,
        "built": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "platform": f"{platform.system()} {platform.machine()}",
        "python": platform.python_version(),
        "pyside6": str(pyside),
        "pyinstaller": str(pyinstaller),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dist", type=Path, default=ROOT / "dist", help="output folder")
    parser.add_argument("--work", type=Path, default=ROOT / "build" / "pyinstaller")
    parser.add_argument(
        "--no-clean", action="store_true", help="reuse PyInstaller's cache (faster rebuilds)"
    )
    parser.add_argument(
        "--no-artifacts", action="store_true", help="only the folder: no .deb, no .tar.xz"
    )
    parser.add_argument(
        "--max-mib", type=float, default=150.0, help="largest artifact allowed (MiB)"
    )
    args = parser.parse_args(argv)
    _ensure_interpreter()
    sys.path.insert(0, str(ROOT))
    sys.path.insert(0, str(SPEC.parent))
    import bundleplan

    command = [
        sys.executable,
        "-m",
        "PyInstaller",
        "--noconfirm",
        "--log-level",
        "WARN",
        "--distpath",
        str(args.dist),
        "--workpath",
        str(args.work),
    ]
    if not args.no_clean:
        command.append("--clean")
    command.append(str(SPEC))
    started = time.monotonic()
    # The repo root on PYTHONPATH lets the spec's collect_submodules() import our
    # packages even when they are not pip-installed into this interpreter.
    env = dict(
        os.environ,
        PYTHONPATH=os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])),
    )
    result = subprocess.run(command, cwd=ROOT, env=env, check=False)
    elapsed = time.monotonic() - started
    if result.returncode != 0:
        print(f"build: PyInstaller failed (exit {result.returncode})", file=sys.stderr)
        return result.returncode

    bundle = args.dist / NAME
    info = build_info()
    info["build_seconds"] = f"{elapsed:.1f}"
    info["cjk_font"] = str(bundleplan.find_cjk_font() or "none (not on the build machine)")
    (bundle / "BUILD-INFO.txt").write_text(
        "".join(f"{key}: {value}\n" for key, value in info.items()), encoding="utf-8"
    )
    size = bundleplan.folder_size(bundle)
    files = sum(1 for p in bundle.rglob("*") if p.is_file())
    print(
        f"build: {bundle} in {elapsed:.1f} s, {size / 1e6:.0f} MB "
        f"({size / 2**20:.1f} MiB) in {files} files"
    )
    if args.no_artifacts:
        return 0
    if not sys.platform.startswith("linux"):
        print("build: no .deb/.tar.xz on this system; zip the folder (docs/install.md)")
        return 0
    import artifacts

    started = time.monotonic()
    try:
        artifacts.build_artifacts(bundle, args.dist, max_mib=args.max_mib)
    except artifacts.ArtifactError as exc:
        print(f"build: artifacts: {exc}", file=sys.stderr)
        return 1
    print(f"build: artifacts in {time.monotonic() - started:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
