"""A person's organisation links and commuting declaration, in their export and erasure."""

from .models import CommutingDeclaration, HeadcountDeclaration, OrganisationPerson


def export_organisation_data(user) -> dict:
    commuting = (
        CommutingDeclaration.objects.select_related("home_commune", "employer_commune")
        .filter(user=user)
        .first()
    )
    return {
        "commuting": None
        if commuting is None
        else {
            "home_commune": commuting.home_commune.code,
            "teleworks": commuting.teleworks,
            "employer_commune": commuting.employer_commune.code
            if commuting.employer_commune
            else None,
            "transport_mode": commuting.transport_mode,
            "updated_at": commuting.updated_at.isoformat(),
        },
        "organisations": [
            {
                "organisation": link.organisation.name,
                "role": link.role,
                "name": link.name,
                "start_date": link.start_date.isoformat() if link.start_date else None,
                "end_date": link.end_date.isoformat() if link.end_date else None,
            }
            for link in OrganisationPerson.objects.filter(user=user).select_related("organisation")
        ],
    }


def erase_organisation_data(user) -> None:
    """The commuting declaration goes; a link to an organisation stays as an unnamed role (the
    organisation's history of founders and employees), the person's name removed."""
    CommutingDeclaration.objects.filter(user=user).delete()
    OrganisationPerson.objects.filter(user=user).update(user=None, name="")
    HeadcountDeclaration.objects.filter(declared_by=user).update(declared_by=None)
