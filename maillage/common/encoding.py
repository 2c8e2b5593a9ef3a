"""Reading the text of a CSV file a person made: UTF-8 (with or without BOM) or Windows-1252,
the encoding French Excel uses for "CSV (séparateur : point-virgule)". Imports nothing from
Django, so any module may use it.

The encoding is detected from the content, at the first non-ASCII bytes: valid UTF-8 is read as
UTF-8, anything else as Windows-1252. A file mixing both (rows pasted from another file) is
refused with `BadEncoding` rather than stored as mojibake ("Ã©" for "é"), as is a byte that
Windows-1252 leaves undefined.

>>> decode_text("Pays basque;Béarn".encode("cp1252")), decode_text("\\ufeffBéarn".encode())
('Pays basque;Béarn', 'Béarn')
>>> decode_text("é".encode("cp1252") + "é".encode())
Traceback (most recent call last):
  ...
maillage.common.encoding.BadEncoding: 0
"""

import codecs
import re

UTF16_BOMS = (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)
# A multi-byte UTF-8 sequence. Windows-1252 text almost never holds one (it would read as
# "Ã©" or "â€™"), so in a file read as Windows-1252 it means UTF-8 mixed in: reading on would
# store those characters as mojibake.
UTF8_SEQUENCE = re.compile(
    rb"[\xc2-\xdf][\x80-\xbf]|[\xe0-\xef][\x80-\xbf]{2}|[\xf0-\xf4][\x80-\xbf]{3}"
)


class BadEncoding(ValueError):  # noqa: N818 - reads as a sentence: raise BadEncoding
    """The bytes change encoding, or hold a byte their encoding lacks; `newlines` is the number
    of line ends before the fault in the bytes being decoded, from which the reader tells the
    line."""

    def __init__(self, newlines: int) -> None:
        super().__init__(newlines)
        self.newlines = newlines

    @classmethod
    def from_unicode_error(cls, exc: UnicodeDecodeError) -> "BadEncoding":
        return cls(exc.object[: exc.start].count(b"\n"))


class TextDecoder:
    """Incremental decoder that settles on UTF-8 or Windows-1252 at the first non-ASCII bytes.

    Feed it the bytes after the BOM (a caller that saw a UTF-8 BOM sets `encoding` to
    "utf-8"). Raises BadEncoding when UTF-8 bytes turn out invalid, or when bytes read as
    Windows-1252 hold a UTF-8 sequence (a file saved partly in each).
    """

    def __init__(self) -> None:
        self.encoding: str | None = None
        self._utf8 = codecs.getincrementaldecoder("utf-8")()
        self._cp1252 = codecs.getincrementaldecoder("cp1252")()
        self._tail = b""

    def decode(self, data: bytes, *, final: bool = False) -> str:
        if self.encoding == "cp1252":
            return self._decode_cp1252(data, final)
        try:
            text = self._utf8.decode(data, final)
        except UnicodeDecodeError as exc:
            if self.encoding == "utf-8":
                raise BadEncoding.from_unicode_error(exc) from None
            # Everything decoded so far was ASCII, which Windows-1252 reads the same way; the
            # bytes the UTF-8 decoder held back (a truncated sequence) are decoded again.
            pending, _flags = self._utf8.getstate()
            self.encoding = "cp1252"
            return self._decode_cp1252(pending + data, final)
        if self.encoding is None and not text.isascii():
            self.encoding = "utf-8"
        return text

    def _decode_cp1252(self, data: bytes, final: bool) -> str:
        # A sequence may straddle two chunks: the last three bytes wait for the next chunk.
        data = self._tail + data
        keep = 0 if final else min(3, len(data))
        data, self._tail = data[: len(data) - keep], data[len(data) - keep :]
        if match := UTF8_SEQUENCE.search(data):
            raise BadEncoding(data[: match.start()].count(b"\n"))
        try:
            return self._cp1252.decode(data, final)
        except UnicodeDecodeError as exc:  # one of the five bytes Windows-1252 leaves undefined
            raise BadEncoding.from_unicode_error(exc) from None


def decode_text(data: bytes) -> str:
    """The whole text of `data`, a UTF-8 BOM removed, UTF-8 or Windows-1252 as detected.

    Raises BadEncoding as TextDecoder does; UTF-16 is not detected here (see UTF16_BOMS).
    """
    decoder = TextDecoder()
    if data.startswith(codecs.BOM_UTF8):
        data = data[len(codecs.BOM_UTF8) :]
        decoder.encoding = "utf-8"
    return decoder.decode(data, final=True)
