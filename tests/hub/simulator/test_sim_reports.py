"""Citizens', grid workers' and officers' reports: the DESIGN ingest shape, at the set rate."""

from __future__ import annotations

import base64
import re
from pathlib import Path
from typing import Any

import msgspec
import numpy as np
import pytest

from backend_client.geo import distance_m, gcj02_to_wgs84
from hub.ingest import ReportIn
from hub.simulator import Simulator, WuchengWorld
from hub.simulator.catalogue import CATEGORY_BY_NAME

RESOURCES = Path(__file__).resolve().parents[3] / "resources"
NOW = 1_718_000_000.0


@pytest.fixture(scope="module")
def world() -> WuchengWorld:
    return WuchengWorld.load(RESOURCES, seed=21, officers=300, merchants=2000)


@pytest.fixture(scope="module")
def reports(world: WuchengWorld) -> list[dict[str, Any]]:
    sim = Simulator(world, seed=4, incident_rate_per_hour=200, diurnal=False)
    out: list[dict[str, Any]] = []
    for k in range(1, 361):  # six hours in one-minute steps
        out.extend(sim.step(NOW + 60 * k, 60.0).reports)
    return out


def test_reports_validate_against_the_ingest_schema(reports: list[dict[str, Any]]) -> None:
    assert len(reports) > 800
    for r in reports:
        parsed = msgspec.convert(r, ReportIn)
        assert parsed.source == r["source"]
        assert set(r) >= {
            "source", "external_id", "category", "text", "lat", "lon", "datum",
            "address", "reporter", "photos",
        }  # fmt: skip
        assert set(r["reporter"]) == {"name", "phone"}
        assert isinstance(r["photos"], list)


def test_report_fields_look_like_the_real_thing(
    world: WuchengWorld, reports: list[dict[str, Any]]
) -> None:
    merchants = {m.id: m for m in world.merchants}
    assert len({(r["source"], r["external_id"]) for r in reports}) == len(reports)
    for r in reports:
        assert r["category"] in CATEGORY_BY_NAME
        assert re.search(r"[\u4e00-\u9fff]{8,}", r["text"]), r["text"]
        assert r["address"].startswith("金华市婺城区")
        assert re.fullmatch(r"1[3-9]\d{9}", r["reporter"]["phone"])
        assert re.fullmatch(r"[\u4e00-\u9fff]{2,3}", r["reporter"]["name"])
        lat, lon = r["lat"], r["lon"]
        if r["datum"] == "gcj02":
            assert r["source"] == "snap"
            lat, lon = gcj02_to_wgs84(lat, lon)
        assert world.contains(np.array([lon]), np.array([lat]))[0]
        if "merchant_id" in r:
            m = merchants[r["merchant_id"]]
            assert distance_m(lat, lon, m.lat, m.lon) < 60
            assert r["address"] == m.address
            assert m.category in CATEGORY_BY_NAME[r["category"]].shop_kinds
        if r["source"] == "hotline":
            assert r["photos"] == [] and r["external_id"].startswith("8890-")
        if r["source"] == "snap":
            assert 1 <= len(r["photos"]) <= 3
            assert base64.b64decode(r["photos"][0]).startswith(b"\x89PNG\r\n\x1a\n")
        if r["source"] == "grid":
            assert r["text"].startswith("网格员")


def test_source_mix_and_merchant_share(reports: list[dict[str, Any]]) -> None:
    sources = [r["source"] for r in reports]
    share = {s: sources.count(s) / len(sources) for s in ("hotline", "snap", "grid", "patrol")}
    assert 0.3 < share["hotline"] < 0.5
    assert 0.2 < share["snap"] < 0.4
    assert 0.15 < share["grid"] < 0.35
    assert 0.0 < share["patrol"] < 0.12
    with_shop = sum("merchant_id" in r for r in reports) / len(reports)
    assert 0.3 < with_shop < 0.8
    cats = {r["category"] for r in reports}
    assert {
        "占道经营",
        "出店经营",
        "油烟扰民",
        "违规广告",
        "噪声扰民",
        "建筑垃圾",
        "违章停车",
    } <= cats


def test_rate_per_hour_is_honoured(world: WuchengWorld) -> None:
    sim = Simulator(world, seed=9, incident_rate_per_hour=60, diurnal=False)
    n = sum(len(sim.step(NOW + 10 * k, 10.0).reports) for k in range(1, 3601))  # 10 h
    # Poisson with mean 600: ±4 sigma is ±98.
    assert 500 < n < 700


def test_diurnal_profile_quiet_nights_busy_evenings(world: WuchengWorld) -> None:
    sim = Simulator(world, seed=9, incident_rate_per_hour=100)
    # 2024-06-10 00:00 Beijing time is 2024-06-09 16:00 UTC.
    midnight = 1_717_948_800.0
    by_hour = [0] * 24
    for k in range(1, 24 * 60 * 3 + 1):  # three days in one-minute steps
        t = midnight + 60 * k
        by_hour[int(((t - 30 - midnight) // 3600) % 24)] += len(sim.step(t, 60.0).reports)
    night = sum(by_hour[1:5])
    evening = sum(by_hour[18:22])
    assert evening > 5 * night


def test_reports_do_not_depend_on_case_handling(world: WuchengWorld) -> None:
    quiet = Simulator(world, seed=3, incident_rate_per_hour=120)
    busy = Simulator(world, seed=3, incident_rate_per_hour=120)
    for k in range(1, 601):
        a = quiet.step(NOW + 5 * k, 5.0).reports
        b = busy.step(NOW + 5 * k, 5.0).reports
        for j, r in enumerate(b):
            busy.on_incident(f"{k}.{j}", r["lat"], r["lon"], r["reported_at"], r["category"])
        # Patrol reports come from wherever officers are, which dispatches change;
        # everything else is the same report for report.
        assert [r for r in a if r["source"] != "patrol"] == [
            r for r in b if r["source"] != "patrol"
        ]
        assert [(r["source"], r["category"]) for r in a] == [
            (r["source"], r["category"]) for r in b
        ]


def test_a_second_run_sends_new_reports_not_retries_of_the_first_runs(
    world: WuchengWorld,
) -> None:
    """The demo on a kept store: numbering restarts with every run, and the hub takes an
    id it already holds for a retry (answered with the old case, no new one). Two runs of
    the same seed, an hour apart, must not share one id."""

    def ids(start: float) -> set[tuple[str, str]]:
        sim = Simulator(world, seed=4, incident_rate_per_hour=200, diurnal=False)
        out: set[tuple[str, str]] = set()
        for k in range(1, 61):
            out |= {(r["source"], r["external_id"]) for r in sim.step(start + 60 * k, 60.0).reports}
        return out

    first, second = ids(NOW), ids(NOW + 3600.0)
    assert len(first) > 100 and len(second) > 100
    assert not first & second
    assert {source for source, _ in first} == {"hotline", "snap", "grid", "patrol"}
