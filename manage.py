#!/usr/bin/env python
"""Convenience wrapper: `python manage.py …` is the same as the `maillage` command."""

from maillage.__main__ import main

if __name__ == "__main__":
    main()
