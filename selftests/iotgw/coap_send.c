// SPDX-License-Identifier: GPL-2.0
/*
 * coap_send: a CoAP sender for the selftests. Sends COUNT requests (or raw
 * bytes) as fast as it can from one socket, then collects the replies for
 * a while, and prints what happened:
 *
 *   coap_send [-n COUNT] [-c] [-m METHOD] [-p PATH] [-x HEX] [-w MS]
 *             ADDR [PORT]
 *   -> "sent N replies M acks A resets R elapsed_ms T"
 *
 * -c sends confirmable requests (default non-confirmable), -x sends the
 * given bytes instead of a request, -w waits MS milliseconds for replies
 * after the last send (default 500). ADDR may be IPv4 or IPv6.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "proto/coap.h"

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static int parse_hex(const char *hex, u8 *out, size_t cap)
{
	size_t n = 0;
	unsigned int v;

	while (*hex) {
		if (n >= cap || sscanf(hex, "%2x", &v) != 1)
			return -1;
		out[n++] = (u8)v;
		hex += 2;
		if (*hex == ' ')
			hex++;
	}
	return (int)n;
}

static void usage(void)
{
	fprintf(stderr, "usage: coap_send [-n COUNT] [-c] [-m get|post|put|delete] [-p PATH] [-x HEX] [-w MS] ADDR [PORT]\n");
	exit(2);
}

int main(int argc, char **argv)
{
	const char *path = "sensors/temp", *hex = NULL;
	int count = 1, con = 0, wait_ms = 500, opt, fd, len = 0;
	unsigned int sent = 0, replies = 0, acks = 0, resets = 0;
	u8 code = COAP_CODE_POST, buf[2048];
	struct sockaddr_storage ss = { 0 };
	socklen_t slen;
	double t0, elapsed;
	int port = 5683;

	while ((opt = getopt(argc, argv, "n:cm:p:x:w:")) != -1) {
		switch (opt) {
		case 'n': count = atoi(optarg); break;
		case 'c': con = 1; break;
		case 'm':
			code = !strcmp(optarg, "get") ? COAP_CODE_GET :
			       !strcmp(optarg, "put") ? COAP_CODE_PUT :
			       !strcmp(optarg, "delete") ? COAP_CODE_DELETE :
			       COAP_CODE_POST;
			break;
		case 'p': path = optarg; break;
		case 'x': hex = optarg; break;
		case 'w': wait_ms = atoi(optarg); break;
		default: usage();
		}
	}
	if (optind >= argc)
		usage();
	if (optind + 1 < argc)
		port = atoi(argv[optind + 1]);
	if (inet_pton(AF_INET, argv[optind],
		      &((struct sockaddr_in *)&ss)->sin_addr) == 1) {
		ss.ss_family = AF_INET;
		((struct sockaddr_in *)&ss)->sin_port = htons(port);
		slen = sizeof(struct sockaddr_in);
	} else if (inet_pton(AF_INET6, argv[optind],
			     &((struct sockaddr_in6 *)&ss)->sin6_addr) == 1) {
		ss.ss_family = AF_INET6;
		((struct sockaddr_in6 *)&ss)->sin6_port = htons(port);
		slen = sizeof(struct sockaddr_in6);
	} else {
		fprintf(stderr, "coap_send: bad address \"%s\"\n", argv[optind]);
		return 2;
	}
	if (hex) {
		len = parse_hex(hex, buf, sizeof(buf));
		if (len < 0) {
			fprintf(stderr, "coap_send: bad hex \"%s\"\n", hex);
			return 2;
		}
	}

	fd = socket(ss.ss_family, SOCK_DGRAM, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&ss, slen)) {
		perror("coap_send: socket");
		return 1;
	}

	t0 = now_ms();
	for (int i = 0; i < count; i++) {
		u8 token[2] = { (u8)(i >> 8), (u8)i };
		const char *payload = "21.5";

		if (!hex) {
			struct coap_request req = {
				.type = con ? COAP_TYPE_CON : COAP_TYPE_NON,
				.code = code, .mid = (u16)(0x4000 + i),
				.tkl = sizeof(token), .token = token,
				.path = path, .path_len = strlen(path),
				.payload = (const u8 *)payload,
				.payload_len = strlen(payload),
			};

			len = coap_build_request(buf, sizeof(buf), &req);
			if (len < 0) {
				fprintf(stderr, "coap_send: cannot build a request for \"%s\"\n",
					path);
				return 2;
			}
		}
		if (send(fd, buf, len, 0) == len)
			sent++;
	}
	elapsed = now_ms() - t0;

	for (;;) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		u8 in[2048];
		ssize_t n;

		if (poll(&p, 1, wait_ms) <= 0)
			break;
		n = recv(fd, in, sizeof(in), 0);
		if (n < 0) {
			if (errno == ECONNREFUSED)
				continue;
			break;
		}
		replies++;
		if (n >= 1 && (in[0] >> 4 & 3) == COAP_TYPE_ACK)
			acks++;
		if (n >= 1 && (in[0] >> 4 & 3) == COAP_TYPE_RST)
			resets++;
	}
	printf("sent %u replies %u acks %u resets %u elapsed_ms %.0f\n",
	       sent, replies, acks, resets, elapsed);
	close(fd);
	return 0;
}
