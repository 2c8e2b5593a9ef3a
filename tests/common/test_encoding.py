"""Encoding detection of CSV files (maillage.common.encoding)."""

import doctest

import pytest
from hypothesis import given
from hypothesis import strategies as st

from maillage.common import encoding
from maillage.common.encoding import BadEncoding, TextDecoder, decode_text

FRENCH = "Béarn;Côte-d'Or;Ñ €uro — « œuvre »"


def test_docstring_examples():
    assert doctest.testmod(encoding).failed == 0


@pytest.mark.parametrize(
    ("data", "detected"),
    [
        (FRENCH.encode("utf-8"), "utf-8"),
        (b"\xef\xbb\xbf" + FRENCH.encode("utf-8"), "utf-8"),
        (FRENCH.encode("cp1252"), "cp1252"),
    ],
)
def test_utf8_with_or_without_bom_and_windows_1252_are_read(data, detected):
    assert decode_text(data) == FRENCH
    decoder = TextDecoder()
    decoder.decode(data.removeprefix(b"\xef\xbb\xbf"), final=True)
    assert decoder.encoding == detected


def test_ascii_settles_on_no_encoding():
    decoder = TextDecoder()
    assert decoder.decode(b"Pau;64445", final=True) == "Pau;64445"
    assert decoder.encoding is None


@pytest.mark.parametrize(
    ("data", "newlines"),
    [
        ("a\né\n".encode("cp1252") + "é".encode(), 2),  # Windows-1252, then UTF-8
        # UTF-8, then Windows-1252, decoded at once: not UTF-8, so read as Windows-1252, where
        # the UTF-8 "é" of the second line is the fault.
        ("a\né\n".encode() + "é".encode("cp1252"), 1),
        (b"a\n\x81", 1),  # a byte Windows-1252 leaves undefined
    ],
)
def test_a_file_mixing_encodings_is_refused_where_it_changes(data, newlines):
    with pytest.raises(BadEncoding) as caught:
        decode_text(data)
    assert caught.value.newlines == newlines


@given(st.text(st.characters(codec="cp1252")), st.integers(min_value=1, max_value=7))
def test_chunks_decode_as_the_whole_whatever_their_size(text, size):
    """Windows-1252 text whose bytes happen to form UTF-8 is read as UTF-8 (nothing can tell),
    so the whole and the chunks are compared, not the text."""
    for data in (text.encode("utf-8"), text.encode("cp1252")):
        try:
            whole = decode_text(data)
        except BadEncoding:
            continue
        decoder = TextDecoder()
        pieces = [decoder.decode(data[i : i + size]) for i in range(0, len(data), size)]
        assert "".join(pieces) + decoder.decode(b"", final=True) == whole
