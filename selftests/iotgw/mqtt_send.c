// SPDX-License-Identifier: GPL-2.0
/*
 * mqtt_send: an MQTT 3.1.1 / 5.0 publisher for the selftests, written
 * from the specification (no MQTT library), with the shapes of traffic
 * the gateway must follow: a PUBLISH split across TCP segments, several
 * in one segment, MQTT 5 topic aliases, raw bytes.
 *
 *   mqtt_send [-l 4|5] [-i ID] [-n COUNT] [-q 0|1] [-t TOPIC] [-m PAYLOAD]
 *             [--split N] [--batch K] [--alias] [--raw HEX] [--hold MS]
 *             [-w MS] ADDR [PORT]
 *   -> "sent N acked M connack C reset R"
 *
 * Connects to ADDR (IPv4 or IPv6) PORT (default 1883) with TCP_NODELAY,
 * sends CONNECT (level -l, default 4; client id -i, default
 * "mqtt_send-PID"; clean session), waits for CONNACK, then sends COUNT
 * (default 1, or 0 with --raw) PUBLISH packets of QoS -q (default 0) on
 * TOPIC (default sensors/temp) with PAYLOAD (default 21.5). At QoS 1 it
 * waits for the PUBACKs of each write before the next; at QoS 0 it ends
 * with a PINGREQ and waits for the PINGRESP, so that on return the broker
 * has read every PUBLISH. Then DISCONNECT, and it waits for the broker to
 * close.
 *
 *   --split N   write each PUBLISH (each batch) in N-byte pieces, 10 ms
 *               apart, so that the pieces travel as separate segments
 *   --batch K   K PUBLISH packets per write (one segment)
 *   --alias     MQTT 5: the first PUBLISH carries TOPIC and Topic Alias 1,
 *               the others an empty topic and Topic Alias 1
 *   --raw HEX   after CONNACK, send these bytes (hex pairs, blanks
 *               allowed) and wait until the peer has acknowledged them
 *   --hold MS   keep the connection open MS ms before DISCONNECT; SIGUSR1
 *               ends the hold early
 *   -w MS       give up waiting for the broker after MS ms (default 5000)
 *
 * C is the CONNACK return code (-1: none came). R is 1 when the connection
 * was reset (ECONNRESET, EPIPE) or the peer closed it before DISCONNECT;
 * sending stops there. Exit status 0, 1 if it could not connect, 2 for a
 * usage error.
 *
 *   mqtt_send --listen [-n CONNS] [-w MS] ADDR [PORT]
 *   -> "connections N bytes B"
 *
 * A peer that does not judge what it gets: accepts CONNS connections
 * (default 1) one after another, answers each CONNECT with a CONNACK of
 * the same level and reads whatever follows without answering, until the
 * client closes or MS ms pass without data. B counts the bytes after the
 * CONNECT packets. Gives up after MS ms without a connection.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <linux/sockios.h>

#define PKT_MAX		65536

enum {
	T_CONNECT = 1, T_CONNACK, T_PUBLISH, T_PUBACK,
	T_PINGREQ = 12, T_PINGRESP, T_DISCONNECT,
};

/* What reading the next packet gave. */
enum rd { RD_OK, RD_EOF, RD_RESET, RD_TIMEOUT, RD_BAD };

static int wait_ms = 5000;

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

static void sleep_ms(int ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

/* A growing byte buffer for the packets to send. */
struct buf {
	uint8_t data[PKT_MAX];
	size_t len;
};

static void put(struct buf *b, const void *p, size_t n)
{
	if (b->len + n > sizeof(b->data)) {
		fprintf(stderr, "mqtt_send: packets larger than %d bytes\n",
			PKT_MAX);
		exit(2);
	}
	memcpy(b->data + b->len, p, n);
	b->len += n;
}

static void put_u8(struct buf *b, unsigned int v)
{
	uint8_t c = (uint8_t)v;

	put(b, &c, 1);
}

static void put_u16(struct buf *b, unsigned int v)
{
	put_u8(b, v >> 8);
	put_u8(b, v & 0xff);
}

static void put_str(struct buf *b, const char *s)
{
	size_t n = strlen(s);

	if (n > 65535) {
		fprintf(stderr, "mqtt_send: string longer than 65535 bytes\n");
		exit(2);
	}
	put_u16(b, (unsigned int)n);
	put(b, s, n);
}

static void put_varint(struct buf *b, size_t v)
{
	do {
		uint8_t c = v % 128;

		v /= 128;
		if (v)
			c |= 0x80;
		put_u8(b, c);
	} while (v);
}

/* A packet: fixed header byte @first, then @body. */
static void put_packet(struct buf *out, unsigned int first,
		       const struct buf *body)
{
	put_u8(out, first);
	put_varint(out, body->len);
	put(out, body->data, body->len);
}

static struct buf body;		/* scratch for one packet's body */

static void build_connect(struct buf *out, int level, const char *id)
{
	body.len = 0;
	put_str(&body, "MQTT");
	put_u8(&body, level);
	put_u8(&body, 0x02);		/* clean session / clean start */
	put_u16(&body, 60);		/* keep alive */
	if (level == 5)
		put_u8(&body, 0);	/* no properties */
	put_str(&body, id);
	put_packet(out, T_CONNECT << 4, &body);
}

/* alias: 0 none, 1 topic and alias, 2 empty topic and alias */
static void build_publish(struct buf *out, int level, int qos,
			  const char *topic, const char *payload,
			  unsigned int id, int alias)
{
	body.len = 0;
	put_str(&body, alias == 2 ? "" : topic);
	if (qos)
		put_u16(&body, id);
	if (level == 5 && alias) {
		put_u8(&body, 3);	/* property length */
		put_u8(&body, 0x23);	/* Topic Alias */
		put_u16(&body, 1);
	} else if (level == 5) {
		put_u8(&body, 0);
	}
	put(&body, payload, strlen(payload));
	put_packet(out, (T_PUBLISH << 4) | (unsigned int)(qos << 1), &body);
}

/* Received bytes not yet made into packets. */
static uint8_t rx[PKT_MAX + 8];
static size_t rx_len;

/* Read more bytes into rx within @deadline (ms, CLOCK_MONOTONIC). */
static volatile sig_atomic_t hold_ended;

static void end_hold(int sig)
{
	(void)sig;
	hold_ended = 1;
}

static enum rd fill(int fd, long long deadline)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	long long left = deadline - now_ms();
	ssize_t n;
	int r;

	if (rx_len == sizeof(rx))
		return RD_BAD;
	if (left < 0)
		left = 0;
	r = poll(&p, 1, (int)left);
	if (r < 0 && errno != EINTR)
		return RD_BAD;
	if (r <= 0)
		return RD_TIMEOUT;
	n = recv(fd, rx + rx_len, sizeof(rx) - rx_len, 0);
	if (n == 0)
		return RD_EOF;
	if (n < 0)
		return errno == ECONNRESET || errno == EPIPE ? RD_RESET :
		       errno == EINTR || errno == EAGAIN ? RD_OK : RD_BAD;
	rx_len += (size_t)n;
	return RD_OK;
}

/*
 * The next packet: its type in *type, its body in body (truncated to its
 * buffer). Waits at most wait_ms.
 */
static enum rd read_packet(int fd, unsigned int *type)
{
	long long deadline = now_ms() + wait_ms;

	for (;;) {
		size_t len = 0, i, mult = 1;
		int complete = 0;

		for (i = 1; i < rx_len && i <= 4; i++) {
			len += (rx[i] & 0x7f) * mult;
			mult *= 128;
			if (!(rx[i] & 0x80)) {
				complete = 1;
				break;
			}
		}
		if (!complete && i > 4)
			return RD_BAD;
		if (complete && rx_len >= i + 1 + len) {
			size_t total = i + 1 + len;

			if (len > PKT_MAX)
				return RD_BAD;
			*type = rx[0] >> 4;
			memcpy(body.data, rx + i + 1, len);
			body.len = len;
			memmove(rx, rx + total, rx_len - total);
			rx_len -= total;
			return RD_OK;
		}
		{
			enum rd r = fill(fd, deadline);

			if (r != RD_OK)
				return r;
		}
	}
}

/* Write @b whole, in pieces of @split bytes (0: at once). 0 or RD_RESET/RD_BAD. */
static int write_all(int fd, const struct buf *b, int split)
{
	size_t off = 0;

	while (off < b->len) {
		size_t n = b->len - off;
		ssize_t w;

		if (split > 0 && n > (size_t)split)
			n = (size_t)split;
		w = send(fd, b->data + off, n, MSG_NOSIGNAL);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return errno == ECONNRESET || errno == EPIPE ?
			       RD_RESET : RD_BAD;
		off += (size_t)w;
		if (split > 0 && off < b->len)
			sleep_ms(10);
	}
	return 0;
}

/*
 * Wait until the peer has acknowledged every byte sent (SIOCOUTQ is 0), or
 * it closed or reset the connection, or wait_ms passed.
 */
static enum rd drain(int fd)
{
	long long deadline = now_ms() + wait_ms;

	for (;;) {
		int outq = 0;
		enum rd r;

		if (ioctl(fd, SIOCOUTQ, &outq) == 0 && outq == 0)
			return RD_OK;
		if (now_ms() >= deadline)
			return RD_TIMEOUT;
		r = fill(fd, now_ms() + 10);
		if (r == RD_EOF || r == RD_RESET || r == RD_BAD)
			return r;
		rx_len = 0;	/* whatever the peer says: not ours to judge */
	}
}

static int hex_digit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Hex pairs, blanks between them allowed. */
static int parse_hex(const char *hex, struct buf *out)
{
	while (*hex) {
		int hi, lo;

		if (*hex == ' ') {
			hex++;
			continue;
		}
		hi = hex_digit(hex[0]);
		lo = hi < 0 ? -1 : hex_digit(hex[1]);
		if (lo < 0)
			return -1;
		put_u8(out, (unsigned int)(hi << 4 | lo));
		hex += 2;
	}
	return 0;
}

static int parse_addr(const char *addr, int port, struct sockaddr_storage *ss,
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

/* connect() within wait_ms; the socket is blocking again on return. */
static int connect_timeout(int fd, const struct sockaddr *sa, socklen_t len)
{
	int flags = fcntl(fd, F_GETFL), err = 0;
	socklen_t elen = sizeof(err);
	struct pollfd p = { .fd = fd, .events = POLLOUT };

	fcntl(fd, F_SETFL, flags | O_NONBLOCK);
	if (connect(fd, sa, len) < 0) {
		if (errno != EINPROGRESS)
			return -1;
		if (poll(&p, 1, wait_ms) <= 0) {
			errno = ETIMEDOUT;
			return -1;
		}
		if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &elen) < 0)
			return -1;
		if (err) {
			errno = err;
			return -1;
		}
	}
	fcntl(fd, F_SETFL, flags);
	return 0;
}

static int listen_mode(const struct sockaddr_storage *ss, socklen_t slen,
		       int conns)
{
	unsigned long long bytes = 0;
	int lfd, one = 1, served = 0;

	lfd = socket(ss->ss_family, SOCK_STREAM, 0);
	if (lfd < 0 ||
	    setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0 ||
	    bind(lfd, (const struct sockaddr *)ss, slen) < 0 ||
	    listen(lfd, 8) < 0) {
		perror("mqtt_send: listen");
		return 1;
	}
	while (served < conns) {
		struct pollfd p = { .fd = lfd, .events = POLLIN };
		unsigned int type;
		int fd;

		if (poll(&p, 1, wait_ms) <= 0)
			break;
		fd = accept(lfd, NULL, NULL);
		if (fd < 0)
			continue;
		served++;
		rx_len = 0;
		if (read_packet(fd, &type) == RD_OK && type == T_CONNECT) {
			static const uint8_t ack4[] = { 0x20, 2, 0, 0 };
			static const uint8_t ack5[] = { 0x20, 3, 0, 0, 0 };
			int v5 = body.len > 6 && body.data[6] == 5;

			send(fd, v5 ? ack5 : ack4, v5 ? sizeof(ack5) : sizeof(ack4),
			     MSG_NOSIGNAL);
			/* then read, never answer, until closed or idle */
			do {
				bytes += rx_len;
				rx_len = 0;
			} while (fill(fd, now_ms() + wait_ms) == RD_OK);
		}
		close(fd);
	}
	printf("connections %d bytes %llu\n", served, bytes);
	close(lfd);
	return 0;
}

static void usage(void)
{
	fprintf(stderr,
		"usage: mqtt_send [-l 4|5] [-i ID] [-n COUNT] [-q 0|1] [-t TOPIC] [-m PAYLOAD]\n"
		"                 [--split N] [--batch K] [--alias] [--raw HEX] [--hold MS]\n"
		"                 [-w MS] ADDR [PORT]\n"
		"       mqtt_send --listen [-n CONNS] [-w MS] ADDR [PORT]\n");
	exit(2);
}

static int number(const char *s, int min, int max)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < min || v > max) {
		fprintf(stderr, "mqtt_send: \"%s\" is not a number from %d to %d\n",
			s, min, max);
		usage();
	}
	return (int)v;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "split", required_argument, NULL, 'S' },
		{ "batch", required_argument, NULL, 'B' },
		{ "alias", no_argument, NULL, 'A' },
		{ "raw", required_argument, NULL, 'R' },
		{ "hold", required_argument, NULL, 'H' },
		{ "listen", no_argument, NULL, 'L' },
		{ NULL, 0, NULL, 0 },
	};
	const char *topic = "sensors/temp", *payload = "21.5", *raw = NULL;
	int level = 4, count = -1, qos = 0, split = 0, batch = 1, alias = 0;
	int hold = 0, listen_ = 0, port = 1883, opt, fd, connack = -1;
	int sent = 0, acked = 0, reset = 0;
	static struct buf out, rawbuf;
	struct sockaddr_storage ss;
	socklen_t slen;
	char idbuf[32];
	const char *id = NULL;
	unsigned int type;
	enum rd r;

	while ((opt = getopt_long(argc, argv, "l:i:n:q:t:m:w:", longopts,
				  NULL)) != -1) {
		switch (opt) {
		case 'l': level = number(optarg, 4, 5); break;
		case 'i': id = optarg; break;
		case 'n': count = number(optarg, 0, 1000000); break;
		case 'q': qos = number(optarg, 0, 1); break;
		case 't': topic = optarg; break;
		case 'm': payload = optarg; break;
		case 'w': wait_ms = number(optarg, 1, 600000); break;
		case 'S': split = number(optarg, 1, PKT_MAX); break;
		case 'B': batch = number(optarg, 1, 1000); break;
		case 'A': alias = 1; break;
		case 'R': raw = optarg; break;
		case 'H': hold = number(optarg, 0, 600000); break;
		case 'L': listen_ = 1; break;
		default: usage();
		}
	}
	if (optind >= argc || optind + 2 < argc)
		usage();
	if (optind + 1 < argc)
		port = number(argv[optind + 1], 1, 65535);
	if (parse_addr(argv[optind], port, &ss, &slen)) {
		fprintf(stderr, "mqtt_send: bad address \"%s\"\n", argv[optind]);
		return 2;
	}
	if (alias && level != 5) {
		fprintf(stderr, "mqtt_send: --alias needs -l 5\n");
		return 2;
	}
	if (raw && parse_hex(raw, &rawbuf)) {
		fprintf(stderr, "mqtt_send: bad hex \"%s\"\n", raw);
		return 2;
	}
	signal(SIGPIPE, SIG_IGN);
	{
		struct sigaction sa = { .sa_handler = end_hold };

		sigemptyset(&sa.sa_mask);
		sigaction(SIGUSR1, &sa, NULL);	/* no SA_RESTART: poll returns */
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (listen_)
		return listen_mode(&ss, slen, count < 0 ? 1 : count);
	if (count < 0)
		count = raw ? 0 : 1;
	if (!id) {
		snprintf(idbuf, sizeof(idbuf), "mqtt_send-%d", (int)getpid());
		id = idbuf;
	}

	fd = socket(ss.ss_family, SOCK_STREAM, 0);
	if (fd < 0) {
		perror("mqtt_send: socket");
		return 1;
	}
	{
		int one = 1;

		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	}
	if (connect_timeout(fd, (struct sockaddr *)&ss, slen) < 0) {
		fprintf(stderr, "mqtt_send: connect to %s port %d: %s\n",
			argv[optind], port, strerror(errno));
		return 1;
	}

	out.len = 0;
	build_connect(&out, level, id);
	if (write_all(fd, &out, 0)) {
		reset = 1;
		goto done;
	}
	r = read_packet(fd, &type);
	if (r == RD_EOF || r == RD_RESET) {
		reset = 1;
		goto done;
	}
	if (r != RD_OK || type != T_CONNACK || body.len < 2) {
		fprintf(stderr, "mqtt_send: no CONNACK\n");
		goto done;
	}
	connack = body.data[1];
	if (connack)
		goto done;

	if (raw) {
		if (write_all(fd, &rawbuf, split)) {
			reset = 1;
			goto done;
		}
		r = drain(fd);
		if (r == RD_EOF || r == RD_RESET) {
			reset = 1;
			goto done;
		}
	}

	for (int i = 0; i < count && !reset;) {
		int k = count - i < batch ? count - i : batch;

		out.len = 0;
		for (int j = 0; j < k; j++)
			build_publish(&out, level, qos, topic, payload,
				      (unsigned int)((i + j) % 65535 + 1),
				      !alias ? 0 : i + j == 0 ? 1 : 2);
		if (write_all(fd, &out, split)) {
			reset = 1;
			break;
		}
		sent += k;
		i += k;
		for (int want = qos ? k : 0; want > 0;) {
			r = read_packet(fd, &type);
			if (r == RD_EOF || r == RD_RESET) {
				reset = 1;
				break;
			}
			if (r != RD_OK) {
				fprintf(stderr, "mqtt_send: no PUBACK\n");
				goto done;
			}
			if (type == T_PUBACK) {
				acked++;
				want--;
			} else if (type == T_DISCONNECT) {
				reset = 1;
				break;
			}
		}
	}

	/* QoS 0: a PINGRESP says the broker has read every PUBLISH */
	if (!reset && !qos && count > 0) {
		static const uint8_t ping[] = { T_PINGREQ << 4, 0 };

		out.len = 0;
		put(&out, ping, sizeof(ping));
		if (write_all(fd, &out, 0)) {
			reset = 1;
		} else {
			do {
				r = read_packet(fd, &type);
			} while (r == RD_OK && type != T_PINGRESP &&
				 type != T_DISCONNECT);
			if (r == RD_EOF || r == RD_RESET ||
			    (r == RD_OK && type == T_DISCONNECT))
				reset = 1;
			else if (r != RD_OK)
				fprintf(stderr, "mqtt_send: no PINGRESP\n");
		}
	}

	if (!reset && hold > 0) {
		long long end = now_ms() + hold;

		while (!reset && !hold_ended && now_ms() < end) {
			long long slice = now_ms() + 200;

			/* a signal between the check and poll: seen within 200 ms */
			r = fill(fd, slice < end ? slice : end);
			if (r == RD_EOF || r == RD_RESET)
				reset = 1;
			else if (r == RD_BAD)
				break;
			rx_len = 0;
		}
	}

	if (!reset) {
		static const uint8_t disc[] = { T_DISCONNECT << 4, 0 };

		out.len = 0;
		put(&out, disc, sizeof(disc));
		if (write_all(fd, &out, 0)) {
			reset = 1;
		} else {
			long long end = now_ms() + wait_ms;

			/* the broker closes after DISCONNECT: wait for it */
			shutdown(fd, SHUT_WR);
			do {
				rx_len = 0;
				r = fill(fd, end);
			} while (r == RD_OK);
		}
	}
done:
	printf("sent %d acked %d connack %d reset %d\n", sent, acked, connack,
	       reset);
	close(fd);
	return 0;
}
