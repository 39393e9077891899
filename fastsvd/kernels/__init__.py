"""Numba kernels: each does one numerical job on preallocated arrays.

Kernels take arrays and scalars, write into given outputs or return new arrays,
never validate user input and never raise user-facing errors: they return a
status code that :mod:`fastsvd._api` turns into an exception or a fallback.
Every kernel's docstring names the LAPACK routine or paper it follows.
"""
