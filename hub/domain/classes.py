"""The classes catalogue: which matter a case is, its codes, and its time limits.

A class (小类) has a GB/T 47678.5-style five-digit code (大类 2 digits + 小类 3), a
name, the other names reports use for it (aliases), the codes older systems send for it
(old codes), and its limits: ``dispose`` (处置时限) and, for matters that need an order
to rectify, ``rectify`` (整改时限), each a :class:`~hub.domain.calendar.Limit` counted on
the working-time calendar. Urgent cases keep the 1-3-15 clock (``backend_client.sla``)
besides these.

The catalogue is data (``resources/classes/chengguan.toml``, editable, its sources named
in it). :func:`load_catalogue` validates it like every configuration file: a bad row is a
:class:`~backend_client.config.ConfigError` naming file, line and field. A report may give
a code (current, old, or the full 11-digit matter code with the area) or a name (or an
alias); :meth:`ClassCatalogue.resolve` finds the class or raises :class:`UnknownClass`
with the nearest names, for a 400 that helps the sender.
"""

from __future__ import annotations

import difflib
import functools
import re
import unicodedata
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import msgspec

from backend_client.config import TomlFile, read_toml
from backend_client.resources import resource
from hub.domain.calendar import Limit, LimitUnit

__all__ = [
    "SHIPPED_CATALOGUE",
    "ClassCatalogue",
    "MatterClass",
    "MatterGroup",
    "UnknownClass",
    "load_catalogue",
    "normalize",
    "shipped_catalogue",
]

SHIPPED_CATALOGUE = "chengguan.toml"

_CLASS_CODE = re.compile(r"^\d{5}$")
_GROUP_CODE = re.compile(r"^\d{2}$")
_AREA_CODE = re.compile(r"^\d{6}$")
# Below this a suggestion is noise: two short names sharing one character score 0.4.
_NEAREST_CUTOFF = 0.5


def normalize(text: str) -> str:
    """A key as typed: full-width digits and letters folded (NFKC: ０６００１ is 06001),
    spaces dropped, Latin letters lower-cased. Hotline operators type all of these."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text)).lower()


@dataclass(frozen=True, slots=True)
class MatterGroup:
    """A 大类: ``06`` 市容环境."""

    code: str
    name: str


@dataclass(frozen=True, slots=True)
class MatterClass:
    """A 小类 of the catalogue. ``local`` marks a code made for this catalogue, not taken
    from the standard; ``basis`` says where the limits come from."""

    code: str
    name: str
    group: MatterGroup
    dispose: Limit
    rectify: Limit | None = None
    aliases: tuple[str, ...] = ()
    old_codes: tuple[str, ...] = ()
    basis: str = ""
    local: bool = False

    def full_code(self, area: str) -> str:
        """The 11-digit matter code: administrative area + class (``33070206001``)."""
        return area + self.code


class UnknownClass(ValueError):
    """A code or name no class has; ``field`` names the report's field, ``suggestions``
    the nearest class names (maybe none). ``str()`` is the message for the 400."""

    def __init__(self, field: str, value: str, suggestions: Sequence[str]) -> None:
        hint = f", did you mean {'、'.join(suggestions)}?" if suggestions else ""
        super().__init__(f"field '{field}': unknown category {value!r}{hint}")
        self.field = field
        self.value = value
        self.suggestions = tuple(suggestions)


class ClassCatalogue:
    """Every class, found by code, old code, full matter code, name or alias."""

    def __init__(
        self,
        area: str,
        groups: Sequence[MatterGroup],
        classes: Sequence[MatterClass],
        sources: Sequence[str] = (),
    ) -> None:
        self.area = area
        self.groups = tuple(groups)
        self.classes = tuple(classes)
        self.sources = tuple(sources)
        self._by_code = {c.code: c for c in self.classes}
        # One table for every key, normalized; the loader has proved no key is ambiguous.
        self._by_key: dict[str, MatterClass] = {}
        for matter in self.classes:
            for key in _keys(matter):
                self._by_key.setdefault(normalize(key), matter)
        # What nearest() compares against: each name and alias once, with its class.
        self._names = {normalize(n): c for c in self.classes for n in (c.name, *c.aliases)}

    def __iter__(self) -> Iterator[MatterClass]:
        return iter(self.classes)

    def __len__(self) -> int:
        return len(self.classes)

    def by_code(self, code: str) -> MatterClass | None:
        """The class with this current five-digit code."""
        return self._by_code.get(normalize(code))

    def find(self, key: str) -> MatterClass | None:
        """The class a report's category means: a code (current, old, or the area's full
        11-digit matter code), a name or an alias. ``None`` if none."""
        wanted = normalize(key)
        found = self._by_key.get(wanted)
        if found is None and len(wanted) == 11 and wanted.startswith(self.area):
            # Only this area's full codes: another area's code is a report sent astray.
            found = self._by_code.get(wanted[6:])
        return found

    def resolve(self, key: str, field: str = "category") -> MatterClass:
        """:meth:`find`, or :class:`UnknownClass` naming ``field`` and the nearest names."""
        found = self.find(key)
        if found is None:
            raise UnknownClass(field, key, self.nearest(key))
        return found

    def nearest(self, name: str, count: int = 3) -> list[str]:
        """Up to ``count`` class names closest to ``name`` (best first), matching aliases
        too but naming their class: "乱停" suggests 机动车乱停放."""
        wanted = normalize(name)
        if not wanted:
            return []
        scored: list[tuple[float, str]] = []
        for key, matter in self._names.items():
            matcher = difflib.SequenceMatcher(None, wanted, key)
            score = matcher.ratio()
            # Chinese names are short, so a contained word ("烧烤" in 露天烧烤), or a shared
            # word of two characters (广场舞噪音, 噪音扰民), is a strong hint that a plain
            # ratio undervalues.
            if wanted in key or key in wanted:
                score += 0.5
            elif matcher.find_longest_match().size >= 2:
                score += 0.2
            if key == normalize(matter.name):
                score += 0.05  # on a tie the class's own name beats another's alias
            scored.append((score, matter.name))
        result: list[str] = []
        for score, matter_name in sorted(scored, key=lambda s: -s[0]):
            if score < _NEAREST_CUTOFF or len(result) == count:
                break
            if matter_name not in result:
                result.append(matter_name)
        return result


def _keys(matter: MatterClass) -> tuple[str, ...]:
    return (matter.code, matter.name, *matter.aliases, *matter.old_codes)


# ---- the catalogue file ------------------------------------------------------------------


class _LimitFile(msgspec.Struct, forbid_unknown_fields=True):
    minutes: float | None = None
    working_hours: float | None = None
    working_days: int | None = None


class _GroupFile(msgspec.Struct, forbid_unknown_fields=True):
    code: str
    name: str


class _ClassFile(msgspec.Struct, forbid_unknown_fields=True):
    code: str
    name: str
    dispose: _LimitFile
    basis: str
    rectify: _LimitFile | None = None
    aliases: list[str] = msgspec.field(default_factory=list)
    old_codes: list[str] = msgspec.field(default_factory=list)
    local: bool = False


class _CatalogueFile(msgspec.Struct, forbid_unknown_fields=True):
    area: str
    group: list[_GroupFile]
    matter_class: list[_ClassFile] = msgspec.field(name="class")
    sources: list[str] = msgspec.field(default_factory=list)
    editable: bool = True


def _limit(file: TomlFile, declared: _LimitFile, where: Sequence[str | int]) -> Limit:
    given = [
        (unit, amount)
        for unit, amount in (
            (LimitUnit.MINUTES, declared.minutes),
            (LimitUnit.WORKING_HOURS, declared.working_hours),
            (LimitUnit.WORKING_DAYS, declared.working_days),
        )
        if amount is not None
    ]
    if len(given) != 1:
        raise file.error(where, "give exactly one of minutes, working_hours, working_days")
    unit, amount = given[0]
    if not amount > 0:
        raise file.error([*where, str(unit)], f"must be more than 0, got {amount:g}")
    return Limit(amount, unit)


def load_catalogue(path: Path) -> ClassCatalogue:
    """Read and validate a catalogue file (format: ``docs/casework.md``). Raises
    :class:`~backend_client.config.ConfigError` naming file, line and field."""
    file = read_toml(path)
    declared = file.convert(file.data, _CatalogueFile)
    if not _AREA_CODE.match(declared.area):
        raise file.error(["area"], f"expected a 6-digit area code, got {declared.area!r}")
    groups: dict[str, MatterGroup] = {}
    for index, group in enumerate(declared.group):
        if not _GROUP_CODE.match(group.code):
            raise file.error(["group", index, "code"], f"expected 2 digits, got {group.code!r}")
        if group.code in groups:
            raise file.error(["group", index, "code"], f"group {group.code} is declared twice")
        groups[group.code] = MatterGroup(group.code, group.name.strip())
    if not declared.matter_class:
        raise file.error(["class"], "expected one or more [[class]] tables")

    classes: list[MatterClass] = []
    codes: set[str] = set()
    owner: dict[str, str] = {}  # normalized key -> the code of the class that has it
    for index, row in enumerate(declared.matter_class):
        at: list[str | int] = ["class", index]
        if not _CLASS_CODE.match(row.code):
            raise file.error([*at, "code"], f"expected 5 digits (大类 + 小类), got {row.code!r}")
        if row.code in codes:
            raise file.error([*at, "code"], f"class {row.code} is declared twice")
        codes.add(row.code)
        parent = groups.get(row.code[:2])
        if parent is None:
            raise file.error([*at, "code"], f"no [[group]] with code {row.code[:2]}")
        if not row.name.strip():
            raise file.error([*at, "name"], "a class needs a name")
        matter = MatterClass(
            code=row.code,
            name=row.name.strip(),
            group=parent,
            dispose=_limit(file, row.dispose, [*at, "dispose"]),
            rectify=_limit(file, row.rectify, [*at, "rectify"]) if row.rectify else None,
            aliases=tuple(a.strip() for a in row.aliases),
            old_codes=tuple(c.strip() for c in row.old_codes),
            basis=row.basis,
            local=row.local,
        )
        # Every key must lead to one class, or a report's category would be a coin toss.
        fields: list[tuple[Sequence[str | int], str]] = [
            ([*at, "code"], matter.code),
            ([*at, "name"], matter.name),
            *(([*at, "aliases", n], a) for n, a in enumerate(matter.aliases)),
            *(([*at, "old_codes", n], c) for n, c in enumerate(matter.old_codes)),
        ]
        for where, key in fields:
            normal = normalize(key)
            if not normal:
                raise file.error(where, "empty name or code")
            other = owner.get(normal)
            if other is not None and other != matter.code:
                raise file.error(where, f"{key!r} already names class {other}")
            if other == matter.code and where[-1] not in ("code", "name"):
                raise file.error(where, f"{key!r} is listed twice for this class")
            owner[normal] = matter.code
        classes.append(matter)
    return ClassCatalogue(declared.area, tuple(groups.values()), classes, declared.sources)


@functools.cache
def shipped_catalogue() -> ClassCatalogue:
    """The catalogue shipped in ``resources/classes/`` (read once)."""
    return load_catalogue(resource("classes", SHIPPED_CATALOGUE))
