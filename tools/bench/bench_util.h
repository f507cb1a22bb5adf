/* SPDX-License-Identifier: GPL-2.0 */
/* What the benchmarks' load tools share: the clock and their numbers. */
#ifndef IOTGW_BENCH_UTIL_H
#define IOTGW_BENCH_UTIL_H

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

/* CLOCK_MONOTONIC in nanoseconds. */
static inline uint64_t bench_now_ns(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (uint64_t)t.tv_sec * 1000000000ULL + (uint64_t)t.tv_nsec;
}

/*
 * The number @s for @what (an option, an operand) of @prog, from @min to
 * @max; anything else ends the program with status 2 and says why.
 */
static inline long bench_number(const char *prog, const char *s, long min,
				long max, const char *what)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 0);
	if (errno || end == s || *end || v < min || v > max) {
		fprintf(stderr, "%s: %s \"%s\" is not a number from %ld to %ld\n",
			prog, what, s, min, max);
		exit(2);
	}
	return v;
}

#endif /* IOTGW_BENCH_UTIL_H */
