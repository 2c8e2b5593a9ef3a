"""Import jobs as a report page or the API reads them: finished, with stored errors."""

import factory
from django.utils import timezone

from maillage.opendata.models import ImportJob, ImportState
from tests.accounts.factories import AdminFactory


class ImportJobFactory(factory.django.DjangoModelFactory):
    """A failed import whose file is gone, as a job is once its report is stored."""

    class Meta:
        model = ImportJob

    source = "web"
    file_name = "lieux.csv"
    size_bytes = 100
    state = ImportState.FAILED
    started_at = factory.LazyFunction(timezone.now)
    finished_at = factory.LazyFunction(timezone.now)
    created_by = factory.SubFactory(AdminFactory)
    rejected_count = factory.LazyAttribute(lambda job: len(job.errors))
    errors = factory.LazyFunction(list)
