"""Run the installed `bokji` command as users and other tools do."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

BOKJI = Path(sys.executable).parent / "bokji"


def bokji(*args: str, stdin: str = "", env: dict[str, str] | None = None,
          timeout: float = 60) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(BOKJI), *args], input=stdin, capture_output=True, text=True,
                          timeout=timeout, env={**os.environ, **(env or {})}, check=False)
