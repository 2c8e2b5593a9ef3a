"""The examples in the analysis core's docstrings run and give what they show."""

import doctest
import importlib
import pkgutil

import pytest

import maillage.analysis

MODULES = [
    f"maillage.analysis.{module.name}"
    for module in pkgutil.iter_modules(maillage.analysis.__path__)
]


@pytest.mark.parametrize("module_name", MODULES)
def test_docstring_examples(module_name):
    result = doctest.testmod(importlib.import_module(module_name), optionflags=doctest.ELLIPSIS)
    assert result.failed == 0


def test_the_examples_exist():
    attempted = sum(
        doctest.testmod(importlib.import_module(name), report=False).attempted for name in MODULES
    )
    assert attempted >= 20
