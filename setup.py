"""Build of the compiled kernels of the pipeline's stages (Cython), one beside each stage's
Python module, sharing ``_table.pxd`` (column layouts and inline helpers).

Everything else is declared in pyproject.toml. Floating-point contraction is switched off so
that an expression gives the same bits wherever it is compiled (the pipeline relies on it:
the early-landing pre-check and the full analysis must see the same pitch rate), also on
compilers and CPUs with fused multiply-add (e.g. the Raspberry Pi's aarch64).
"""

import sys

from Cython.Build import cythonize
from setuptools import Extension, setup

flags = [] if sys.platform == "win32" else ["-O2", "-ffp-contract=off"]
KERNELS = ("_table", "_stance", "_strapdown", "_contacts", "_early")

setup(
    ext_modules=cythonize(
        [Extension(f"retrogait.pipeline.{name}", [f"src/retrogait/pipeline/{name}.pyx"],
                   extra_compile_args=flags) for name in KERNELS],
        compiler_directives={"language_level": 3},
        include_path=["src"],
    ),
)
