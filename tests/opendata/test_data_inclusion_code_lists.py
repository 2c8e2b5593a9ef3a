"""The closed code lists of a place in data·inclusion's services (`SERVICE_CODE_LISTS`):
exported on every service of the place, read back from a services file, kept when the schema
cannot say them."""

import io
import json

import pytest
from data_inclusion.schema import v1

from maillage.common.actors import SYSTEM
from maillage.opendata.services import import_places
from maillage.places.formats import datainclusion
from maillage.places.models import Place
from tests.opendata.test_data_inclusion import BASE_URL, rows
from tests.places.factories import make_place

pytestmark = pytest.mark.django_db

SOURCE = "réseau"
CODE_LISTS = ("mobility", "audiences", "specific_support", "fees", "access_modes", "support_modes")


def place(**lists):
    return make_place(
        name="Espace numérique du Gave",
        source=SOURCE,
        source_id="1",
        services=["Accompagnement numérique", "Accès internet"],
        **lists,
    )


def services() -> list[dict]:
    exported = list(datainclusion.service_records(rows(SOURCE), BASE_URL))
    for service in exported:
        v1.Service.model_validate(service, context={"ignore_warnings": False})
    return exported


def run(items):
    body = json.dumps(items).encode()
    report = import_places(actor=SYSTEM, source=SOURCE, stream=io.BytesIO(body))
    assert report.errors == [], report.as_dict()
    return report


def lists() -> dict[str, list[str]]:
    return {name: getattr(Place.objects.get(), name) for name in CODE_LISTS}


@pytest.mark.parametrize(
    ("given", "member", "expected"),
    [
        ({"fees": ["free"]}, "frais", "gratuit"),
        ({"fees": ["paid"]}, "frais", "payant"),
        # One value only, and no « free under conditions »: not said.
        ({"fees": ["free", "paid"]}, "frais", None),
        ({"fees": ["free_conditional"]}, "frais", None),
        ({"audiences": ["youth", "students"]}, "publics", ["jeunes", "etudiants"]),
        (
            {"audiences": ["families", "seniors", "women"]},
            "publics",
            ["familles", "seniors", "femmes"],
        ),
        ({"audiences": []}, "publics", None),
        (
            {"access_modes": ["walk_in", "phone", "email"]},
            "modes_mobilisation",
            ["se-presenter", "telephoner", "envoyer-un-courriel"],
        ),
        # Booking online is not their « lien de mobilisation », nor a prescription an email.
        ({"access_modes": ["online_booking", "prescription"]}, "modes_mobilisation", None),
        ({}, "modes_accueil", ["en-presentiel"]),
        (
            {"support_modes": ["individual", "remote"]},
            "modes_accueil",
            ["en-presentiel", "a-distance"],
        ),
        (
            {"support_modes": ["remote"], "access_modes": ["no_public"]},
            "modes_accueil",
            ["a-distance"],
        ),
        ({"access_modes": ["no_public"]}, "modes_accueil", None),
    ],
)
def test_each_service_carries_the_codes_the_schema_can_say(given, member, expected):
    place(**given)
    exported = services()
    assert len(exported) == 2
    assert [service[member] for service in exported] == [expected, expected]


def test_the_mobility_and_the_specific_support_have_no_member():
    place(mobility=["mobile"], specific_support=["deafness"])
    [first, _second] = services()
    assert set(first) == set(v1.Service.model_fields) - {
        "type",
        "frais_precisions",
        "publics_precisions",
        "conditions_acces",
        "complement_adresse",
        "zone_eligibilite",
        "contact_nom_prenom",
        "lien_mobilisation",
        "mobilisable_par",
        "mobilisation_precisions",
        "volume_horaire_hebdomadaire",
        "nombre_semaines",
    }


FULL = {
    "mobility": ["fixed", "mobile"],
    "audiences": ["youth", "seniors"],
    "specific_support": ["deafness"],
    "fees": ["free_conditional"],
    "access_modes": ["walk_in", "phone", "prescription"],
    "support_modes": ["autonomous", "remote"],
}


def test_an_export_imported_back_leaves_every_list_as_it_was():
    place(**FULL)
    exported = services()
    run(exported)  # a place entered here, not imported: the first import records its digest
    assert lists() == FULL
    assert services() == exported
    assert run(exported).unchanged == 1


def test_the_codes_said_replace_those_the_member_carries_and_the_others_stay():
    place(**FULL)
    changed = [
        service
        | {
            "frais": "payant",
            # Publics of no audience of ours say nothing more.
            "publics": ["jeunes", "demandeurs-emploi"],
            "modes_mobilisation": ["envoyer-un-courriel"],
            "modes_accueil": ["en-presentiel"],
        }
        for service in services()
    ]
    assert run(changed).updated == 1
    assert lists() == {
        "mobility": ["fixed", "mobile"],
        "audiences": ["youth"],
        "specific_support": ["deafness"],
        # What `frais` says is the whole fees: the source says paying, not free under conditions.
        "fees": ["paid"],
        "access_modes": ["email", "prescription"],
        "support_modes": ["autonomous"],
    }


def test_the_services_of_a_place_are_read_together():
    place(fees=["free"], support_modes=["individual"])
    first, second = services()
    run([first | {"modes_accueil": ["a-distance"]}, second | {"frais": "payant"}])
    assert lists()["fees"] == ["free", "paid"]
    assert lists()["support_modes"] == ["individual", "remote"]


def test_a_member_the_file_leaves_empty_clears_what_it_carried():
    place(fees=["paid"], audiences=["women"], access_modes=["phone", "online_booking"])
    run(
        [
            service | {"frais": None, "publics": None, "modes_mobilisation": None}
            for service in services()
        ]
    )
    assert lists()["fees"] == []
    assert lists()["audiences"] == []
    assert lists()["access_modes"] == ["online_booking"]


def test_all_publics_is_no_specific_audience():
    place(audiences=["women"])
    run([service | {"publics": ["tous-publics"]} for service in services()])
    assert lists()["audiences"] == []


def test_a_new_services_export_says_what_was_read():
    place(**FULL)
    run([service | {"frais": "gratuit", "publics": ["femmes"]} for service in services()])
    assert (lists()["fees"], lists()["audiences"]) == (["free"], ["women"])
    [first, _second] = services()
    assert (first["frais"], first["publics"]) == ("gratuit", ["femmes"])
    # Imported again, the new export changes nothing.
    assert run(services()).unchanged == 1
