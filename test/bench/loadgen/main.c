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
#include "loadgen.h"

struct options opt = {"127.0.0.1", "/", "echo", 0, 1, 1, 0, 1000, 64, 2.0, 0.5};
int server_pids[MAX_PIDS], server_pid_count;

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
