"""Lint-like checks of project rules that a reviewer would otherwise have to remember."""
import ast
import pathlib
import re

PKG = pathlib.Path(__file__).resolve().parents[1] / "fastsvd"
SOURCES = sorted(PKG.rglob("*.py"))


def test_no_kernel_sets_fastmath():
    """fastmath drops NaN checks and reorders careful sums (DESIGN.md)."""
    offenders = [str(p) for p in SOURCES if re.search(r"fastmath\s*=\s*True", p.read_text())]
    assert not offenders, offenders


def _dotted(node):
    """``a.b.c`` for an attribute chain, else None."""
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        parts.append(node.id)
        return ".".join(reversed(parts))
    return None


#: peers' factorizations; BLAS (scipy.linalg.cython_blas) is welcome
PEER = re.compile(r"^(np|numpy)\.linalg\.(svd|eig|eigh|eigvals|eigvalsh|qr|lstsq|pinv|"
                  r"matrix_rank|solve|inv|cholesky|svdvals)$"
                  r"|^scipy\.linalg(?!\.cython_blas)"
                  r"|^scipy\.sparse\.linalg\.(svds|eigsh|eigs|lobpcg)$|^sklearn")
#: the comparison job runs numpy's svd side by side with fastsvd's, on purpose
COMPARISONS = {"__main__.py"}


def test_no_peer_factorizations_in_the_package():
    """The decomposition is computed by fastsvd's own kernels; peers only in tests,
    benchmarks and the comparison job.  Code is parsed, so docstrings that name
    numpy's functions are not offenders."""
    offenders = []
    for p in SOURCES:
        if p.name in COMPARISONS:
            continue
        tree = ast.parse(p.read_text())
        # only whole chains: the ``scipy.linalg`` inside ``scipy.linalg.cython_blas`` is fine
        inner = {id(n.value) for n in ast.walk(tree) if isinstance(n, ast.Attribute)}
        for node in ast.walk(tree):
            names = []
            if isinstance(node, ast.Attribute) and id(node) not in inner:
                names.append(_dotted(node))
            elif isinstance(node, ast.Import):
                names += [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names += [f"{node.module}.{a.name}" for a in node.names]
            for name in names:
                if name and PEER.search(name):
                    offenders.append(f"{p.name}:{node.lineno}: {name}")
    assert not offenders, offenders


def test_kernel_caches_are_stamped_by_the_whole_package(tmp_path):
    """A kernel's cached machine code contains its callees from other files, so
    its cache must go stale when any file of the package changes (Numba's own
    stamp covers only the kernel's file).  Every kernel's cache carries the
    package stamp, and one byte appended to another file changes it."""
    import shutil

    from fastsvd import _jit
    from fastsvd.kernels.gesdd import svd_dc
    assert isinstance(svd_dc._cache, _jit._PackageCache)
    assert svd_dc._cache._impl.locator.get_source_stamp() == _jit.PACKAGE_STAMP
    pkg = pathlib.Path(_jit.__file__).parent
    copy = tmp_path / "fastsvd"
    shutil.copytree(pkg, copy, ignore=shutil.ignore_patterns("__pycache__"))
    assert _jit._package_stamp(copy) == _jit.PACKAGE_STAMP
    bidiag = copy / "kernels" / "bidiag.py"
    bidiag.write_text(bidiag.read_text() + "\n")
    assert _jit._package_stamp(copy) != _jit.PACKAGE_STAMP


def _imported_modules(path):
    """Absolute names of the fastsvd modules ``path`` imports at module level."""
    pkg = "fastsvd" if path.parent == PKG else "fastsvd.kernels"
    out = set()
    for node in ast.parse(path.read_text()).body:
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = pkg.rsplit(".", node.level - 1)[0] if node.level > 1 else pkg
                mod = f"{base}.{node.module}" if node.module else base
                out.add(mod)
                out.update(f"{mod}.{a.name}" for a in node.names)
            elif node.module and node.module.startswith("fastsvd"):
                out.add(node.module)
        elif isinstance(node, ast.Import):
            out.update(a.name for a in node.names if a.name.startswith("fastsvd"))
    return out


def test_layering_kernels_import_no_api_and_the_dispatcher_no_kernel():
    """Data flows down (DESIGN.md): a kernel never imports the API layer (it returns a
    status; the API raises), and the dispatcher stays pure Python at import time (it
    loads a driver only when asked for it), so ``plan()`` costs no compilation."""
    api = {"fastsvd._api", "fastsvd.truncated", "fastsvd.derived", "fastsvd._numba_api",
           "fastsvd._validate", "fastsvd._errors", "fastsvd._dispatch"}
    offenders = []
    for p in sorted((PKG / "kernels").glob("*.py")):
        offenders += [f"{p.name} imports {m}" for m in _imported_modules(p) & api]
    dispatch = _imported_modules(PKG / "_dispatch.py")
    offenders += [f"_dispatch.py imports {m}" for m in dispatch if m.startswith("fastsvd.kernels")]
    assert not offenders, offenders
