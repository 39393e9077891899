"""The seeded fuzz of tests/fuzz.py, a slice of it per run: structured random matrices
(zero lines, rank deficiency, repeated/clustered sigma, graded, integer, 1 x n, n x 1,
subnormal to near-overflow scales, float32/float64) through every method and layout,
and random stacks through the batched path.

Every decomposition must meet the README's bounds (tests/fuzz.py states them) or
raise; on finite input nothing may raise.  ``FASTSVD_FUZZ_MATRICES`` and
``FASTSVD_FUZZ_STACKS`` set how many seeds run (the full campaign: ``python -m
tests.fuzz``).
"""
import os

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from . import fuzz

MATRICES = int(os.environ.get("FASTSVD_FUZZ_MATRICES", "400"))
STACKS = int(os.environ.get("FASTSVD_FUZZ_STACKS", "100"))
CHUNK = 50


@pytest.mark.parametrize("first", range(0, MATRICES, CHUNK))
def test_seeded_matrices_meet_the_bounds_in_every_method(first):
    failures = []
    for seed in range(first, min(first + CHUNK, MATRICES)):
        failures += fuzz.run_matrix(seed)[1]
    assert not failures, "\n".join(failures[:20])


@pytest.mark.parametrize("first", range(0, STACKS, CHUNK))
def test_seeded_stacks_meet_the_bounds_slice_by_slice(first):
    failures = []
    for seed in range(first, min(first + CHUNK, STACKS)):
        failures += fuzz.run_stack(seed)[1]
    assert not failures, "\n".join(failures[:20])


@settings(max_examples=60, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(10**6, 2**62))
def test_hypothesis_drawn_seeds_meet_the_bounds(seed):
    # seeds far from the fixed range, chosen (and shrunk, on failure) by hypothesis
    failures = fuzz.run_matrix(seed)[1]
    assert not failures, "\n".join(failures[:20])


def test_the_generator_covers_every_structure_dtype_and_extreme_scale():
    # the fuzz is only as good as what it draws: every structure, both dtypes,
    # 1 x n and n x 1, and scales below the normal range and near overflow
    seen = set()
    for seed in range(MATRICES):
        A, desc = fuzz.random_matrix(seed)
        seen.add(desc.split()[3])
        seen.add(str(A.dtype))
        seen.add("row" if A.shape[0] == 1 else "column" if A.shape[1] == 1 else "")
        amax = np.abs(A).max() if A.size else 0
        seen.add("subnormal" if 0 < amax < np.finfo(A.dtype).tiny else
                 "huge" if amax > np.finfo(A.dtype).max ** 0.5 else "")
    want = set(fuzz.STRUCTURES) | {"float32", "float64", "row", "column", "subnormal", "huge"}
    assert want <= seen, want - seen
