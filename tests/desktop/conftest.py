"""Fixtures the desk and wall tests share."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from desktop.i18n import install_language


@pytest.fixture
def english() -> Iterator[None]:
    """The English UI for one test (Chinese, the default, again after it)."""
    install_language("en")
    yield
    install_language("zh_CN")
