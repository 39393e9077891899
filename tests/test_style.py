"""Lint-like checks of project rules that a reviewer would otherwise have to remember."""
import pathlib
import re

PKG = pathlib.Path(__file__).resolve().parents[1] / "fastsvd"
SOURCES = sorted(PKG.rglob("*.py"))


def test_no_kernel_sets_fastmath():
    """fastmath drops NaN checks and reorders careful sums (DESIGN.md)."""
    offenders = [str(p) for p in SOURCES if re.search(r"fastmath\s*=\s*True", p.read_text())]
    assert not offenders, offenders


def test_no_peer_factorizations_in_the_package():
    """The decomposition is computed by fastsvd's own kernels; peers only in tests."""
    pattern = re.compile(r"(np|numpy)\.linalg\.(svd|eig|eigh|eigvals|eigvalsh|qr|lstsq|pinv|"
                         r"matrix_rank|solve|inv|cholesky)\b|scipy\.linalg\.(?!cython_blas)"
                         r"|from scipy\.linalg import|sparse\.linalg\.(svds|eigsh|eigs|lobpcg)"
                         r"|import sklearn|from sklearn")
    offenders = []
    for p in SOURCES:
        for i, line in enumerate(p.read_text().splitlines(), 1):
            code = line.split("#", 1)[0]
            if pattern.search(code) and "cython_blas" not in code:
                offenders.append(f"{p.name}:{i}: {line.strip()}")
    assert not offenders, offenders
