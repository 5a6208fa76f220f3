# httpd.py: a small HTTP server on 127.0.0.1 for the cifar-fetch download
# tests.  It serves the files of one directory, answers byte ranges
# ("Range: bytes=N-") with 206, and can misbehave on request:
#
#   --port-file F   write the port it got (it binds port 0) to F
#   --log F         append one line per GET: "path range-header-or-none"
#   --drop-first N  on the first GET, promise the whole file but send only
#                   N bytes, then close the connection
#   --slow-first R  on the first GET, send at about R bytes a second
#   --no-range      ignore Range and always send the whole file with 200
import argparse
import http.server
import os
import socketserver
import sys
import time

state = {"gets": 0}


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):
        pass

    def do_GET(self):
        opts = self.server.opts
        state["gets"] += 1
        first = state["gets"] == 1
        rng = self.headers.get("Range")
        with open(opts.log, "a") as f:
            f.write("%s %s\n" % (self.path, rng or "none"))
        path = os.path.join(opts.dir, os.path.basename(self.path))
        if not os.path.isfile(path):
            self.send_error(404)
            return
        with open(path, "rb") as f:
            data = f.read()
        start = 0
        if rng and not opts.no_range and rng.startswith("bytes="):
            start = int(rng[6:].split("-")[0])
            if start >= len(data):
                self.send_response(416)
                self.send_header("Content-Range", "bytes */%d" % len(data))
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            self.send_response(206)
            self.send_header("Content-Range", "bytes %d-%d/%d" %
                             (start, len(data) - 1, len(data)))
        else:
            self.send_response(200)
        body = data[start:]
        self.send_header("Content-Type", "application/octet-stream")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if first and opts.drop_first is not None:
            self.wfile.write(body[:opts.drop_first])
            self.wfile.flush()
            self.close_connection = True
            return
        if first and opts.slow_first:
            step = max(1, opts.slow_first // 20)
            for i in range(0, len(body), step):
                self.wfile.write(body[i:i + step])
                self.wfile.flush()
                time.sleep(0.05)
            return
        self.wfile.write(body)


class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--dir", required=True)
    ap.add_argument("--port-file", required=True)
    ap.add_argument("--log", required=True)
    ap.add_argument("--drop-first", type=int)
    ap.add_argument("--slow-first", type=int)
    ap.add_argument("--no-range", action="store_true")
    opts = ap.parse_args()
    srv = Server(("127.0.0.1", 0), Handler)
    srv.opts = opts
    tmp = opts.port_file + ".tmp"
    with open(tmp, "w") as f:
        f.write("%d\n" % srv.server_address[1])
    os.rename(tmp, opts.port_file)
    sys.stdout.flush()
    srv.serve_forever()


main()
