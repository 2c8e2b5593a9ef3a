"""One validator of an organisation's fields, for the forms, the services and the demo."""

from datetime import date

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils import timezone
from django.utils.translation import gettext as _

from maillage.common.errors import FieldError
from maillage.common.identifiers import is_valid_siren, is_valid_siret

from .models import NAF_CODE, LegalForm, Organisation, SizeBand

FIELDS = (
    "name",
    "siret",
    "siren",
    "legal_form",
    "naf_code",
    "created_on",
    "size_band",
    "contact_email",
)


def clean_organisation(values: dict) -> tuple[dict, list[FieldError]]:
    """The organisation's values cleaned (SIREN derived from the SIRET, codes upper-cased), and
    every problem found, each on its field."""
    cleaned = {name: values.get(name) for name in FIELDS}
    errors = []
    for name in ("name", "siret", "siren", "legal_form", "naf_code", "size_band", "contact_email"):
        cleaned[name] = (
            "".join(str(cleaned[name] or "").split())
            if name
            in (
                "siret",
                "siren",
            )
            else str(cleaned[name] or "").strip()
        )
    max_name = Organisation._meta.get_field("name").max_length
    if not cleaned["name"]:
        errors.append(FieldError("name", _("Donnez le nom de la structure.")))
    elif len(cleaned["name"]) > max_name:
        errors.append(FieldError("name", _("Le nom ne peut dépasser 200 caractères.")))
    siret, siren = cleaned["siret"], cleaned["siren"]
    if siret and not is_valid_siret(siret):
        message = _("Ce SIRET n'est pas valide (14 chiffres, clé de Luhn).")
        errors.append(FieldError("siret", message))
    elif siret:
        if siren and siren != siret[:9]:
            errors.append(
                FieldError("siren", _("Le SIREN doit être les neuf premiers chiffres du SIRET."))
            )
        cleaned["siren"] = siret[:9]
    elif siren and not is_valid_siren(siren):
        message = _("Ce SIREN n'est pas valide (9 chiffres, clé de Luhn).")
        errors.append(FieldError("siren", message))
    cleaned["naf_code"] = cleaned["naf_code"].upper()
    if cleaned["naf_code"] and not NAF_CODE.fullmatch(cleaned["naf_code"]):
        errors.append(
            FieldError("naf_code", _("Le code NAF s'écrit comme « 62.01Z » (NAF rév. 2)."))
        )
    if cleaned["legal_form"] and cleaned["legal_form"] not in LegalForm.values:
        errors.append(FieldError("legal_form", _("Forme juridique inconnue.")))
    if cleaned["size_band"] and cleaned["size_band"] not in SizeBand.values:
        errors.append(FieldError("size_band", _("Tranche d'effectif inconnue (codes INSEE).")))
    created_on = cleaned["created_on"]
    if created_on is not None and not isinstance(created_on, date):
        errors.append(FieldError("created_on", _("Date de création illisible.")))
    elif created_on is not None and created_on > timezone.localdate():
        errors.append(FieldError("created_on", _("La date de création ne peut être à venir.")))
    if cleaned["contact_email"]:
        try:
            validate_email(cleaned["contact_email"])
        except ValidationError:
            errors.append(FieldError("contact_email", _("Adresse de courriel invalide.")))
    return cleaned, errors
