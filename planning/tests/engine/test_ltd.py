"""Lead-time demand from rolling-origin totals (planning.engine.ltd / totals)."""

import dataclasses

import numpy as np

from planning.engine import (
    LeadTimePools,
    PlanParams,
    fit_lead_time_pools,
    lead_time_pairs,
    plan_catalogue,
)
from planning.engine.ltd import (
    GRID,
    GRID_SIZE,
    KIND_LAUNCH,
    KIND_YOUNG,
    N_BUCKETS,
    N_RECENT,
    fit_pools,
    total_distribution,
    velocity_bucket,
)

from ._factory import snapshot


def test_velocity_buckets_by_hand():
    # floor(log2 F) + 8, clipped to 1 … 21; under 0.001 units: bucket 0
    np.testing.assert_array_equal(
        velocity_bucket(np.array([0.0, 0.0005, 0.01, 1.0, 1.9, 2.0, 100.0, 1e9])),
        [0, 0, 1, 8, 8, 9, 14, 21],
    )


def test_one_full_pool_is_its_empirical_distribution():
    # 1,000 pairs in one pool (F = 10, bucket 11; kind 3): ratios 0.0, 0.1, … 99.9 / 10
    a = np.arange(1000) / 10.0
    f = np.full(1000, 10.0)
    pools = fit_pools(f, a, np.full(1000, 3))
    # no recent-demand information: the last recent bucket
    assert pools.count[3, 11, -1] == 1000 and pools.count.sum() == 1000
    ratio = a / 10
    expect = np.quantile(ratio, GRID)
    # 1,000 pairs in the pool and in its neighbourhood: weight 1000 / 1200 on the pool's own
    # quantiles, the rest on the neighbourhood (the same pairs) and the bucket (same again)
    np.testing.assert_allclose(pools.ratio[3, 11, -1], expect, rtol=1e-7)  # float32 tables
    assert abs(pools.ratio[3, 11, -1].mean() - ratio.mean()) < 1e-6


def test_the_top_cell_carries_the_large_orders_into_the_mean():
    # 990 single units and 10 orders of 100 (ratios 1 and 100): the top 5 are capped at
    # 4 × the 6th largest = 400, so nothing is cut and the mean is (990 + 1000) / 1000 = 1.99
    a = np.r_[np.ones(990), np.full(10, 100.0)]
    pools = fit_pools(np.ones(1000), a, np.zeros(1000, int))
    row = pools.ratio[0, 8, -1]
    assert abs(row.mean() - 1.99) < 1e-5
    assert row[-2] == 100.0 and row[-3] == 1.0  # levels 0.9925 and 0.9875: the body


def test_one_huge_order_is_capped_in_the_pool():
    # one 10,000-unit order among 999 single units: capped at 4 × the 6th largest ratio (1),
    # so the pool's mean is (999 + 4) / 1000 = 1.003, not 10.999
    a = np.r_[np.ones(999), 10_000.0]
    pools = fit_pools(np.ones(1000), a, np.zeros(1000, int))
    row = pools.ratio[0, 8, -1]
    assert abs(row.mean() - 1.003) < 1e-5
    assert row[-2] == 1.0
    # in a pool of 4 pairs the top 2 are capped at 4 × the 3rd largest (1): ratios 1, 1, 1, 4
    small = fit_pools(np.ones(4), np.array([1.0, 1.0, 1.0, 10_000.0]), np.zeros(4, int))
    assert abs(small.ratio[0, 8, -1].mean() - 1.75) < 1e-5


def test_launch_pools_shrink_to_the_launches_own_level():
    # 1,000 pairs of kind 3 with ratio 1 and 20 launch pairs (kind 5) with ratio 3, all at
    # F = 10 (bucket 11).  The all-kind grid: 196 cells of 1 and 4 of 3 (levels above
    # 0.98), mean 1.04.  Launch level λ = 60 / (20 × 1.04) = 2.884615, shrunk by 20 / 220:
    # 1.171329.  The launch pool (n = 20; its neighbourhood is the same 20) blends 3 with
    # the prior 1.04 × 1.171329 = 1.218182 twice: (60 + 200 × 1.218182) / 220 = 1.380165,
    # then (60 + 200 × 1.380165) / 220 = 1.527423 (without the launch level: 1.380165)
    f = np.full(1020, 10.0)
    a = np.r_[np.full(1000, 10.0), np.full(20, 30.0)]
    kind = np.r_[np.full(1000, 3), np.full(20, KIND_LAUNCH)]
    pools = fit_pools(f, a, kind)
    assert abs(pools.mean[KIND_LAUNCH, 11, -1] - 1.527423) < 1e-4
    assert abs(pools.mean[3, 11, -1] - 1.0) < 0.01  # kind 3 itself barely moves
    # young products (kind 6) keep the all-kind level: only launches are levelled
    young = fit_pools(f, a, np.r_[np.full(1000, 3), np.full(20, KIND_YOUNG)])
    assert abs(young.mean[KIND_YOUNG, 11, -1] - 1.380165) < 1e-4


def test_own_level_correction_by_hand():
    pools = fit_pools(np.full(1000, 10.0), np.full(1000, 10.0), np.zeros(1000, int))  # ratio 1
    # SKU 0 has 4 own pairs where 20 came after a forecast of 10; SKU 1 has none
    pf = np.array([[10.0] * 4, [np.nan] * 4])
    pa = np.array([[20.0] * 4, [np.nan] * 4])
    t = total_distribution(
        pools,
        np.array([10.0, 10.0]),
        np.array([0, 0]),
        pf,
        pa,
        np.zeros((2, 4), int),
        np.array([7, 7]),
        np.zeros(2),
        own_prior=6.0,
    )
    # own = (ΣA + κ·ē) / (ΣE + κ·ē) = (80 + 6·10) / (40 + 6·10) = 1.4
    own = (80 + 6 * 10) / (40 + 6 * 10)
    np.testing.assert_allclose(t.mean, [10 * own, 10.0])
    np.testing.assert_allclose(t.quantile(np.array([0.95, 0.95])), [10 * own, 10.0])
    np.testing.assert_allclose(t.sf(np.array([13.0, 9.0])), [1.0, 1.0])
    np.testing.assert_allclose(t.loss(np.array([0.0, 4.0])), [10 * own, 6.0])


def test_lead_time_sd_widens_about_the_mean():
    r = np.linspace(0.5, 1.5, 1000)  # ratio sd ≈ 0.2887
    pools = fit_pools(np.full(1000, 14.0), 14 * r, np.zeros(1000, int))
    args = (np.array([14.0]), np.array([0]), np.full((1, 1), np.nan), np.full((1, 1), np.nan))
    base = total_distribution(pools, *args, np.zeros((1, 1), int), np.array([14]), np.zeros(1))
    wide = total_distribution(pools, *args, np.zeros((1, 1), int), np.array([14]), np.ones(1))
    # d = 1 unit a day, σL = 1 day: variance + 1 → w = √(1 + 1 / Var)
    var = (14 * pools.ratio[0, velocity_bucket(14.0), -1].std()) ** 2
    np.testing.assert_allclose(wide.widen, np.sqrt(1 + 1 / var))
    np.testing.assert_allclose(wide.mean, base.mean)
    np.testing.assert_allclose(wide.sd() ** 2, base.sd() ** 2 + 1, rtol=1e-9)


def test_inverse_loss_inverts_the_loss():
    r = np.random.default_rng(3).gamma(0.7, 1.0, 5000)
    pools = fit_pools(np.full(5000, 3.0), 3 * r, np.zeros(5000, int))
    b = velocity_bucket(3.0)
    t = total_distribution(
        pools,
        np.full(3, 3.0),
        np.zeros(3, int),
        np.full((3, 1), np.nan),
        np.full((3, 1), np.nan),
        np.zeros((3, 1), int),
        np.full(3, 7),
        np.zeros(3),
    )
    target = np.array([0.5, 0.1, 0.01])
    x = t.inverse_loss(target)
    np.testing.assert_allclose(t.loss(x), target, rtol=1e-6)
    assert t.row[0] == b * N_RECENT + N_RECENT - 1


def test_chunks_with_the_catalogue_pools_plan_like_one_pass():
    snap = snapshot(n=30, n_days=200)
    whole = plan_catalogue(snap)

    def part(sl):
        fields = {}
        for f in dataclasses.fields(snap):
            v = getattr(snap, f.name)
            if isinstance(v, np.ndarray) and v.shape[:1] == (30,):
                v = v[sl]
            fields[f.name] = v
        fields["fbo"] = None
        return dataclasses.replace(snap, **fields)

    chunks = [part(slice(0, 12)), part(slice(12, 30))]
    pools = fit_lead_time_pools([lead_time_pairs(c) for c in chunks])
    pools = LeadTimePools.from_json(pools.to_json())  # as a run carries them
    plans = [plan_catalogue(c, PlanParams(), pools=pools) for c in chunks]
    for name in ("promise_quantiles", "promise_mean", "reorder_point", "stockout_probability"):
        got = np.concatenate([getattr(p, name) for p in plans])
        np.testing.assert_array_equal(got, getattr(whole, name), err_msg=name)
    assert N_BUCKETS * GRID_SIZE > 0


def test_recent_demand_splits_the_pools():
    # forecasts of 10 units; where the last 28 days ran at twice the forecast rate the
    # totals came in at 20, elsewhere at 10: the pools learn the level correction
    f = np.full(2000, 10.0)
    recent = np.r_[np.full(1000, 4), np.full(1000, 2)]  # buckets: > 1/0.35 … ≤ 1/0.7
    a = np.where(recent == 4, 20.0, 10.0)
    pools = fit_pools(f, a, np.zeros(2000, int), recent)
    b = velocity_bucket(10.0)
    # at level 0.2525 the all-kinds, all-recent bucket says 1 and every finer pool says 2:
    # each step of the shrinkage keeps 1000 / 1200 of the finer pool
    w = 1000 / 1200
    glob = w * 2 + (1 - w) * 1
    q2 = w * 2 + (1 - w) * glob
    np.testing.assert_allclose(pools.ratio[0, b, 4, 50], w * 2 + (1 - w) * q2)
    assert pools.ratio[0, b, 2].mean() < pools.ratio[0, b, 4].mean()


def test_a_velocity_bucket_of_one_pair_shrinks_to_its_nearest_buckets():
    # 1,000 pairs at F = 10 (bucket 11) with ratio 1 and one pair at F = 1,000 (bucket 17,
    # far above every other forecast) that sold nothing, all of kind 0.  The all-kind pool of
    # bucket 17 is no longer that one pair (ratio 0: a promise of nothing) but shrinks towards
    # bucket 11: (1·0 + 200·1) / 201; the kind's pool then blends three more times with weight
    # 200 / 201 on its prior (per recent bucket, over neighbouring buckets, the pool itself),
    # so every ratio is (200 / 201)⁴ = 0.980248
    f = np.r_[np.full(1000, 10.0), 1000.0]
    a = np.r_[np.full(1000, 10.0), 0.0]
    pools = fit_pools(f, a, np.zeros(1001, int))
    assert velocity_bucket(np.array([1000.0]))[0] == 17
    np.testing.assert_allclose(pools.ratio[0, 17, N_RECENT - 1], (200 / 201) ** 4, rtol=1e-6)
    # the full bucket keeps its own distribution
    np.testing.assert_allclose(pools.ratio[0, 11, N_RECENT - 1], 1.0, rtol=1e-6)


def test_pairs_are_pooled_by_the_class_known_at_their_origin():
    # SKU 0 sells 5 units every day; SKU 1 too until day 119, then every 5th day.  Its class
    # over the 200 days: ADI 200 / 136 = 1.47, sizes alike: intermittent.  At an origin o its
    # ADI is o / (120 + sales since day 120): 172 / 131 = 1.313 (smooth), 179 / 132 = 1.356
    # (intermittent).  Classed by the end, the pairs before o = 172 would be intermittent
    # pairs whose actual totals are those of the sparse days that made the SKU intermittent.
    from planning.engine.schema import INTERMITTENT, SMOOTH
    from planning.engine.selection import total_origins

    n_days = 200
    demand = np.full((2, n_days), 5.0, np.float32)
    sparse = np.arange(n_days) >= 120
    demand[1, sparse & (np.arange(n_days) % 5 != 0)] = 0
    snap = snapshot(n=2, n_days=n_days, fbo=False, demand=demand)
    plan = plan_catalogue(snap)
    assert plan.demand_class.tolist() == [SMOOTH, INTERMITTENT]
    pairs = lead_time_pairs(snap)
    origins = total_origins(n_days, 17)  # P = 10 + 7 days
    kind = pairs.kind.reshape(2, len(origins))
    has = np.isfinite(pairs.forecast[:, 0]).reshape(2, len(origins))
    o = np.asarray(origins)
    assert has[1].sum() == (o + 17 <= n_days).sum() >= 10
    assert (kind[0][has[0]] == SMOOTH).all()
    assert kind[1][has[1] & (o <= 172)].tolist() == [SMOOTH] * int((has[1] & (o <= 172)).sum())
    assert kind[1][has[1] & (o > 172)].tolist() == [INTERMITTENT]  # the origin 179
