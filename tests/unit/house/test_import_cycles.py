"""Every entry-point module imports on its own, first, in a fresh interpreter: an import
cycle that only bites when a module is the first one loaded (the scheduler before the
fan-out, say) fails here instead of in a worker process."""

from __future__ import annotations

import pkgutil
import subprocess
import sys

import potwise.cli
import potwise.jobs

# The packages a process starts from: the CLI's commands and the scheduled work.
PACKAGES = (potwise.jobs, potwise.cli)

_PROBE = """
import importlib, sys, traceback
failed = []
names, sys.argv = sys.argv[1:], sys.argv[:1]
for name in names:
    for loaded in [m for m in sys.modules if m == "potwise" or m.startswith("potwise.")]:
        del sys.modules[loaded]
    try:
        importlib.import_module(name)
    except Exception:
        failed.append(name + ": " + traceback.format_exc(limit=3).splitlines()[-1])
print("\\n".join(failed))
"""


def _modules() -> list[str]:
    names = ["potwise.bootstrap", "potwise.web.app"]
    for package in PACKAGES:
        names.append(package.__name__)
        prefix = package.__name__ + "."
        found = pkgutil.walk_packages(package.__path__, prefix)
        # `__main__` runs the CLI when imported: it is `python -m`'s, not an import's.
        names += [info.name for info in found if not info.name.endswith(".__main__")]
    return names


def test_each_entry_point_module_imports_first_and_alone() -> None:
    modules = _modules()
    assert "potwise.jobs.scheduler" in modules and "potwise.jobs.wiring" in modules
    probe = subprocess.run(
        [sys.executable, "-c", _PROBE, *modules],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert probe.returncode == 0, probe.stderr
    assert probe.stdout.strip() == ""
