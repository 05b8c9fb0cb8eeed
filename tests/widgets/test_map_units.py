"""The map's unit table and page geography, headless (no QtWebEngine)."""

from __future__ import annotations

import base64

import numpy as np
import pytest

from backend_client.geo import wgs84_to_gcj02
from widgets.map.page import WUCHENG_ADCODE, MapConfig, load_geography
from widgets.map.units import UnitInfo, UnitTable

ORIGIN = (29.0, 119.6)


def decode(frame: dict) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    idx = np.frombuffer(base64.b64decode(frame["idx"]), dtype=np.uint32)
    pos = np.frombuffer(base64.b64decode(frame["pos"]), dtype=np.float32).astype(np.float64)
    st = np.frombuffer(base64.b64decode(frame["st"]), dtype=np.uint8)
    lat = frame["o"][0] + pos[0::2]
    lon = frame["o"][1] + pos[1::2]
    return idx, np.column_stack([lat, lon]), st


def units(n: int) -> list[UnitInfo]:
    return [UnitInfo(f"u{i}", f"n{i}", "t", "#fff", "on_duty") for i in range(n)]


def test_frame_carries_only_changed_slots_to_the_millimetre():
    table = UnitTable(ORIGIN)
    table.set_units(units(1000))
    rng = np.random.default_rng(0)
    lat, lon = rng.uniform(28.7, 29.3, 1000), rng.uniform(119.3, 119.8, 1000)
    table.update([f"u{i}" for i in range(1000)], lat, lon)
    idx, pos, _ = decode(table.take_frame())
    assert len(idx) == 1000
    # float32 offsets up to 0.3 deg from the origin: ~2 mm; absolute float32 would be
    # ~7e-6 deg (0.7 m) and fail this.
    assert np.abs(pos[:, 0] - lat[idx]).max() < 3e-8
    assert np.abs(pos[:, 1] - lon[idx]).max() < 3e-8
    assert table.take_frame() is None  # nothing changed since

    table.update(["u5", "u900", "u5"], np.array([29.1, 29.2, 29.3]), np.array([119.4] * 3))
    frame = table.take_frame()
    idx, pos, _ = decode(frame)
    assert sorted(idx.tolist()) == [5, 900]
    # The latest of two fixes in one batch wins.
    assert abs(pos[idx.tolist().index(5), 0] - 29.3) < 3e-8


def test_meta_is_full_after_set_units_then_only_appended_slots():
    table = UnitTable(ORIGIN)
    table.set_units(units(3))
    meta = table.take_meta()
    assert meta["reset"] and meta["ids"] == ["u0", "u1", "u2"]
    assert table.take_meta() is None
    table.update(["new1", "u0", "new2"], np.array([29.0] * 3), np.array([119.6] * 3))
    meta = table.take_meta()
    assert not meta["reset"]
    assert (meta["start"], meta["count"], meta["ids"]) == (3, 5, ["new1", "new2"])


def test_set_units_keeps_positions_of_officers_that_stay():
    table = UnitTable(ORIGIN)
    table.set_units(units(3))
    table.update(["u2"], np.array([29.05]), np.array([119.65]))
    table.set_units(
        [UnitInfo("u2", "x", "t", "#000", "busy"), UnitInfo("u9", "y", "t", "#000", "x")]
    )
    assert table.position("u2") == (29.05, 119.65)
    assert table.position("u0") is None
    assert table.slot("u2") == 0


def test_status_change_rides_the_next_frame_with_its_code_table():
    table = UnitTable(ORIGIN)
    table.set_units(units(4))
    first = table.take_frame()
    assert first["statuses"] == ["unknown", "on_duty"]
    table.set_status("u2", "sos")
    frame = table.take_frame()
    idx, _, st = decode(frame)
    assert idx.tolist() == [2]
    assert frame["statuses"][st[0]] == "sos"
    with pytest.raises(ValueError, match="duplicate"):
        table.set_units([units(1)[0], units(1)[0]])


def test_wucheng_label_lies_inside_and_geography_follows_the_datum():
    wgs = load_geography("wgs84").district(WUCHENG_ADCODE)
    gcj = load_geography("gcj02").district(WUCHENG_ADCODE)
    assert wgs.name == gcj.name == "婺城区"
    (s, w), (n, e) = wgs.bounds
    assert (s, w, n, e) == pytest.approx((28.732, 119.299, 29.243, 119.765), abs=2e-3)
    assert s < wgs.label_at[0] < n and w < wgs.label_at[1] < e
    # Rivers ship in WGS-84 only and must be shifted for a GCJ-02 base layer.
    r_wgs = load_geography("wgs84").rivers["features"][0]["geometry"]["coordinates"]
    r_gcj = load_geography("gcj02").rivers["features"][0]["geometry"]["coordinates"]
    first_wgs = r_wgs[0] if isinstance(r_wgs[0][0], float) else r_wgs[0][0]
    first_gcj = r_gcj[0] if isinstance(r_gcj[0][0], float) else r_gcj[0][0]
    exp_lat, exp_lon = wgs84_to_gcj02(first_wgs[1], first_wgs[0])
    assert first_gcj == pytest.approx([exp_lon, exp_lat], abs=2e-6)


def test_config_is_validated():
    with pytest.raises(ValueError, match="bd09"):
        MapConfig(datum="bd09")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="frame_interval_ms"):
        MapConfig(frame_interval_ms=0)
