"""`POTWISE_<NAME>_FILE`: a setting's value read from a file (container secrets).

Docker and Kubernetes hand secrets over as files; naming the file keeps the value
out of the environment, where `ps e`, `docker inspect` and crash reports can see it.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from pydantic.fields import FieldInfo
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource


def _refuse(message: str) -> Exception:
    # Imported here: potwise.settings imports this module while it is being built.
    from potwise.settings import SettingsError

    return SettingsError(message)


ENV_PREFIX = "POTWISE_"
FILE_SUFFIX = "_FILE"


def _read_value_file(variable: str, path: str) -> str:
    """The value held in the file `variable` names, without its trailing newline. An
    error names the variable and the file, never what the file holds."""
    try:
        return Path(path).read_text(encoding="utf-8").rstrip("\r\n")
    except UnicodeDecodeError:
        raise _refuse(f"{variable}: {path} is not UTF-8 text") from None
    except OSError as exc:
        raise _refuse(f"{variable}: cannot read {path} ({exc.strerror})") from None


class ValueFiles(PydanticBaseSettingsSource):
    """`POTWISE_<NAME>_FILE` beside the variables of one source (the environment or
    `.env`), placed just before it: the file's content is the value of `<NAME>`.
    Both `POTWISE_<NAME>` and `POTWISE_<NAME>_FILE` in the same source is refused."""

    def __init__(self, settings_cls: type[BaseSettings], beside: PydanticBaseSettingsSource):
        super().__init__(settings_cls)
        self._beside = beside

    def get_field_value(self, field: FieldInfo, field_name: str) -> tuple[Any, str, bool]:
        return None, field_name, False  # everything is done in __call__

    def __call__(self) -> dict[str, Any]:
        variables: Mapping[str, str | None] = getattr(self._beside, "env_vars", {})
        values: dict[str, Any] = {}
        for name in self.settings_cls.model_fields:
            direct = f"{ENV_PREFIX}{name}".lower()
            path = variables.get(f"{direct}{FILE_SUFFIX}".lower())
            if not path:
                continue
            variable = f"{ENV_PREFIX}{name.upper()}"
            if variables.get(direct) is not None:
                raise _refuse(f"both {variable} and {variable}{FILE_SUFFIX} are set; give only one")
            values[name] = _read_value_file(f"{variable}{FILE_SUFFIX}", path)
        return values
