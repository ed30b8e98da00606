"""Parsing query parameters at the edge, with messages that say what was expected."""

from __future__ import annotations

from mapapp.web.errors import BadParameter

MAX_ID = 2**31 - 1  # the largest integer every supported database keeps in an INTEGER column


def int_param(args, name: str, default: int | None, *, minimum: int = 0, maximum: int = MAX_ID):
    raw = args.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise BadParameter(
            name, f"{name} は整数で指定してください（「{raw}」が指定されました）"
        ) from None
    if value < minimum or value > maximum:
        raise BadParameter(
            name, f"{name} は {minimum} 以上 {maximum} 以下で指定してください（{value}）"
        )
    return value


def list_param(args, name: str) -> tuple[str, ...]:
    values = []
    for raw in args.getlist(name):
        values += [v.strip() for v in raw.split(",") if v.strip()]
    return tuple(dict.fromkeys(values))
