"""Fixtures for the import and export tests: import files written in memory or in tmp_path."""

import io

import pytest

from maillage.common.actors import SYSTEM
from maillage.opendata.services import import_places


@pytest.fixture
def csv_stream():
    """Build a binary stream from lines joined with CRLF, as spreadsheets write them."""

    def build(*lines: str, encoding: str = "utf-8", bom: bool = False) -> io.BytesIO:
        data = ("\r\n".join(lines) + "\r\n").encode(encoding)
        return io.BytesIO((b"\xef\xbb\xbf" if bom else b"") + data)

    return build


@pytest.fixture
def run_import(csv_stream):
    """Import CSV lines under source "test" and return the report."""

    def run(*lines: str, source: str = "test", **options):
        return import_places(actor=SYSTEM, source=source, stream=csv_stream(*lines), **options)

    return run
