"""Package layout. The top-level ``sql/`` and ``config/`` folders are copied into the built package as
``recognition/_bundled/{sql,config}`` so a plain ``pip install .`` carries migrations and defaults; an editable
install reads them from the checkout (see :func:`recognition.resources.resource_dir`)."""

import shutil
from pathlib import Path

from setuptools import find_packages, setup
from setuptools.command.build_py import build_py

BUNDLED = ("sql", "config")


class BuildWithBundledData(build_py):
    def run(self) -> None:
        super().run()
        if self.editable_mode:
            return
        root = Path(__file__).resolve().parent
        target = Path(self.build_lib) / "recognition" / "_bundled"
        for name in BUNDLED:
            shutil.copytree(root / name, target / name, dirs_exist_ok=True)


setup(
    packages=find_packages(include=["recognition", "recognition.*", "panels", "panels.*"]),
    package_data={"recognition": ["templates/*", "templates/**/*", "static/*", "static/**/*"]},
    cmdclass={"build_py": BuildWithBundledData},
)
