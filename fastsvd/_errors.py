"""Exceptions: numpy's ``LinAlgError`` (a ``ValueError``) and subclasses that
name the problem, so ``except ValueError`` (scipy's convention) and ``except
LinAlgError`` (numpy's) both catch what they expect."""
from numpy.linalg import LinAlgError

__all__ = ["LinAlgError", "NonFiniteError", "NoConvergenceError"]


class NonFiniteError(LinAlgError):
    """The input contains NaN or Inf."""


class NoConvergenceError(LinAlgError):
    """Every method tried failed to converge."""
