"""The architecture's rules (pyproject.toml, [tool.importlinter]) hold: the layers import only downwards, the
pure core imports no I/O framework, panel providers never reach into the service, and no package imports form a
cycle. Checked with import-linter over the installed source tree, in a process of its own: its command line
reconfigures logging (``logging.config.dictConfig`` disables every logger that already exists), which must not
leak into the other tests."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_import_contracts_are_kept() -> None:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])}
    run = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys; from importlinter.cli import lint_imports_command; sys.exit(lint_imports_command())",
            "--config",
            str(ROOT / "pyproject.toml"),
            "--no-cache",
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    assert "0 broken" in run.stdout
