"""The self-contained HTML report: :func:`build_report` (loaded on first use, so that
``equanimity --help`` does not import pandas and matplotlib)."""

from __future__ import annotations

import importlib
from typing import Any

__all__ = ["build_report", "render_report"]


def __getattr__(name: str) -> Any:
    if name not in __all__:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f"{__name__}.html"), name)


def __dir__() -> list[str]:
    return __all__
