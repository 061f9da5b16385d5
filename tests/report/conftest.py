"""Fixtures for the report tests: the analysis tests' run factory, loaded by path."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest


@pytest.fixture(scope="session")
def factory() -> ModuleType:
    name = "_equanimity_tests_runfactory"
    if name not in sys.modules:
        path = Path(__file__).parents[1] / "analysis" / "runfactory.py"
        spec = importlib.util.spec_from_file_location(name, path)
        assert spec and spec.loader
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    return sys.modules[name]
