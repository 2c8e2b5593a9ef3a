"""The examples in the tally module's docstrings run and give what they show."""

import doctest
import importlib
import pkgutil

import pytest

import maillage.tally

MODULES = ["maillage.tally"] + [
    f"maillage.tally.{module.name}" for module in pkgutil.iter_modules(maillage.tally.__path__)
]


@pytest.mark.parametrize("module_name", MODULES)
def test_docstring_examples(module_name):
    result = doctest.testmod(importlib.import_module(module_name), optionflags=doctest.ELLIPSIS)
    assert result.failed == 0


def test_the_examples_exist():
    attempted = sum(
        doctest.testmod(importlib.import_module(name), report=False).attempted for name in MODULES
    )
    assert attempted >= 25
