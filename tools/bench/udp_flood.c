// SPDX-License-Identifier: GPL-2.0
/*
 * udp_flood: an open-loop traffic source and sink for the forwarding
 * benchmark (tools/bench/forward.sh): as many packets as one core can
 * send, counted where they arrive.
 *
 *   udp_flood [-d SECONDS] [-s BYTES] [-f FLOWS] [-P PATH] ADDR PORT
 *   -> "sent N seconds S pps R"
 *
 * CoAP non-confirmable POSTs to Uri-Path PATH (default
 * sensors/bedroom/temp; token 4 bytes, BYTES of payload, default 16),
 * each its own message ID, sent for SECONDS (default 3) with sendmmsg in
 * batches of 64 from FLOWS connected UDP sockets (default 16, each its
 * own source port) in turn. N counts the datagrams the kernel took.
 *
 *   udp_flood -r [-d SECONDS] PORT
 *   -> "received N seconds S pps R"
 *
 * Binds 0.0.0.0:PORT and drains it with recvmmsg until SECONDS (default
 * 10) pass or SIGTERM / SIGINT comes. S is the time from the first
 * datagram to the last, R = N / S.
 *
 *   udp_flood -T [-d SECONDS] [-s BYTES] [-f FLOWS] [-P TOPIC] [-b COUNT]
 *             ADDR PORT
 *   -> "sent N bytes B seconds S pps R"
 *
 * MQTT over TCP: FLOWS connections (default 16), each an MQTT 3.1.1
 * CONNECT, its CONNACK awaited, then back-to-back QoS 0 PUBLISH packets
 * on TOPIC (default sensors/bedroom/temp) with BYTES of payload, written
 * as fast as the sockets take them for SECONDS, then closed. N is the
 * PUBLISH packets written whole, B the bytes written after the CONNECT.
 * Without -b each send() writes up to 64 kB, which TCP sends as large
 * segments; with -b, COUNT PUBLISH packets a send(), with MSG_EOR so
 * that TCP does not merge them with the next ones: one segment each, as
 * sensors that publish a reading at a time send them.
 *
 *   udp_flood -T [-A] -r [-d SECONDS] PORT
 *   -> "received N bytes B seconds S pps R"
 *
 * Listens on 0.0.0.0:PORT, answers each CONNECT (MQTT 3.1.1 or 5) with
 * a CONNACK, and counts the PUBLISH packets (N) and the stream bytes (B,
 * CONNECTs included) until every connection it accepted is closed,
 * SECONDS (default 10) pass, or SIGTERM / SIGINT comes. S is the time
 * from the first byte to the last. With -A it parses with the module's
 * MQTT parser, answers each QoS 1 PUBLISH with a PUBACK at once, and
 * runs on when its clients close: a broker that does nothing else, to
 * see what a publisher can send when the broker is not what bounds it.
 * With -A a malformed stream or a QoS 2 PUBLISH, without it a stream
 * that is not MQTT framing, ends the connection, said on stderr. SIGUSR1
 * prints the line so far.
 *
 * Exit status 0, 1 on a socket error, 2 for a usage error.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "bench_util.h"
#include "proto/coap.h"
#include "proto/mqtt.h"

#define BATCH		64		/* datagrams per sendmmsg/recvmmsg */
#define FLOWS_MAX	1024
#define PAYLOAD_MAX	1024
#define DGRAM_MAX	2048		/* one CoAP message, at most */
#define STREAM_BUF	65536		/* PUBLISH packets written at a time */
#define RCVBUF		(8 << 20)

static volatile sig_atomic_t stop, report;

static void on_signal(int sig)
{
	if (sig == SIGUSR1)
		report = 1;
	else
		stop = 1;
}

static void usage(void)
{
	fprintf(stderr,
		"usage: udp_flood [-T] [-d SECONDS] [-s BYTES] [-f FLOWS] [-P PATH]\n"
		"                 [-b COUNT] ADDR PORT\n"
		"       udp_flood [-T [-A]] -r [-d SECONDS] PORT\n");
	exit(2);
}

static void die(const char *what)
{
	perror(what);
	exit(1);
}

static int parse_addr(const char *addr, long port, struct sockaddr_storage *ss,
		      socklen_t *len)
{
	struct sockaddr_in *sin = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ss;

	memset(ss, 0, sizeof(*ss));
	if (inet_pton(AF_INET, addr, &sin->sin_addr) == 1) {
		sin->sin_family = AF_INET;
		sin->sin_port = htons((uint16_t)port);
		*len = sizeof(*sin);
		return 0;
	}
	if (inet_pton(AF_INET6, addr, &sin6->sin6_addr) == 1) {
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons((uint16_t)port);
		*len = sizeof(*sin6);
		return 0;
	}
	return -1;
}

/* A socket bound to 0.0.0.0:@port. */
static int bind_any(int type, long port)
{
	struct sockaddr_in sin = {
		.sin_family = AF_INET,
		.sin_port = htons((uint16_t)port),
		.sin_addr.s_addr = htonl(INADDR_ANY),
	};
	int fd = socket(AF_INET, type, 0), one = 1, size = RCVBUF;

	if (fd < 0)
		die("udp_flood: socket");
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	/* root may go past rmem_max; anyone else gets what it allows */
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof(size)))
		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof(size));
	if (bind(fd, (struct sockaddr *)&sin, sizeof(sin)))
		die("udp_flood: bind");
	return fd;
}

static double rate(uint64_t n, uint64_t ns)
{
	return ns ? (double)n * 1e9 / (double)ns : 0;
}

/* ---- CoAP over UDP ---- */

static int flood_udp(const struct sockaddr_storage *dst, socklen_t dlen,
		     long flows, long seconds, const char *path,
		     size_t payload_len)
{
	static uint8_t bufs[BATCH][DGRAM_MAX];
	static const uint8_t token[4] = { 0x10, 0x0d, 0xf1, 0x00 };
	static uint8_t payload[PAYLOAD_MAX];
	struct coap_request r = {
		.type = COAP_TYPE_NON, .code = COAP_CODE_POST,
		.tkl = sizeof(token), .token = token,
		.path = path, .path_len = strlen(path),
		.payload = payload, .payload_len = payload_len,
	};
	struct mmsghdr msgs[BATCH];
	struct iovec iov[BATCH];
	uint64_t sent = 0, start, end, t;
	uint16_t mid;
	int *fds, len, i;
	long f;

	memset(payload, 'x', payload_len);
	len = coap_build_request(bufs[0], sizeof(bufs[0]), &r);
	if (len < 0) {
		fprintf(stderr, "udp_flood: cannot build a CoAP request to \"%s\"\n",
			path);
		return 2;
	}
	memset(msgs, 0, sizeof(msgs));
	for (i = 0; i < BATCH; i++) {
		memcpy(bufs[i], bufs[0], (size_t)len);
		iov[i].iov_base = bufs[i];
		iov[i].iov_len = (size_t)len;
		msgs[i].msg_hdr.msg_iov = &iov[i];
		msgs[i].msg_hdr.msg_iovlen = 1;
	}
	fds = calloc((size_t)flows, sizeof(*fds));
	if (!fds)
		die("udp_flood");
	for (f = 0; f < flows; f++) {
		fds[f] = socket(dst->ss_family, SOCK_DGRAM, 0);
		if (fds[f] < 0 ||
		    connect(fds[f], (const struct sockaddr *)dst, dlen))
			die("udp_flood: socket");
	}

	srand((unsigned int)bench_now_ns());
	mid = (uint16_t)rand();
	start = bench_now_ns();
	end = start + (uint64_t)seconds * 1000000000ULL;
	for (t = start; t < end && !stop; t = bench_now_ns()) {
		for (f = 0; f < flows; f++) {
			int n;

			/* the message ID: bytes 2 and 3 of the header */
			for (i = 0; i < BATCH; i++, mid++) {
				bufs[i][2] = mid >> 8;
				bufs[i][3] = mid & 0xff;
			}
			n = sendmmsg(fds[f], msgs, BATCH, 0);
			if (n > 0)
				sent += (uint64_t)n;
			/* ECONNREFUSED (an ICMP error came), ENOBUFS: go on */
		}
	}
	t = bench_now_ns();
	printf("sent %llu seconds %.2f pps %.0f\n", (unsigned long long)sent,
	       (double)(t - start) / 1e9, rate(sent, t - start));
	for (f = 0; f < flows; f++)
		close(fds[f]);
	free(fds);
	return 0;
}

static int sink_udp(long port, long seconds)
{
	static uint8_t bufs[BATCH][DGRAM_MAX];
	struct mmsghdr msgs[BATCH];
	struct iovec iov[BATCH];
	uint64_t got = 0, first = 0, last = 0, end;
	struct pollfd p;
	int i;

	p.fd = bind_any(SOCK_DGRAM, port);
	p.events = POLLIN;
	memset(msgs, 0, sizeof(msgs));
	for (i = 0; i < BATCH; i++) {
		iov[i].iov_base = bufs[i];
		iov[i].iov_len = sizeof(bufs[i]);
		msgs[i].msg_hdr.msg_iov = &iov[i];
		msgs[i].msg_hdr.msg_iovlen = 1;
	}
	end = bench_now_ns() + (uint64_t)seconds * 1000000000ULL;
	while (!stop && bench_now_ns() < end) {
		int n;

		if (poll(&p, 1, 100) <= 0)
			continue;
		while ((n = recvmmsg(p.fd, msgs, BATCH, MSG_DONTWAIT,
				     NULL)) > 0) {
			last = bench_now_ns();
			if (!first)
				first = last;
			got += (uint64_t)n;
		}
	}
	printf("received %llu seconds %.2f pps %.0f\n",
	       (unsigned long long)got, (double)(last - first) / 1e9,
	       rate(got, last - first));
	close(p.fd);
	return 0;
}

/* ---- MQTT over TCP ---- */

/* Append an MQTT Remaining Length; returns the bytes written. */
static size_t put_varint(uint8_t *p, size_t v)
{
	size_t n = 0;

	do {
		p[n] = v % 128;
		v /= 128;
		if (v)
			p[n] |= 0x80;
		n++;
	} while (v);
	return n;
}

static size_t put_str(uint8_t *p, const char *s, size_t len)
{
	p[0] = len >> 8;
	p[1] = len & 0xff;
	memcpy(p + 2, s, len);
	return len + 2;
}

/* An MQTT 3.1.1 CONNECT, clean session, keep alive 60 s. */
static size_t build_connect(uint8_t *buf, const char *id)
{
	uint8_t body[128];
	size_t n = 0, k;

	n += put_str(body + n, "MQTT", 4);
	body[n++] = 4;			/* protocol level: 3.1.1 */
	body[n++] = 0x02;		/* clean session */
	body[n++] = 0;
	body[n++] = 60;
	n += put_str(body + n, id, strlen(id));
	buf[0] = MQTT_CONNECT << 4;
	k = 1 + put_varint(buf + 1, n);
	memcpy(buf + k, body, n);
	return k + n;
}

/* A QoS 0 PUBLISH of @payload_len bytes on @topic. */
static size_t build_publish(uint8_t *buf, const char *topic,
			    size_t payload_len)
{
	size_t tl = strlen(topic), k;

	buf[0] = MQTT_PUBLISH << 4;
	k = 1 + put_varint(buf + 1, 2 + tl + payload_len);
	k += put_str(buf + k, topic, tl);
	memset(buf + k, 'x', payload_len);
	return k + payload_len;
}

/* Connect, CONNECT, wait (5 s at most) for a CONNACK; non-blocking after. */
static int mqtt_open(const struct sockaddr_storage *dst, socklen_t dlen,
		     long i)
{
	uint8_t pkt[128], ack[4];
	struct pollfd p;
	size_t n, got = 0;
	char id[64];
	int one = 1;

	p.fd = socket(dst->ss_family, SOCK_STREAM, 0);
	p.events = POLLIN;
	if (p.fd < 0 || connect(p.fd, (const struct sockaddr *)dst, dlen))
		die("udp_flood: connect");
	setsockopt(p.fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	snprintf(id, sizeof(id), "udp_flood-%d-%ld", (int)getpid(), i);
	n = build_connect(pkt, id);
	if (send(p.fd, pkt, n, MSG_NOSIGNAL) != (ssize_t)n)
		die("udp_flood: send CONNECT");
	while (got < sizeof(ack)) {
		ssize_t r;

		if (poll(&p, 1, 5000) <= 0) {
			fprintf(stderr, "udp_flood: no CONNACK\n");
			exit(1);
		}
		r = recv(p.fd, ack + got, sizeof(ack) - got, 0);
		if (r <= 0) {
			fprintf(stderr, "udp_flood: connection closed before CONNACK\n");
			exit(1);
		}
		got += (size_t)r;
	}
	if (ack[0] != MQTT_CONNACK << 4 || ack[3]) {
		fprintf(stderr, "udp_flood: CONNECT refused\n");
		exit(1);
	}
	fcntl(p.fd, F_SETFL, fcntl(p.fd, F_GETFL) | O_NONBLOCK);
	return p.fd;
}

static int flood_tcp(const struct sockaddr_storage *dst, socklen_t dlen,
		     long flows, long seconds, const char *topic,
		     size_t payload_len, long per_send)
{
	static uint8_t buf[STREAM_BUF];
	uint64_t bytes = 0, start, end, t;
	size_t plen, len, *off;
	struct pollfd *p;
	int flags = MSG_NOSIGNAL | MSG_DONTWAIT;
	long f;

	if (strlen(topic) + payload_len + 8 > sizeof(buf) / 2) {
		fprintf(stderr, "udp_flood: topic and payload too long\n");
		return 2;
	}
	plen = build_publish(buf, topic, payload_len);
	/* whole PUBLISH packets back to back: the stream stays aligned */
	for (len = plen; len + plen <= sizeof(buf); len += plen) {
		if (per_send && len == plen * (size_t)per_send)
			break;
		memcpy(buf + len, buf, plen);
	}
	if (per_send)
		flags |= MSG_EOR;
	p = calloc((size_t)flows, sizeof(*p));
	off = calloc((size_t)flows, sizeof(*off));
	if (!p || !off)
		die("udp_flood");
	for (f = 0; f < flows; f++) {
		p[f].fd = mqtt_open(dst, dlen, f);
		p[f].events = POLLOUT;
	}

	start = bench_now_ns();
	end = start + (uint64_t)seconds * 1000000000ULL;
	for (t = start; t < end && !stop; t = bench_now_ns()) {
		if (poll(p, (nfds_t)flows, 100) <= 0)
			continue;
		for (f = 0; f < flows; f++) {
			ssize_t w;

			if (!(p[f].revents & (POLLOUT | POLLERR | POLLHUP)))
				continue;
			w = send(p[f].fd, buf + off[f], len - off[f], flags);
			if (w < 0 && (errno == EAGAIN || errno == EINTR))
				continue;
			if (w <= 0)
				die("udp_flood: send");
			bytes += (uint64_t)w;
			off[f] = (off[f] + (size_t)w) % len;
		}
	}
	t = bench_now_ns();
	for (f = 0; f < flows; f++)
		close(p[f].fd);
	printf("sent %llu bytes %llu seconds %.2f pps %.0f\n",
	       (unsigned long long)(bytes / plen), (unsigned long long)bytes,
	       (double)(t - start) / 1e9, rate(bytes / plen, t - start));
	free(p);
	free(off);
	return 0;
}

/* Where the sink is in one connection's stream. */
struct mqtt_in {
	uint8_t hdr[5];		/* fixed header: type, Remaining Length */
	size_t hdr_len;
	size_t skip;		/* body bytes of the current packet left */
	uint8_t type;		/* of the current packet, 0 between */
};

/*
 * Walk @len stream bytes of @in, counting whole PUBLISH packets into
 * *@publishes; answer a CONNECT on @fd. -1 if the stream is not MQTT.
 */
static int mqtt_walk(struct mqtt_in *in, int fd, const uint8_t *data,
		     size_t len, uint64_t *publishes)
{
	static const uint8_t connack[] = { MQTT_CONNACK << 4, 2, 0, 0 };

	while (len) {
		size_t rl = 0, mult = 1, i;

		if (in->type) {
			size_t n = len < in->skip ? len : in->skip;

			in->skip -= n;
			data += n;
			len -= n;
			if (!in->skip) {
				if (in->type == MQTT_PUBLISH)
					(*publishes)++;
				in->type = 0;
			}
			continue;
		}
		in->hdr[in->hdr_len++] = *data++;
		len--;
		if (in->hdr_len < 2 || (in->hdr[in->hdr_len - 1] & 0x80)) {
			if (in->hdr_len == sizeof(in->hdr))
				return -1;
			continue;
		}
		for (i = 1; i < in->hdr_len; i++, mult *= 128)
			rl += (in->hdr[i] & 0x7f) * mult;
		in->type = in->hdr[0] >> 4;
		in->skip = rl;
		in->hdr_len = 0;
		if (in->type == MQTT_CONNECT &&
		    send(fd, connack, sizeof(connack), MSG_NOSIGNAL) < 0)
			return -1;
		if (!in->skip && in->type == MQTT_PUBLISH)
			(*publishes)++;
		if (!in->skip)
			in->type = 0;
	}
	return 0;
}

/*
 * The PUBACK sink (-A) parses with the module's own parser, headers only:
 * it answers a CONNECT with a CONNACK of its protocol level and a QoS 1
 * PUBLISH with a PUBACK, counting each PUBLISH into *@publishes. -1 on a
 * malformed stream or a QoS 2 PUBLISH, which it does not complete.
 */
static int mqtt_ack_walk(struct mqtt_stream *s, int fd, const uint8_t *data,
			 size_t len, uint64_t *publishes)
{
	static const uint8_t connack4[] = { MQTT_CONNACK << 4, 2, 0, 0 };
	static const uint8_t connack5[] = { MQTT_CONNACK << 4, 3, 0, 0, 0 };
	uint8_t puback[4] = { MQTT_PUBACK << 4, 2 };
	struct mqtt_event ev;
	size_t used;
	int e;

	while ((e = mqtt_stream_next(s, data, len, &used, &ev)) !=
	       MQTT_EV_NEED_MORE) {
		data += used;
		len -= used;
		if (e == MQTT_EV_ERROR)
			return -1;
		if (e != MQTT_EV_PACKET)
			continue;
		if (ev.type == MQTT_CONNECT) {
			bool v5 = ev.level == MQTT_LEVEL_5;

			if (send(fd, v5 ? connack5 : connack4,
				 v5 ? sizeof(connack5) : sizeof(connack4),
				 MSG_NOSIGNAL) < 0)
				return -1;
		} else if (ev.type == MQTT_PUBLISH) {
			if (ev.qos == 2)
				return -1;
			if (ev.qos == 1) {
				puback[2] = ev.packet_id >> 8;
				puback[3] = ev.packet_id & 0xff;
				if (send(fd, puback, sizeof(puback),
					 MSG_NOSIGNAL) < 0)
					return -1;
			}
			(*publishes)++;
		}
	}
	return 0;
}

static void sink_tcp_report(uint64_t publishes, uint64_t bytes,
			    uint64_t first, uint64_t last)
{
	printf("received %llu bytes %llu seconds %.2f pps %.0f\n",
	       (unsigned long long)publishes, (unsigned long long)bytes,
	       (double)(last - first) / 1e9, rate(publishes, last - first));
}

static int sink_tcp(long port, long seconds, bool ack)
{
	static uint8_t buf[1 << 18];
	static struct pollfd p[FLOWS_MAX + 1];
	static struct mqtt_in in[FLOWS_MAX + 1];
	static struct mqtt_stream ms[FLOWS_MAX + 1];	/* with -A */
	uint64_t publishes = 0, bytes = 0, first = 0, last = 0, end;
	int n = 1, accepted = 0, i;

	p[0].fd = bind_any(SOCK_STREAM, port);
	p[0].events = POLLIN;
	if (listen(p[0].fd, 128))
		die("udp_flood: listen");
	end = bench_now_ns() + (uint64_t)seconds * 1000000000ULL;
	/* a flood's sink ends with its connections, a broker's does not */
	while (!stop && bench_now_ns() < end && !(!ack && accepted && n == 1)) {
		if (report) {
			report = 0;
			sink_tcp_report(publishes, bytes, first, last);
		}
		if (poll(p, (nfds_t)n, 100) <= 0)
			continue;
		if (p[0].revents & POLLIN) {
			int fd = accept(p[0].fd, NULL, NULL);

			if (fd >= 0 && n == FLOWS_MAX + 1) {
				close(fd);
			} else if (fd >= 0) {
				p[n].fd = fd;
				p[n].events = POLLIN;
				p[n].revents = 0;
				memset(&in[n], 0, sizeof(in[n]));
				mqtt_stream_init(&ms[n], MQTT_ROLE_CLIENT, 0);
				mqtt_stream_set_payload_events(&ms[n], false);
				n++;
				accepted++;
			}
		}
		for (i = 1; i < n; i++) {
			ssize_t r;

			if (!p[i].revents)
				continue;
			r = recv(p[i].fd, buf, sizeof(buf), MSG_DONTWAIT);
			if (r < 0 && (errno == EAGAIN || errno == EINTR))
				continue;
			if (r > 0) {
				last = bench_now_ns();
				if (!first)
					first = last;
				bytes += (uint64_t)r;
			}
			if (r > 0 && !(ack ?
				       mqtt_ack_walk(&ms[i], p[i].fd, buf,
						     (size_t)r, &publishes) :
				       mqtt_walk(&in[i], p[i].fd, buf,
						 (size_t)r, &publishes)))
				continue;
			if (r > 0)
				fprintf(stderr, ack ?
					"udp_flood: closing a connection: malformed MQTT, or a QoS 2 PUBLISH\n" :
					"udp_flood: closing a connection: not an MQTT stream\n");
			/* closed, reset or garbage: forget the connection */
			close(p[i].fd);
			n--;
			p[i] = p[n];
			in[i] = in[n];
			ms[i] = ms[n];
			i--;
		}
	}
	sink_tcp_report(publishes, bytes, first, last);
	for (i = 0; i < n; i++)
		close(p[i].fd);
	return 0;
}

int main(int argc, char **argv)
{
	const char *path = "sensors/bedroom/temp";
	long seconds = -1, flows = 16, payload_len = 16, per_send = 0, port;
	struct sockaddr_storage dst;
	struct sigaction sa = { .sa_handler = on_signal };
	bool tcp = false, sink = false, ack = false;
	socklen_t dlen;
	int opt;

	while ((opt = getopt(argc, argv, "Ab:d:s:f:P:rT")) != -1) {
		switch (opt) {
		case 'A': ack = true; break;
		case 'b': per_send = bench_number("udp_flood", optarg, 1, 1024, "-b"); break;
		case 'd': seconds = bench_number("udp_flood", optarg, 1, 3600, "-d"); break;
		case 's':
			payload_len = bench_number("udp_flood", optarg, 0, PAYLOAD_MAX, "-s");
			break;
		case 'f': flows = bench_number("udp_flood", optarg, 1, FLOWS_MAX, "-f"); break;
		case 'P': path = optarg; break;
		case 'r': sink = true; break;
		case 'T': tcp = true; break;
		default: usage();
		}
	}
	if (argc - optind != (sink ? 1 : 2))
		usage();
	port = bench_number("udp_flood", argv[argc - 1], 1, 65535, "PORT");

	/* no SA_RESTART: a signal ends poll and the loops see stop */
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGUSR1, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	setvbuf(stdout, NULL, _IOLBF, 0);

	if (sink)
		return tcp ? sink_tcp(port, seconds < 0 ? 10 : seconds, ack) :
			     sink_udp(port, seconds < 0 ? 10 : seconds);
	if (parse_addr(argv[optind], port, &dst, &dlen)) {
		fprintf(stderr, "udp_flood: \"%s\" is not an IPv4 or IPv6 address\n",
			argv[optind]);
		return 2;
	}
	if (seconds < 0)
		seconds = 3;
	return tcp ? flood_tcp(&dst, dlen, flows, seconds, path,
			       (size_t)payload_len, per_send) :
		     flood_udp(&dst, dlen, flows, seconds, path,
			       (size_t)payload_len);
}
