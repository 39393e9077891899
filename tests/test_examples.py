"""The examples run, offline and seeded, and show what they claim.

Each script in examples/ exposes ``main()`` returning its numbers; these tests
call it in-process and assert the claim (not exact values: the examples are
demonstrations, their tolerances are the statistics of the setup), and run the
script once as a user would, ``python examples/<name>.py``.
"""
import importlib.util
import pathlib
import subprocess
import sys

import numpy as np
import pytest

EXAMPLES = pathlib.Path(__file__).resolve().parents[1] / "examples"
NAMES = ["image_compression", "lsa", "pca", "recommender", "denoising", "procrustes"]


def load(name):
    spec = importlib.util.spec_from_file_location(f"examples_{name}", EXAMPLES / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_every_example_is_tested():
    assert sorted(p.stem for p in EXAMPLES.glob("*.py")) == sorted(NAMES)


@pytest.mark.parametrize("name", NAMES)
def test_example_runs_as_a_script(name):
    """Exit status 0, something printed, nothing on stderr (no warnings)."""
    proc = subprocess.run([sys.executable, str(EXAMPLES / f"{name}.py")], capture_output=True,
                          text=True, timeout=300, cwd=EXAMPLES.parent)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() and not proc.stderr.strip(), proc.stderr


def test_image_compression_psnr_rises_with_rank_as_eckart_young_predicts():
    out = load("image_compression").main()
    psnr, predicted = np.array(out["psnr"]), np.array(out["psnr_predicted"])
    assert np.all(np.diff(psnr) > 0) and np.all(np.diff(out["storage"]) > 0)
    # clipping to [0, 1] can only reduce the error below the Eckart-Young value
    assert np.all(psnr >= predicted - 1e-9)
    k20 = out["ranks"].index(20)
    assert abs(out["psnr_low_rank_20"] - predicted[k20]) <= 1e-9 * predicted[k20]
    assert psnr[k20] > 30 and out["storage"][k20] < 0.2    # 30 dB from 14% of the numbers


@pytest.mark.parametrize("query,topic", [("galaxy telescope astronauts", "space"),
                                         ("onion", "cooking"), ("bond yields", "finance")])
def test_lsa_retrieves_the_topic_beyond_shared_words(query, topic):
    lsa = load("lsa")
    out = lsa.main(query, top=4)
    assert out["topics"] == [topic] * 4
    # at least one of the four shares no word with the query: found through the latent space
    assert not all(out["shares_a_word"])
    assert sum(t == topic for t, _ in lsa.DOCS) == 4


def test_pca_finds_the_hidden_plane():
    out = load("pca").main()
    evr = np.array(out["explained_variance_ratio"])
    assert np.all(np.diff(evr) <= 0) and abs(evr.sum() - 1) < 1e-12
    assert evr[:2].sum() > 0.9 and out["components_for_90_percent"] == 2
    assert out["plane_angle_deg"] < 5
    assert out["accuracy_2d"] > 0.95


def test_recommender_beats_the_mean_baselines():
    out = load("recommender").main()
    baseline = min(out["rmse_global_mean"], out["rmse_item_mean"])
    for method in ("rmse_hard_impute", "rmse_soft_impute"):
        assert out[method] < 0.6 * baseline, (method, out)
    # the added noise has standard deviation 0.3: the rank-4 fit gets near that floor
    assert out["rmse_hard_impute"] < 0.45
    assert max(out["iterations"]) < 100         # converged before the cap


def test_denoising_gavish_donoho_matches_the_oracle():
    out = load("denoising").main()
    ranks, errors = out["ranks"], out["errors"]
    assert ranks["gavish_donoho_known_sigma"] == ranks["gavish_donoho_unknown_sigma"] == 4
    assert out["oracle_rank"] == 4 and errors["gavish_donoho_unknown_sigma"] == out["oracle_error"]
    # the bulk edge keeps the fifth, barely detectable direction, and loses by it
    assert ranks["marchenko_pastur_edge"] == 5
    assert errors["marchenko_pastur_edge"] > errors["gavish_donoho_known_sigma"]
    assert out["oracle_error"] < out["noisy_error"] / 3


def test_procrustes_recovers_the_transform():
    procrustes = load("procrustes")
    out = procrustes.main()
    assert out["det"] == pytest.approx(1.0, abs=1e-12)
    assert out["rotation_error_deg"] < 0.5 and out["scale_error"] < 1e-2
    # the aligned residual is the noise itself (3 coordinates of sd 0.05)
    assert out["rmsd_after"] <= 1.05 * out["noise_rms"]
    # without noise: exact to rounding
    exact = procrustes.main(noise=0.0)
    assert exact["rotation_error_deg"] < 1e-5 and exact["scale_error"] < 1e-12
    # a mirror image is still fitted by a rotation (Kabsch's sign fix)
    A = procrustes.trefoil()
    R, c, t = procrustes.align(A, A * np.array([1.0, 1.0, -1.0]))
    assert procrustes.det3(R) == pytest.approx(1.0, abs=1e-12)
