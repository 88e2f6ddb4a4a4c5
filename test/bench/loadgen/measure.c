// The load generator's measuring: clocks, CPU and memory from /proc, errors, latency percentiles.
#include "loadgen.h"

char errors[MAX_ERRORS][200];
int error_count;
static double *latencies;
static size_t lat_count, lat_cap;

double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec + ts.tv_nsec / 1e9;
}

void fail(const char *fmt, ...) {
  if (error_count < MAX_ERRORS) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(errors[error_count], sizeof errors[0], fmt, ap);
    va_end(ap);
  }
  error_count++;
}

double cpu_self(void) {
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
double server_cpu(void) {
  double sum = 0;
  for (int i = 0; i < server_pid_count; i++) {
    double s = cpu_of(server_pids[i]);
    if (s > 0) sum += s;
  }
  return sum;
}

/* Resident memory of all the server's processes in bytes; -1 without --server-pids. */
long server_rss(void) {
  long sum = 0;
  for (int i = 0; i < server_pid_count; i++) {
    long r = rss_of(server_pids[i]);
    if (r > 0) sum += r;
  }
  return server_pid_count ? sum : -1;
}

void record_latency(double seconds) {
  if (lat_count == lat_cap) {
    lat_cap = lat_cap ? lat_cap * 2 : 65536;
    latencies = realloc(latencies, lat_cap * sizeof *latencies);
  }
  latencies[lat_count++] = seconds;
}

static int cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

/* The q-quantile of the recorded latencies in microseconds; -1 when none (sorts them first). */
double percentile(double q) {
  static size_t sorted;
  if (sorted != lat_count) qsort(latencies, lat_count, sizeof *latencies, cmp_double);
  sorted = lat_count;
  if (lat_count == 0) return -1;
  size_t k = (size_t)(q * (lat_count - 1) + 0.5);
  return latencies[k] * 1e6;
}

void print_errors(void) {
  printf("\"errors\":[");
  for (int e = 0; e < error_count && e < MAX_ERRORS; e++) {
    printf("%s\"", e ? "," : "");
    for (const char *p = errors[e]; *p; p++) printf(*p == '"' || *p == '\\' ? "\\%c" : "%c", *p);
    printf("\"");
  }
  printf("],\"errorCount\":%d}\n", error_count);
}

