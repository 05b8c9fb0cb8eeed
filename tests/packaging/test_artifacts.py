"""The .deb and .tar.xz made from a bundle (packaging/artifacts.py), on a tiny fake bundle:
a real ELF executable (so the Depends derivation runs ldd and dpkg -S for real), a data
file, a symlink and BUILD-INFO.txt."""

from __future__ import annotations

import importlib.machinery
import importlib.util
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "packaging"))

import artifacts  # noqa: E402

pytestmark = pytest.mark.skipif(
    any(shutil.which(t) is None for t in ("dpkg-deb", "dpkg", "ldd", "tar", "xz", "sha256sum")),
    reason="needs dpkg-deb, dpkg, ldd, tar, xz and sha256sum (Debian)",
)

VERSION = "0.1.0+20250520.0548.gf745660"
TOP = f"watchfloor-{VERSION}-linux-x86_64"


def make_bundle(root: Path, font: bool = False) -> Path:
    bundle = root / "dist" / "watchfloor"
    internal = bundle / "_internal"
    (internal / "resources").mkdir(parents=True)
    shutil.copy(shutil.which("true") or "/bin/true", bundle / "watchfloor")
    (bundle / "watchfloor").chmod(0o755)
    (internal / "resources" / "leaflet.js").write_text("L = {};\n", encoding="utf-8")
    (internal / "libdemo.so.1").symlink_to("resources/leaflet.js")
    (bundle / "BUILD-INFO.txt").write_text(
        "version: 0.1.0\ncommit: f745660aaaabbbbccccddddeeeeffff000011112\n"
        "built: 2025-05-20T05:48:07Z\n",
        encoding="utf-8",
    )
    if font:
        (internal / "fonts").mkdir()
        (internal / "fonts" / "wqy-microhei.ttc").write_bytes(b"ttcf" + bytes(64))
    return bundle


def run(*command: str | Path, cwd: Path | None = None) -> str:
    return subprocess.run(
        [str(c) for c in command], capture_output=True, text=True, check=True, cwd=cwd
    ).stdout


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[Path]]:
    root = tmp_path_factory.mktemp("artifacts")
    bundle = make_bundle(root)
    out = root / "dist"
    logged: list[str] = []
    made = artifacts.build_artifacts(bundle, out, log=logged.append)
    assert any("MiB" in line for line in logged)
    return out, made


def deb_of(made: list[Path]) -> Path:
    return next(p for p in made if p.suffix == ".deb")


def tar_of(made: list[Path]) -> Path:
    return next(p for p in made if p.name.endswith(".tar.xz"))


def test_names_carry_the_build_version(built: tuple[Path, list[Path]]) -> None:
    _, made = built
    assert deb_of(made).name == f"watchfloor_{VERSION}_amd64.deb"
    assert tar_of(made).name == f"{TOP}.tar.xz"


def test_deb_control_fields(built: tuple[Path, list[Path]]) -> None:
    deb = deb_of(built[1])
    fields = run("dpkg-deb", "-f", deb, "Package", "Version", "Architecture", "Installed-Size")
    assert "Package: watchfloor\n" in fields
    assert f"Version: {VERSION}\n" in fields
    assert "Architecture: amd64\n" in fields
    assert int(fields.split("Installed-Size: ")[1].split()[0]) >= 1
    depends = run("dpkg-deb", "-f", deb, "Depends").strip()
    relations = [r.strip() for r in depends.split(",")]
    # /bin/true needs libc.so.6 from outside the bundle: dpkg -S maps it to libc6,
    # versioned by the newest GLIBC_ symbol it uses.
    assert relations[0].startswith("libc6 (>= 2.")
    # No font in this bundle: the CJK font is a dependency, not a recommendation.
    assert "fonts-wqy-microhei | fonts-noto-cjk" in relations
    assert run("dpkg-deb", "-f", deb, "Recommends").strip() == ""
    assert run("dpkg-deb", "-I", deb, "conffiles").split() == [
        "/etc/xdg/autostart/watchfloor-wall.desktop"
    ]
    # One maintainer script, run on removal only: nothing runs (or fetches) at install.
    info = run("dpkg-deb", "-I", deb)
    assert " postrm" in info
    assert not any(f" {name}" in info for name in ("preinst", "postinst", "prerm"))


def test_deb_files_under_opt_with_entries_and_symlink(built: tuple[Path, list[Path]]) -> None:
    listing = run("dpkg-deb", "-c", deb_of(built[1])).splitlines()
    entries = {line.split()[5]: line for line in listing}
    exe = entries["./opt/watchfloor/watchfloor"]
    assert exe.startswith("-rwxr-xr-x root/root")
    assert "./opt/watchfloor/_internal/resources/leaflet.js" in entries
    assert "./opt/watchfloor/BUILD-INFO.txt" in entries
    assert entries["./opt/watchfloor/_internal/libdemo.so.1"].endswith("-> resources/leaflet.js")
    link = entries["./usr/bin/watchfloor"]
    assert link.startswith("lrwxrwxrwx root/root")
    assert link.endswith("-> /opt/watchfloor/watchfloor")
    for entry in (
        "./usr/share/applications/watchfloor-wall.desktop",
        "./usr/share/applications/watchfloor-desk.desktop",
        "./etc/xdg/autostart/watchfloor-wall.desktop",
        "./usr/share/doc/watchfloor/watchfloor.toml.example",
    ):
        assert entries[entry].startswith("-rw-r--r-- root/root"), entry
    installed_roots = {name.split("/")[1] for name in entries if name.count("/") >= 2}
    assert installed_roots == {"opt", "usr", "etc"}


def test_desktop_entries_start_the_wall_from_the_config(
    built: tuple[Path, list[Path]], tmp_path: Path
) -> None:
    run("dpkg-deb", "-x", deb_of(built[1]), tmp_path)
    autostart = (tmp_path / "etc/xdg/autostart/watchfloor-wall.desktop").read_text("utf-8")
    assert "\nExec=/usr/bin/watchfloor wall\n" in autostart  # hub and token: watchfloor.toml
    assert "\nType=Application\n" in autostart
    assert autostart.startswith("[Desktop Entry]\n")
    desk = (tmp_path / "usr/share/applications/watchfloor-desk.desktop").read_text("utf-8")
    assert "\nExec=/usr/bin/watchfloor desk\n" in desk
    example = tmp_path / "usr/share/doc/watchfloor/watchfloor.toml.example"
    import tomllib

    config = tomllib.loads(example.read_text("utf-8"))
    assert set(config["wall"]) <= {"hub", "token", "token_file", "layout", "lang", "windowed"}


def test_sha256_files_verify_and_catch_a_change(
    built: tuple[Path, list[Path]], tmp_path: Path
) -> None:
    out, made = built
    for path in made:
        sums = path.with_name(path.name + ".sha256")
        assert run("sha256sum", "-c", sums.name, cwd=out).strip() == f"{path.name}: OK"
    copy = tmp_path / deb_of(made).name
    shutil.copy(deb_of(made), copy)
    shutil.copy(out / f"{copy.name}.sha256", tmp_path)
    with copy.open("ab") as handle:
        handle.write(b"x")
    check = subprocess.run(
        ["sha256sum", "-c", f"{copy.name}.sha256"], cwd=tmp_path, capture_output=True
    )
    assert check.returncode != 0


def test_tar_has_one_versioned_top_folder(built: tuple[Path, list[Path]]) -> None:
    listing = run("tar", "-tvJf", tar_of(built[1])).splitlines()
    names = [line.split()[5] for line in listing]
    assert {name.split("/")[0] for name in names} == {TOP}
    modes = {line.split()[5]: line.split()[0] for line in listing}
    assert modes[f"{TOP}/watchfloor"] == "-rwxr-xr-x"
    assert any(line.endswith("-> resources/leaflet.js") for line in listing)
    assert all(line.split()[1] == "0/0" for line in listing)


def test_a_bundled_font_makes_the_system_font_a_recommendation(tmp_path: Path) -> None:
    bundle = make_bundle(tmp_path, font=True)
    made = artifacts.build_artifacts(bundle, tmp_path / "out", tar=False, log=lambda _: None)
    deb = deb_of(made)
    assert run("dpkg-deb", "-f", deb, "Recommends").strip() == artifacts.CJK_FONTS
    assert "fonts-" not in run("dpkg-deb", "-f", deb, "Depends")


def test_an_oversize_artifact_is_refused(tmp_path: Path) -> None:
    bundle = make_bundle(tmp_path)
    # Random bytes do not compress: the .tar.xz is over 1 MiB.
    (bundle / "_internal" / "blob.bin").write_bytes(os.urandom(3 * artifacts.MIB // 2))
    out = tmp_path / "out"
    with pytest.raises(artifacts.ArtifactError, match=r"over the 1 MiB limit"):
        artifacts.build_artifacts(bundle, out, max_mib=1, deb=False, log=lambda _: None)
    assert artifacts.main(["--bundle", str(bundle), "--max-mib", "1", "--no-deb"]) == 1
    small = tmp_path / "small.bin"
    small.write_bytes(bytes(1000))
    assert artifacts.check_size(small, max_mib=1) < 0.01
    with pytest.raises(artifacts.ArtifactError):
        artifacts.check_size(small, max_mib=0.0001)


def test_old_artifacts_are_replaced(tmp_path: Path) -> None:
    bundle = make_bundle(tmp_path)
    out = tmp_path / "dist"
    stale = out / "watchfloor_0.0.9+20240101.0000.g0000000_amd64.deb"
    stale.write_bytes(b"old")
    stale.with_name(stale.name + ".sha256").write_text("x  y\n")
    other = out / "notes.txt"
    other.write_text("kept")
    artifacts.build_artifacts(bundle, out, log=lambda _: None)
    assert not stale.exists() and not stale.with_name(stale.name + ".sha256").exists()
    assert other.exists()


def test_parse_ldd() -> None:
    output = (
        "\tlinux-vdso.so.1 (0x00007ffd)\n"
        "\tlibQt6Core.so.6 => /b/_internal/PySide6/Qt/lib/libQt6Core.so.6 (0x7f)\n"
        "\tlibEGL.so.1 => /lib/x86_64-linux-gnu/libEGL.so.1 (0x7f)\n"
        "\tlibgone.so.3 => not found\n"
        "\t/lib64/ld-linux-x86-64.so.2 (0x7f)\n"
    )
    assert artifacts.parse_ldd(output) == [
        ("libQt6Core.so.6", "/b/_internal/PySide6/Qt/lib/libQt6Core.so.6"),
        ("libEGL.so.1", "/lib/x86_64-linux-gnu/libEGL.so.1"),
        ("libgone.so.3", None),
        ("ld-linux-x86-64.so.2", "/lib64/ld-linux-x86-64.so.2"),
    ]


def test_depends_field_offers_t64_renames() -> None:
    assert artifacts.depends_field(["libnss3", "libasound2", "libc6"], "2.34") == [
        "libasound2 | libasound2t64",
        "libc6 (>= 2.34)",
        "libnss3",
    ]


def test_package_version() -> None:
    info = {"version": "0.1.0", "commit": "f745660abc-dirty", "built": "2025-05-20T05:48:07Z"}
    assert artifacts.package_version(info) == "0.1.0+20250520.0548.gf745660.dirty"
    assert artifacts.package_version({"version": "0.2.0", "commit": "unknown"}) == "0.2.0"


def test_deb_install_reads_the_machines_apt_sources(tmp_path: Path) -> None:
    loader = importlib.machinery.SourceFileLoader(
        "test_deb_install", str(ROOT / "packaging" / "test-deb-install")
    )
    spec = importlib.util.spec_from_loader(loader.name, loader)
    assert spec is not None
    module = importlib.util.module_from_spec(spec)
    loader.exec_module(module)
    lists = tmp_path / "sources.list.d"
    lists.mkdir()
    (lists / "debian.sources").write_text(
        "Types: deb\n# a comment\nURIs: http://mirror.example/debian/\n"
        "Suites: bookworm bookworm-updates\nComponents: main contrib\n"
        "Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg\n\n"
        "Types: deb-src\nURIs: http://src.example/debian\nSuites: bookworm\n"
        "Components: main\n",
        encoding="utf-8",
    )
    (lists / "extra.list").write_text(
        "deb [signed-by=/k.gpg] http://sec.example/debian-security bookworm-security main\n"
        "deb https://vendor.example/apt cloud-sdk-bookworm main\n",
        encoding="utf-8",
    )
    (lists / "off.sources.disabled").write_text("Types: deb\nURIs: http://no\nSuites: bookworm\n")
    assert module.debian_entries("bookworm", tmp_path) == [
        ("http://sec.example/debian-security", "bookworm-security", ["main"]),
        ("http://mirror.example/debian", "bookworm", ["main", "contrib"]),
        ("http://mirror.example/debian", "bookworm-updates", ["main", "contrib"]),
    ]


XKBCOMMON = Path("/usr/lib/x86_64-linux-gnu/libxkbcommon.so.0")


@pytest.mark.skipif(not XKBCOMMON.exists(), reason="needs libxkbcommon0 (scripts/bootstrap)")
def test_a_copied_system_library_brings_its_data_package(tmp_path: Path) -> None:
    # PyInstaller copies libxkbcommon into the bundle, but the keymaps it reads stay in the
    # system's xkb-data, which the library's own package depends on.
    bundle = make_bundle(tmp_path)
    shutil.copy(XKBCOMMON.resolve(), bundle / "_internal" / XKBCOMMON.name)
    relations = artifacts.derive_relations(bundle, log=lambda _: None)
    assert "xkb-data" in relations.depends
    assert relations.why["xkb-data"] == ["data of bundled libxkbcommon0"]
    # The library itself is inside: no dependency on its package.
    assert not any(r.startswith("libxkbcommon0") for r in relations.depends)
