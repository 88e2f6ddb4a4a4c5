// Shared by the load generator's files: one connection's state, the options, the counters, the functions.
#ifndef LOADGEN_H
#define LOADGEN_H
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

#define MAX_PIDS 64

/* The command line (see main.c). */
struct options {
  const char *host, *path, *mode;
  int port, conns, inflight, binary, settle_ms;
  size_t size;
  double seconds, warmup;
};
extern struct options opt;
extern int server_pids[MAX_PIDS], server_pid_count; /* the server's processes, measured together */

extern unsigned char *frames[PAYLOADS];   /* masked frames as sent */
extern unsigned char *payloads[PAYLOADS]; /* the plain payloads the echoes must equal */
extern size_t frame_len;
extern char errors[MAX_ERRORS][200];
extern int error_count;
extern int sending;   /* 0 once the measured window is over: no new messages */
extern int measuring; /* 1 while echoes count */
extern uint64_t measured_msgs, measured_bytes;

/* measure.c: clocks, /proc, errors, latencies */
double now(void);
void fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
double cpu_self(void);
double server_cpu(void);
long server_rss(void);
void record_latency(double seconds);
double percentile(double q);
void print_errors(void);

/* websocket.c: frames, the handshake, sending and checking echoes */
size_t build_frame(unsigned char *out, int opcode, const unsigned char *payload, size_t len);
void make_frames(void);
int set_nonblocking(int fd);
int open_ws(void);
void flush_out(conn_t *c);
void queue_message(conn_t *c);
void send_close(conn_t *c);
int consume(conn_t *c, const unsigned char *buf, size_t len);

#endif
