"""Each public package defines ``__all__``; every listed name exists and has a docstring."""

from __future__ import annotations

import importlib
import inspect
import pkgutil

import pytest

import mohtasib
from tests.test_docs import GENERATE

# The documented public modules (one list, in docs/generate.py) plus the CLI package.
PUBLIC = [*GENERATE.PUBLIC_MODULES, "mohtasib.cli"]


@pytest.mark.parametrize("name", PUBLIC)
def test_public_module_defines_sorted_all(name):
    module = importlib.import_module(name)
    assert hasattr(module, "__all__"), f"{name} has no __all__"
    names = list(module.__all__)
    assert len(names) == len(set(names)), f"{name}.__all__ has duplicates"
    for item in names:
        assert hasattr(module, item), f"{name}.__all__ lists {item!r}, which does not exist"


@pytest.mark.parametrize("name", PUBLIC)
def test_public_names_have_docstrings(name):
    module = importlib.import_module(name)
    for item in module.__all__:
        obj = getattr(module, item)
        if inspect.isfunction(obj) or inspect.isclass(obj):
            assert inspect.getdoc(obj), f"{name}.{item} has no docstring"


def test_every_subpackage_init_defines_all():
    for info in pkgutil.walk_packages(mohtasib.__path__, "mohtasib."):
        if info.ispkg:
            module = importlib.import_module(info.name)
            assert hasattr(module, "__all__"), f"{info.name}/__init__.py has no __all__"


def test_private_modules_are_not_exported():
    from mohtasib import fairness

    assert all(not n.startswith("_") for n in fairness.__all__)
    assert "audit" in fairness.__all__
    assert "audit_stops" in fairness.__all__
