"""Imported by the command line before numpy: its BLAS library (OpenBLAS) starts a thread per
core as numpy loads, and nothing the bot computes uses BLAS (sparse products, bincounts and
sorts do not), so those threads only cost start-up: a tenth of a second of CPU and most of
numpy's import time on a busy machine, on every `faqbot ask`. A value already set is kept.
"""

import os

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
