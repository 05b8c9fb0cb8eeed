"""Generated tokens must survive a command line: one starting with "-" reads as an option."""

from __future__ import annotations

from hub.auth import TokenRegistry


def test_generated_tokens_never_look_like_options() -> None:
    for _ in range(200):
        registry, values = TokenRegistry.generate()
        assert all(not value.startswith("-") for value in values.values())
        assert {registry.authenticate(v).role for v in values.values()} == set(values)  # type: ignore[union-attr]
