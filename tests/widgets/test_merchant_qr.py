"""一户一码: the merchant drill-down shows the merchant's code as a QR code, drawn
offline; a desk's scanner gun typing that code into the search box opens the merchant's
file. A real hub on loopback."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import qasync
from PySide6.QtCore import QSettings

from backend_client.cache import AnswerCache, CachedRequests
from backend_client.codes import merchant_code, merchant_of
from backend_client.qt import QtFeed
from desktop.desk import DeskWindow
from tests.desktop.test_wall_e2e import until
from tests.support.hubs import LiveHub
from tests.widgets.test_drilldown_more import MERCHANT
from widgets.drilldown import MerchantDrilldown
from widgets.qrcode import qr_modules, qr_pixmap

BORDER = 4  # modules of quiet zone around the code


def test_the_pixmap_is_the_code_of_the_text_module_for_module(qapp: Any) -> None:
    text = merchant_code("M-001")
    modules = qr_modules(text)
    image = qr_pixmap(text, module_px=4).toImage()
    size = len(modules)
    assert image.width() == image.height() == (size + 2 * BORDER) * 4
    for y, row in enumerate(modules):
        for x, dark in enumerate(row):
            pixel = image.pixelColor((x + BORDER) * 4 + 2, (y + BORDER) * 4 + 2)
            assert (pixel.lightness() < 128) == dark, (x, y)
    # The quiet zone is light, as scanners need.
    assert image.pixelColor(1, 1).lightness() > 200
    # Another merchant's code is another picture.
    assert qr_modules(merchant_code("M-002")) != modules


def test_a_scanned_code_names_its_merchant_and_nothing_else_does() -> None:
    assert merchant_of(merchant_code("M-001")) == "M-001"
    assert merchant_of("  WATCHFLOOR:merchant/M-9_x.1 \n") == "M-9_x.1"
    for text in ("M-001", "watchfloor:merchant/", "watchfloor:unit/U001", "https://x/M-001"):
        assert merchant_of(text) is None


def test_the_merchant_file_shows_its_code_and_the_desk_opens_it_when_scanned(
    tmp_path: Path, hub: LiveHub, loop: qasync.QEventLoop, qtbot: Any
) -> None:
    hub.run(hub.hub.seed([], [], [MERCHANT]))
    feed = QtFeed(hub.stream_url, hub.token["supervisor"])
    cache = AnswerCache(tmp_path / "desk-cache.sqlite")
    desk = DeskWindow(
        feed,
        settings=QSettings(str(tmp_path / "desk.ini"), QSettings.Format.IniFormat),
        with_map=False,
        requests=CachedRequests(feed.client, cache),
    )
    qtbot.addWidget(desk)
    desk.show()

    async def scenario() -> None:
        feed.start()
        await until(feed.is_live)
        # The scanner types the code and Enter into the search box.
        desk.search_box.setText(merchant_code(MERCHANT.id))
        desk.search_box.returnPressed.emit()
        panel = desk.reading.entity
        assert isinstance(panel, MerchantDrilldown) and panel.merchant_id == MERCHANT.id
        await until(lambda: panel.answer is not None)
        assert panel.fields["name"].text() == MERCHANT.name
        assert panel.code == merchant_code(MERCHANT.id) == panel.qr.toolTip()
        assert not panel.qr.pixmap().isNull()
        assert panel.qr.pixmap().toImage() == qr_pixmap(panel.code).toImage()
        await feed.stop()

    loop.run_until_complete(scenario())
    cache.close()
