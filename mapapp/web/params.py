"""Parsing query parameters at the edge, with messages that say what was expected."""

from __future__ import annotations

from mapapp.web.errors import BadParameter


def int_param(
    args, name: str, default: int | None, *, minimum: int = 0, maximum: int | None = None
):
    raw = args.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise BadParameter(
            name, f"{name} は整数で指定してください（「{raw}」が指定されました）"
        ) from None
    if value < minimum or (maximum is not None and value > maximum):
        upper = f"{maximum} 以下" if maximum is not None else ""
        raise BadParameter(name, f"{name} は {minimum} 以上{upper}で指定してください（{value}）")
    return value


def list_param(args, name: str) -> tuple[str, ...]:
    values = []
    for raw in args.getlist(name):
        values += [v.strip() for v in raw.split(",") if v.strip()]
    return tuple(dict.fromkeys(values))
