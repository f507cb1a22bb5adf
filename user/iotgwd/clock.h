/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The daemon's clock: CLOCK_MONOTONIC in milliseconds; and the wall clock
 * (CLOCK_REALTIME), for what must outlive a reboot (the spool's ages).
 */
#ifndef IOTGWD_CLOCK_H
#define IOTGWD_CLOCK_H

#include <stdint.h>
#include <time.h>

static inline uint64_t clock_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static inline uint64_t clock_wall_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

#endif /* IOTGWD_CLOCK_H */
