"""``class_shares``: the ``class_group`` answer as the categories panel's 大类 bars, each
with its 小类 with the most cases, against hand counts."""

from __future__ import annotations

from backend_client.protocol.ops import StatsAnswer, StatsFormulas, StatsRow
from backend_client.stories.cockpit import OTHERS, Share, class_shares


def _row(
    key: str, received: int, name: str = "", children: list[StatsRow] | None = None
) -> StatsRow:
    return StatsRow(
        key=key,
        received=received,
        due=0,
        closed=0,
        closed_on_time=0,
        closure_rate=None,
        on_time_rate=None,
        stages=[],
        name=name,
        children=children or [],
    )


ANSWER = StatsAnswer(
    start=0.0,
    end=1.0,
    group="class_group",
    as_of=1.0,
    rows=[
        _row(
            "06", 6, "市容环境", [_row("油烟污染", 3), _row("积存垃圾渣土", 2), _row("露天烧烤", 1)]
        ),
        _row("07", 0, "宣传广告", [_row("违规户外广告", 0)]),
        _row("09", 6, "街面秩序", [_row("店外经营", 3), _row("占道经营", 3)]),
        _row("10", 2, "其他", [_row("噪声扰民", 2)]),
    ],
    total=_row("", 14),
    formulas=StatsFormulas(),
)


def test_class_groups_most_first_each_with_its_top_classes() -> None:
    bars = class_shares(ANSWER, classes=2)
    # Ties by code (06 before 09), 小类 ties by name; a 大类 with no case has no bar.
    assert [(b.key, b.name, b.count) for b in bars] == [
        ("06", "市容环境", 6),
        ("09", "街面秩序", 6),
        ("10", "其他", 2),
    ]
    assert bars[0].share == 6 / 14
    assert bars[0].classes == (Share("油烟污染", 3, 3 / 14), Share("积存垃圾渣土", 2, 2 / 14))
    assert [c.key for c in bars[1].classes] == ["占道经营", "店外经营"]
    assert bars[2].classes == (Share("噪声扰民", 2, 2 / 14),)


def test_past_top_the_class_groups_are_one_bar_and_still_add_up() -> None:
    bars = class_shares(ANSWER, top=1, classes=1)
    assert [(b.key, b.count, len(b.classes)) for b in bars] == [("06", 6, 1), (OTHERS, 8, 0)]
    assert sum(b.count for b in bars) == ANSWER.total.received
