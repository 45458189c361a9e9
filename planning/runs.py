"""The planning run's lifecycle: start, plan each chunk, finalise (swap in) or fail.

``plan_run`` reads through ``planning.snapshot``, plans chunk by chunk with ``planning.engine``
in this process, stores each chunk through ``planning.run_results`` and swaps the results in
atomically; ``planning.tasks`` runs the same steps on the Celery workers. The decisions
people then take on its suggestions live in ``planning.services``.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import asdict, dataclass
from datetime import date, timedelta
from typing import Any

import numpy as np
from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F, Q, QuerySet
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from core.errors import Conflict, InvalidInput
from core.transactions import after_commit
from inventory.models import Sku
from planning.engine.calendar import ShopCalendar
from planning.engine.calibration import QuantileCalibration
from planning.engine.schema import (
    CataloguePlan,
    CatalogueSnapshot,
    PlanParams,
)
from planning.models import (
    FboShipmentSuggestion,
    FulfilmentDecision,
    PlanRun,
    ReorderSuggestion,
    RiskThreshold,
    SkuPlan,
    SuggestionStatus,
)
from planning.operations import operations_refresh
from planning.params import plan_params
from planning.promise_audit import calibration_from_json, run_calibration
from planning.promises import promises_discard, promises_finalise
from planning.run_results import plan_results_save
from planning.snapshot import (
    SELF_RANKED,
    abc_floors_compute,
    catalogue_sku_ids,
    history_start,
    plan_input_build,
    shop_calendar_from_json,
    shop_calendar_read,
    shop_calendar_to_json,
)
from planning.supplier_learning import supplier_performance_refresh

logger = logging.getLogger(__name__)

__all__ = [
    "ChunkResult",
    "plan_chunk_process",
    "plan_params",
    "plan_results_save",
    "plan_run",
    "plan_run_fail",
    "plan_run_finalise",
    "plan_run_start",
]

# plan_run ───────────────── in-process: chunk after chunk, then finalise
# tasks.plan_run_dispatch ── chord(group(plan_chunk × k), plan_finalise) on the Celery workers
#
# Each chunk reads its slice of the catalogue (planning.snapshot), runs the engine and inserts
# its SkuPlan rows and suggestions tagged with the run. Nothing is visible until
# ``plan_run_finalise`` swaps the run in, in one transaction. A failure anywhere marks the run
# failed and leaves the previous results alone.


@dataclass(frozen=True)
class ChunkResult:
    """What one chunk did: SKUs planned and seconds spent reading, in the engine, writing."""

    skus: int = 0
    read: float = 0.0
    engine: float = 0.0
    write: float = 0.0

    def as_dict(self) -> dict[str, float]:
        return asdict(self)


def _params_json(params: PlanParams) -> dict[str, Any]:
    data = asdict(params)
    data.pop("allowed", None)
    return data


def _engine_plan(
    snapshot: CatalogueSnapshot,
    params: PlanParams,
    calibration: QuantileCalibration | None = None,
    **extra: Any,
) -> CataloguePlan:
    """The engine's one entry point (looked up at call time so tests can replace it)."""
    from planning import engine

    return engine.plan_catalogue(snapshot, params, calibration=calibration, **extra)


def _chunk_snapshots(
    run: PlanRun,
    chunks: list[tuple[int, int]],
    start: date,
    floors: Any,
    params: PlanParams,
    calendar: ShopCalendar,
) -> Iterator[CatalogueSnapshot]:
    """The engine's input of each chunk of ``run`` in turn (one chunk in memory at a time)."""
    sku_ids = catalogue_sku_ids(sku_codes=run.sku_codes or None)
    for lo, hi in chunks:
        ids = sku_ids[(sku_ids >= lo) & (sku_ids <= hi)]
        if ids.size:
            yield plan_input_build(
                sku_ids=ids,
                plan_date=run.plan_date,
                start=start,
                abc_floors=floors,
                abc_cutoffs=params.abc_cutoffs,
                calendar=calendar,
            ).snapshot


def _lead_time_pools(run: PlanRun, chunks: list[tuple[int, int]], *args: Any) -> dict:
    """Catalogue-wide pools of rolling-origin totals (JSON), so every chunk of a run reads its
    SKUs' lead-time demand off the same pools as one pass over the whole catalogue would.
    ``args``: (start, floors, params, calendar) as ``_chunk_snapshots`` takes them."""
    from planning import engine

    params = args[2]
    pairs = [engine.lead_time_pairs(snap, params) for snap in _chunk_snapshots(run, chunks, *args)]
    return engine.fit_lead_time_pools(pairs).to_json()


def _allocation_log_lambda(run: PlanRun, chunks: list[tuple[int, int]], *args: Any) -> float | None:
    """The one λ of the cancellations allocation for the whole catalogue: each chunk's stock
    value at every λ, summed, read where it equals what the catalogue's own levels hold (so a
    chunked run spreads the stock over the catalogue, as one pass would, not within each
    chunk).  Reads the chunks once more, with the run's pools and recalibration."""
    from planning import engine

    params = args[2]
    pools_json = run.parameters.get("lead_time_pools")
    pools = engine.LeadTimePools.from_json(pools_json) if pools_json else None
    calibration = calibration_from_json(run.parameters.get("calibration"))
    parts = [
        engine.allocation_spend_of(snap, params, calibration, pools)
        for snap in _chunk_snapshots(run, chunks, *args)
    ]
    return engine.allocation_log_lambda(parts)


def _chunk_bounds(sku_ids: np.ndarray, chunk_size: int) -> list[tuple[int, int]]:
    """Inclusive SKU-id ranges of ``chunk_size`` SKUs each."""
    return [
        (int(sku_ids[i]), int(sku_ids[min(i + chunk_size, sku_ids.size) - 1]))
        for i in range(0, sku_ids.size, chunk_size)
    ]


def _today() -> date:
    return timezone.localdate()


@transaction.atomic
def plan_run_start(
    *,
    plan_date: date | None = None,
    sku_codes: Sequence[str] | None = None,
    chunk_size: int | None = None,
    triggered_by: str = "",
    dispatch: bool = False,
) -> tuple[PlanRun, list[tuple[int, int]]]:
    """Create the ``running`` run and split the catalogue into chunks (inclusive id ranges).

    The database allows one running run (partial unique constraint): a second start raises
    ``Conflict`` (code ``plan_running``). A dead run (no heartbeat for
    ``ZAPAS["PLAN_DEAD_MINUTES"]``: its process was killed) is marked failed first, so it
    blocks nothing.
    """
    plan_date = plan_date or _today()
    plan_runs_dead_fail()
    codes = sorted(set(sku_codes or []))
    params = plan_params()
    try:
        with transaction.atomic():
            now = timezone.now()
            run = PlanRun.objects.create(
                plan_date=plan_date,
                status=PlanRun.Status.RUNNING,
                sku_codes=codes,
                started_at=now,
                heartbeat_at=now,
                triggered_by=triggered_by[:64],
            )
    except IntegrityError as exc:
        running = PlanRun.objects.filter(status=PlanRun.Status.RUNNING).first()
        raise Conflict(
            _("Another planning run is in progress; try again when it finishes."),
            code="plan_running",
            details={"run": running.pk if running else None},
        ) from exc
    if settings.ZAPAS.get("PLAN_LEARNED_LEAD_TIMES", True):
        supplier_performance_refresh(as_of=plan_date)  # once per run: every chunk reads it
    sku_ids = catalogue_sku_ids(sku_codes=codes or None)
    if codes and sku_ids.size != len(codes):
        known = set(
            Sku.objects.filter(code__in=codes, is_active=True).values_list("code", flat=True)
        )
        raise InvalidInput(
            _("Unknown or inactive SKU code(s): %(codes)s")
            % {"codes": ", ".join(sorted(set(codes) - known)[:20])},
            code="unknown_sku",
        )
    start = history_start(plan_date=plan_date)
    default_size = (
        settings.ZAPAS.get("PLAN_DISPATCH_CHUNK_SIZE", 10_000)
        if dispatch
        else settings.ZAPAS.get("PLAN_CHUNK_SIZE", 100_000)
    )
    size = int(chunk_size or default_size)
    if size < 1:
        raise InvalidInput(_("The chunk size must be at least 1."), code="invalid_chunk_size")
    chunks = _chunk_bounds(sku_ids, size)
    if len(chunks) == 1 and not codes:
        # One chunk holds the whole catalogue: it ranks its own revenue (same figures as
        # the catalogue-wide query, which is then not needed).
        floors_json: list | str = SELF_RANKED
    else:
        floors = abc_floors_compute(plan_date=plan_date, start=start, cutoffs=params.abc_cutoffs)
        floors_json = [f if math.isfinite(f) else None for f in floors]
    calendar = shop_calendar_read(start=start, plan_date=plan_date)
    run.parameters = {
        "history_start": start.isoformat(),
        # every chunk reads the same closed days (detected over the whole catalogue)
        "shop_calendar": shop_calendar_to_json(calendar, start=start),
        "abc_floors": floors_json,
        "chunk_size": size,
        "engine": _params_json(params),
        "risk": RiskThreshold.from_settings().as_dict(),
        # every chunk applies this same recalibration, even if a newer audit lands meanwhile
        **run_calibration(plan_date=plan_date),
    }
    floors = (
        SELF_RANKED
        if floors_json == SELF_RANKED
        else tuple(math.inf if f is None else f for f in floors_json)
    )
    if len(chunks) > 1 and params.lead_time_demand == "empirical":
        run.parameters["lead_time_pools"] = _lead_time_pools(
            run, chunks, start, floors, params, calendar
        )
    if len(chunks) > 1 and params.allocation == "cancellations":
        if params.service_target != "fill_rate":  # the allocation prices cycle levels only
            run.parameters["allocation_log_lambda"] = _allocation_log_lambda(
                run, chunks, start, floors, params, calendar
            )
    run.history_days = (plan_date - start).days
    run.chunk_count = len(chunks)
    run.save(update_fields=["parameters", "history_days", "chunk_count"])
    return run, chunks


def plan_run_beat(*, run_id: int) -> bool:
    """Record a sign of life of a running run (its process is at work); False if the run is
    no longer running (failed, cancelled), so the caller may stop."""
    return bool(
        PlanRun.objects.filter(pk=run_id, status=PlanRun.Status.RUNNING).update(
            heartbeat_at=timezone.now()
        )
    )


def plan_runs_dead() -> QuerySet[PlanRun]:
    """Running runs with no sign of life for ``ZAPAS["PLAN_DEAD_MINUTES"]`` (default 15): the
    last heartbeat, else the start, else the creation."""
    minutes = float(settings.ZAPAS.get("PLAN_DEAD_MINUTES", 15))
    last_sign = Coalesce("heartbeat_at", "started_at", "created_at")
    return (
        PlanRun.objects.filter(status=PlanRun.Status.RUNNING)
        .alias(last_sign=last_sign)
        .filter(last_sign__lt=timezone.now() - timedelta(minutes=minutes))
    )


def plan_runs_dead_fail() -> list[PlanRun]:
    """Mark every dead run failed (``plan_run_fail``: its partial rows go, the previous
    results stay live) and return them."""
    failed = []
    for run in plan_runs_dead().only("pk", "heartbeat_at", "started_at", "created_at"):
        last = run.heartbeat_at or run.started_at or run.created_at
        failed.append(
            plan_run_fail(
                run_id=run.pk,
                error=f"Abandoned: no sign of life since {last.isoformat(timespec='seconds')} "
                "(the process running it stopped).",
            )
        )
    return failed


def plan_run_cancel(*, run_id: int, by: str) -> PlanRun:
    """Cancel a running run (an admin action for a stuck run): it is marked failed with who
    cancelled it, its partial rows go and the previous results stay live. Chunks still queued
    or running for it then do nothing, and its finalise leaves it failed."""
    return plan_run_fail(run_id=run_id, error=f"Cancelled by {by}."[:200])


def plan_chunk_process(*, run_id: int, lo: int, hi: int) -> ChunkResult:
    """Plan SKUs ``lo`` … ``hi`` (ids, inclusive) of a running run and insert their results.

    Idempotent per chunk: rows of this run and id range are replaced. Does nothing if the run
    is no longer running (it failed elsewhere).
    """
    if not plan_run_beat(run_id=run_id):
        return ChunkResult()
    run = PlanRun.objects.get(pk=run_id)
    t0 = time.perf_counter()
    sku_ids = catalogue_sku_ids(sku_codes=run.sku_codes or None)
    sku_ids = sku_ids[(sku_ids >= lo) & (sku_ids <= hi)]
    if sku_ids.size == 0:
        return ChunkResult()
    start = date.fromisoformat(run.parameters["history_start"])
    floors_json = run.parameters["abc_floors"]
    if floors_json == SELF_RANKED:
        floors = SELF_RANKED
    else:
        floors = tuple(math.inf if f is None else f for f in floors_json)
    calendar = None
    if run.parameters.get("shop_calendar") is not None:
        calendar = shop_calendar_from_json(
            run.parameters["shop_calendar"], start=start, plan_date=run.plan_date
        )
    plan_input = plan_input_build(
        sku_ids=sku_ids,
        plan_date=run.plan_date,
        start=start,
        abc_floors=floors,
        abc_cutoffs=plan_params().abc_cutoffs,
        calendar=calendar,
    )
    t1 = time.perf_counter()
    plan_run_beat(run_id=run_id)
    params = plan_params()
    calibration = calibration_from_json(run.parameters.get("calibration"))
    extra = {}
    if run.parameters.get("lead_time_pools"):
        from planning.engine import LeadTimePools

        extra["pools"] = LeadTimePools.from_json(run.parameters["lead_time_pools"])
    if run.parameters.get("allocation_log_lambda") is not None:
        extra["allocation_log_lambda"] = float(run.parameters["allocation_log_lambda"])
    plan = _engine_plan(plan_input.snapshot, params, calibration, **extra)
    t2 = time.perf_counter()
    if not plan_run_beat(run_id=run_id):  # cancelled meanwhile: write nothing
        return ChunkResult()
    plan_results_save(run=run, plan_input=plan_input, plan=plan, params=params)
    t3 = time.perf_counter()
    PlanRun.objects.filter(pk=run_id).update(
        chunks_done=F("chunks_done") + 1, heartbeat_at=timezone.now()
    )
    return ChunkResult(skus=int(sku_ids.size), read=t1 - t0, engine=t2 - t1, write=t3 - t2)


def _abc_refresh(run: PlanRun) -> None:
    """Store the run's ABC classes on the SKUs (the admin shows and filters by them)."""
    for abc in ("A", "B", "C"):
        Sku.objects.filter(
            pk__in=SkuPlan.objects.filter(run=run, abc_class=abc).values("sku_id")
        ).exclude(abc_class=abc).update(abc_class=abc)


@transaction.atomic
def plan_run_finalise(*, run_id: int, chunk_results: Sequence[ChunkResult | dict] = ()) -> PlanRun:
    """Make a running run's results the live ones, atomically.

    Locks the run row. The previous finished run of the same date is superseded: a partial
    run (``sku_codes``) takes over the previous rows of the SKUs it did not plan; the rest of
    the previous rows go. Proposed suggestions of earlier runs (of the SKUs this run planned,
    up to its plan date) are deleted; approved, ordered and dismissed ones are never touched.
    Rows left behind by failed runs are cleaned up. Idempotent: a run already finished is
    returned as it is.
    """
    t0 = time.perf_counter()
    run = PlanRun.objects.select_for_update().get(pk=run_id)
    if run.status != PlanRun.Status.RUNNING:
        return run
    _abc_refresh(run)
    # The SKUs this run planned itself, fixed now: a lazy subquery would also match the rows
    # carried over below, and the other SKUs' proposals would then be deleted as outdated.
    planned = (
        list(SkuPlan.objects.filter(run=run).values_list("sku_id", flat=True))
        if run.sku_codes
        else SkuPlan.objects.filter(run=run).values("sku_id")
    )
    previous = list(
        PlanRun.objects.select_for_update()
        .filter(plan_date=run.plan_date, status=PlanRun.Status.DONE)
        .exclude(pk=run.pk)
        .values_list("pk", flat=True)
    )
    if previous and run.sku_codes:
        # A partial re-run: carry over what the previous run said about the other SKUs.
        carried = SkuPlan.objects.filter(run_id__in=previous).exclude(sku_id__in=planned)
        carried.update(run=run)
        for model in (ReorderSuggestion, FboShipmentSuggestion, FulfilmentDecision):
            model.objects.filter(run_id__in=previous).exclude(sku_id__in=planned).update(run=run)
    stale_runs = PlanRun.objects.filter(
        Q(pk__in=previous) | Q(status__in=[PlanRun.Status.FAILED, PlanRun.Status.SUPERSEDED])
    ).values("pk")
    SkuPlan.objects.filter(run_id__in=stale_runs).delete()
    promises_finalise(run=run, previous=previous, stale_runs=stale_runs, planned=planned)
    for model in (ReorderSuggestion, FboShipmentSuggestion, FulfilmentDecision):
        outdated = model.objects.filter(
            status=SuggestionStatus.PROPOSED, plan_date__lte=run.plan_date
        ).exclude(run=run)
        if run.sku_codes:
            outdated = outdated.filter(sku_id__in=planned)
        outdated.delete()
        # proposals of failed runs are never shown
        model.objects.filter(
            status=SuggestionStatus.PROPOSED, run__status=PlanRun.Status.FAILED
        ).delete()
    PlanRun.objects.filter(pk__in=previous).update(status=PlanRun.Status.SUPERSEDED)
    _prune_old_results(keep=int(settings.ZAPAS.get("PLAN_KEEP_RUNS", 30)))

    results = [r if isinstance(r, ChunkResult) else ChunkResult(**r) for r in chunk_results]
    timings = {
        stage: round(sum(getattr(r, stage) for r in results), 3)
        for stage in ("read", "engine", "write")
    }
    run.sku_count = SkuPlan.objects.filter(run=run).count()
    run.reorder_count = ReorderSuggestion.objects.filter(run=run).count()
    run.fbo_shipment_count = FboShipmentSuggestion.objects.filter(run=run).count()
    run.scheme_change_count = FulfilmentDecision.objects.filter(run=run).count()
    run.at_risk_count = (
        SkuPlan.objects.filter(run=run).filter(RiskThreshold.of_run(run).condition()).count()
    )
    timings["finalise"] = round(time.perf_counter() - t0, 3)
    run.timings = {**run.timings, **timings}
    run.status = PlanRun.Status.DONE
    run.finished_at = timezone.now()
    run.error = ""
    run.save()
    after_commit(_learn_from_operations, run.plan_date)
    return run


def _learn_from_operations(plan_date: date) -> None:
    """Prep times, packing capacity and the due-orders outlook from the new plan's forecast.
    A failure here is logged and leaves the finished run as it is."""
    try:
        operations_refresh(as_of=plan_date)
    except Exception:
        logger.exception("Learning from operations failed after the plan of %s", plan_date)


def _prune_old_results(*, keep: int) -> None:
    """Keep the per-SKU figures of the latest ``keep`` finished runs; older runs keep their
    summary row (and any decided suggestion) only."""
    old = PlanRun.objects.done().order_by("-plan_date", "-id").values_list("pk", flat=True)[keep:]
    old_ids = list(old[:1000])
    if old_ids:
        SkuPlan.objects.filter(run_id__in=old_ids).delete()


def plan_run_fail(*, run_id: int, error: BaseException | str) -> PlanRun:
    """Record why a run failed; its partial rows go, the previous results stay live."""
    message = error if isinstance(error, str) else f"{type(error).__name__}: {error}"
    with transaction.atomic():
        run = PlanRun.objects.select_for_update().get(pk=run_id)
        if run.status != PlanRun.Status.RUNNING:
            return run
        run.status = PlanRun.Status.FAILED
        run.error = message[:10_000]
        run.finished_at = timezone.now()
        run.save(update_fields=["status", "error", "finished_at"])
    with transaction.atomic():
        SkuPlan.objects.filter(run=run).delete()
        promises_discard(run=run)
        for model in (ReorderSuggestion, FboShipmentSuggestion, FulfilmentDecision):
            model.objects.filter(run=run, status=SuggestionStatus.PROPOSED).delete()
    logger.warning("Planning run %s failed: %s", run_id, message)
    return run


def broker_configured() -> bool:
    """Whether Celery tasks go to a broker (else they run in this process)."""
    return not settings.CELERY_TASK_ALWAYS_EAGER and bool(settings.CELERY_BROKER_URL)


def plan_run(
    *,
    plan_date: date | None = None,
    sku_codes: Sequence[str] | None = None,
    chunk_size: int | None = None,
    progress: Callable[[int], object] | None = None,
    triggered_by: str = "",
) -> PlanRun:
    """Plan the catalogue (or ``sku_codes``) for ``plan_date`` (default: today in TIME_ZONE).

    Reads stock, open purchase orders, transfers and demand history in bulk, runs the engine
    chunk by chunk (``chunk_size`` SKUs; default ``ZAPAS["PLAN_CHUNK_SIZE"]`` = 100 000 in
    process, ``ZAPAS["PLAN_DISPATCH_CHUNK_SIZE"]`` = 10 000 on workers) and swaps the
    results in atomically (``plan_run_finalise``). ``progress(n)`` is called after each chunk
    with the number of SKUs it planned (a tqdm bar's ``update``). Everything runs in this
    process; ``planning.tasks.plan_run_dispatch`` sends the chunks to the Celery workers
    instead. Raises ``Conflict`` (``plan_running``) if a run is in progress.
    A failure inside the run is not raised: the returned run is ``failed`` with the error.
    Call it outside a transaction: the chunks (and worker processes) must see the run row.
    """
    run, chunks = plan_run_start(
        plan_date=plan_date, sku_codes=sku_codes, chunk_size=chunk_size, triggered_by=triggered_by
    )
    try:
        results = []
        for lo, hi in chunks:
            result = plan_chunk_process(run_id=run.pk, lo=lo, hi=hi)
            results.append(result)
            if progress is not None:
                progress(result.skus)
        return plan_run_finalise(run_id=run.pk, chunk_results=results)
    except Exception as exc:  # the run records any failure; callers read run.status
        logger.exception("Planning run %s failed", run.pk)
        return plan_run_fail(run_id=run.pk, error=exc)
