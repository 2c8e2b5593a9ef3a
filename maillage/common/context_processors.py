from django.conf import settings


def site(request):
    """Values every page template needs: map tiles and the data attribution line."""
    return {
        "MAP_TILES_URL": settings.MAP_TILES_URL,
        "MAP_TILES_ATTRIBUTION": settings.MAP_TILES_ATTRIBUTION,
    }
