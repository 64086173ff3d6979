"""Reading configuration from environment variables.

Every reader names the variable in its error, so a bad value stops start-up with a
message a system administrator can act on (``manage.py`` and the WSGI entry point print
it without a traceback). A secret ``NAME`` can also come from the file named by
``NAME_FILE`` (Docker and systemd credentials).
"""

import ipaddress
import os
from pathlib import Path

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}


class ConfigError(Exception):
    """A configuration variable is missing or has a bad value."""

    def __init__(self, variable: str, problem: str) -> None:
        self.variable = variable
        super().__init__(f"{variable}: {problem}")


def env_str(name: str, default: str = "") -> str:
    """The variable's value; unset or empty gives ``default``."""
    return os.environ.get(name) or default


def env_bool(name: str, default: bool = False) -> bool:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ConfigError(name, f"expected one of 1/0, true/false, yes/no, on/off; got {raw!r}")


def env_int(name: str, default: int, *, minimum: int | None = None) -> int:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ConfigError(name, f"expected a whole number; got {raw!r}") from None
    if minimum is not None and value < minimum:
        raise ConfigError(name, f"must be at least {minimum}; got {value}")
    return value


def env_list(name: str, default: list[str]) -> list[str]:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    return [item.strip() for item in raw.split(",") if item.strip()]


def env_networks(name: str) -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]:
    """A comma-separated list of IP addresses or CIDR networks (e.g. trusted proxies)."""
    networks = []
    for item in env_list(name, []):
        try:
            networks.append(ipaddress.ip_network(item, strict=False))
        except ValueError:
            raise ConfigError(
                name, f"expected IP addresses or CIDR networks; got {item!r}"
            ) from None
    return tuple(networks)


def env_secret(name: str) -> str | None:
    """The value of ``name``, or the contents of the file named by ``name_FILE``."""
    file_var = f"{name}_FILE"
    path = os.environ.get(file_var)
    if path:
        try:
            return Path(path).read_text(encoding="utf-8").strip()
        except OSError as exc:
            raise ConfigError(file_var, f"cannot read {path}: {exc.strerror}") from None
        except UnicodeDecodeError:
            raise ConfigError(file_var, f"{path} is not UTF-8 text") from None
    value = os.environ.get(name)
    return value if value else None


def env_choice(name: str, default: str, choices: set[str] | frozenset[str], *, what: str) -> str:
    value = env_str(name, default)
    if value not in choices:
        raise ConfigError(name, f"expected {what}; got {value!r}")
    return value
