"""A target's budget answers every question about a cost against its limits."""
from tinyc.budget import TargetBudget, excess, fits_all
from tinyc.models.base import Cost
from tinyc_backends.cortex_m4 import CortexM4Backend


def cost(flash: int, ram: int) -> Cost:
    return Cost(flash=flash, weights=flash // 2, code=flash - flash // 2, ram=ram, ops=10, cycles=20)


M4 = TargetBudget("cortex-m4", CortexM4Backend.caps, 4096, 1024)
SMALL = TargetBudget("small", CortexM4Backend.caps, 1024, 512)


def test_fits_and_how_far_over():
    assert M4.fits(cost(4096, 1024)) and not M4.fits(cost(4097, 10)) and not M4.fits(cost(10, 1025))
    assert M4.excess(cost(2048, 1024)) == 1.0 and M4.excess(cost(8192, 100)) == 2.0
    assert M4.relative_excess(cost(6144, 512)) == {"flash": 0.5, "ram": -0.5}
    costs = {"cortex-m4": cost(2048, 256), "small": cost(2048, 256)}
    assert excess(costs, (M4, SMALL)) == 2.0 and not fits_all(costs, (M4, SMALL))
    assert fits_all(costs, (M4,))


def test_estimates_close_to_the_limit_may_link_over_it():
    # within 15% of a large limit, or within 256 B of a small one, the linker settles it
    assert not M4.may_exceed(3400) and M4.may_exceed(3482)
    assert not SMALL.may_exceed(767) and SMALL.may_exceed(768)
    assert M4.fits_with_margin(cost(3400, 1024)) and not M4.fits_with_margin(cost(3500, 10))
    assert M4.over_flash(4097) and not M4.over_flash(4096) and not M4.over_flash(None)


def test_a_limit_tightened_by_the_estimates_error():
    # an estimate of 3900 B that linked to 4200 B must be estimated at 3802 B to link within 4096
    need = M4.estimate_within(3900, 4200)
    assert need == 3802
    assert M4.tightened(need).flash == 3802 and M4.tightened(5000).flash == 4096  # never loosened


def test_latency_clock_is_the_specs_else_the_cores():
    assert M4.hz == CortexM4Backend.caps.clock_hz
    assert TargetBudget("cortex-m4", CortexM4Backend.caps, 4096, 1024, clock_hz=16e6).hz == 16e6
