"""Third-party apps under French names in the admin ("every label translated").

Only their `verbose_name` changes; their labels, models and migrations stay theirs. The task
results table of django-tasks-db is left out of the admin (maillage.common.admin): its model's
names are English and cannot be renamed without a migration in that package, and the import and
plan job pages of the admin already show each job's state, progress and errors in French.
"""

from axes.apps import AppConfig as AxesAppConfig
from django.utils.translation import gettext_lazy as _
from django_tasks_db.apps import TasksAppConfig


class AxesConfig(AxesAppConfig):
    verbose_name = _("Tentatives de connexion")


class TasksDatabaseConfig(TasksAppConfig):
    verbose_name = _("Tâches en arrière-plan")
