"""The examples in the statistics core's docstrings run and give what they show."""

import doctest
import importlib
import pkgutil

import pytest

import maillage.stats

MODULES = [f"maillage.stats.{m.name}" for m in pkgutil.iter_modules(maillage.stats.__path__)]


@pytest.mark.parametrize("module_name", MODULES)
def test_docstring_examples(module_name):
    result = doctest.testmod(importlib.import_module(module_name), optionflags=doctest.ELLIPSIS)
    assert result.failed == 0


def test_the_examples_exist():
    attempted = sum(
        doctest.testmod(importlib.import_module(name), report=False).attempted for name in MODULES
    )
    assert attempted >= 6
