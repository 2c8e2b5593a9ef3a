"""`common.capacity.run_retrying`: a transaction PostgreSQL aborted for a deadlock or a
serialization failure runs again; any other error, or one inside an outer transaction, does not.
(The real deadlock is in tests/bookings/test_concurrency_rules.py.)"""

import pytest
from django.db import OperationalError, transaction

from maillage.common.capacity import RETRY_ATTEMPTS, is_retryable, run_retrying

pytestmark = pytest.mark.django_db(transaction=True)


class DriverError(Exception):
    def __init__(self, sqlstate):
        super().__init__(sqlstate)
        self.sqlstate = sqlstate


def failing(sqlstate, times):
    calls = []

    def function():
        calls.append(1)
        if len(calls) <= times:
            raise OperationalError("aborted") from DriverError(sqlstate)
        return len(calls)

    return function, calls


@pytest.mark.parametrize("sqlstate", ["40P01", "40001"])
def test_a_deadlock_or_serialization_failure_runs_again(sqlstate):
    function, calls = failing(sqlstate, times=RETRY_ATTEMPTS - 1)
    assert run_retrying(function) == RETRY_ATTEMPTS
    assert len(calls) == RETRY_ATTEMPTS


def test_it_gives_up_after_the_last_attempt():
    function, calls = failing("40P01", times=RETRY_ATTEMPTS)
    with pytest.raises(OperationalError):
        run_retrying(function)
    assert len(calls) == RETRY_ATTEMPTS


def test_other_errors_are_not_retried():
    function, calls = failing("53300", times=1)  # too many connections
    with pytest.raises(OperationalError):
        run_retrying(function)
    assert len(calls) == 1
    assert not is_retryable(ValueError("no sqlstate"))


def test_inside_an_outer_transaction_nothing_is_retried():
    function, calls = failing("40P01", times=1)
    with pytest.raises(OperationalError), transaction.atomic():
        run_retrying(function)
    assert len(calls) == 1
