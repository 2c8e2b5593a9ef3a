"""What this instance accepts from a peer, checked before anything is written (pydantic), and
what it tells peers about itself.

A peer's answer is untrusted input: every field is typed and bounded here (numbers in range,
lengths, at most 1,000 entries a page), tags are refused in every text (a peer's place named
`<script>…` is refused, not escaped later), and then each place goes through the same validator
as a form or an import (`places.validation.clean_place_input`).
"""

import re
from datetime import UTC, datetime
from typing import Annotated, Literal
from uuid import UUID

from ninja import Schema
from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    model_validator,
)

MAX_PAGE_ITEMS = 1000
# An opening angle bracket followed by what starts a tag, a comment or a declaration.
TAG = re.compile(r"<\s*[A-Za-z!/?]")


def _as_utc(value: datetime) -> datetime:
    try:
        return value.astimezone(UTC)
    except OverflowError:
        raise ValueError("date out of range") from None


PeerInstant = Annotated[AwareDatetime, AfterValidator(_as_utc)]


def _no_markup(value: str) -> str:
    if TAG.search(value):
        raise ValueError("contains HTML markup")
    return value


def Text(max_length: int, *, min_length: int = 0):  # noqa: N802 - reads as a type
    return Annotated[
        str,
        Field(min_length=min_length, max_length=max_length),
        AfterValidator(_no_markup),
    ]


class _Strict(BaseModel):
    # Unknown fields are ignored (a newer peer may send more), known ones are typed strictly:
    # "1e400" as a number, a list where a string goes, NaN and infinities are refused.
    model_config = ConfigDict(extra="ignore", strict=False, allow_inf_nan=False)


class PeerPlace(_Strict):
    uuid: UUID
    name: Text(200, min_length=1)  # type: ignore[valid-type]
    kinds: list[Text(40)] = Field(max_length=20)  # type: ignore[valid-type]
    status: Text(20)  # type: ignore[valid-type]
    description: Text(20_000) = ""  # type: ignore[valid-type]
    address: Text(250) = ""  # type: ignore[valid-type]
    postal_code: Text(10) = ""  # type: ignore[valid-type]
    city: Text(200) = ""  # type: ignore[valid-type]
    insee_code: Text(5) = ""  # type: ignore[valid-type]
    latitude: float = Field(ge=-90, le=90)
    longitude: float = Field(ge=-180, le=180)
    opening_hours: Text(500) = ""  # type: ignore[valid-type]
    website: Text(300) = ""  # type: ignore[valid-type]
    email: Text(254) = ""  # type: ignore[valid-type]
    phone: Text(30) = ""  # type: ignore[valid-type]
    siret: Text(14) = ""  # type: ignore[valid-type]
    legal_form: Text(20) = ""  # type: ignore[valid-type]
    services: list[Text(120)] = Field(default_factory=list, max_length=200)  # type: ignore[valid-type]
    equipment: list[Text(120)] = Field(default_factory=list, max_length=200)  # type: ignore[valid-type]
    wheelchair: Text(10) = ""  # type: ignore[valid-type]
    acceslibre_url: Text(300) = ""  # type: ignore[valid-type]
    surface_m2: int | None = Field(None, ge=0, le=10_000_000)
    capacity: int | None = Field(None, ge=0, le=1_000_000)
    updated_at: PeerInstant


class PeerChange(_Strict):
    uuid: UUID
    change: Literal["created", "updated", "deleted"]
    at: PeerInstant
    place: PeerPlace | None = None

    @model_validator(mode="after")
    def _place_is_this_one(self):
        if self.place is not None and self.place.uuid != self.uuid:
            raise ValueError("place.uuid differs from the entry's uuid")
        if self.change == "deleted" and self.place is not None:
            raise ValueError("a deleted place carries no record")
        return self


class PeerChangesPage(_Strict):
    items: list[PeerChange] = Field(max_length=MAX_PAGE_ITEMS)
    next_cursor: str | None = Field(None, max_length=200, pattern=r"^[A-Za-z0-9_\-=]*$")
    resume_cursor: str | None = Field(None, max_length=200, pattern=r"^[A-Za-z0-9_\-=]*$")


class PeerInstance(_Strict):
    uuid: UUID
    name: Text(200) = ""  # type: ignore[valid-type]
    software: Literal["maillage"]


class InstanceOut(Schema):
    uuid: UUID
    name: str
    software: Literal["maillage"]
    api_version: int
    changes_feed: str


class PeerChangeSummary(BaseModel):
    """One entry of a webhook delivery's body."""

    uuid: UUID
    change: str
    at: datetime
    source: str
    source_id: str
