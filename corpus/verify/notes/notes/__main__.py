import json
import os
import sys
from http.server import BaseHTTPRequestHandler, HTTPServer

from notes import Note, Store


def main() -> int:
    port = os.environ.get("NOTES_PORT")
    if not port:
        print("notes: NOTES_PORT is not set, nothing to serve")
        return 0
    store = Store(os.environ.get("NOTES_DIR", "data"))
    store.add(Note("welcome", "notes is running"))

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            body = json.dumps({"notes": store.titles()}).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(body)

    print(f"notes: serving on port {port}", flush=True)
    HTTPServer(("0.0.0.0", int(port)), Handler).serve_forever()
    return 0


sys.exit(main())
