"""An online address-search service, used only where the municipality configures one
(``MAPAPP_GEOCODER_URL``), asked at most once per address and no faster than the set pace.

The answer format is GeoJSON: a list of Point features, as 国土地理院's address search gives,
or a FeatureCollection; the first point is used, with its ``properties.title``.
"""

from __future__ import annotations

import json
import math
import time
import urllib.parse
import urllib.request
from collections.abc import Callable, MutableMapping

from mapapp.geo import InvalidCoordinate, check_lat_lon

Answer = tuple[float, float, str] | None  # (lat, lon, title), or None for "not found"


class GeocoderUnavailable(RuntimeError):
    """The service did not answer usefully (network, HTTP error, not JSON)."""


class AddressSearch:
    """Ask ``url`` for an address; ``cache`` remembers every answer, "not found" included.

    ``url`` holds ``{address}`` where the address goes (URL-encoded), or the address is
    appended as ``q=``. Requests are spaced ``min_interval_s`` apart.
    """

    def __init__(
        self,
        url: str,
        cache: MutableMapping[str, Answer],
        *,
        min_interval_s: float = 1.0,
        timeout_s: float = 10.0,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ):
        if urllib.parse.urlsplit(url).scheme not in ("http", "https"):
            raise GeocoderUnavailable(
                f"住所検索サービスの URL は http(s):// で始めてください: {url}"
            )
        self.url = url
        self.cache = cache
        self.min_interval_s = min_interval_s
        self.timeout_s = timeout_s
        self.clock, self.sleep = clock, sleep
        self.asked = 0  # requests really sent, for the report
        self._last = -math.inf

    def __call__(self, address: str) -> Answer:
        query = " ".join(address.split())[:300]
        if not query:
            return None
        if query in self.cache:
            return self.cache[query]
        answer = self._ask(query)
        self.cache[query] = answer
        return answer

    def _request_url(self, query: str) -> str:
        encoded = urllib.parse.quote(query)
        if "{address}" in self.url:
            return self.url.replace("{address}", encoded)
        return f"{self.url}{'&' if '?' in self.url else '?'}q={encoded}"

    def _ask(self, query: str) -> Answer:
        wait = self._last + self.min_interval_s - self.clock()
        if wait > 0:
            self.sleep(wait)
        self._last = self.clock()
        self.asked += 1
        request = urllib.request.Request(  # noqa: S310 -- the scheme is checked in __init__
            self._request_url(query), headers={"User-Agent": "mapapp address placement"}
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout_s) as response:  # noqa: S310
                body = response.read(2_000_000)
        except (OSError, ValueError) as exc:
            raise GeocoderUnavailable(f"住所検索サービスに接続できません: {exc}") from exc
        try:
            data = json.loads(body)
        except ValueError as exc:
            raise GeocoderUnavailable("住所検索サービスの応答が JSON ではありません") from exc
        return first_point(data)


def first_point(data) -> Answer:
    """(lat, lon, title) of the first Point feature in a list or FeatureCollection."""
    features = data.get("features", []) if isinstance(data, dict) else data
    if not isinstance(features, list):
        return None
    for feature in features:
        if not isinstance(feature, dict):
            continue
        geometry = feature.get("geometry") or {}
        coordinates = geometry.get("coordinates")
        if geometry.get("type") != "Point" or not isinstance(coordinates, list | tuple):
            continue
        try:
            lon, lat = float(coordinates[0]), float(coordinates[1])
            check_lat_lon(lat, lon)
        except (IndexError, TypeError, ValueError, InvalidCoordinate):
            continue
        title = str((feature.get("properties") or {}).get("title", ""))[:300]
        return lat, lon, title
    return None
