"""Where the workplace's shared data lives: ``../shared`` beside the repository (as on
the developers' machines and in CI), or ``LIANQIN_SHARED_DIR``. Tests read it from
there and never copy it into the repository."""

import os
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("LIANQIN_SHARED_DIR") or REPO.parent / "shared")
TIPDM = SHARED / "data" / "tipdm2020"
