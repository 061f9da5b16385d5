"""Fixtures for the analysis tests: the run factory, loaded by path (see runfactory.py)."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest


def load_runfactory() -> ModuleType:
    name = "_equanimity_tests_runfactory"
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(
            name, Path(__file__).with_name("runfactory.py")
        )
        assert spec and spec.loader
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    return sys.modules[name]


@pytest.fixture(scope="session")
def factory() -> ModuleType:
    return load_runfactory()
