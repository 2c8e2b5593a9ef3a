"""`common.errors`: messages with a stable code, rendered again in another language."""

import pickle

from django.core.exceptions import ValidationError
from django.utils import translation

from maillage.common.errors import FieldError, Message, ValidationFailed, render_message
from maillage.places.validation import NAME_REQUIRED, TOO_LONG

# Not an ErrorCode: registering a code here would add it to the catalogue docs/data.md lists.
LOCAL = "%(count)d lignes ; « %(word)s »."


def test_a_message_is_its_text_in_the_active_language_with_its_code():
    with translation.override("en"):
        message = TOO_LONG(max=12)
    assert message == "12 characters at most."
    assert (message.code, message.params) == ("field.too_long", {"max": 12})
    with translation.override("fr"):
        assert render_message(message.code, message.params, "x") == "12 caractères au plus."


def test_a_plain_string_stays_a_field_error_without_code():
    error = FieldError("name", "Texte libre")
    assert (error.code, error.params, error.as_dict()) == (
        "",
        {},
        {"field": "name", "message": "Texte libre"},
    )
    assert FieldError("name", NAME_REQUIRED()).code == "name.required"


def test_messages_survive_pickling_and_keep_their_text():
    message = Message("test.local", LOCAL, {"count": 3, "word": "mot"})
    copy = pickle.loads(pickle.dumps(message))  # noqa: S301 - a pickle this test just made
    assert (isinstance(copy, Message), str(copy), copy.code, copy.params) == (
        True,
        "3 lignes ; « mot ».",
        "test.local",
        {"count": 3, "word": "mot"},
    )


def test_django_validation_errors_keep_their_code_and_params():
    exc = ValidationError(
        {"name": [ValidationError("Au plus %(limit)d.", code="max_length", params={"limit": 5})]}
    )
    [error] = ValidationFailed.from_django(exc).errors
    assert (error.field, str(error.message), error.code, error.params) == (
        "name",
        "Au plus 5.",
        "django.max_length",
        {"limit": 5},
    )
    # Not in the catalogue: a stored one shows its text.
    assert render_message(error.code, error.params, str(error.message)) == "Au plus 5."
    [plain] = ValidationFailed.from_django(ValidationError("Sans code.")).errors
    assert (plain.field, plain.message, plain.code) == ("__all__", "Sans code.", "")
