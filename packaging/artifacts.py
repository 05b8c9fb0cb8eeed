"""Installable artifacts of the one-folder bundle: a ``.deb`` and a ``.tar.xz``, each with a
``.sha256`` beside it.

    python3 packaging/artifacts.py [--bundle dist/watchfloor] [--out dist] [--max-mib 150]
                                   [--no-deb] [--no-tar] [--level 6]

packaging/build.py runs this after the bundle (``--no-artifacts`` skips it). Standard
library only, plus ``dpkg-deb``, ``dpkg``, ``ldd``, ``tar`` and ``xz`` from the system, so
every step can be tested on a tiny fake bundle (tests/packaging/test_artifacts.py).

``watchfloor_VERSION_amd64.deb`` (Debian, Ubuntu, Kylin, UOS) installs the folder as
``/opt/watchfloor``, ``/usr/bin/watchfloor`` (a symlink), desktop entries for the wall and
the desk, and ``/etc/xdg/autostart/watchfloor-wall.desktop``: the wall starts at login and
reads hub, token and layout from ``watchfloor.toml`` (docs/install.md). Its ``Depends``
are derived from the bundle itself: ``ldd`` over every ELF file in it, with the library
path the frozen program runs with; each library found outside the bundle is mapped to its
Debian package with ``dpkg -S``. A CJK font is only ``Recommends`` when the bundle ships
one. The only maintainer script, ``postrm``, deletes what the program wrote inside
/opt/watchfloor when run as root (``__pycache__``, empty folders), so removing the package
removes the folder.

``watchfloor-VERSION-linux-x86_64.tar.xz`` holds the same folder under that name, for
other Linux systems. ``NAME.sha256`` is in ``sha256sum -c`` format. An artifact over
``--max-mib`` (150 MiB: what the wall PCs' update channel takes) is an error.
"""

from __future__ import annotations

import argparse
import hashlib
import math
import mmap
import os
import re
import shutil
import stat
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path, PurePosixPath
from string import Template
from typing import Final

HERE = Path(__file__).resolve().parent
TEMPLATES = HERE / "debian"
PACKAGE: Final = "watchfloor"
INSTALL_DIR: Final = Path("opt") / PACKAGE
EXECUTABLE: Final = PACKAGE
MAINTAINER: Final = "Watchfloor maintainers <watchfloor@localhost>"
MAX_MIB: Final = 150.0
MIB: Final = 1024 * 1024

#: Where PyInstaller puts the bundle's libraries; its bootloader runs the program with
#: LD_LIBRARY_PATH pointing here, so ldd must look here too.
INTERNAL: Final = "_internal"
#: The bundle's font folder (bundleplan.FONT_DIR) inside ``_internal``.
FONT_DIR: Final = "fonts"
FONT_SUFFIXES: Final = (".ttc", ".ttf", ".otf")

#: Declared when the bundle has no CJK font of its own; recommended when it has one
#: (the system font then serves other programs and a future bundle without it).
CJK_FONTS: Final = "fonts-wqy-microhei | fonts-noto-cjk"

#: Debian packages renamed by the 64-bit time_t transition (Ubuntu 24.04, Debian 13).
#: On amd64 the new packages also Provide the old names; the alternative says it plainly.
T64_RENAMES: Final[Mapping[str, str]] = {
    name: f"{name}t64"
    for name in (
        "libasound2",
        "libatk-bridge2.0-0",
        "libatk1.0-0",
        "libatspi2.0-0",
        "libcups2",
        "libcurl4",
        "libdb5.3",
        "libgdbm6",
        "libglib2.0-0",
        "libgnutls30",
        "libgtk-3-0",
        "libpng16-16",
        "libreadline8",
        "libssl3",
    )
}


class ArtifactError(Exception):
    pass


# --- version ---------------------------------------------------------------------------


def read_build_info(bundle: Path) -> dict[str, str]:
    """``BUILD-INFO.txt`` of a bundle (written by packaging/build.py) as a dict."""
    info: dict[str, str] = {}
    path = bundle / "BUILD-INFO.txt"
    if path.is_file():
        for line in path.read_text(encoding="utf-8").splitlines():
            key, sep, value = line.partition(": ")
            if sep:
                info[key.strip()] = value.strip()
    return info


def package_version(info: Mapping[str, str]) -> str:
    """``0.1.0+20250520.0548.gf745660``: the program's version, then when and from what
    it was built, so a newer build of the same version sorts higher (apt replaces it)."""
    version = info.get("version") or _source_version()
    parts = [version]
    built = info.get("built", "")
    try:
        stamp = datetime.strptime(built, "%Y-%m-%dT%H:%M:%SZ")
    except ValueError:
        stamp = None
    if stamp is not None:
        parts.append(stamp.strftime("%Y%m%d.%H%M"))
    commit = info.get("commit", "")
    if re.fullmatch(r"[0-9a-f]{7,40}(-dirty)?", commit):
        parts.append("g" + commit[:7] + (".dirty" if commit.endswith("-dirty") else ""))
    suffix = ".".join(parts[1:])
    full = f"{version}+{suffix}" if suffix else version
    if not re.fullmatch(r"[0-9][A-Za-z0-9.+~]*", full):
        raise ArtifactError(f"not a Debian version: {full!r}")
    return full


def _source_version() -> str:
    text = (HERE.parent / "desktop" / "__init__.py").read_text(encoding="utf-8")
    match = re.search(r'^__version__ = "([^"]+)"', text, re.M)
    if match is None:
        raise ArtifactError("no __version__ in desktop/__init__.py")
    return match.group(1)


# --- dependencies ----------------------------------------------------------------------


def is_elf(path: Path) -> bool:
    try:
        with path.open("rb") as handle:
            return handle.read(4) == b"\x7fELF"
    except OSError:
        return False


def elf_files(bundle: Path) -> list[Path]:
    return sorted(p for p in bundle.rglob("*") if p.is_file() and not p.is_symlink() and is_elf(p))


_LDD_LINE = re.compile(r"^\s*(\S+)\s+=>\s+(not found|\S+)")


def parse_ldd(output: str) -> list[tuple[str, str | None]]:
    """(soname, resolved path or None when not found) for each line of ``ldd`` output."""
    found: list[tuple[str, str | None]] = []
    for line in output.splitlines():
        match = _LDD_LINE.match(line)
        if match:
            name, where = match.groups()
            found.append((name, None if where == "not found" else where))
        elif line.strip().startswith("/"):  # the dynamic loader: "/lib64/ld-linux... (0x..)"
            path = line.split()[0]
            found.append((Path(path).name, path))
    return found


@dataclass
class ExternalLibraries:
    """Libraries the bundle's ELF files load from outside the bundle."""

    #: system path -> bundle files (relative) that need it
    found: dict[str, set[str]] = field(default_factory=dict)
    #: soname -> bundle files (relative) that need it but ldd finds nowhere
    missing: dict[str, set[str]] = field(default_factory=dict)


def external_libraries(bundle: Path, jobs: int | None = None) -> ExternalLibraries:
    bundle = bundle.resolve()
    env = dict(os.environ, LD_LIBRARY_PATH=str(bundle / INTERNAL), LC_ALL="C")

    def one(path: Path) -> tuple[Path, str]:
        result = subprocess.run(
            ["ldd", str(path)], capture_output=True, text=True, env=env, check=False
        )
        return path, result.stdout

    result = ExternalLibraries()
    with ThreadPoolExecutor(max_workers=jobs or min(8, (os.cpu_count() or 1) * 2)) as pool:
        for path, output in pool.map(one, elf_files(bundle)):
            user = str(path.relative_to(bundle))
            for soname, where in parse_ldd(output):
                if where is None:
                    result.missing.setdefault(soname, set()).add(user)
                elif not Path(where).resolve().is_relative_to(bundle):
                    result.found.setdefault(where, set()).add(user)
    return result


def _path_candidates(path: str) -> list[str]:
    """The same file under the names dpkg may know it by (merged /usr, symlinks)."""
    names: list[str] = []
    for candidate in (path, os.path.realpath(path)):
        names.append(candidate)
        if candidate.startswith("/usr/"):
            names.append(candidate[4:])
        else:
            names.append("/usr" + candidate)
    return list(dict.fromkeys(names))


def owning_packages(paths: Iterable[str]) -> dict[str, str | None]:
    """Debian package (without ``:arch``) that owns each path, by ``dpkg -S``."""
    wanted = {path: _path_candidates(path) for path in paths}
    queries = sorted({c for names in wanted.values() for c in names})
    owners: dict[str, str] = {}
    if queries:
        result = subprocess.run(
            ["dpkg", "-S", *queries],
            capture_output=True,
            text=True,
            env=dict(os.environ, LC_ALL="C"),
            check=False,
        )
        for line in result.stdout.splitlines():
            if line.startswith("diversion "):
                continue
            packages, sep, path = line.rpartition(": ")
            if sep:
                first = packages.split(",")[0].strip()
                owners[path.strip()] = first.split(":")[0]
    return {
        path: next((owners[c] for c in names if c in owners), None)
        for path, names in wanted.items()
    }


_GLIBC = re.compile(rb"GLIBC_(2\.[0-9]+(?:\.[0-9]+)?)\x00")


def glibc_floor(files: Iterable[Path]) -> str | None:
    """Highest ``GLIBC_2.x`` symbol version the files ask for: the libc6 they need."""
    best: tuple[int, ...] = ()
    for path in files:
        with path.open("rb") as handle:
            if os.fstat(handle.fileno()).st_size == 0:
                continue
            with mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ) as data:
                for match in _GLIBC.finditer(data):
                    version = tuple(int(x) for x in match.group(1).split(b"."))
                    best = max(best, version)
    return ".".join(map(str, best)) if best else None


def relation(package: str) -> str:
    """``pkg`` or ``pkg | pkgt64`` where Ubuntu 24.04 / Debian 13 renamed it."""
    renamed = T64_RENAMES.get(package)
    return f"{package} | {renamed}" if renamed else package


def depends_field(packages: Iterable[str], glibc: str | None) -> list[str]:
    """The ``Depends`` relations for these library packages, sorted; libc6 versioned by
    the newest glibc symbol the bundle uses."""
    return [
        f"libc6 (>= {glibc})" if name == "libc6" and glibc else relation(name)
        for name in sorted(set(packages))
    ]


def bundled_font(bundle: Path) -> Path | None:
    folder = bundle / INTERNAL / FONT_DIR
    if not folder.is_dir():
        return None
    fonts = sorted(p for p in folder.iterdir() if p.suffix.lower() in FONT_SUFFIXES)
    return fonts[0] if fonts else None


#: Where the build machine's own shared libraries live (Debian multiarch, merged /usr).
SYSTEM_LIB_DIRS: Final = (Path("/usr/lib/x86_64-linux-gnu"), Path("/lib/x86_64-linux-gnu"))


def bundled_system_libraries(
    bundle: Path, lib_dirs: Sequence[Path] = SYSTEM_LIB_DIRS
) -> dict[str, str]:
    """Bundle files (relative path) that PyInstaller copied from the build machine's
    system libraries, with the system file they match (same name and size)."""
    copies: dict[str, str] = {}
    for path in elf_files(bundle):
        size = path.stat().st_size
        for folder in lib_dirs:
            candidate = folder / path.name
            if candidate.is_file() and candidate.stat().st_size == size:
                copies[str(path.relative_to(bundle))] = str(candidate)
                break
    return copies


def _names(relation_text: str) -> list[list[str]]:
    """``a (>= 1), b | c:any`` -> [["a"], ["b", "c"]]: package names, no versions."""
    groups = []
    for group in relation_text.split(","):
        names = [re.split(r"[\s(:]", alt.strip(), maxsplit=1)[0] for alt in group.split("|")]
        if any(names):
            groups.append([n for n in names if n])
    return groups


def _dpkg_query(fields: str, packages: Iterable[str]) -> dict[str, str]:
    names = sorted(set(packages))
    if not names:
        return {}
    result = subprocess.run(
        ["dpkg-query", "-W", "-f", "${Package}\t" + fields + "\n", *names],
        capture_output=True,
        text=True,
        env=dict(os.environ, LC_ALL="C"),
        check=False,
    )
    found = {}
    for line in result.stdout.splitlines():
        name, _, value = line.partition("\t")
        found[name] = value
    return found


def _ships_shared_library(package: str) -> bool:
    listing = subprocess.run(
        ["dpkg-query", "-L", package], capture_output=True, text=True, check=False
    ).stdout
    return any(
        "/x86_64-linux-gnu/" in line and ".so" in PurePosixPath(line).name
        for line in listing.splitlines()
    )


#: Dependencies named after the build machine's toolchain (gcc-12-base): not data.
_TOOLCHAIN = re.compile(r"gcc-[0-9]+-base")


def data_dependencies(packages: Sequence[str]) -> dict[str, list[str]]:
    """What these library packages depend on that is not itself a shared library --
    their configuration and data (fontconfig-config, xkb-data, libasound2-data ...) --
    unversioned: a library copied into the bundle still reads its files from the system.
    Returns relation -> the library packages that asked for it."""
    depends = _dpkg_query("${Depends}", packages)
    groups: dict[tuple[str, ...], list[str]] = {}
    for owner, text in depends.items():
        for names in _names(text):
            groups.setdefault(tuple(names), []).append(owner)
    wanted: dict[str, list[str]] = {}
    for alternatives, owners in sorted(groups.items()):
        first = alternatives[0]
        if _TOOLCHAIN.fullmatch(first) or first in packages or _ships_shared_library(first):
            continue
        wanted[" | ".join(alternatives)] = sorted(owners)
    return wanted


@dataclass
class Relations:
    depends: list[str]
    recommends: list[str]
    #: relation -> what made it one (system libraries, or the bundled library packages)
    why: dict[str, list[str]]
    #: libraries ldd found nowhere, and the bundle files that want them
    missing: dict[str, set[str]]
    #: libraries found outside the bundle that no package owns
    unowned: list[str]


def derive_relations(bundle: Path, log: Callable[[str], None] = print) -> Relations:
    """Depends: the packages of the system libraries the bundle links (ldd, dpkg -S), and
    the data packages of the system libraries PyInstaller copied into it; the CJK font."""
    libs = external_libraries(bundle)
    owners = owning_packages(libs.found)
    linked: dict[str, list[str]] = {}
    unowned = []
    for path, package in sorted(owners.items()):
        if package is None:
            unowned.append(path)
        else:
            linked.setdefault(package, []).append(Path(path).name)
    glibc = glibc_floor(elf_files(bundle)) if "libc6" in linked else None
    depends = depends_field(linked, glibc)
    why = {relation: linked[name] for name, relation in zip(sorted(linked), depends, strict=True)}
    copied = owning_packages(bundled_system_libraries(bundle).values())
    copied_packages = sorted({p for p in copied.values() if p})
    for relation_text, owners_of in data_dependencies(copied_packages).items():
        if relation_text.split(" | ")[0] not in linked:
            depends.append(relation_text)
            why[relation_text] = [f"data of bundled {o}" for o in owners_of]
    recommends: list[str] = []
    if bundled_font(bundle) is None:
        depends.append(CJK_FONTS)
    else:
        recommends.append(CJK_FONTS)
    for soname, users in sorted(libs.missing.items()):
        log(f"artifacts: WARNING {soname} not found, wanted by {', '.join(sorted(users)[:3])}")
    for path in unowned:
        log(f"artifacts: WARNING {path} belongs to no Debian package; not declared")
    return Relations(depends, recommends, why, libs.missing, unowned)


# --- the .deb --------------------------------------------------------------------------


def _normal_mode(mode: int) -> int:
    return 0o755 if mode & 0o111 else 0o644


def _place(source: Path, dest: Path) -> None:
    """Hard-link a bundle file into the package tree (no copy of ~500 MB), or copy it when
    it cannot be linked or its mode is not the plain 644/755 an installed file needs."""
    mode = stat.S_IMODE(source.lstat().st_mode)
    if mode == _normal_mode(mode):
        try:
            os.link(source, dest)
            return
        except OSError:
            pass
    shutil.copy2(source, dest)
    dest.chmod(_normal_mode(mode))


def _copy_tree(source: Path, dest: Path) -> None:
    dest.mkdir(mode=0o755, parents=True, exist_ok=True)
    for entry in sorted(source.iterdir()):
        target = dest / entry.name
        if entry.is_symlink():
            target.symlink_to(os.readlink(entry))
        elif entry.is_dir():
            _copy_tree(entry, target)
        elif entry.is_file():
            _place(entry, target)


def _render(name: str, **values: str) -> str:
    return Template((TEMPLATES / name).read_text(encoding="utf-8")).substitute(values)


def installed_size_kib(tree: Path) -> int:
    """``Installed-Size`` as dpkg-gencontrol counts it: KiB per file rounded up, plus one
    per directory and symlink."""
    total = 0
    for path in tree.rglob("*"):
        if path.is_symlink() or path.is_dir():
            total += 1
        elif path.is_file():
            total += max(1, math.ceil(path.stat().st_size / 1024))
    return total


def stage_deb(
    bundle: Path,
    tree: Path,
    version: str,
    depends: Sequence[str],
    recommends: Sequence[str],
    commit: str = "unknown",
) -> None:
    """The package's file tree and ``DEBIAN/`` control files in ``tree``."""
    tree.mkdir(mode=0o755, parents=True, exist_ok=True)
    tree.chmod(0o755)
    _copy_tree(bundle, tree / INSTALL_DIR)
    files: dict[str, str] = {
        "usr/share/applications/watchfloor-wall.desktop": _render("watchfloor-wall.desktop"),
        "usr/share/applications/watchfloor-desk.desktop": _render("watchfloor-desk.desktop"),
        "etc/xdg/autostart/watchfloor-wall.desktop": _render("autostart-watchfloor-wall.desktop"),
        "usr/share/doc/watchfloor/watchfloor.toml.example": _render("watchfloor.toml.example"),
    }
    for relative, text in files.items():
        path = tree / relative
        for parent in reversed(path.relative_to(tree).parents[:-1]):
            (tree / parent).mkdir(mode=0o755, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        path.chmod(0o644)
    (tree / "usr/bin").mkdir(mode=0o755, parents=True, exist_ok=True)
    (tree / "usr/bin" / PACKAGE).symlink_to(f"/{INSTALL_DIR / EXECUTABLE}")

    control = tree / "DEBIAN"
    size = installed_size_kib(tree)
    control.mkdir(mode=0o755)
    (control / "control").write_text(
        _render(
            "control.in",
            package=PACKAGE,
            version=version,
            maintainer=MAINTAINER,
            installed_size=str(size),
            depends=", ".join(depends),
            recommends=", ".join(recommends),
            commit=commit,
        ).replace("Recommends: \n", ""),
        encoding="utf-8",
    )
    (control / "conffiles").write_text("/etc/xdg/autostart/watchfloor-wall.desktop\n")
    shutil.copyfile(TEMPLATES / "postrm", control / "postrm")
    (control / "postrm").chmod(0o755)
    sums = []
    for path in sorted(tree.rglob("*")):
        if path.is_file() and not path.is_symlink() and control not in path.parents:
            digest = _file_digest(path, "md5")
            sums.append(f"{digest}  {path.relative_to(tree)}\n")
    (control / "md5sums").write_text("".join(sums), encoding="utf-8")
    for name in ("control", "conffiles", "md5sums"):
        (control / name).chmod(0o644)


def _dpkg_deb_threads() -> list[str]:
    """``--threads-max=N`` when this dpkg-deb has it (dpkg >= 1.21.9)."""
    help_text = subprocess.run(
        ["dpkg-deb", "--help"], capture_output=True, text=True, check=False
    ).stdout
    if "--threads-max" in help_text:
        return [f"--threads-max={os.cpu_count() or 1}"]
    return []


def deb_name(version: str) -> str:
    return f"{PACKAGE}_{version.replace(':', '%3a')}_amd64.deb"


def build_deb(
    bundle: Path,
    out: Path,
    version: str,
    depends: Sequence[str],
    recommends: Sequence[str] = (),
    commit: str = "unknown",
    level: int = 6,
) -> Path:
    if shutil.which("dpkg-deb") is None:
        raise ArtifactError("dpkg-deb is missing (apt-get install dpkg)")
    out.mkdir(parents=True, exist_ok=True)
    target = out / deb_name(version)
    # The tree next to the output, so the bundle's files can be hard-linked into it.
    with tempfile.TemporaryDirectory(prefix=".deb-tree-", dir=out) as tmp:
        tree = Path(tmp) / "root"
        stage_deb(bundle, tree, version, depends, recommends, commit)
        command = [
            "dpkg-deb",
            "--root-owner-group",
            "-Zxz",
            f"-z{level}",
            *_dpkg_deb_threads(),
            "--build",
            str(tree),
            str(target),
        ]
        result = subprocess.run(command, capture_output=True, text=True, check=False)
        if result.returncode != 0:
            raise ArtifactError(f"dpkg-deb failed: {result.stderr.strip() or result.stdout}")
    return target


# --- the .tar.xz -----------------------------------------------------------------------


def tar_folder_name(version: str) -> str:
    return f"{PACKAGE}-{version}-linux-x86_64"


def build_tar(bundle: Path, out: Path, version: str, level: int = 6) -> Path:
    """``NAME.tar.xz`` whose single top folder is NAME (the bundle renamed)."""
    for tool in ("tar", "xz"):
        if shutil.which(tool) is None:
            raise ArtifactError(f"{tool} is missing (apt-get install tar xz-utils)")
    out.mkdir(parents=True, exist_ok=True)
    name = tar_folder_name(version)
    target = out / f"{name}.tar.xz"
    partial = target.with_name(target.name + ".part")
    bundle = bundle.resolve()
    tar = [
        "tar",
        "-C",
        str(bundle.parent),
        "--sort=name",
        "--owner=0",
        "--group=0",
        "--numeric-owner",
        "--mode=go-w,a+rX",
        # Rename the top folder; "S": never touch symlink targets.
        f"--transform=s,^{re.escape(bundle.name)},{name},S",
        "-cf",
        "-",
        bundle.name,
    ]
    with partial.open("wb") as sink:
        tar_proc = subprocess.Popen(tar, stdout=subprocess.PIPE)
        assert tar_proc.stdout is not None
        xz_proc = subprocess.run(
            ["xz", "-T0", f"-{level}", "-c"], stdin=tar_proc.stdout, stdout=sink, check=False
        )
        tar_proc.stdout.close()
        tar_code = tar_proc.wait()
    if tar_code != 0 or xz_proc.returncode != 0:
        partial.unlink(missing_ok=True)
        raise ArtifactError(f"tar | xz failed (tar {tar_code}, xz {xz_proc.returncode})")
    partial.replace(target)
    return target


# --- checksums and sizes ---------------------------------------------------------------


def _file_digest(path: Path, algorithm: str) -> str:
    digest = hashlib.new(algorithm)
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def write_sha256(path: Path) -> Path:
    """``PATH.sha256`` beside it: ``HASH  NAME``, checked with ``sha256sum -c`` there."""
    target = path.with_name(path.name + ".sha256")
    digest = _file_digest(path, "sha256")
    target.write_text(f"{digest}  {path.name}\n", encoding="utf-8")
    return target


def check_size(path: Path, max_mib: float = MAX_MIB) -> float:
    """The artifact's size in MiB; :class:`ArtifactError` when it is over ``max_mib``."""
    mib = path.stat().st_size / MIB
    if mib > max_mib:
        raise ArtifactError(f"{path.name} is {mib:.1f} MiB, over the {max_mib:g} MiB limit")
    return mib


def folder_mib(folder: Path) -> float:
    return (
        sum(p.stat().st_size for p in folder.rglob("*") if p.is_file() and not p.is_symlink()) / MIB
    )


def remove_old(out: Path) -> None:
    """Artifacts of earlier builds in ``out`` (ours only, by name)."""
    for pattern in (f"{PACKAGE}_*_amd64.deb", f"{PACKAGE}-*-linux-x86_64.tar.xz"):
        for path in out.glob(pattern):
            path.unlink()
            path.with_name(path.name + ".sha256").unlink(missing_ok=True)


def build_artifacts(
    bundle: Path,
    out: Path,
    *,
    max_mib: float = MAX_MIB,
    deb: bool = True,
    tar: bool = True,
    level: int = 6,
    log: Callable[[str], None] = print,
) -> list[Path]:
    """Both artifacts and their ``.sha256`` files; sizes and times logged. Raises
    :class:`ArtifactError` for a failed step or an artifact over ``max_mib``. ``level``:
    the xz preset of both (6, xz's default; on a 2-core CI machine 4 takes about a third
    less time for about 4 % more size)."""
    if not (bundle / EXECUTABLE).is_file():
        raise ArtifactError(f"{bundle / EXECUTABLE} missing: build the bundle first")
    info = read_build_info(bundle)
    version = package_version(info)
    remove_old(out)
    log(f"artifacts: version {version}; folder {bundle} is {folder_mib(bundle):.1f} MiB")
    made: list[Path] = []
    if deb:
        started = time.monotonic()
        relations = derive_relations(bundle, log)
        log(
            f"artifacts: Depends derived in {time.monotonic() - started:.1f} s: "
            + ", ".join(relations.depends)
        )
        started = time.monotonic()
        made.append(
            build_deb(
                bundle,
                out,
                version,
                relations.depends,
                relations.recommends,
                commit=info.get("commit", "unknown"),
                level=level,
            )
        )
        log(f"artifacts: {made[-1].name} in {time.monotonic() - started:.1f} s")
    if tar:
        started = time.monotonic()
        made.append(build_tar(bundle, out, version, level))
        log(f"artifacts: {made[-1].name} in {time.monotonic() - started:.1f} s")
    over = []
    for path in made:
        write_sha256(path)
        mib = path.stat().st_size / MIB
        log(f"artifacts: {path} {mib:.1f} MiB (+ {path.name}.sha256)")
        try:
            check_size(path, max_mib)
        except ArtifactError as exc:
            over.append(str(exc))
    if over:
        raise ArtifactError("; ".join(over))
    return made


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bundle", type=Path, default=HERE.parent / "dist" / PACKAGE)
    parser.add_argument("--out", type=Path, help="default: the bundle's parent folder")
    parser.add_argument("--max-mib", type=float, default=MAX_MIB)
    parser.add_argument("--no-deb", action="store_true")
    parser.add_argument("--no-tar", action="store_true")
    parser.add_argument("--level", type=int, default=6, choices=range(10), help="xz preset")
    args = parser.parse_args(argv)
    try:
        build_artifacts(
            args.bundle,
            args.out or args.bundle.parent,
            max_mib=args.max_mib,
            deb=not args.no_deb,
            tar=not args.no_tar,
            level=args.level,
        )
    except ArtifactError as exc:
        print(f"artifacts: FAIL: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
