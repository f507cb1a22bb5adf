// SPDX-License-Identifier: GPL-2.0
/*
 * queue_drain: the kernel-to-daemon half of iotgwd alone, for the
 * benchmarks. It binds as the queue's consumer with iotgwd's own consumer
 * code (user/iotgwd/consumer.c), acks every message as it comes (batched
 * the way iotgwd batches its acks) and stops after COUNT messages.
 *
 *   queue_drain [-c CREDIT] [-w SECONDS] COUNT
 *   -> "received N seconds S mps R wakeups W user_us U sys_us K"
 *
 * CREDIT is the bind's credit (default iotgwd's, 256). The clock starts
 * at the bind and stops at the ack of the COUNTth message; SECONDS
 * (default 60) bounds the wait. W is how many times poll() woke it up
 * to messages (each read drains what the socket holds). U and K are this
 * process's own CPU time from getrusage. Exit status 0 when COUNT came,
 * 1 otherwise, 2 for a usage error.
 */
#include <errno.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "bench_util.h"
#include "config.h"
#include "consumer.h"
#include "iotgw_nl.h"
#include "message.h"

static struct {
	struct consumer *c;
	unsigned long received;
} drain;

static uint64_t now_ms(void)
{
	return bench_now_ns() / 1000000;
}

static double now_s(void)
{
	return (double)bench_now_ns() / 1e9;
}

static void on_msg(struct queue_msg *m, void *arg)
{
	(void)arg;
	drain.received++;
	consumer_ack(drain.c, m->id, now_ms());
	queue_msg_free(m);
}

static double tv_us(struct timeval tv)
{
	return (double)tv.tv_sec * 1e6 + (double)tv.tv_usec;
}

int main(int argc, char **argv)
{
	long credit = CONFIG_DEFAULT_CREDIT, wait_s = 60, count;
	unsigned long wakeups = 0;
	struct iotgw_nl nl = {};
	struct rusage ru;
	double start, end;
	char err[512];
	int opt, rc;

	while ((opt = getopt(argc, argv, "c:w:")) != -1) {
		switch (opt) {
		case 'c': credit = bench_number("queue_drain", optarg, 1, 65536, "-c"); break;
		case 'w': wait_s = bench_number("queue_drain", optarg, 1, 3600, "-w"); break;
		default:
			fprintf(stderr, "usage: queue_drain [-c CREDIT] [-w SECONDS] COUNT\n");
			return 2;
		}
	}
	if (argc - optind != 1) {
		fprintf(stderr, "queue_drain: needs COUNT\n");
		return 2;
	}
	count = bench_number("queue_drain", argv[optind], 1, 100000000, "COUNT");

	if (iotgw_nl_open(&nl) < 0) {
		fprintf(stderr, "queue_drain: %s\n", nl.error);
		return 1;
	}
	drain.c = consumer_open(nl.family, on_msg, NULL, err, sizeof(err));
	if (!drain.c) {
		fprintf(stderr, "queue_drain: %s\n", err);
		return 1;
	}
	start = now_s();
	if (consumer_bind(drain.c, (uint32_t)credit, CONFIG_DEFAULT_RETRY_MS,
			  err, sizeof(err)) < 0) {
		fprintf(stderr, "queue_drain: %s\n", err);
		return 1;
	}
	end = start + (double)wait_s;
	while (drain.received < (unsigned long)count && now_s() < end) {
		struct pollfd p = { .fd = consumer_fd(drain.c), .events = POLLIN };
		unsigned long before = drain.received;
		int t = consumer_timeout_ms(drain.c, now_ms());

		if (poll(&p, 1, t < 0 || t > 100 ? 100 : t) < 0 && errno != EINTR)
			break;
		if (p.revents && consumer_receive(drain.c) < 0) {
			fprintf(stderr, "queue_drain: the consumer socket broke\n");
			break;
		}
		if (drain.received != before)
			wakeups++;
		consumer_tick(drain.c, now_ms());
	}
	rc = consumer_flush(drain.c);
	end = now_s();
	getrusage(RUSAGE_SELF, &ru);
	printf("received %lu seconds %.3f mps %.0f wakeups %lu user_us %.0f sys_us %.0f\n",
	       drain.received, end - start,
	       (double)drain.received / (end - start), wakeups,
	       tv_us(ru.ru_utime), tv_us(ru.ru_stime));
	consumer_unbind(drain.c, err, sizeof(err));
	consumer_close(drain.c);
	iotgw_nl_close(&nl);
	return rc == 0 && drain.received >= (unsigned long)count ? 0 : 1;
}
