"""Private homes (居宅サロン, 位置の精度 丁目): what the public may know of them, decided here.

Applied when a row is written (imports, and staff edits) and again on every public read
(pages, API, search, nearby, .ics, print, map popups, exports), so that no output depends on
the rows having been cleaned before:

- 会場 (venue): never shown; it is often 「山田宅」.
- 住所 (address): down to the 町丁目 or 大字, never the house number or anything after it.
- point: a 町丁目's representative point, or rounded to about 100 m where the town has no
  第3層 areas; the areas it lies in come from that public point, so that the area named
  never tells more than the point does.
- 連絡先 (contact): shown; it is what the organiser published for people to call.
- 内容 (description): shown, with the venue and the address as written taken out.
- history: when a place is or becomes a private home, earlier values of these fields are
  removed from the change history (that a change happened is kept).
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from mapapp.addresses import KANJI_NUMERAL, POSTCODE, split_address
from mapapp.models import LocationPrecision
from mapapp.text import normalize_line

# About 100 m: where a town has no 町丁目 areas, a private home's point is rounded to this.
PUBLIC_POINT_DECIMALS = 3
# Fields whose earlier values a private home's history must not keep.
PRIVATE_FIELDS = ("venue", "address", "lat", "lon", "description")
HIDDEN = "（個人宅）"

_PERSON = re.compile(r"[様宅方]|さん")
_BRACKET = re.compile(r"[(（【\[「『〔<＜]")
# Where the house part starts, after the 町名: a digit, a Latin letter (buildings: コーポ II,
# NFKC has turned Ⅱ into II), a 小字 (鷲津字山田: the 字 is finer than the 町丁目), or a kanji
# number followed by 番, 号, の, a dash or the end (鷲津二二三ー四, 吉美千二百三十四).
_HOUSE = re.compile(
    rf"[0-9A-Za-z]|(?<=[\u3400-\u9fff々])(?<!大)字|(?P<kanji>{KANJI_NUMERAL})"
    r"(?=番|号|[のノ之]|[-ー－‐−―]|\s|$)"
)


def is_private_home(location_precision) -> bool:
    return location_precision in (LocationPrecision.CHOME, LocationPrecision.CHOME.value)


def public_address(address: str, municipalities: Iterable[str] = ()) -> str:
    """A private home's address down to its 町丁目 or 大字; "" when that cannot be told.

    >>> public_address("湖西市鷲津字山田一二三四の五")
    '湖西市鷲津'
    >>> public_address("さくら台町本町２丁目３－５ コーポ山田")
    'さくら台町本町2丁目'
    """
    value = POSTCODE.sub("", normalize_line(address))
    bracket = _BRACKET.search(value)
    if bracket:
        value = value[: bracket.start()]
    tokens = value.split()
    # After a space comes a building or a person's name, unless the town was cut off from
    # its 町名 by a space (「湖西市 鷲津1234」).
    value = tokens[0] if tokens else ""
    if len(tokens) > 1 and not split_address(value, municipalities).rest:
        value += tokens[1]
    if "丁目" in value:
        value = value[: value.index("丁目") + 2]
        return "" if _PERSON.search(value) else value
    rest = split_address(value, municipalities).rest
    head = value[: len(value) - len(rest)]  # prefecture and municipality as written
    for found in _HOUSE.finditer(rest):
        if found.group("kanji") and (found.start() == 0 or rest[found.start() - 1] in "市区町村郡"):
            continue  # 一の宮, 千代田区四番町: a 町名 that starts with a number
        rest = rest[: found.start()]
        break
    if _PERSON.search(rest):  # 「鷲津山田様宅」: the 町名 cannot be told from the name
        return head
    return f"{head}{rest.rstrip('-‐－ー−―の之ノ')}"


def public_description(description: str, venue: str, address: str) -> str:
    """The description with the venue and the address as written replaced by 「（個人宅）」."""
    text = description or ""
    for secret in sorted({normalize_line(venue), normalize_line(address)}, key=len, reverse=True):
        if len(secret) >= 2:
            text = text.replace(secret, HIDDEN)
    return text


def public_point(lat: float | None, lon: float | None) -> tuple[float | None, float | None]:
    """A point rounded to about 100 m (for a town without 町丁目 areas)."""
    if lat is None or lon is None:
        return lat, lon
    return round(lat, PUBLIC_POINT_DECIMALS), round(lon, PUBLIC_POINT_DECIMALS)


def public_venue(venue: str, location_precision) -> str:
    return "" if is_private_home(location_precision) else venue


def shown_address(address: str, location_precision) -> str:
    """The address as the public may read it (read-side check; rows are cut when written)."""
    return public_address(address) if is_private_home(location_precision) else address
