from django.db import models
from django.utils.translation import gettext_lazy as _

from maillage.common import jobs
from maillage.common.models import Job, JobState
from maillage.places.kinds import PlaceKind
from maillage.territories.models import Territory

# The states of every job, under the name the planning code uses.
PlanState = JobState


class PlanStep(models.TextChoices):
    """Where a plan job stands, for the progress shown while it runs."""

    QUEUED = "queued", _("en file d'attente")
    LOADING = "loading", _("lecture des communes et des lieux")
    SOLVING = "solving", _("recherche des meilleurs emplacements")
    DONE = "done", _("terminé")


class PlanMethod(models.TextChoices):
    GREEDY = "greedy", _("rapide (glouton, avec l'écart maximal à l'optimum)")
    EXACT = "exact", _("exacte (programme linéaire en nombres entiers, plus lente)")


class PlanObjective(models.TextChoices):
    COVERAGE = "coverage", _("couvrir le plus d'habitant·es dans le rayon")
    DISTANCE = "distance", _("réduire la distance moyenne au lieu le plus proche")


class PlanJob(Job):
    """A request to choose where the next places of a kind should open in a territory.

    Its lifecycle is `common.models.Job`'s; moves are made only by `planning.services`. The
    result is the JSON of `maillage plan --format json`, computed from the communes of the
    territory (the population and the candidate sites) and the open places of the kind (the
    existing sites).
    """

    Step = PlanStep
    QUOTA_SETTING = "PLAN_JOBS_PER_USER"
    QUOTA_MESSAGE = _(
        "Vous avez déjà %(active)d plans en attente ou en cours, votre limite étant de "
        "%(limit)d : attendez qu'un plan se termine, ou demandez à un·e "
        "administrateur·rice de relever votre limite."
    )
    # Progress is counted in percentage points: `progress_done` out of 100 once running, the
    # share of each step below (loading takes little, the search most of the time).
    PROGRESS_TOTAL = 100
    STEP_PROGRESS: dict[str, int] = {
        Step.QUEUED: 0,
        Step.LOADING: 10,
        Step.SOLVING: 30,
        Step.DONE: 100,
    }

    # A plan about a territory that the reference data no longer holds (merged communes) has
    # lost its meaning: it goes with it.
    territory = models.ForeignKey(
        Territory, on_delete=models.CASCADE, related_name="plan_jobs", verbose_name=_("territoire")
    )
    kind = models.CharField(_("type de lieu"), max_length=30, choices=PlaceKind.choices, blank=True)
    radius_km = models.FloatField(_("rayon (km)"))
    n_new = models.PositiveSmallIntegerField(_("nouveaux lieux"))
    method = models.CharField(
        _("méthode"), max_length=10, choices=PlanMethod.choices, default=PlanMethod.GREEDY
    )
    objective = models.CharField(
        _("objectif"), max_length=10, choices=PlanObjective.choices, default=PlanObjective.COVERAGE
    )
    time_limit_s = models.FloatField(_("limite de temps (s)"), default=60.0)
    step = models.CharField(_("étape"), max_length=10, choices=Step.choices, default=Step.QUEUED)
    # Digest of the parameters and of the version of the places and communes the result was
    # computed from: a later job with the same digest reuses the result.
    inputs_digest = models.CharField(max_length=64, blank=True, db_index=True, editable=False)
    result = models.JSONField(_("résultat"), null=True, blank=True)

    class Meta(Job.Meta):
        verbose_name = _("planification")
        verbose_name_plural = _("planifications")
        ordering = ["-created_at", "-id"]
        constraints = [
            *Job.Meta.constraints,
            models.CheckConstraint(
                condition=models.Q(method__in=PlanMethod.values)
                & models.Q(objective__in=PlanObjective.values),
                name="planjob_method_objective_valid",
            ),
            models.CheckConstraint(
                condition=models.Q(kind="") | models.Q(kind__in=PlaceKind.values),
                name="planjob_kind_valid",
            ),
            models.CheckConstraint(
                condition=models.Q(radius_km__gt=0) & models.Q(n_new__gte=1),
                name="planjob_parameters_positive",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.territory} — {self.n_new} × {self.kind or '*'} @ {self.radius_km:g} km"

    @staticmethod
    def solver_silence_s() -> float:
        """The solver reports nothing while it searches, for up to the longest time limit a
        plan may ask: a job in that step gets this long on top of the usual heartbeat delay.
        """
        from .validation import MAX_TIME_LIMIT_S

        return MAX_TIME_LIMIT_S

    @property
    def is_stalled(self) -> bool:
        """Pending with no worker to take it, or running with no heartbeat, for too long."""
        silence = self.solver_silence_s() if self.step == self.Step.SOLVING else 0
        return jobs.is_stalled(self, extra_silence_s=silence)

    @classmethod
    def stalled_filter(cls) -> models.Q:
        solving = models.Q(step=cls.Step.SOLVING)
        return (~solving & jobs.stalled_filter()) | (
            solving & jobs.stalled_filter(extra_silence_s=cls.solver_silence_s())
        )
