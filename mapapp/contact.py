"""How a resident reaches a place: phone numbers in a contact text as tel: links, and a link
that opens the phone's own map app (a geo: URI, no outside service)."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from urllib.parse import quote

# A Japanese phone number as people write it: 053-576-1234, 053(576)1234, 0120 123 456,
# 090‐1234‐5678, with full-width digits or any dash. Checked afterwards: 10 or 11 digits.
_CANDIDATE = re.compile(r"[(（]?[0０][0-9０-９\-‐‑–—―−ー－\s()（）]{7,18}[0-9０-９]")
_SEPARATORS = re.compile(r"[\-‐‑–—―−ー－\s()（）]")
_RUN_OF_SEPARATORS = re.compile(r"[\-‐‑–—―−ー－\s()（）]{3,}")


@dataclass(frozen=True)
class ContactPart:
    """A piece of a contact text: ``tel`` is a tel: URI when the piece is a phone number."""

    text: str
    tel: str = ""


def phone_digits(text: str) -> str:
    """``"053−576−1234"`` → ``"0535761234"``; "" when it is not a 10–11 digit number.

    A phone dials the digits as they are (tel:0535761234), as Japanese sites link them.
    """
    digits = unicodedata.normalize("NFKC", _SEPARATORS.sub("", text))
    if not digits.isdigit() or not 10 <= len(digits) <= 11 or not digits.startswith("0"):
        return ""
    return digits


def contact_parts(text: str) -> tuple[ContactPart, ...]:
    """Split a contact text into plain text and phone numbers, in order.

    >>> [(p.text, p.tel) for p in contact_parts("社協 053-576-1234（平日）")]
    [('社協 ', ''), ('053-576-1234', 'tel:0535761234'), ('（平日）', '')]
    """
    parts: list[ContactPart] = []
    position = 0
    for match in _CANDIDATE.finditer(text or ""):
        written = match.group(0).rstrip()
        if _RUN_OF_SEPARATORS.search(written):  # two numbers side by side, not one
            continue
        digits = phone_digits(written)
        if not digits:
            continue
        if match.start() > position:
            parts.append(ContactPart(text[position : match.start()]))
        parts.append(ContactPart(written, f"tel:{digits}"))
        position = match.start() + len(written)
    if position < len(text or ""):
        parts.append(ContactPart(text[position:]))
    return tuple(parts)


def phones(text: str) -> tuple[str, ...]:
    """The tel: URIs in a contact text."""
    return tuple(p.tel for p in contact_parts(text) if p.tel)


def map_app_url(lat: float | None, lon: float | None, label: str, address: str = "") -> str:
    """A geo: URI (RFC 5870) that a phone opens in its map app, pin and name included;
    from the address alone when there is no point; "" when there is neither.

    >>> map_app_url(34.7, 137.5, "ふれあい会館")
    'geo:34.700000,137.500000?q=34.700000,137.500000(%E3%81%B5%E3%82%8C%E3%81%82%E3%81%84%E4%BC%9A%E9%A4%A8)'
    """
    if lat is not None and lon is not None:
        point = f"{lat:.6f},{lon:.6f}"
        name = quote(label.replace("(", "（").replace(")", "）"), safe="")
        return f"geo:{point}?q={point}({name})" if name else f"geo:{point}"
    if address:
        return f"geo:0,0?q={quote(address, safe='')}"
    return ""
