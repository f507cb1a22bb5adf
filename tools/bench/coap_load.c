// SPDX-License-Identifier: GPL-2.0
/*
 * coap_load: a closed-loop CoAP load generator for the benchmarks.
 *
 *   coap_load [-n SOCKETS] [-d SECONDS] [-s BYTES] [-t TIMEOUT_MS]
 *             [-P PATH] ADDR [PORT]
 *
 * SOCKETS UDP sockets (each its own source port, so message IDs are not
 * reused within EXCHANGE_LIFETIME at any rate a gateway reaches) each keep
 * one confirmable POST outstanding (NSTART 1, as a sensor does): the next
 * goes as soon as the ACK came. An ACK's latency is from the request's
 * send to the ACK (piggybacked or empty). An ACK with a 2.xx response or
 * none (empty) counts as acked, one with a 4.xx or 5.xx as an error
 * (latency counted for neither). A request not ACKed within TIMEOUT_MS
 * counts as lost and the socket sends its next one.
 *
 * Prints one line:
 *   sent N acked N errors N lost N seconds S rps R p50_us P p99_us P
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "bench_util.h"
#include "proto/coap.h"

#define SOCKETS_MAX	4096
#define LAT_MAX		(1 << 24)	/* latency samples kept, at most */

struct sensor {
	int fd;
	uint16_t mid;
	uint64_t sent_ns;		/* 0: nothing outstanding */
};

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

static struct {
	const char *path;
	uint8_t payload[1024];
	size_t payload_len;
} req;

static int send_request(struct sensor *s)
{
	uint8_t token[4] = { s->mid >> 8, s->mid, 0x10, 0x01 };
	struct coap_request r = {
		.type = COAP_TYPE_CON, .code = COAP_CODE_POST,
		.tkl = sizeof(token), .token = token,
		.path = req.path, .path_len = strlen(req.path),
		.payload = req.payload, .payload_len = req.payload_len,
	};
	uint8_t buf[1500];
	int len;

	r.mid = ++s->mid;
	token[0] = r.mid >> 8;
	token[1] = r.mid;
	len = coap_build_request(buf, sizeof(buf), &r);
	if (len < 0)
		return -1;
	s->sent_ns = bench_now_ns();
	return send(s->fd, buf, len, 0) == len ? 0 : -1;
}

static int open_sensor(const struct sockaddr_storage *dst, socklen_t dlen)
{
	int fd = socket(dst->ss_family, SOCK_DGRAM | SOCK_NONBLOCK, 0);

	if (fd < 0)
		return -1;
	if (connect(fd, (const struct sockaddr *)dst, dlen)) {
		close(fd);
		return -1;
	}
	return fd;
}

int main(int argc, char **argv)
{
	long n = 64, seconds = 10, timeout_ms = 2000, port = 5683;
	uint64_t sent = 0, acked = 0, errors = 0, lost = 0, start, end, t;
	struct epoll_event ev, evs[256];
	struct sockaddr_storage dst = {};
	struct sensor *sensors;
	uint32_t *lat;
	socklen_t dlen;
	size_t n_lat = 0;
	int opt, ep, i;

	req.path = "bench/load";
	req.payload_len = 16;
	while ((opt = getopt(argc, argv, "n:d:s:t:P:")) != -1) {
		switch (opt) {
		case 'n': n = bench_number("coap_load", optarg, 1, SOCKETS_MAX, "-n"); break;
		case 'd': seconds = bench_number("coap_load", optarg, 1, 3600, "-d"); break;
		case 's':
			req.payload_len = bench_number("coap_load", optarg, 0, sizeof(req.payload),
						 "-s");
			break;
		case 't': timeout_ms = bench_number("coap_load", optarg, 1, 60000, "-t"); break;
		case 'P': req.path = optarg; break;
		default:
			fprintf(stderr, "usage: coap_load [-n SOCKETS] [-d SECONDS] [-s BYTES] [-t TIMEOUT_MS] [-P PATH] ADDR [PORT]\n");
			return 2;
		}
	}
	if (optind >= argc || argc - optind > 2) {
		fprintf(stderr, "coap_load: needs ADDR [PORT]\n");
		return 2;
	}
	if (argc - optind == 2)
		port = bench_number("coap_load", argv[optind + 1], 1, 65535, "PORT");
	memset(req.payload, 'x', req.payload_len);
	if (inet_pton(AF_INET, argv[optind],
		      &((struct sockaddr_in *)&dst)->sin_addr) == 1) {
		dst.ss_family = AF_INET;
		((struct sockaddr_in *)&dst)->sin_port = htons(port);
		dlen = sizeof(struct sockaddr_in);
	} else if (inet_pton(AF_INET6, argv[optind],
			     &((struct sockaddr_in6 *)&dst)->sin6_addr) == 1) {
		dst.ss_family = AF_INET6;
		((struct sockaddr_in6 *)&dst)->sin6_port = htons(port);
		dlen = sizeof(struct sockaddr_in6);
	} else {
		fprintf(stderr, "coap_load: \"%s\" is not an IPv4 or IPv6 address\n",
			argv[optind]);
		return 2;
	}

	sensors = calloc(n, sizeof(*sensors));
	lat = malloc(LAT_MAX * sizeof(*lat));
	ep = epoll_create1(0);
	if (!sensors || !lat || ep < 0) {
		perror("coap_load");
		return 1;
	}
	srand((unsigned int)bench_now_ns());
	for (i = 0; i < n; i++) {
		sensors[i].fd = open_sensor(&dst, dlen);
		if (sensors[i].fd < 0) {
			perror("coap_load: socket");
			return 1;
		}
		sensors[i].mid = (uint16_t)rand();
		ev.events = EPOLLIN;
		ev.data.u32 = (uint32_t)i;
		if (epoll_ctl(ep, EPOLL_CTL_ADD, sensors[i].fd, &ev)) {
			perror("coap_load: epoll");
			return 1;
		}
	}

	start = bench_now_ns();
	end = start + (uint64_t)seconds * 1000000000ULL;
	for (i = 0; i < n; i++)
		if (!send_request(&sensors[i]))
			sent++;
	for (;;) {
		int k, m;

		t = bench_now_ns();
		if (t >= end)
			break;
		m = epoll_wait(ep, evs, 256, 10);
		t = bench_now_ns();
		for (k = 0; k < m; k++) {
			struct sensor *s = &sensors[evs[k].data.u32];
			uint8_t buf[1500];
			struct coap_msg msg;
			ssize_t len;

			while ((len = recv(s->fd, buf, sizeof(buf), 0)) > 0) {
				if (coap_parse(buf, (size_t)len, &msg, NULL, 0) !=
				    COAP_OK || msg.type != COAP_TYPE_ACK ||
				    msg.mid != s->mid || !s->sent_ns)
					continue;	/* late, or not ours */
				if (msg.code && COAP_CODE_CLASS(msg.code) != 2) {
					errors++;
					s->sent_ns = 0;
					if (t < end && !send_request(s))
						sent++;
					break;
				}
				if (n_lat < LAT_MAX)
					lat[n_lat++] = (uint32_t)((t - s->sent_ns) / 1000);
				acked++;
				s->sent_ns = 0;
				if (t < end && !send_request(s))
					sent++;
				/*
				 * The next answer may be there already (the
				 * kernel answers within send()): it waits for
				 * the next epoll round, so no socket starves
				 * the others or the clock.
				 */
				break;
			}
		}
		/* the lost ones: the next request */
		for (i = 0; i < n; i++) {
			struct sensor *s = &sensors[i];

			if (s->sent_ns && t > s->sent_ns &&
			    t - s->sent_ns > (uint64_t)timeout_ms * 1000000ULL) {
				lost++;
				s->sent_ns = 0;
				if (t < end && !send_request(s))
					sent++;
			}
		}
	}
	t = bench_now_ns();
	qsort(lat, n_lat, sizeof(*lat), cmp_u32);
	printf("sent %llu acked %llu errors %llu lost %llu seconds %.2f rps %.0f p50_us %u p99_us %u\n",
	       (unsigned long long)sent, (unsigned long long)acked,
	       (unsigned long long)errors, (unsigned long long)lost,
	       (double)(t - start) / 1e9,
	       (double)acked * 1e9 / (double)(t - start),
	       n_lat ? lat[n_lat / 2] : 0,
	       n_lat ? lat[n_lat * 99 / 100] : 0);
	for (i = 0; i < n; i++)
		close(sensors[i].fd);
	close(ep);
	free(sensors);
	free(lat);
	return 0;
}
