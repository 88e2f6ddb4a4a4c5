// The native load generator of `make bench`: WebSocket clients on epoll that check every echo.
//
// Built from source by the bench with the machine's C compiler (cc, see the Makefile), so a
// server is measured by a client that costs far less CPU per message than the server does.
//
//   loadgen --port P [--host 127.0.0.1] [--path /] [--mode echo|idle]
//           [--conns N] [--inflight K] [--size BYTES] [--binary]
//           [--seconds S] [--warmup S] [--server-pids PID,PID...] [--settle-ms MS]
//
// echo: N connections each keep K messages of SIZE bytes in flight (K=1: ping-pong, one
//   request/response at a time, which gives the latency figures). Frames are built once, each
//   masked with its own random key as RFC 6455 section 5.3 requires, and sent from those
//   buffers. Every echo is checked: FIN set, the opcode sent (text or binary), the length
//   sent and the content byte for byte, in order (four distinct payloads take turns). After
//   the measured seconds no new message is sent, every echo in flight is awaited, and every
//   connection closes with 1000 and must get a close frame back.
// idle: opens N connections, echoes one message on each, waits --settle-ms, and reports the
//   server's resident memory before and after (needs --server-pids).
//
// Prints one JSON object on stdout. With --server-pids (a server and its workers), the server's
// CPU seconds (utime + stime from /proc/PID/stat, summed) over the measured window are in it,
// next to this process's own.
// Exit status 0 when every echo was right, 1 otherwise (the errors are in the JSON), 2 on
// bad arguments.
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/random.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#define PAYLOADS 4        /* distinct payloads, sent in turn: an echo out of order is caught */
#define MAX_IOV 64        /* frames per writev */
#define READ_CHUNK 262144 /* bytes per read */
#define MAX_ERRORS 8

typedef struct {
  int fd;
  uint64_t sent;       /* frames fully queued for sending */
  uint64_t received;   /* echoes fully received and checked */
  size_t out_offset;   /* bytes of the frame at sent-index already written */
  uint64_t to_send;    /* frames still to write (in flight but not yet written) */
  /* receive parser */
  int in_payload;
  unsigned char hdr[14];
  int hdr_len;
  uint64_t remaining;  /* payload bytes of the current echo still to come */
  uint64_t pay_off;    /* payload bytes of the current echo already checked */
  int opcode;
  int closing;         /* 1: close frame sent, 2: close frame received */
  double *stamps;      /* send time of each message in flight (ring of inflight entries) */
} conn_t;

static struct {
  const char *host, *path, *mode;
  int port, conns, inflight, binary, settle_ms;
  size_t size;
  double seconds, warmup;
} opt = {"127.0.0.1", "/", "echo", 0, 1, 1, 0, 1000, 64, 2.0, 0.5};

#define MAX_PIDS 64
static int server_pids[MAX_PIDS], server_pid_count; /* the server's processes, measured together */

static unsigned char *frames[PAYLOADS];   /* masked frames as sent */
static unsigned char *payloads[PAYLOADS]; /* the plain payloads the echoes must equal */
static size_t frame_len;
static char errors[MAX_ERRORS][200];
static int error_count;
static int sending = 1;   /* 0 once the measured window is over: no new messages */
static int measuring = 0;
static uint64_t measured_msgs, measured_bytes;
static double *latencies;
static size_t lat_count, lat_cap;

static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void fail(const char *fmt, ...) {
  if (error_count < MAX_ERRORS) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(errors[error_count], sizeof errors[0], fmt, ap);
    va_end(ap);
  }
  error_count++;
}

static double cpu_self(void) {
  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  return ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 + ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6;
}

/* utime + stime of a process from /proc/PID/stat, in seconds; -1 if unreadable. */
static double cpu_of(int pid) {
  char path[64], buf[1024];
  snprintf(path, sizeof path, "/proc/%d/stat", pid);
  FILE *f = fopen(path, "r");
  if (!f) return -1;
  size_t n = fread(buf, 1, sizeof buf - 1, f);
  fclose(f);
  buf[n] = 0;
  char *p = strrchr(buf, ')');
  if (!p) return -1;
  unsigned long utime = 0, stime = 0;
  /* after ") " come fields 3.. ; utime is field 14, stime 15 */
  if (sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu", &utime, &stime) != 2) return -1;
  return (double)(utime + stime) / sysconf(_SC_CLK_TCK);
}

/* VmRSS of a process in bytes; -1 if unreadable. */
static long rss_of(int pid) {
  char path[64], line[256];
  snprintf(path, sizeof path, "/proc/%d/status", pid);
  FILE *f = fopen(path, "r");
  if (!f) return -1;
  long kb = -1;
  while (fgets(line, sizeof line, f))
    if (sscanf(line, "VmRSS: %ld kB", &kb) == 1) break;
  fclose(f);
  return kb < 0 ? -1 : kb * 1024;
}

/* CPU seconds of all the server's processes; 0 without --server-pids. */
static double server_cpu(void) {
  double sum = 0;
  for (int i = 0; i < server_pid_count; i++) {
    double s = cpu_of(server_pids[i]);
    if (s > 0) sum += s;
  }
  return sum;
}

/* Resident memory of all the server's processes in bytes; -1 without --server-pids. */
static long server_rss(void) {
  long sum = 0;
  for (int i = 0; i < server_pid_count; i++) {
    long r = rss_of(server_pids[i]);
    if (r > 0) sum += r;
  }
  return server_pid_count ? sum : -1;
}

/* A client frame (FIN, opcode, masked) carrying payload; returns its length. */
static size_t build_frame(unsigned char *out, int opcode, const unsigned char *payload, size_t len) {
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

static void make_frames(void) {
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

static int set_nonblocking(int fd) {
  return fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
}

/* A TCP connection through the opening handshake (blocking); -1 on failure. */
static int open_ws(void) {
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

static void record_latency(double seconds) {
  if (lat_count == lat_cap) {
    lat_cap = lat_cap ? lat_cap * 2 : 65536;
    latencies = realloc(latencies, lat_cap * sizeof *latencies);
  }
  latencies[lat_count++] = seconds;
}

/* Writes as many queued frames as the socket takes. */
static void flush_out(conn_t *c) {
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
static void queue_message(conn_t *c) {
  c->stamps[(c->sent + c->to_send) % opt.inflight] = now();
  c->to_send++;
}

static void send_close(conn_t *c) {
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
static int consume(conn_t *c, const unsigned char *buf, size_t len) {
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

static void usage(const char *why) {
  fprintf(stderr, "loadgen: %s\nusage: loadgen --port P [--host H] [--path /] [--mode echo|idle] [--conns N] "
          "[--inflight K] [--size BYTES] [--binary] [--seconds S] [--warmup S] [--server-pids PID,...] [--settle-ms MS]\n", why);
  exit(2);
}

static void parse_args(int argc, char **argv) {
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i];
    if (!strcmp(a, "--binary")) {
      opt.binary = 1;
      continue;
    }
    if (i + 1 >= argc) usage("a flag is missing its value");
    const char *v = argv[++i];
    if (!strcmp(a, "--host")) opt.host = v;
    else if (!strcmp(a, "--port")) opt.port = atoi(v);
    else if (!strcmp(a, "--path")) opt.path = v;
    else if (!strcmp(a, "--mode")) opt.mode = v;
    else if (!strcmp(a, "--conns")) opt.conns = atoi(v);
    else if (!strcmp(a, "--inflight")) opt.inflight = atoi(v);
    else if (!strcmp(a, "--size")) opt.size = strtoull(v, NULL, 10);
    else if (!strcmp(a, "--seconds")) opt.seconds = atof(v);
    else if (!strcmp(a, "--warmup")) opt.warmup = atof(v);
    else if (!strcmp(a, "--server-pids")) {
      for (char *p = (char *)v; *p && server_pid_count < MAX_PIDS; p++) {
        server_pids[server_pid_count++] = (int)strtol(p, &p, 10);
        if (*p != ',') break;
      }
    }
    else if (!strcmp(a, "--settle-ms")) opt.settle_ms = atoi(v);
    else usage("unknown flag");
  }
  if (opt.port <= 0 || opt.port > 65535) usage("--port must be 1 to 65535");
  if (opt.conns < 1 || opt.inflight < 1) usage("--conns and --inflight must be at least 1");
  if (strcmp(opt.mode, "echo") && strcmp(opt.mode, "idle")) usage("--mode must be echo or idle");
}

static void raise_fd_limit(void) {
  struct rlimit rl;
  if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
    rl.rlim_cur = rl.rlim_max;
    setrlimit(RLIMIT_NOFILE, &rl);
  }
}

static int cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

static double percentile(double q) {
  if (lat_count == 0) return -1;
  size_t k = (size_t)(q * (lat_count - 1) + 0.5);
  return latencies[k] * 1e6;
}

static void print_errors(void) {
  printf("\"errors\":[");
  for (int e = 0; e < error_count && e < MAX_ERRORS; e++) {
    printf("%s\"", e ? "," : "");
    for (const char *p = errors[e]; *p; p++) printf(*p == '"' || *p == '\\' ? "\\%c" : "%c", *p);
    printf("\"");
  }
  printf("],\"errorCount\":%d}\n", error_count);
}

/* idle: N open connections, each having echoed one message; the server's RSS before and after. */
static int run_idle(conn_t *cs) {
  long before = server_rss();
  int open = 0;
  opt.size = 16;
  make_frames();
  unsigned char buf[64];
  for (int i = 0; i < opt.conns && error_count == 0; i++) {
    int fd = open_ws();
    if (fd < 0) break;
    cs[i].fd = fd;
    open++;
    if (write(fd, frames[0], frame_len) != (ssize_t)frame_len) fail("write: %s", strerror(errno));
    size_t got = 0;
    while (got < 2 + opt.size) {
      ssize_t r = read(fd, buf + got, sizeof buf - got);
      if (r <= 0) {
        fail("connection %d: closed before its echo", i);
        break;
      }
      got += r;
    }
    if (got >= 2 + opt.size && (buf[0] != 0x81 || buf[1] != opt.size || memcmp(buf + 2, payloads[0], opt.size)))
      fail("connection %d: wrong echo", i);
  }
  usleep(opt.settle_ms * 1000);
  long after = server_rss();
  printf("{\"mode\":\"idle\",\"conns\":%d,\"opened\":%d,\"serverRssBefore\":%ld,\"serverRssAfter\":%ld,"
         "\"bytesPerConn\":%.0f,",
         opt.conns, open, before, after, open && before >= 0 ? (double)(after - before) / open : -1.0);
  print_errors();
  for (int i = 0; i < open; i++) close(cs[i].fd);
  return error_count ? 1 : 0;
}

int main(int argc, char **argv) {
  parse_args(argc, argv);
  raise_fd_limit();
  conn_t *cs = calloc(opt.conns, sizeof *cs);
  if (!strcmp(opt.mode, "idle")) return run_idle(cs);

  make_frames();
  int ep = epoll_create1(0);
  int open = 0;
  for (int i = 0; i < opt.conns; i++) {
    cs[i].fd = open_ws();
    if (cs[i].fd < 0) break;
    cs[i].stamps = calloc(opt.inflight, sizeof(double));
    set_nonblocking(cs[i].fd);
    struct epoll_event ev = {.events = EPOLLIN | EPOLLOUT | EPOLLET, .data.ptr = &cs[i]};
    epoll_ctl(ep, EPOLL_CTL_ADD, cs[i].fd, &ev);
    open++;
  }
  if (open < opt.conns) {
    printf("{\"mode\":\"echo\",");
    print_errors();
    return 1;
  }
  for (int i = 0; i < open; i++) {
    for (int k = 0; k < opt.inflight; k++) queue_message(&cs[i]);
    flush_out(&cs[i]);
  }

  unsigned char *buf = malloc(READ_CHUNK);
  struct epoll_event events[256];
  double start = now(), measure_from = start + opt.warmup, measure_to = measure_from + opt.seconds;
  double t0 = 0, t1 = 0, server0 = 0, server1 = 0, self0 = 0, self1 = 0;
  double drain_deadline = 0;
  int closed = 0, phase = 0; /* 0 warm-up, 1 measuring, 2 draining, 3 closing */
  while (closed < open && error_count == 0) {
    double t = now();
    if (phase == 0 && t >= measure_from) {
      phase = 1;
      measuring = 1;
      t0 = t;
      server0 = server_cpu();
      self0 = cpu_self();
    } else if (phase == 1 && t >= measure_to) {
      phase = 2;
      measuring = 0;
      sending = 0;
      t1 = t;
      server1 = server_cpu();
      self1 = cpu_self();
      drain_deadline = t + 30;
    }
    if (phase == 2) {
      int drained = 1;
      for (int i = 0; i < open; i++)
        if (cs[i].fd >= 0 && cs[i].received < cs[i].sent + cs[i].to_send) drained = 0;
      if (drained || t > drain_deadline) {
        if (!drained) fail("echoes still missing 30 s after the last message was sent");
        for (int i = 0; i < open; i++)
          if (cs[i].fd >= 0) send_close(&cs[i]);
        phase = 3;
        drain_deadline = t + 10;
      }
    }
    if (phase == 3 && t > drain_deadline) {
      fail("%d connections got no close frame back within 10 s", open - closed);
      break;
    }
    int n = epoll_wait(ep, events, 256, 20);
    for (int e = 0; e < n; e++) {
      conn_t *c = events[e].data.ptr;
      if (c->fd < 0) continue;
      int stop = 0;
      if (events[e].events & (EPOLLIN | EPOLLHUP | EPOLLERR)) {
        for (;;) {
          ssize_t r = read(c->fd, buf, READ_CHUNK);
          if (r > 0) {
            if (consume(c, buf, r) < 0) {
              stop = 1;
              break;
            }
            if (r < READ_CHUNK) break;
          } else if (r == 0) {
            if (c->closing != 2) fail("the server closed a connection with no close frame");
            stop = 1;
            break;
          } else {
            if (errno != EAGAIN && errno != EINTR) {
              fail("read: %s", strerror(errno));
              stop = 1;
            }
            break;
          }
        }
      }
      if (!stop) flush_out(c);
      if (stop) {
        if (c->closing != 2 && error_count == 0) fail("a connection ended early");
        close(c->fd);
        c->fd = -1;
        closed++;
      }
    }
  }
  if (t1 == 0) {
    t1 = now();
    if (t0 == 0) t0 = t1;
  }
  double secs = t1 - t0;
  qsort(latencies, lat_count, sizeof *latencies, cmp_double);
  printf("{\"mode\":\"echo\",\"conns\":%d,\"inflight\":%d,\"size\":%zu,\"binary\":%s,\"seconds\":%.4f,"
         "\"messages\":%llu,\"bytes\":%llu,\"msgPerSec\":%.1f,\"mbPerSec\":%.3f,"
         "\"serverCpuSeconds\":%.3f,\"clientCpuSeconds\":%.3f,"
         "\"clientCpuTotal\":%.3f,\"latencyUs\":{\"p50\":%.1f,\"p99\":%.1f,\"max\":%.1f},",
         opt.conns, opt.inflight, opt.size, opt.binary ? "true" : "false", secs, (unsigned long long)measured_msgs,
         (unsigned long long)measured_bytes, secs > 0 ? measured_msgs / secs : 0, secs > 0 ? measured_bytes / secs / 1e6 : 0,
         server_pid_count ? server1 - server0 : -1, self1 - self0, cpu_self(), percentile(0.5), percentile(0.99), percentile(1.0));
  print_errors();
  return error_count ? 1 : 0;
}
