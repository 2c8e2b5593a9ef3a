"""The federation part of the JSON API: this instance's identity, read by peers before they
harvest its changes feed (`GET /api/v1/places/changes?expand=place`)."""

from django.http import HttpRequest
from ninja import Router

from .harvest import CHANGES_PATH, instance_identity
from .schemas import InstanceOut

router = Router()
API_VERSION = 1


@router.get(
    "instance",
    response=InstanceOut,
    operation_id="federation_instance",
    tags=["federation"],
    summary="Identité de l'instance",
    description=(
        "L'identifiant stable de cette instance de Maillage (une autre instance qui la "
        "moissonne vérifie qu'elle parle toujours à la même) et le chemin de son flux de "
        "changements."
    ),
)
def get_instance(request: HttpRequest):
    instance = instance_identity()
    return {
        "uuid": instance.uuid,
        "name": instance.name,
        "software": "maillage",
        "api_version": API_VERSION,
        "changes_feed": CHANGES_PATH,
    }
