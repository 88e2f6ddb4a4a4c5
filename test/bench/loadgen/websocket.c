// The load generator's WebSocket side: frames built and masked once, the opening handshake, sending, and checking every echo.
#include "loadgen.h"

unsigned char *frames[PAYLOADS];
unsigned char *payloads[PAYLOADS];
size_t frame_len;
int sending = 1;
int measuring = 0;
uint64_t measured_msgs, measured_bytes;

/* A client frame (FIN, opcode, masked) carrying payload; returns its length. */
size_t build_frame(unsigned char *out, int opcode, const unsigned char *payload, size_t len) {
  size_t h = 0;
  out[h++] = 0x80 | opcode;
  if (len < 126) {
    out[h++] = 0x80 | len;
  } else if (len < 65536) {
    out[h++] = 0x80 | 126;
    out[h++] = len >> 8;
    out[h++] = len & 0xff;
  } else {
    out[h++] = 0x80 | 127;
    for (int i = 7; i >= 0; i--) out[h++] = ((uint64_t)len >> (8 * i)) & 0xff;
  }
  unsigned char key[4];
  if (getrandom(key, 4, 0) != 4) memcpy(key, "\x37\xfa\x21\x3d", 4);
  memcpy(out + h, key, 4);
  h += 4;
  for (size_t i = 0; i < len; i++) out[h + i] = payload[i] ^ key[i & 3];
  return h + len;
}

void make_frames(void) {
  int opcode = opt.binary ? 2 : 1;
  for (int p = 0; p < PAYLOADS; p++) {
    payloads[p] = malloc(opt.size ? opt.size : 1);
    /* text: printable ASCII, so valid UTF-8; binary: every byte value. Payloads differ. */
    for (size_t i = 0; i < opt.size; i++)
      payloads[p][i] = opt.binary ? (unsigned char)(i * 131 + p * 71 + (i >> 8)) : (unsigned char)('a' + (i * 7 + p * 5) % 26);
    frames[p] = malloc(opt.size + 14);
    frame_len = build_frame(frames[p], opcode, payloads[p], opt.size);
  }
}

int set_nonblocking(int fd) {
  return fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
}

/* A TCP connection through the opening handshake (blocking); -1 on failure. */
int open_ws(void) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) {
    fail("socket: %s", strerror(errno));
    return -1;
  }
  int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = htons(opt.port)};
  inet_pton(AF_INET, opt.host, &addr.sin_addr);
  if (connect(fd, (struct sockaddr *)&addr, sizeof addr) < 0) {
    fail("connect: %s", strerror(errno));
    close(fd);
    return -1;
  }
  char req[512];
  int n = snprintf(req, sizeof req,
                   "GET %s HTTP/1.1\r\nHost: %s:%d\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                   "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n",
                   opt.path, opt.host, opt.port);
  if (write(fd, req, n) != n) {
    fail("handshake write: %s", strerror(errno));
    close(fd);
    return -1;
  }
  /* Read byte by byte up to the blank line, so no frame byte after it is consumed here. */
  char resp[2048];
  size_t got = 0;
  while (got < sizeof resp - 1) {
    ssize_t r = read(fd, resp + got, 1);
    if (r <= 0) break;
    got++;
    if (got >= 4 && memcmp(resp + got - 4, "\r\n\r\n", 4) == 0) break;
  }
  resp[got] = 0;
  /* s3pPLMBiTxaQ9kYGzzhZRbK+xOo= is the accept value RFC 6455 gives for this key. */
  if (strncmp(resp, "HTTP/1.1 101", 12) != 0 || !strstr(resp, "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=")) {
    char *eol = strchr(resp, '\r');
    if (eol) *eol = 0;
    fail("handshake refused: %.80s", got ? resp : "(no answer)");
    close(fd);
    return -1;
  }
  return fd;
}

/* Writes as many queued frames as the socket takes. */
void flush_out(conn_t *c) {
  while (c->to_send > 0) {
    struct iovec iov[MAX_IOV];
    int n = 0;
    uint64_t seq = c->sent;
    size_t off = c->out_offset;
    for (uint64_t i = 0; i < c->to_send && n < MAX_IOV; i++, seq++) {
      iov[n].iov_base = frames[seq % PAYLOADS] + off;
      iov[n].iov_len = frame_len - off;
      off = 0;
      n++;
    }
    ssize_t w = writev(c->fd, iov, n);
    if (w < 0) {
      if (errno == EAGAIN || errno == EINTR) return;
      fail("write: %s", strerror(errno));
      c->to_send = 0;
      return;
    }
    size_t left = w;
    while (left > 0) {
      size_t rest = frame_len - c->out_offset;
      if (left >= rest) {
        left -= rest;
        c->out_offset = 0;
        c->sent++;
        c->to_send--;
      } else {
        c->out_offset += left;
        left = 0;
      }
    }
  }
}

/* Queues one more message and stamps its send time. */
void queue_message(conn_t *c) {
  c->stamps[(c->sent + c->to_send) % opt.inflight] = now();
  c->to_send++;
}

void send_close(conn_t *c) {
  unsigned char payload[2] = {0x03, 0xe8}; /* 1000 */
  unsigned char frame[8];
  size_t n = build_frame(frame, 8, payload, 2);
  if (write(c->fd, frame, n) != (ssize_t)n) fail("close write: %s", strerror(errno));
  c->closing = 1;
}

/* One complete echo arrived and was checked. */
static void echo_done(conn_t *c) {
  double t = now();
  if (measuring) {
    measured_msgs++;
    measured_bytes += opt.size;
    record_latency(t - c->stamps[c->received % opt.inflight]);
  }
  c->received++;
  if (sending) queue_message(c);
}

/* Parses and checks what the server sent; returns -1 when the connection must stop. */
int consume(conn_t *c, const unsigned char *buf, size_t len) {
  size_t i = 0;
  while (i < len) {
    if (!c->in_payload) {
      c->hdr[c->hdr_len++] = buf[i++];
      if (c->hdr_len < 2) continue;
      int len7 = c->hdr[1] & 0x7f;
      int need = 2 + (len7 == 126 ? 2 : len7 == 127 ? 8 : 0);
      if (c->hdr[1] & 0x80) {
        fail("echo frame is masked (a server must not mask)");
        return -1;
      }
      if (c->hdr_len < need) continue;
      uint64_t plen = len7;
      if (len7 == 126) plen = (c->hdr[2] << 8) | c->hdr[3];
      if (len7 == 127) {
        plen = 0;
        for (int k = 2; k < 10; k++) plen = (plen << 8) | c->hdr[k];
      }
      c->opcode = c->hdr[0] & 0x0f;
      c->hdr_len = 0;
      if (c->opcode == 8) {
        c->closing = 2;
        return -1; /* the close frame's payload does not matter */
      }
      int want = opt.binary ? 2 : 1;
      if (!(c->hdr[0] & 0x80) || c->opcode != want) {
        fail("echo %llu: first byte 0x%02x, expected 0x%02x (FIN, %s)", (unsigned long long)c->received, c->hdr[0], 0x80 | want,
             opt.binary ? "binary" : "text");
        return -1;
      }
      if (plen != opt.size) {
        fail("echo %llu: %llu bytes, expected %zu", (unsigned long long)c->received, (unsigned long long)plen, opt.size);
        return -1;
      }
      if (c->received >= c->sent) {
        fail("an echo arrived for a message that was not sent");
        return -1;
      }
      c->remaining = plen;
      c->pay_off = 0;
      c->in_payload = 1;
      if (plen == 0) {
        c->in_payload = 0;
        echo_done(c);
      }
      continue;
    }
    size_t take = len - i < c->remaining ? len - i : c->remaining;
    const unsigned char *expected = payloads[c->received % PAYLOADS] + c->pay_off;
    if (memcmp(buf + i, expected, take) != 0) {
      fail("echo %llu: content differs from what was sent (near byte %llu)", (unsigned long long)c->received,
           (unsigned long long)c->pay_off);
      return -1;
    }
    i += take;
    c->pay_off += take;
    c->remaining -= take;
    if (c->remaining == 0) {
      c->in_payload = 0;
      echo_done(c);
    }
  }
  return 0;
}

