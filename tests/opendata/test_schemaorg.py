"""schema.org JSON-LD of place and event pages and of the JSON-LD export, validated against
the expected properties of each type.

The table below is written from schema.org's type definitions (https://schema.org/<Type>, the
properties of the type and those it inherits): a property outside its type's set, or a nested
node of a type its property does not take, fails the test.
"""

import io
import json
import re

import pytest
from django.core.management import call_command
from django.urls import reverse

from maillage.places.formats.schemaorg import place_jsonld
from tests.events.factories import make_event
from tests.places.factories import make_place

pytestmark = pytest.mark.django_db

S = "https://schema.org/"
THING = {
    "name",
    "description",
    "url",
    "identifier",
    "sameAs",
    "additionalType",
    "alternateName",
    "image",
    "disambiguatingDescription",
    "mainEntityOfPage",
}
PLACE = THING | {
    "address",
    "geo",
    "latitude",
    "longitude",
    "openingHoursSpecification",
    "specialOpeningHoursSpecification",
    "containedInPlace",
    "containsPlace",
    "telephone",
    "faxNumber",
    "amenityFeature",
    "hasMap",
    "isAccessibleForFree",
    "publicAccess",
    "maximumAttendeeCapacity",
    "photo",
    "logo",
    "keywords",
    "event",
    "smokingAllowed",
    "branchCode",
    "globalLocationNumber",
}
ORGANIZATION = THING | {
    "address",
    "email",
    "telephone",
    "legalName",
    "taxID",
    "vatID",
    "logo",
    "founder",
    "foundingDate",
    "member",
    "memberOf",
    "parentOrganization",
    "areaServed",
    "contactPoint",
    "keywords",
    "event",
}
LOCAL_BUSINESS = (
    PLACE
    | ORGANIZATION
    | {
        "openingHours",
        "priceRange",
        "currenciesAccepted",
        "paymentAccepted",
        "branchOf",
    }
)
EXPECTED: dict[str, set[str]] = {
    "Place": PLACE,
    "LocalBusiness": LOCAL_BUSINESS,
    "AdministrativeArea": PLACE,
    "Organization": ORGANIZATION,
    "PostalAddress": THING
    | {
        "streetAddress",
        "postalCode",
        "addressLocality",
        "addressRegion",
        "addressCountry",
        "postOfficeBoxNumber",
        "email",
        "telephone",
    },
    "GeoCoordinates": THING
    | {"latitude", "longitude", "elevation", "address", "addressCountry", "postalCode"},
    "OpeningHoursSpecification": THING
    | {"dayOfWeek", "opens", "closes", "validFrom", "validThrough"},
    "PropertyValue": THING
    | {"propertyID", "value", "unitCode", "unitText", "minValue", "maxValue", "valueReference"},
    "LocationFeatureSpecification": THING
    | {"propertyID", "value", "unitCode", "unitText", "hoursAvailable", "validFrom"},
    "Event": THING
    | {
        "startDate",
        "endDate",
        "eventStatus",
        "eventAttendanceMode",
        "location",
        "maximumAttendeeCapacity",
        "remainingAttendeeCapacity",
        "isAccessibleForFree",
        "organizer",
        "offers",
        "audience",
        "performer",
        "doorTime",
        "duration",
        "inLanguage",
        "eventSchedule",
    },
    "Offer": THING
    | {
        "price",
        "priceCurrency",
        "availability",
        "url",
        "eligibleCustomerType",
        "validFrom",
        "validThrough",
        "category",
    },
    "Audience": THING | {"audienceType", "geographicArea"},
}
PLACES = {"Place", "LocalBusiness", "AdministrativeArea"}
# Property → the types its nested nodes may have (its range in schema.org, among ours).
RANGES: dict[str, set[str]] = {
    "address": {"PostalAddress"},
    "geo": {"GeoCoordinates"},
    "openingHoursSpecification": {"OpeningHoursSpecification"},
    "containedInPlace": PLACES,
    "identifier": {"PropertyValue"},
    "amenityFeature": {"LocationFeatureSpecification"},
    "location": PLACES | {"PostalAddress"},
    "organizer": {"Organization"},
    "offers": {"Offer"},
    "audience": {"Audience"},
}
DAYS = {
    f"{S}{day}"
    for day in ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
}
TIME = re.compile(r"^\d{2}:\d{2}(:\d{2})?$")


def check_node(node: dict, path: str = "$") -> None:
    """Every property of `node` belongs to its type, nested nodes to their property's range."""
    kind = node.get("@type")
    assert kind in EXPECTED, f"{path}: unexpected @type {kind!r}"
    for name, value in node.items():
        if name.startswith("@"):
            continue
        assert name in EXPECTED[kind], f"{path}: {kind} has no property {name!r}"
        for item in value if isinstance(value, list) else [value]:
            if isinstance(item, dict):
                assert item.get("@type") in RANGES.get(name, set()), (
                    f"{path}.{name}: {item.get('@type')!r} is not in the range of {name}"
                )
                check_node(item, f"{path}.{name}")
    if kind == "OpeningHoursSpecification":
        assert node["dayOfWeek"] and set(node["dayOfWeek"]) <= DAYS
        assert TIME.match(node["opens"]) and TIME.match(node["closes"])


def page_jsonld(client, path: str) -> dict:
    html = client.get(path).content.decode()
    [raw] = re.findall(r'<script type="application/ld\+json">(.*?)</script>', html, re.S)
    return json.loads(raw)


@pytest.fixture
def place():
    return make_place(
        name="La Fabrique",
        kinds=["fablab", "coworking"],
        status="open",
        address="2 rue Pasteur",
        postal_code="64000",
        city="Pau",
        opening_hours="Mo-Fr 09:00-12:00,14:00-18:00; Sa 10:00-13:00; PH off",
        siret="73282932000074",
        website="https://fabrique.example.org",
        phone="05 59 00 00 00",
        services=["Impression 3D"],
    )


def test_place_page_carries_a_valid_local_business(client, place):
    data = page_jsonld(client, f"/lieux/{place.slug}/")
    check_node(data)
    assert data["@type"] == "LocalBusiness"
    assert data["additionalType"] == ["fablab", "coworking"]
    assert data["geo"]["@type"] == "GeoCoordinates"
    days = [node["dayOfWeek"] for node in data["openingHoursSpecification"]]
    assert days[0] == [
        f"{S}{day}" for day in ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday")
    ]
    assert [(n["opens"], n["closes"]) for n in data["openingHoursSpecification"]] == [
        ("09:00", "12:00"),
        ("14:00", "18:00"),
        ("10:00", "13:00"),
    ]
    commune = data["containedInPlace"]
    assert commune["@type"] == "AdministrativeArea"
    assert commune["identifier"] == "64445"
    assert commune["url"].endswith("/territoires/commune/64445/")
    departement = commune["containedInPlace"]
    assert departement["identifier"] == "64"
    assert departement["url"].endswith("/territoires/departement/64/")
    assert departement["containedInPlace"]["identifier"] == "75"  # Nouvelle-Aquitaine


def test_a_project_is_a_plain_place(client):
    project = make_place(name="Le Futur Lieu", status="project", opening_hours="")
    data = page_jsonld(client, f"/lieux/{project.slug}/")
    check_node(data)
    assert data["@type"] == "Place"
    assert "openingHoursSpecification" not in data


def test_event_page_carries_a_valid_event(client, place):
    event = make_event(place, accessibility="Accessible en fauteuil roulant")
    data = page_jsonld(client, reverse("events:detail", args=[event.pk]))
    check_node(data)
    assert data["location"]["@id"] == f"urn:uuid:{place.uuid}"
    assert data["location"]["containedInPlace"]["identifier"] == "64445"


def test_jsonld_export_validates(place, capsys):
    call_command("export_places", "--format", "jsonld", stderr=io.StringIO())
    document = json.loads(capsys.readouterr().out)
    assert document["license"].startswith("https://")
    assert document["creditText"]
    for node in document["@graph"]:
        check_node(node)
    assert document["@graph"][0]["containedInPlace"]["identifier"] == "64445"


def test_the_checker_refuses_what_schema_org_does_not_define():
    with pytest.raises(AssertionError):
        check_node({"@type": "Event", "accessibilitySummary": "x"})
    with pytest.raises(AssertionError):
        check_node({"@type": "Place", "geo": {"@type": "PostalAddress"}})


@pytest.mark.parametrize(
    ("fees", "expected"),
    [
        (["free"], True),
        (["paid"], False),
        # Neither free for everyone nor paying for everyone: not said.
        (["free_conditional"], None),
        (["free", "paid"], None),
        (["free", "free_conditional"], None),
        ([], None),
    ],
)
def test_the_fees_say_whether_the_place_is_accessible_for_free(client, fees, expected):
    place = make_place(name="Le Lieu", status="open", fees=fees)
    data = page_jsonld(client, f"/lieux/{place.slug}/")
    check_node(data)
    assert data.get("isAccessibleForFree") is expected


@pytest.mark.parametrize(
    ("access_modes", "expected"),
    [
        (["walk_in"], True),
        (["walk_in", "phone", "online_booking"], True),
        (["no_public"], False),
        (["no_public", "email"], False),
        # How to get in touch does not say whether visitors are received.
        (["phone", "email", "prescription"], None),
        (["walk_in", "no_public"], None),
        ([], None),
    ],
)
def test_the_access_modes_say_whether_the_place_is_open_to_visitors(access_modes, expected):
    place = make_place(name="Le Lieu", status="project", access_modes=access_modes)
    data = place_jsonld(place, "https://maillage.example")
    check_node(data)
    assert data.get("publicAccess") is expected


def test_the_lists_schema_org_has_no_place_property_for_are_not_written(client):
    """`audience` is not a property of Place or LocalBusiness; mobility, specific support and
    support modes have none at all."""
    place = make_place(
        name="Le Bus",
        status="open",
        mobility=["mobile"],
        audiences=["seniors"],
        specific_support=["deafness"],
        support_modes=["individual"],
    )
    data = page_jsonld(client, f"/lieux/{place.slug}/")
    check_node(data)
    assert not {"audience", "isAccessibleForFree", "publicAccess"} & set(data)
