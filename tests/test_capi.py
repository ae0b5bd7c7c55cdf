"""fastpen's C-level API from another Cython extension (docs/user_guide/capi.rst).

tests/data/cimport_example.pyx -- the example of docs/user_guide/capi.rst -- is compiled against
the installed fastpen (its .pxd files and _simd.h ship with the package), then
run: its prange over problems must give, to the bit, what one solve_gram call
per problem gives, and the API version it was compiled against must be the
installed one's.
"""
import os
import shutil
import subprocess
import sys
import textwrap

import fastpen

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(fastpen.__file__)))

BUILD = """
import os, sys
import numpy, fastpen
from setuptools import Extension, setup
from Cython.Build import cythonize

# OpenMP where the compiler brings its runtime (GCC, or clang with libomp, on Linux);
# elsewhere the example's prange runs serially: Apple clang has no OpenMP of its own
# (fastpen's macOS wheel carries libomp but not omp.h) and MSVC needs /openmp
flags = ["-fopenmp"] if fastpen.openmp_enabled() and sys.platform.startswith("linux") else []
ext = Extension("cimport_example", ["cimport_example.pyx"],
                include_dirs=[numpy.get_include(), os.path.dirname(fastpen.__file__)],
                extra_compile_args=flags, extra_link_args=flags)
setup(ext_modules=cythonize([ext], quiet=True), script_args=["build_ext", "--inplace", "-q"])
"""

RUN = """
import numpy as np
import cimport_example
from fastpen import _cd

rng = np.random.default_rng(0)
X = rng.standard_normal((60, 20)) + 0.5
Y = X[:, :3] @ rng.standard_normal((3, 9)) + 0.1 * rng.standard_normal((60, 9))
Xc, Yc = X - X.mean(axis=0), Y - Y.mean(axis=0)
Q = np.ascontiguousarray(Xc.T @ Xc)
QY = np.ascontiguousarray((Xc.T @ Yc).T)
y_norm2 = (Yc ** 2).sum(axis=0)
W = np.zeros((9, 20))
gaps = cimport_example.fit_many(Q, QY, y_norm2, W, 5.0, 1e-10)
for t in range(9):
    w = np.zeros(20)
    gap, _, _ = _cd.solve_gram(Q, QY[t], y_norm2[t], np.diagonal(Q).copy(), np.ones(20), w,
                               5.0, 0.0, 1e-10, 100000, False, False, 0)
    assert np.array_equal(w, W[t]) and gap == gaps[t], t
    assert gap <= 1e-10 and np.count_nonzero(w) > 0
assert cimport_example.capi_version() == _cd.CAPI == 2
print("ok")
"""


def _python(code, cwd):
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([cwd, ROOT, env.get("PYTHONPATH", "")])
    return subprocess.run([sys.executable, "-c", textwrap.dedent(code)], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=300)


def test_an_extension_cimports_the_serial_solver_and_runs_it_in_its_own_prange(tmp_path):
    shutil.copy(os.path.join(HERE, "data", "cimport_example.pyx"), tmp_path)
    built = _python(BUILD, str(tmp_path))
    assert built.returncode == 0, built.stderr[-3000:]
    ran = _python(RUN, str(tmp_path))
    assert ran.returncode == 0, ran.stderr[-3000:]
    assert ran.stdout.strip() == "ok"
