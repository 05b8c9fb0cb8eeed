"""The classes catalogue: the shipped file's rows, lookup by every key, the nearest names for
an unknown one, every category the hub already has, and broken files named by line."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest

from backend_client import vocabulary
from backend_client.config import ConfigError
from backend_client.resources import resource
from hub.domain.calendar import CHINA_TZ, Limit, shipped_calendar
from hub.domain.classes import (
    MatterClass,
    UnknownClass,
    load_catalogue,
    normalize,
    shipped_catalogue,
)
from hub.simulator import catalogue as simulator_catalogue

CAT = shipped_catalogue()


def test_every_shipped_row_is_valid() -> None:
    assert len(CAT) >= 20
    groups = {g.code for g in CAT.groups}
    assert groups == {"06", "07", "08", "09", "10"}
    for matter in CAT:
        assert re.fullmatch(r"\d{5}", matter.code), matter
        assert matter.group.code == matter.code[:2]
        assert matter.name and matter.basis
        assert isinstance(matter.dispose, Limit)
        assert matter.rectify is None or isinstance(matter.rectify, Limit)
        # A code made here says so: only the standard's codes go unmarked.
        assert matter.local == (matter.code[2] == "9"), matter
    assert CAT.area == "330702"
    assert CAT.sources


def test_codes_are_unique_and_every_key_leads_to_one_class() -> None:
    codes = [m.code for m in CAT]
    assert len(codes) == len(set(codes))
    keys = [normalize(k) for m in CAT for k in (m.code, m.name, *m.aliases, *m.old_codes)]
    assert len(keys) == len(set(keys))


def test_lookup_by_code_old_code_full_code_name_and_alias() -> None:
    dumping = CAT.by_code("06010")
    assert dumping is not None and dumping.name == "暴露垃圾"
    for key in ("06010", "01.02", "01-10", "33070206010", "暴露垃圾", "垃圾暴露", " 暴露 垃圾 "):
        assert CAT.find(key) is dumping, key
    # Full-width digits, as an input method gives them, are the same code.
    assert CAT.find("０６０１０") is dumping
    # Every key of every class finds that class.
    for matter in CAT:
        for key in (matter.code, matter.name, *matter.aliases, *matter.old_codes):
            assert CAT.find(key) is matter, key
        assert CAT.find(matter.full_code(CAT.area)) is matter
    # Another area's full code is a report sent astray, not this class.
    assert CAT.find("33010206010") is None
    assert CAT.find("乱扔东西") is None


def test_the_limits_the_local_standards_publish() -> None:
    def limits(name: str) -> tuple[Limit, Limit | None]:
        matter = CAT.resolve(name)
        return matter.dispose, matter.rectify

    assert limits("暴露垃圾") == (Limit.working_hours(4), None)
    assert limits("道路不洁") == (Limit.working_hours(5), None)
    assert limits("积存垃圾渣土") == (Limit.working_days(4), None)
    assert limits("私搭乱建") == (Limit.working_hours(4), Limit.working_days(15))


def test_a_class_limit_on_the_working_calendar() -> None:
    # 暴露垃圾 dispatched on Friday 13 Feb 2026 at 16:00 must be cleared by 11:00 on the
    # make-up Saturday; 积存垃圾渣土 the same moment by the close of the Tuesday after 春节.
    start = dt.datetime(2026, 2, 13, 16, 0, tzinfo=CHINA_TZ).timestamp()
    cal = shipped_calendar()
    due = cal.deadline(start, CAT.resolve("暴露垃圾").dispose)
    assert dt.datetime.fromtimestamp(due, CHINA_TZ) == dt.datetime(
        2026, 2, 14, 11, 0, tzinfo=CHINA_TZ
    )
    due = cal.deadline(start, CAT.resolve("建筑垃圾").dispose)
    assert dt.datetime.fromtimestamp(due, CHINA_TZ) == dt.datetime(
        2026, 2, 26, 17, 30, tzinfo=CHINA_TZ
    )


@pytest.mark.parametrize(
    ("typed", "first"),
    [
        ("乱停", "机动车乱停放"),
        ("烧烤", "露天烧烤"),
        ("广场舞噪音", "噪声扰民"),
        ("门口摆摊", "占道经营"),
    ],
)
def test_nearest_names_for_an_unknown_name(typed: str, first: str) -> None:
    assert CAT.find(typed) is None
    suggestions = CAT.nearest(typed)
    assert suggestions[0] == first
    assert 1 <= len(suggestions) <= 3
    assert len(set(suggestions)) == len(suggestions)


def test_an_unknown_category_names_the_field_and_the_nearest_names() -> None:
    with pytest.raises(UnknownClass) as caught:
        CAT.resolve("乱停", field="category")
    assert caught.value.field == "category"
    assert caught.value.suggestions[:2] == ("机动车乱停放", "非机动车乱停放")
    assert str(caught.value) == (
        "field 'category': unknown category '乱停', did you mean 机动车乱停放、非机动车乱停放?"
    )
    # Nothing near: no suggestion rather than a random one.
    assert CAT.nearest("xyz") == []
    assert "did you mean" not in str(UnknownClass("category", "xyz", CAT.nearest("xyz")))


def test_every_existing_category_maps_onto_a_class() -> None:
    # The 16 names the wall translates and the simulator reports are the same list ...
    simulated = [c.name for c in simulator_catalogue.CATEGORIES]
    assert sorted(simulated) == sorted(vocabulary.CATEGORIES)
    assert len(simulated) == 16
    # ... and every one finds a class: stored cases and the simulator keep working.
    mapped: dict[str, MatterClass] = {name: CAT.resolve(name) for name in simulated}
    assert mapped["出店经营"].code == "09005"  # 店外经营
    assert mapped["违章停车"].code == "09009"  # 机动车乱停放
    assert mapped["违法建设"].code == "06001"  # 私搭乱建
    assert mapped["油烟扰民"].code == "06027"  # 油烟污染


# ---- broken files ------------------------------------------------------------------------

SHIPPED = resource("classes", "chengguan.toml").read_text(encoding="utf-8")


def broken(tmp_path: Path, old: str, new: str) -> tuple[ConfigError, str]:
    assert SHIPPED.count(old) == 1, old
    text = SHIPPED.replace(old, new)
    path = tmp_path / "classes.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_catalogue(path)
    error = caught.value
    assert error.line is not None
    assert str(error).startswith(f"{path}:{error.line}: field '{error.field}': ")
    return error, text.splitlines()[error.line - 1]


def index_of(code: str) -> int:
    return [m.code for m in CAT].index(code)


def test_an_alias_of_two_classes_is_refused_at_its_line(tmp_path: Path) -> None:
    # 道路不洁 (06012) also claiming 建筑垃圾, an alias of 积存垃圾渣土 (06011).
    error, line = broken(
        tmp_path, 'aliases = ["路面不洁", "道路保洁"]', 'aliases = ["路面不洁", "建筑垃圾"]'
    )
    assert error.field == f"class[{index_of('06012')}].aliases[1]"
    assert "already names class 06011" in error.problem
    assert "建筑垃圾" in line


def test_a_duplicate_code_a_bad_code_and_an_unknown_group_are_refused(tmp_path: Path) -> None:
    error, line = broken(tmp_path, 'code = "06007"', 'code = "06001"')
    assert error.field == f"class[{index_of('06007')}].code"
    assert "declared twice" in error.problem and '"06001"' in line
    error, line = broken(tmp_path, 'code = "06007"', 'code = "6007"')
    assert "5 digits" in error.problem and '"6007"' in line
    error, line = broken(tmp_path, 'code = "06007"', 'code = "11007"')
    assert "no [[group]] with code 11" in error.problem and '"11007"' in line


def test_a_limit_must_be_one_positive_amount_of_one_unit(tmp_path: Path) -> None:
    at = index_of("06012")
    error, line = broken(
        tmp_path, "dispose = { working_hours = 5 }", "dispose = { working_hours = 5, minutes = 9 }"
    )
    assert error.field == f"class[{at}].dispose"
    assert "exactly one of" in error.problem and "minutes = 9" in line
    error, line = broken(
        tmp_path, "dispose = { working_hours = 5 }", "dispose = { working_hours = 0 }"
    )
    assert error.field == f"class[{at}].dispose.working_hours"
    assert "more than 0" in error.problem
    error, line = broken(
        tmp_path, "dispose = { working_hours = 5 }", "dispose = { working_weeks = 5 }"
    )
    assert "working_weeks" in error.field + error.problem


def test_a_class_without_its_limit_names_the_class(tmp_path: Path) -> None:
    error, line = broken(
        tmp_path,
        'basis = "local standard: 5 working hours"\n',
        'basis = "local standard: 5 working hours"\nlimit = 5\n',
    )
    assert "limit" in error.field + error.problem and line == "limit = 5"
    error, line = broken(tmp_path, "dispose = { working_hours = 5 }\n", "")
    assert error.field == f"class[{index_of('06012')}].dispose"
    assert "is required" in error.problem and line == "[[class]]"
