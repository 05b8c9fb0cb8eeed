#!/usr/bin/env python3
"""Keep ``resources/i18n/watchfloor_<lang>.ts`` in step with the source tree.

    .venv/bin/python scripts/i18n.py update [--seed FILE.json]   # re-extract, keep translations
    .venv/bin/python scripts/i18n.py check                       # CI: up to date, all finished
    .venv/bin/python scripts/i18n.py release OUT_DIR             # .qm files (the bundle's)

``update`` runs ``pyside6-lupdate`` over the UI sources into a fresh ``.ts`` and carries
over every translation the repository's ``.ts`` already has for the same context and
source (``--seed`` fills still-empty ones from a JSON file, context -> source -> translation).
Messages gone from the code go too: the ``.ts`` holds exactly what the code asks for.
New ones come out ``type="unfinished"``: translate them (Qt Linguist, or the file itself)
and ``check`` passes again.

lupdate files a bare ``tr("…")`` (widgets.text.tr, the old one-argument form) under the
empty context; at run time that ``tr`` looks up the ``watchfloor`` context, so those
messages are filed there.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path
from xml.sax.saxutils import escape

ROOT = Path(__file__).resolve().parent.parent
I18N = ROOT / "resources" / "i18n"
LANGUAGES = ("en",)
SOURCE_LANGUAGE = "zh_CN"
#: What lupdate reads: the UI, and the shared core's vocabulary (ticker and alert wording).
SOURCE_GLOBS = ("widgets/**/*.py", "desktop/**/*.py", "backend_client/**/*.py")
#: Where widgets.text.tr's messages land (see the module docstring).
OLD_TR_CONTEXT = "watchfloor"


@dataclass
class Message:
    source: str
    translation: str = ""

    @property
    def finished(self) -> bool:
        return bool(self.translation)


Catalogue = dict[str, dict[str, Message]]  # context -> source -> message


def lupdate_path() -> Path:
    import PySide6

    return Path(PySide6.__file__).resolve().parent / "lupdate"


def sources(root: Path = ROOT) -> list[Path]:
    found = {p for pattern in SOURCE_GLOBS for p in root.glob(pattern)}
    return sorted(p for p in found if "__pycache__" not in p.parts)


def read_ts(path: Path) -> Catalogue:
    out: Catalogue = {}
    if not path.exists():
        return out
    for ctx in ET.parse(path).getroot().iter("context"):
        name = ctx.findtext("name", "") or ""
        messages = out.setdefault(name, {})
        for element in ctx.iter("message"):
            source = element.findtext("source", "") or ""
            translation = element.find("translation")
            # unfinished, vanished and obsolete messages count as untranslated.
            done = translation is not None and translation.get("type") is None
            text = (translation.text or "") if translation is not None and done else ""
            messages[source] = Message(source, text)
    return out


def extract(root: Path = ROOT) -> Catalogue:
    """What lupdate finds in the tree now, old ``tr()`` calls filed under ``watchfloor``."""
    with tempfile.TemporaryDirectory() as tmp:
        ts = Path(tmp) / "extracted.ts"
        files = [str(p.relative_to(root)) for p in sources(root)]
        subprocess.run(
            [str(lupdate_path()), "-silent", "-locations", "none", *files, "-ts", str(ts)],
            cwd=root,
            check=True,
            capture_output=True,
            timeout=300,
        )
        found = read_ts(ts)
    untitled = found.pop("", {})
    merged = found.setdefault(OLD_TR_CONTEXT, {})
    for source, message in untitled.items():
        merged.setdefault(source, message)
    return found


#: context -> source -> translation; the context ``*`` serves every context.
Seed = dict[str, dict[str, str]]


def merge(extracted: Catalogue, known: Catalogue, seed: Seed) -> Catalogue:
    out: Catalogue = {}
    anywhere = seed.get("*", {})
    for context in sorted(extracted):
        messages = out.setdefault(context, {})
        here = seed.get(context, {})
        for source in extracted[context]:
            old = known.get(context, {}).get(source)
            if old is not None and old.finished:
                text = old.translation
            else:
                text = here.get(source) or anywhere.get(source, "")
            messages[source] = Message(source, text)
    return out


def render(catalogue: Catalogue, lang: str) -> str:
    """The ``.ts`` text, in the layout lupdate and Linguist write."""
    lines = [
        '<?xml version="1.0" encoding="utf-8"?>',
        "<!DOCTYPE TS>",
        f'<TS version="2.1" language="{lang}" sourcelanguage="{SOURCE_LANGUAGE}">',
    ]
    for context, messages in catalogue.items():
        lines += ["<context>", f"    <name>{escape(context)}</name>"]
        for message in messages.values():
            lines += ["    <message>", f"        <source>{escape(message.source)}</source>"]
            if message.finished:
                lines.append(f"        <translation>{escape(message.translation)}</translation>")
            else:
                lines.append('        <translation type="unfinished"></translation>')
            lines.append("    </message>")
        lines.append("</context>")
    lines.append("</TS>")
    return "\n".join(lines) + "\n"


def unfinished(catalogue: Catalogue) -> list[tuple[str, str]]:
    return [
        (context, source)
        for context, messages in catalogue.items()
        for source, message in messages.items()
        if not message.finished
    ]


def ts_file(lang: str) -> Path:
    return I18N / f"watchfloor_{lang}.ts"


def update(seed: Seed) -> int:
    extracted = extract()
    for lang in LANGUAGES:
        merged = merge(extracted, read_ts(ts_file(lang)), seed)
        ts_file(lang).parent.mkdir(parents=True, exist_ok=True)
        ts_file(lang).write_text(render(merged, lang), encoding="utf-8")
        todo = unfinished(merged)
        count = sum(map(len, merged.values()))
        print(f"{ts_file(lang).relative_to(ROOT)}: {count} messages, {len(todo)} unfinished")
        for context, source in todo:
            print(f"  unfinished  [{context}] {source}")
    return 0


def check() -> int:
    extracted = extract()
    failed = False
    for lang in LANGUAGES:
        path = ts_file(lang)
        merged = merge(extracted, read_ts(path), {})
        if not path.exists() or render(merged, lang) != path.read_text(encoding="utf-8"):
            print(f"{path.relative_to(ROOT)} is not up to date: run scripts/i18n.py update")
            failed = True
        for context, source in unfinished(merged):
            print(f"{path.relative_to(ROOT)}: no translation for [{context}] {source}")
            failed = True
    return 1 if failed else 0


def release(out_dir: Path) -> int:
    sys.path.insert(0, str(ROOT))
    from desktop.i18n import compile_qm

    for lang in LANGUAGES:
        compile_qm(ts_file(lang), out_dir / f"watchfloor_{lang}.qm")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else "")
    commands = parser.add_subparsers(dest="command", required=True)
    up = commands.add_parser("update", help="re-extract the messages, keep the translations")
    up.add_argument("--seed", type=Path, help='JSON: {context or "*": {source: translation}}')
    commands.add_parser("check", help="fail unless the .ts files are current and finished")
    rel = commands.add_parser("release", help="compile the .qm files into OUT_DIR")
    rel.add_argument("out_dir", type=Path)
    args = parser.parse_args(argv)
    if args.command == "update":
        seed = json.loads(args.seed.read_text(encoding="utf-8")) if args.seed else {}
        return update(seed)
    if args.command == "check":
        return check()
    return release(args.out_dir)


if __name__ == "__main__":
    sys.exit(main())
