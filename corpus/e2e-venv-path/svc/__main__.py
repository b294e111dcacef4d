from http.server import BaseHTTPRequestHandler, HTTPServer

from svc.page import render


class Handler(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        body = render(self.path).encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args) -> None:
        pass


HTTPServer(("0.0.0.0", 8105), Handler).serve_forever()
