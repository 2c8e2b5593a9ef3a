"""A live API server for the tests that speak HTTP to it as outside clients do."""

from dataclasses import dataclass

import pytest

from maillage.accounts.services import create_api_token
from maillage.devtools.demo import load_demo_places
from maillage.territories.services import SHIPPED_FILE, load_territories
from tests.accounts.factories import AdminFactory


@dataclass(frozen=True)
class LiveApi:
    url: str
    admin_token: str


@pytest.fixture
def live_api(transactional_db, live_server) -> LiveApi:
    """pytest-django's live server on 127.0.0.1 (a free port) with what `make run` serves (every
    shipped territory, the demo places), and the bearer token of a instance admin, who may call
    every write.

    The live server reads the test database from another thread, hence `transactional_db`
    (whose flush at the end of the test also empties the territories of `django_db_setup`).
    """
    load_territories(path=SHIPPED_FILE)
    load_demo_places()
    _, token = create_api_token(user=AdminFactory(), name="live-api")
    return LiveApi(url=live_server.url, admin_token=token)
