"""Build of the one compiled extension: the pipeline's inner loops (Cython).

Everything else is declared in pyproject.toml. Floating-point contraction is switched off so
that an expression gives the same bits wherever it is compiled (the pipeline relies on it:
the early-landing pre-check and the full analysis must see the same pitch rate), also on
compilers and CPUs with fused multiply-add (e.g. the Raspberry Pi's aarch64).
"""

import sys

from Cython.Build import cythonize
from setuptools import Extension, setup

flags = [] if sys.platform == "win32" else ["-O2", "-ffp-contract=off"]

setup(
    ext_modules=cythonize(
        [Extension("retrogait.pipeline._loops", ["src/retrogait/pipeline/_loops.pyx"],
                   extra_compile_args=flags)],
        compiler_directives={"language_level": 3},
    ),
)
