"""The concurrency harness itself (tests/concurrency.py): server, parallel clients, summary."""

import pytest

from tests.concurrency import Call, ClientPool, Response, database_url, send_all, summary

# The server sees committed rows only.
server_test = pytest.mark.django_db(transaction=True)


@server_test
def test_send_all_answers_every_call_in_order_from_parallel_clients(app_server):
    calls = [Call("GET", f"/api/v1/places?limit={limit}") for limit in range(1, 13)]
    responses = send_all(app_server.url, calls, clients=4)
    assert [response.call for response in responses] == calls
    assert {response.status for response in responses} == {200}
    assert all("items" in response.json() for response in responses)
    assert {response.client for response in responses} <= {0, 1, 2, 3}


@server_test
def test_client_pool_stops_when_its_block_ends(app_server):
    with ClientPool(
        app_server.url,
        lambda client, n: Call("GET", "/api/v1/kinds"),
        clients=2,
        max_s=60,
        max_requests=3,
    ) as pool:
        pass
    assert len(pool.responses) <= 6
    assert {response.status for response in pool.responses} <= {200}


def test_a_refused_connection_is_a_response_with_status_0_and_an_error():
    [response] = send_all("http://127.0.0.1:1", [Call("GET", "/")], clients=1)
    assert (response.status, response.body) == (0, b"")
    assert "ConnectionRefusedError" in response.error


def test_clients_are_bounded():
    with pytest.raises(ValueError, match="clients"):
        send_all("http://127.0.0.1:1", [], clients=0)
    with pytest.raises(ValueError, match="clients"):
        ClientPool("http://127.0.0.1:1", lambda client, n: Call("GET", "/"), clients=65, max_s=1)


def test_summary_counts_statuses_and_percentiles_of_answered_requests():
    call = Call("GET", "/")
    responses = [Response(call, 0, 200, b"", 0.0, seconds / 1000) for seconds in range(1, 21)] + [
        Response(call, 1, 0, b"", 0.0, 30.0, "timeout")
    ]
    figures = summary(responses)
    assert figures["count"] == 21
    assert figures["statuses"] == {200: 20, 0: 1}
    assert figures["max_ms"] == pytest.approx(20)
    assert figures["p50_ms"] == pytest.approx(10.5)
    assert figures["p95_ms"] == pytest.approx(19.05)


def test_database_urls_of_test_databases():
    assert (
        database_url({"ENGINE": "django.db.backends.sqlite3", "NAME": "/srv/maillage/test.sqlite3"})
        == "sqlite:////srv/maillage/test.sqlite3"
    )
    assert (
        database_url(
            {
                "ENGINE": "django.db.backends.postgresql",
                "NAME": "test_maillage",
                "USER": "postgres",
                "PASSWORD": "p@ss",
                "HOST": "127.0.0.1",
                "PORT": 5432,
            }
        )
        == "postgres://postgres:p%40ss@127.0.0.1:5432/test_maillage"
    )
    with pytest.raises(ValueError, match="in-memory"):
        database_url(
            {"ENGINE": "django.db.backends.sqlite3", "NAME": "file:memorydb_default?mode=memory"}
        )
