/*
 * isal_ec_bench: the baseline for the Java codec benchmark (io.aquifer.bench.ec.CodecBenchmark).
 * Calls ISA-L directly, single thread, on the same stripes: Cauchy matrix from
 * gf_gen_cauchy1_matrix, 1 MiB shards (or argv[1] bytes), encode and decode after losing the first
 * 1, 2 or m data shards. Data GB/s = k * block * iterations / seconds / 1e9, the figure the Java
 * side reports. Decode tables are built once per loss pattern, outside the timed loop, as the Java
 * codec caches its decode plans.
 *
 * Build: gcc -O2 -o isal_ec_bench isal_ec_bench.c -lisal    (Debian: apt-get install libisal-dev)
 * Run:   taskset -c 1 ./isal_ec_bench [block_bytes] [seconds_per_case] [k+m]
 * Without k+m it runs RS(4,2), RS(8,3) and RS(12,4); with it, that one shape (k + m <= 16; loss
 * cases that do not fit the shape are skipped). `aquifer bench ec --baseline` passes it.
 * Output, one line per case:  RS(k,m) op GB/s    with op in encode, lost1, lost2, lostm.
 */
#include <isa-l/erasure_code.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define MAX_SHARDS 16

static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec + ts.tv_nsec * 1e-9;
}

/* Runs ec_encode_data(len, k, rows, tables, in, out) for about `seconds`; returns data GB/s. */
static double timed(int len, int k, int rows, unsigned char *tables, unsigned char **in,
                    unsigned char **out, double seconds) {
  for (int i = 0; i < 20; i++) ec_encode_data(len, k, rows, tables, in, out);
  long iterations = 0;
  double start = now(), elapsed;
  do {
    for (int i = 0; i < 10; i++) ec_encode_data(len, k, rows, tables, in, out);
    iterations += 10;
    elapsed = now() - start;
  } while (elapsed < seconds);
  return (double)k * len * iterations / elapsed / 1e9;
}

int main(int argc, char **argv) {
  int len = argc > 1 ? atoi(argv[1]) : 1 << 20;
  double seconds = argc > 2 ? atof(argv[2]) : 1.0;
  int shapes[3][2] = {{4, 2}, {8, 3}, {12, 4}};
  size_t nshapes = 3;
  if (argc > 3) {
    if (sscanf(argv[3], "%d+%d", &shapes[0][0], &shapes[0][1]) != 2 || shapes[0][0] < 1 ||
        shapes[0][1] < 1 || shapes[0][0] + shapes[0][1] > MAX_SHARDS) {
      fprintf(stderr, "shape must be k+m with k, m >= 1 and k + m <= %d: %s\n", MAX_SHARDS,
              argv[3]);
      return 2;
    }
    nshapes = 1;
  }
  if (len < 1) {
    fprintf(stderr, "block_bytes must be positive\n");
    return 2;
  }
  for (size_t s = 0; s < nshapes; s++) {
    int k = shapes[s][0], m = shapes[s][1], n = k + m;
    unsigned char encode[MAX_SHARDS * MAX_SHARDS], *shard[MAX_SHARDS];
    unsigned char *tables = malloc(32 * MAX_SHARDS * MAX_SHARDS);
    srand(42);
    for (int i = 0; i < n; i++) {
      if (posix_memalign((void **)&shard[i], 64, len)) return 1;
      for (int b = 0; b < len; b++) shard[i][b] = (unsigned char)rand();
    }
    gf_gen_cauchy1_matrix(encode, n, k);
    ec_init_tables(k, m, &encode[k * k], tables);
    printf("RS(%d,%d) encode %.2f GB/s\n", k, m,
           timed(len, k, m, tables, shard, &shard[k], seconds));
    fflush(stdout);

    int losses[3] = {1, 2, m};
    const char *names[3] = {"lost1", "lost2", "lostm"};
    for (int c = 0; c < 3; c++) {
      int lost = losses[c];
      if (lost > m || lost > k) continue;
      /* Survivors: the first k present shards (data lost..k-1, then parity), as the Java codec. */
      unsigned char sub[MAX_SHARDS * MAX_SHARDS], inv[MAX_SHARDS * MAX_SHARDS];
      unsigned char decode[MAX_SHARDS * MAX_SHARDS], *in[MAX_SHARDS], *out[MAX_SHARDS];
      for (int r = 0; r < k; r++) {
        memcpy(&sub[r * k], &encode[(lost + r) * k], k);
        in[r] = shard[lost + r];
      }
      if (gf_invert_matrix(sub, inv, k) != 0) return 2;
      for (int r = 0; r < lost; r++) {
        memcpy(&decode[r * k], &inv[r * k], k);
        out[r] = shard[r];
      }
      ec_init_tables(k, lost, decode, tables);
      printf("RS(%d,%d) %s %.2f GB/s\n", k, m, names[c],
             timed(len, k, lost, tables, in, out, seconds));
      fflush(stdout);
    }
    for (int i = 0; i < n; i++) free(shard[i]);
    free(tables);
  }
  return 0;
}
