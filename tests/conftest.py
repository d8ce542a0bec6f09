"""Settings for the whole test run.

Bytecode: pytest rewrites the asserts of every test module and of its plugins' packages
(hypothesis, anyio) on import, and keeps the result only where Python may write bytecode.
With PYTHONDONTWRITEBYTECODE set (as on the shared development machine) every run redid
that work: about 6 s of CPU, a third of collecting the fast tier; and every bot the tests
start as a process compiled the project's modules again (~0.35 s of CPU each). The run keeps
its bytecode in `.pytest_cache/pycache` instead (git-ignored, outside the source folders),
and so do the processes it starts, unless a PYTHONPYCACHEPREFIX already says where.
"""

import os
import sys
from pathlib import Path

if sys.dont_write_bytecode and not sys.pycache_prefix:
    sys.pycache_prefix = str(Path(__file__).resolve().parent.parent / ".pytest_cache" / "pycache")
    sys.dont_write_bytecode = False
    os.environ["PYTHONPYCACHEPREFIX"] = sys.pycache_prefix
    os.environ.pop("PYTHONDONTWRITEBYTECODE", None)
