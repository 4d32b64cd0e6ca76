"""Settings from config.yml (operators edit it) and the environment (deployments set it)."""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

from bot.yamlio import Problem, load_file, pos_of

PROJECT_ROOT = Path(__file__).resolve().parent.parent


class RulesSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")
    path: Path = Path("rules")
    tests: Path = Path("rules/tests")
    reload_check_seconds: float = Field(2.0, ge=0)


class Settings(BaseModel):
    model_config = ConfigDict(extra="allow")
    language: str = "ko"
    rules: RulesSettings = RulesSettings()
    base_dir: Path = PROJECT_ROOT

    def resolve(self, path: Path) -> Path:
        return path if path.is_absolute() else self.base_dir / path

    @property
    def rules_path(self) -> Path:
        env = os.environ.get("BOKJI_RULES")
        return Path(env) if env else self.resolve(self.rules.path)

    @property
    def rules_tests_path(self) -> Path:
        return self.resolve(self.rules.tests)


def config_path() -> Path:
    return Path(os.environ.get("BOKJI_CONFIG", PROJECT_ROOT / "config.yml"))


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """Load config.yml once; a broken file is a Problem naming its line, never a traceback."""
    path = config_path()
    if not path.exists():
        return Settings()
    raw = load_file(path)
    try:
        settings = Settings.model_validate(raw or {})
    except Exception as exc:  # pydantic.ValidationError: report the first field with its line
        errors = getattr(exc, "errors", lambda: [])()
        if not errors:
            raise
        err = errors[0]
        where = pos_of(raw, err["loc"])
        raise Problem(where, f"{'.'.join(map(str, err['loc']))}: {err['msg']}", str(path)) from None
    settings.base_dir = path.resolve().parent
    return settings
