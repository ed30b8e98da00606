"""A stand-in for an online address-search service (国土地理院's answer format), on loopback."""

from __future__ import annotations

import contextlib
import http.server
import json
import threading
import urllib.parse

ANSWERS = {"竹田市拝田原777": (32.9700, 131.3950)}  # address → (lat, lon); others: not found


class _Handler(http.server.BaseHTTPRequestHandler):
    asked: list[str]

    def do_GET(self):  # noqa: N802 -- http.server's name
        query = urllib.parse.parse_qs(urllib.parse.urlsplit(self.path).query)["q"][0]
        self.server.asked.append(query)
        found = ANSWERS.get(query)
        feature = {
            "geometry": {"coordinates": [found[1], found[0]], "type": "Point"} if found else {},
            "type": "Feature",
            "properties": {"addressCode": "", "title": f"大分県{query}"},
        }
        data = json.dumps([feature] if found else [], ensure_ascii=False).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args):
        pass


@contextlib.contextmanager
def address_service():
    """Yield (url, asked): the service's URL and the list of addresses it was asked."""
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    server.asked = []
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/AddressSearch", server.asked
    finally:
        server.shutdown()
        server.server_close()
