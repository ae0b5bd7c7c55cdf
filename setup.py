"""Build the Cython extensions (metadata lives in pyproject.toml).

OpenMP is probed by compiling, linking and running a tiny program with the
compiler setuptools will use.  Without it the extensions are built serially
with a warning; ``FASTPEN_REQUIRE_OPENMP=1`` turns that into an error.
Other switches: ``FASTPEN_NATIVE=1`` adds ``-march=native``;
``FASTPEN_DEBUG=1`` turns bounds and initialisation checks back on;
``FASTPEN_SANITIZE=1`` builds with AddressSanitizer and UndefinedBehaviorSanitizer
(``tools/check_memory.sh`` runs the kernel tests so).

Release builds (neither switch) carry no debug information: Python's own
CFLAGS ask for ``-g``, which made the ``_cd`` extension 3.7 MB, mostly DWARF.
No build targets the build machine's CPU unless ``FASTPEN_NATIVE`` says so: a
wheel runs on any CPU of its architecture, and the kernels pick AVX2 or
AVX-512 at run time (``fastpen/_simd.h``).
"""
import os
import shlex
import subprocess
import sys
import tempfile
import textwrap

import numpy as np
from Cython.Build import cythonize
from setuptools import Extension, setup
from setuptools.command.build_ext import build_ext
from setuptools._distutils.ccompiler import new_compiler
from setuptools._distutils.sysconfig import customize_compiler

OPENMP_PROBE = textwrap.dedent("""
    #include <omp.h>
    #include <stdio.h>
    int main(void) {
        int n = 0;
        #pragma omp parallel reduction(+:n)
        n += 1;
        printf("%d", n >= 1 && omp_get_max_threads() >= 1);
        return 0;
    }
""")


def _flag(name):
    return os.environ.get(name, "").strip().lower() in {"1", "true", "yes", "on"}


def _openmp_flag_candidates(compiler_type):
    if compiler_type == "msvc":
        return [(["/openmp"], [])]
    if sys.platform == "darwin":
        return [(["-Xpreprocessor", "-fopenmp"], ["-lomp"]), (["-fopenmp"], ["-fopenmp"])]
    return [(["-fopenmp"], ["-fopenmp"])]


def probe_openmp():
    """Return (compile_args, link_args) that build and run an OpenMP program, or None."""
    compiler = new_compiler()
    customize_compiler(compiler)
    # The extensions link through LDSHARED, which carries LDFLAGS; the probe links
    # through the bare compiler driver, which does not.  Pass LDFLAGS here too, so a
    # runtime found through them (macOS wheels: -L and -rpath to a pinned libomp)
    # passes the probe as it will pass the extensions' link.
    ldflags = [] if compiler.compiler_type == "msvc" else shlex.split(os.environ.get("LDFLAGS", ""))
    for cflags, lflags in _openmp_flag_candidates(compiler.compiler_type):
        with tempfile.TemporaryDirectory() as tmp:
            src = os.path.join(tmp, "probe.c")
            with open(src, "w") as f:
                f.write(OPENMP_PROBE)
            exe = os.path.join(tmp, "probe")
            try:
                objs = compiler.compile([src], output_dir=tmp, extra_postargs=cflags)
                compiler.link_executable(objs, exe, extra_postargs=lflags + ldflags)
                out = subprocess.run([exe], capture_output=True, text=True, timeout=60)
            except Exception:  # noqa: BLE001 - any failure means "no OpenMP"
                continue
            if out.returncode == 0 and out.stdout.strip() == "1":
                return cflags, lflags
    return None


def extension_args():
    openmp = probe_openmp()
    if openmp is None:
        message = "fastpen: the C compiler cannot build OpenMP programs"
        if _flag("FASTPEN_REQUIRE_OPENMP"):
            raise RuntimeError(message + ", and FASTPEN_REQUIRE_OPENMP is set: not building.")
        print(f"WARNING: {message}; building the extensions single-threaded.", file=sys.stderr)
        cflags, lflags = [], []
    else:
        cflags, lflags = openmp
    if sys.platform != "win32":
        # -fopenmp-simd: the "omp simd" loops of _simd.h vectorise even without OpenMP
        cflags = ["-O3", "-fopenmp-simd"] + cflags
        if _flag("FASTPEN_NATIVE"):
            cflags.append("-march=native")
        if _flag("FASTPEN_SANITIZE"):
            sanitize = ["-fsanitize=address,undefined", "-fno-omit-frame-pointer",
                        "-fno-sanitize-recover=undefined"]
            cflags = [f for f in cflags if f != "-O3"] + ["-O1", "-g"] + sanitize
            lflags = lflags + sanitize
        elif not _flag("FASTPEN_DEBUG"):
            # -g0 after Python's -g wins; -S asks the linker (GNU ld and Apple's ld64
            # alike) to drop any debug sections left in the objects it links.
            cflags = cflags + ["-g0"]
            lflags = lflags + ["-Wl,-S"]
    else:
        # _simd.h dispatches on the element type with C11 _Generic (MSVC: VS 2019 16.8+)
        cflags = ["/std:c11"] + cflags
    return cflags, lflags


def extensions():
    """The extensions, from their .pyx sources, without compiler flags (build_ext sets
    them once it runs)."""
    names = ["_cd", "_batch", "_newton", "_openmp", "_sparse"]
    # _openmp finds the runtime's file with dladdr, in libdl before glibc 2.34
    # (manylinux_2_28 is glibc 2.28); a stub library on newer systems.
    libraries = {"_openmp": ["dl"]} if sys.platform.startswith("linux") else {}
    return [
        Extension(
            f"fastpen.{name}",
            [f"fastpen/{name}.pyx"],
            include_dirs=[np.get_include(), "fastpen"],
            define_macros=[("NPY_NO_DEPRECATED_API", "NPY_1_7_API_VERSION")],
            libraries=libraries.get(name, []),
        )
        for name in names
    ]


def cython_directives():
    debug = _flag("FASTPEN_DEBUG")
    return {
        "language_level": 3,
        "boundscheck": debug,
        "wraparound": False,
        "cdivision": True,
        "initializedcheck": debug,
        "nonecheck": False,
    }


class build_ext_cythonized(build_ext):
    """Probe OpenMP and cythonize when the extensions are built, not each time setup.py
    runs: a build frontend runs it for metadata, requirements and the sdist too (four
    times for ``python -m build``), and an sdist holds the .pyx sources, not C.  In
    ``run``, not ``finalize_options``: egg_info finalizes build_ext to list sources."""

    def run(self):
        cflags, lflags = extension_args()
        # force: the generated C must follow the directives of this build (debug or not)
        generated = cythonize(self.extensions, compiler_directives=cython_directives(),
                              force=True)
        c_sources = {ext.name: ext.sources for ext in generated}
        # the extensions finalize_options prepared (setuptools keeps its own
        # bookkeeping on them), now with their C sources and this build's flags
        for ext in self.extensions:
            ext.sources = c_sources[ext.name]
            ext.extra_compile_args = list(cflags)
            ext.extra_link_args = list(lflags)
        super().run()


setup(ext_modules=extensions(), cmdclass={"build_ext": build_ext_cythonized})
