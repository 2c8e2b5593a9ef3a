"""The chain's format: an entry's hash is SHA-256 of the canonical JSON of its document (the
documented formula), however the document is written out, for any content, receipt and college;
a stored content is read as its value and that value's canonical JSON."""

import hashlib
import json

from hypothesis import given, settings
from hypothesis import strategies as st

from maillage.audit.services import canonical_json
from maillage.governance import chain

# Text without lone surrogates (which no JSON document stored by the database holds).
texts = st.text(st.characters(blacklist_categories=["Cs"]), max_size=12)
contents = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | texts,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(texts, children, max_size=4),
    max_leaves=12,
)


def documented(*, vote_id, position, content, receipt, college_id, previous_hash):
    document = {
        "college": college_id,
        "content": content,
        "position": position,
        "previous_hash": previous_hash,
        "receipt_hash": receipt,
        "vote": vote_id,
    }
    return hashlib.sha256(canonical_json(document).encode()).hexdigest()


entries = st.fixed_dictionaries(
    {
        "vote_id": st.integers(1, 2**63),
        "position": st.integers(1, 10**7),
        "content": contents,
        "receipt": texts,
        "college_id": st.none() | st.integers(1, 2**31),
        "previous_hash": texts,
    }
)


@given(entries)
@settings(max_examples=300, deadline=None)
def test_the_entry_hash_is_that_of_the_documented_formula(entry):
    content_json = canonical_json(entry["content"])
    serialised = {key: value for key, value in entry.items() if key != "content"}
    assert (
        chain.entry_hash(**entry)
        == chain.serialised_entry_hash(content_json=content_json, **serialised)
        == documented(**entry)
    )


def test_a_known_entry_keeps_its_hash():
    """A fixed example, so that a change of format shows as a change of this literal."""
    digest = chain.entry_hash(
        vote_id=3, position=2, content={"grades": [6, 0, 3], "é": "« »"}, receipt="ab" * 32,
        college_id=None, previous_hash="cd" * 32,
    )  # fmt: skip
    assert digest == "4a249fb5fbb704501e37abe53cebafc80ef6fcf2570f091d209e2f6e8efe4c3a"


@given(content=contents)
@settings(max_examples=200, deadline=None)
def test_a_stored_content_reads_as_its_value_and_canonical_json(content):
    stored = chain.StoredContents()
    # as Django stores a JSONField on SQLite (spaces, ASCII escapes), and spaced otherwise:
    # the value is what counts, never the stored text's spacing or escapes
    for text in (json.dumps(content), json.dumps(content, ensure_ascii=False, indent=1)):
        value, serialised = stored.read(text)
        assert value == content and serialised == canonical_json(content)
        assert stored.read(text) == (value, serialised)
