// Requests fetch() refuses to send (raw bytes in the request line and headers, conflicting framing),
// written straight to a socket. Returns the status of the first response line, 0 when the server
// closed without answering (what a server may rightly do with garbage), or -1 on a timeout.

export async function rawRequest(port: number, bytes: Uint8Array, timeoutMs = 5000): Promise<number> {
  return new Promise<number>((resolve) => {
    let text = "";
    let settled = false;
    const finish = (status: number) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(status);
    };
    const timer = setTimeout(() => finish(-1), timeoutMs);
    Bun.connect({
      hostname: "127.0.0.1",
      port,
      socket: {
        open(socket) {
          socket.write(bytes);
          socket.flush();
        },
        data(socket, chunk) {
          text += new TextDecoder().decode(chunk);
          const m = /^HTTP\/1\.[01] (\d{3})/.exec(text);
          if (m) {
            finish(Number(m[1]));
            socket.end();
          }
        },
        close() {
          finish(0);
        },
        error() {
          finish(0);
        },
      },
    }).catch(() => finish(0));
  });
}

const enc = new TextEncoder();
const bytes = (...parts: (string | number[])[]) =>
  new Uint8Array(parts.flatMap((p) => (typeof p === "string" ? [...enc.encode(p)] : p)));

/** Malformed HTTP: invalid UTF-8 in the path and headers, conflicting lengths, absurd lengths. */
export function rawHostileRequests(token: string): Uint8Array[] {
  const host = "Host: 127.0.0.1\r\n";
  const auth = `Authorization: Bearer ${token}\r\n`;
  return [
    bytes("GET /api/cases/", [0xff, 0xfe], " HTTP/1.1\r\n", host, auth, "\r\n"),
    bytes("GET /api/cases?search=", [0xc3, 0x28], " HTTP/1.1\r\n", host, auth, "\r\n"),
    bytes("GET /api/courts HTTP/1.1\r\n", host, "X-Bad: ", [0xff, 0x00, 0xfe], "\r\n", auth, "\r\n"),
    bytes("GET /api/system/health HTTP/1.1\r\n", host, "Authorization: Bearer ", [0xe2, 0x82], "\r\n\r\n"),
    bytes(
      "POST /api/auth/login HTTP/1.1\r\n",
      host,
      "Content-Type: application/json\r\nContent-Length: 10\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
    ),
    bytes(
      "POST /api/courts HTTP/1.1\r\n",
      host,
      auth,
      "Content-Type: application/json\r\nContent-Length: 99999999999\r\n\r\n{}",
    ),
    bytes(
      "POST /api/courts HTTP/1.1\r\n",
      host,
      auth,
      "Content-Type: application/json\r\nContent-Length: -5\r\n\r\n{}",
    ),
    bytes("GET /api/cases/1 HTTP/1.1\r\n", host, auth, `X-Long: ${"a".repeat(64 * 1024)}\r\n\r\n`),
    bytes("GET ", "/".repeat(20_000), " HTTP/1.1\r\n", host, "\r\n"),
    bytes("BREW /api/cases HTTP/1.1\r\n", host, auth, "\r\n"),
    bytes("GET /api/cases HTTP/9.9\r\n", host, auth, "\r\n"),
    bytes("\r\n\r\n\r\n"),
    bytes([0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00, 0x01, 0xfc, 0x03, 0x03]),
  ];
}
