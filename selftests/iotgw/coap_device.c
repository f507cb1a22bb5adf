// SPDX-License-Identifier: GPL-2.0
/*
 * coap_device: a scriptable CoAP device (RFC 7252 server) for the
 * selftests. It answers requests the way its options say, and logs every
 * datagram it receives and every message it sends, with timestamps, so
 * that a test can check what the gateway sent and when (retransmission
 * gaps, for instance).
 *
 *   coap_device [-l ADDR] [-p PORT] [-n COUNT] [-c CODE] [-P TEXT]
 *               [-f FORMAT] [-i N] [-s DELAY_MS] [-t ACK_TIMEOUT_MS] [-r]
 *
 * -l ADDR   bind address, IPv4 or IPv6 (default "::", which takes IPv4 too)
 * -p PORT   UDP port (default 5683)
 * -n COUNT  exit 0 once COUNT requests were handled (answered for the
 *           first time: duplicates and ignored copies do not count) and
 *           no separate response is still pending; default: run until
 *           SIGTERM or SIGINT (which exit 0 too)
 * -c CODE   response code, "c.dd" (default 2.05); class 2, 4 or 5
 * -P TEXT   response payload (default: "ok:" and the request's payload,
 *           or "ok" if it had none); -P "" sends no payload
 * -f FORMAT add a Content-Format option (0 to 65535) to responses
 * -i N      ignore (log, but do not answer) the first N copies of CON
 *           requests received, retransmissions counting separately
 * -s DELAY  separate responses: an empty ACK at once, then after DELAY ms
 *           the response as a CON (new MID, same token), retransmitted
 *           every ACK_TIMEOUT ms, doubled each time, 4 times at most
 *           (no random factor), until an ACK or RST with its MID comes;
 *           NON requests get their NON response after DELAY ms as well
 * -t MS     ACK_TIMEOUT for -s (default 2000)
 * -r        answer every request, CON or NON, with a Reset
 *
 * Default mode: a CON request gets a piggybacked response (ACK, same MID,
 * token echoed), a NON request a NON response (new MID, token echoed).
 * A CON request that repeats the MID of one already answered from the
 * same endpoint (within EXCHANGE_LIFETIME, RFC 7252 4.5) gets the same
 * answer again: the piggybacked ACK, the empty ACK (-s) or the RST (-r);
 * -i counts before that, so ignored copies are never answered. NON
 * requests are not deduplicated. An empty CON (CoAP ping) and a CON
 * response get a Reset. A malformed CON gets what RFC 7252 asks for
 * (coap_err_response(): 4.02 or 4.00 piggybacked for option and Uri-Path
 * errors in a request, else a Reset); other malformed messages are only
 * logged.
 *
 * Output, one line per event on stdout, flushed at once; T is the
 * CLOCK_MONOTONIC time in ms with 3 decimals (e.g. 12345.678), TYPE one
 * of CON NON ACK RST, CODE "c.dd", MID decimal, TOKEN hex or "-":
 *
 *   rx T TYPE CODE MID TOKEN SRCADDR SRCPORT PATH   a datagram received
 *   rx T malformed REASON                           one coap_parse() refused
 *   tx T TYPE CODE MID TOKEN                        a message sent
 *   acked MID      the ACK of a separate response (-s) came
 *   reset MID      a Reset for a separate response came instead
 *   gaveup MID     a separate response was never acknowledged
 *
 * SRCADDR is an IPv4-mapped IPv6 address printed as plain IPv4. PATH is
 * the Uri-Path options joined with '/', or "-" if there are none; bytes
 * below 0x21, 0x7f and '%' in it are printed as %XX. Replies leave from
 * the address the request was sent to. Errors go to stderr; bad options
 * exit 2, a socket that cannot be set up exits 1.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <net/if.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "proto/coap.h"
#include "proto/topic.h"

#define EXCHANGE_LIFETIME_MS	247000.0	/* RFC 7252 4.8.2 */
#define MAX_RETRANSMIT		4
#define CACHE_SIZE		256	/* answered CON exchanges remembered */
#define PENDING_MAX		256	/* separate responses in flight */
#define BUF_SIZE		(COAP_MSG_MAX + 1)

/* A peer: its address, and our address it sent to (to reply from). */
struct peer {
	struct sockaddr_storage addr;
	socklen_t alen;
	int pkt_level;		/* 0 (none), IPPROTO_IP or IPPROTO_IPV6 */
	union {
		struct in_pktinfo v4;
		struct in6_pktinfo v6;
	} pkt;
};

/* A CON request answered: the answer, to send again for a duplicate. */
struct exchange {
	struct peer peer;
	u16 mid;
	double t;
	u8 *reply;		/* NULL: the slot is free */
	size_t len;
};

/* A separate response (-s): waiting for its time, then for its ACK. */
struct pending {
	struct peer peer;
	u8 *msg;		/* NULL: the slot is free */
	size_t len;
	u16 mid;
	bool con;
	bool sent;
	int retx;
	double timeout, next;
};

static struct {
	int fd;
	int code;
	const char *payload;	/* -P, NULL for the echo */
	int format;		/* -f, -1 for none */
	long ignore;
	long delay;		/* -s, -1 for piggybacked responses */
	long ack_timeout;
	bool reset;
	long count;
	long handled;
	u16 next_mid;
} dev = { .fd = -1, .code = COAP_CODE_CONTENT, .format = -1,
	  .delay = -1, .ack_timeout = 2000 };

static struct exchange cache[CACHE_SIZE];
static unsigned int cache_next;
static struct pending pending[PENDING_MAX];
static volatile sig_atomic_t stop;

static u8 rxbuf[BUF_SIZE];
static u8 txbuf[BUF_SIZE];
static u8 plbuf[BUF_SIZE];
static char topic[TOPIC_MAX_LEN + 1];

static const char *const type_names[] = { "CON", "NON", "ACK", "RST" };

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static void usage(void)
{
	fprintf(stderr,
		"usage: coap_device [-l ADDR] [-p PORT] [-n COUNT] [-c CODE] [-P TEXT]\n"
		"                   [-f FORMAT] [-i N] [-s DELAY_MS] [-t ACK_TIMEOUT_MS] [-r]\n");
	exit(2);
}

/* A decimal number in [min, max], or usage(). */
static long parse_num(const char *s, long min, long max)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < min || v > max) {
		fprintf(stderr, "coap_device: bad number \"%s\"\n", s);
		usage();
	}
	return v;
}

/* "c.dd" into a code of class 2, 4 or 5, or usage(). */
static int parse_code(const char *s)
{
	unsigned int class, detail;
	char end;

	if (sscanf(s, "%u.%u%c", &class, &detail, &end) != 2 ||
	    (class != 2 && class != 4 && class != 5) || detail > 31) {
		fprintf(stderr, "coap_device: bad response code \"%s\" (want 2.xx, 4.xx or 5.xx)\n",
			s);
		usage();
	}
	return COAP_CODE(class, detail);
}

static void print_token(const u8 *token, unsigned int tkl)
{
	if (!tkl) {
		fputs(" -", stdout);
		return;
	}
	putchar(' ');
	for (unsigned int i = 0; i < tkl; i++)
		printf("%02x", token[i]);
}

/* " TYPE CODE MID TOKEN" of a message header we know to be sound. */
static void print_header(u8 type, u8 code, u16 mid, const u8 *token,
			 unsigned int tkl)
{
	printf(" %s %u.%02u %u", type_names[type & 3], COAP_CODE_CLASS(code),
	       COAP_CODE_DETAIL(code), mid);
	print_token(token, tkl);
}

static void print_addr(const struct sockaddr_storage *ss)
{
	char host[INET6_ADDRSTRLEN + IF_NAMESIZE + 2];
	const struct sockaddr_in6 *sin6 = (const void *)ss;
	const struct sockaddr_in *sin = (const void *)ss;
	int port = 0;

	if (ss->ss_family == AF_INET6 &&
	    IN6_IS_ADDR_V4MAPPED(&sin6->sin6_addr)) {
		inet_ntop(AF_INET, &sin6->sin6_addr.s6_addr[12], host,
			  sizeof(host));
		port = ntohs(sin6->sin6_port);
	} else if (ss->ss_family == AF_INET6) {
		if (getnameinfo((const struct sockaddr *)ss, sizeof(*sin6),
				host, sizeof(host), NULL, 0, NI_NUMERICHOST))
			strcpy(host, "?");
		port = ntohs(sin6->sin6_port);
	} else if (ss->ss_family == AF_INET) {
		inet_ntop(AF_INET, &sin->sin_addr, host, sizeof(host));
		port = ntohs(sin->sin_port);
	} else {
		strcpy(host, "?");
	}
	printf(" %s %d", host, port);
}

static void print_path(const char *path, size_t len)
{
	if (!len) {
		fputs(" -", stdout);
		return;
	}
	putchar(' ');
	for (size_t i = 0; i < len; i++) {
		unsigned char c = path[i];

		if (c < 0x21 || c == 0x7f || c == '%')
			printf("%%%02X", c);
		else
			putchar(c);
	}
}

static bool same_endpoint(const struct peer *a, const struct peer *b)
{
	const struct sockaddr_in6 *a6 = (const void *)&a->addr;
	const struct sockaddr_in6 *b6 = (const void *)&b->addr;
	const struct sockaddr_in *a4 = (const void *)&a->addr;
	const struct sockaddr_in *b4 = (const void *)&b->addr;

	if (a->addr.ss_family != b->addr.ss_family)
		return false;
	if (a->addr.ss_family == AF_INET6)
		return a6->sin6_port == b6->sin6_port &&
		       a6->sin6_scope_id == b6->sin6_scope_id &&
		       !memcmp(&a6->sin6_addr, &b6->sin6_addr,
			       sizeof(a6->sin6_addr));
	if (a->addr.ss_family == AF_INET)
		return a4->sin_port == b4->sin_port &&
		       a4->sin_addr.s_addr == b4->sin_addr.s_addr;
	return false;
}

/* Remember which of our addresses @msg was sent to, to reply from it. */
static void peer_set_local(struct peer *p, struct msghdr *msg)
{
	struct cmsghdr *c;

	p->pkt_level = 0;
	for (c = CMSG_FIRSTHDR(msg); c; c = CMSG_NXTHDR(msg, c)) {
		if (c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_PKTINFO &&
		    c->cmsg_len >= CMSG_LEN(sizeof(struct in_pktinfo))) {
			struct in_pktinfo pi;

			memcpy(&pi, CMSG_DATA(c), sizeof(pi));
			/* ipi_spec_dst: the local address to reply from. */
			memset(&p->pkt.v4, 0, sizeof(p->pkt.v4));
			p->pkt.v4.ipi_spec_dst = pi.ipi_spec_dst;
			p->pkt_level = IPPROTO_IP;
		} else if (c->cmsg_level == IPPROTO_IPV6 &&
			   c->cmsg_type == IPV6_PKTINFO &&
			   c->cmsg_len >= CMSG_LEN(sizeof(struct in6_pktinfo))) {
			struct in6_pktinfo pi;
			const u8 *a = pi.ipi6_addr.s6_addr;

			memcpy(&pi, CMSG_DATA(c), sizeof(pi));
			/* Not from a multicast or broadcast address. */
			if (IN6_IS_ADDR_MULTICAST(&pi.ipi6_addr))
				continue;
			if (IN6_IS_ADDR_V4MAPPED(&pi.ipi6_addr) &&
			    (a[12] >= 224 ||
			     !memcmp(a + 12, "\xff\xff\xff\xff", 4)))
				continue;
			if (!IN6_IS_ADDR_LINKLOCAL(&pi.ipi6_addr))
				pi.ipi6_ifindex = 0;
			p->pkt.v6 = pi;
			p->pkt_level = IPPROTO_IPV6;
		}
	}
}

/* Send @buf to @p, logging a tx line; false if it could not be sent. */
static bool send_to(const struct peer *p, const u8 *buf, size_t len)
{
	union {
		char buf[CMSG_SPACE(sizeof(struct in6_pktinfo))];
		struct cmsghdr align;
	} ctl;
	struct iovec iov = { .iov_base = (void *)buf, .iov_len = len };
	struct msghdr msg = {
		.msg_name = (void *)&p->addr, .msg_namelen = p->alen,
		.msg_iov = &iov, .msg_iovlen = 1,
	};
	ssize_t n;

	memset(&ctl, 0, sizeof(ctl));
	if (p->pkt_level) {
		struct cmsghdr *c;
		size_t sz = p->pkt_level == IPPROTO_IP ?
			    sizeof(p->pkt.v4) : sizeof(p->pkt.v6);

		msg.msg_control = ctl.buf;
		msg.msg_controllen = CMSG_SPACE(sz);
		c = CMSG_FIRSTHDR(&msg);
		c->cmsg_level = p->pkt_level;
		c->cmsg_type = p->pkt_level == IPPROTO_IP ? IP_PKTINFO :
							     IPV6_PKTINFO;
		c->cmsg_len = CMSG_LEN(sz);
		memcpy(CMSG_DATA(c), &p->pkt, sz);
	}
	n = sendmsg(dev.fd, &msg, 0);
	if (n < 0 && p->pkt_level && errno == EINVAL) {
		/* That source address would not do: let routing choose. */
		msg.msg_control = NULL;
		msg.msg_controllen = 0;
		n = sendmsg(dev.fd, &msg, 0);
	}
	if (n != (ssize_t)len) {
		fprintf(stderr, "coap_device: sendmsg: %s\n",
			n < 0 ? strerror(errno) : "short write");
		return false;
	}
	/* Our own messages: the header and token are sound. */
	printf("tx %.3f", now_ms());
	print_header(buf[0] >> 4 & 3, buf[1], (u16)(buf[2] << 8 | buf[3]),
		     buf + 4, buf[0] & 0xf);
	putchar('\n');
	return true;
}

/*
 * A response into txbuf: coap_build_response(), then the Content-Format
 * option (-f) and the payload. Its length, or -1.
 */
static int build_response(u8 type, u8 code, u16 mid, const u8 *token,
			  u8 tkl, const u8 *payload, size_t plen)
{
	struct coap_response r = {
		.type = type, .code = code, .mid = mid,
		.tkl = tkl, .token = token,
	};
	size_t len;
	int ret;

	ret = coap_build_response(txbuf, sizeof(txbuf), &r);
	if (ret < 0)
		goto err;
	len = ret;
	if (dev.format >= 0) {
		u16 f = (u16)dev.format;
		u8 flen = f > 0xff ? 2 : f ? 1 : 0;

		if (len + 1 + flen > COAP_MSG_MAX)
			goto err;
		/* Option 12 is the first one: its delta is 12. */
		txbuf[len++] = (u8)(COAP_OPT_CONTENT_FORMAT << 4 | flen);
		if (flen == 2)
			txbuf[len++] = (u8)(f >> 8);
		if (flen)
			txbuf[len++] = (u8)f;
	}
	if (plen) {
		if (plen > COAP_MSG_MAX - len - 1)
			goto err;
		txbuf[len++] = COAP_PAYLOAD_MARKER;
		memcpy(txbuf + len, payload, plen);
		len += plen;
	}
	return (int)len;
err:
	fprintf(stderr, "coap_device: cannot build a response (%zu payload bytes)\n",
		plen);
	return -1;
}

static struct exchange *cache_find(const struct peer *p, u16 mid, double t)
{
	for (unsigned int i = 0; i < CACHE_SIZE; i++) {
		struct exchange *e = &cache[i];

		if (!e->reply)
			continue;
		if (t - e->t > EXCHANGE_LIFETIME_MS) {
			free(e->reply);
			e->reply = NULL;
			continue;
		}
		if (e->mid == mid && same_endpoint(&e->peer, p))
			return e;
	}
	return NULL;
}

static void cache_add(const struct peer *p, u16 mid, double t,
		      const u8 *reply, size_t len)
{
	struct exchange *e = &cache[cache_next++ % CACHE_SIZE];

	free(e->reply);
	e->reply = malloc(len);
	if (!e->reply)
		return;
	memcpy(e->reply, reply, len);
	e->len = len;
	e->peer = *p;
	e->mid = mid;
	e->t = t;
}

/* Send @len bytes of txbuf to @p and, for a CON request, remember them. */
static void reply(const struct peer *p, bool con, u16 mid, double t,
		  size_t len)
{
	if (con)
		cache_add(p, mid, t, txbuf, len);
	send_to(p, txbuf, len);
}

static bool pending_any(void)
{
	for (int i = 0; i < PENDING_MAX; i++)
		if (pending[i].msg)
			return true;
	return false;
}

static void pending_add(const struct peer *p, bool con, u16 mid, double t,
			size_t len)
{
	struct pending *s = NULL;

	for (int i = 0; i < PENDING_MAX && !s; i++)
		if (!pending[i].msg)
			s = &pending[i];
	if (!s) {
		fprintf(stderr, "coap_device: too many separate responses pending\n");
		return;
	}
	s->msg = malloc(len);
	if (!s->msg)
		return;
	memcpy(s->msg, txbuf, len);
	s->len = len;
	s->peer = *p;
	s->mid = mid;
	s->con = con;
	s->sent = false;
	s->retx = 0;
	s->timeout = dev.ack_timeout;
	s->next = t + dev.delay;
}

static void pending_free(struct pending *s)
{
	free(s->msg);
	s->msg = NULL;
}

/* An ACK or RST came: does it end one of our separate responses? */
static void pending_match(const struct peer *p, const struct coap_msg *m)
{
	for (int i = 0; i < PENDING_MAX; i++) {
		struct pending *s = &pending[i];

		if (!s->msg || !s->con || !s->sent || s->mid != m->mid ||
		    !same_endpoint(&s->peer, p))
			continue;
		printf("%s %u\n", m->type == COAP_TYPE_ACK ? "acked" : "reset",
		       s->mid);
		pending_free(s);
		return;
	}
}

/* Send what is due: separate responses, and their retransmissions. */
static void pending_run(double t)
{
	for (int i = 0; i < PENDING_MAX; i++) {
		struct pending *s = &pending[i];

		if (!s->msg || t < s->next)
			continue;
		if (!s->sent) {
			send_to(&s->peer, s->msg, s->len);
			s->sent = true;
			if (!s->con) {
				pending_free(s);
				continue;
			}
			s->next += s->timeout;
		} else if (s->retx < MAX_RETRANSMIT) {
			s->retx++;
			s->timeout *= 2;
			send_to(&s->peer, s->msg, s->len);
			s->next += s->timeout;
		} else {
			printf("gaveup %u\n", s->mid);
			pending_free(s);
		}
	}
}

/* Milliseconds until the next timer, for poll(); -1 for none. */
static int pending_wait(double t)
{
	double next = -1;

	for (int i = 0; i < PENDING_MAX; i++)
		if (pending[i].msg && (next < 0 || pending[i].next < next))
			next = pending[i].next;
	if (next < 0)
		return -1;
	if (next <= t)
		return 0;
	if (next - t > INT_MAX)
		return INT_MAX;
	return (int)(next - t) + 1;	/* round up: never wake up early */
}

static void handle_request(const struct peer *p, const struct coap_msg *m,
			   double t)
{
	bool con = m->type == COAP_TYPE_CON;
	const struct exchange *e;
	const u8 *pl;
	size_t plen;
	int len;

	if (con && dev.ignore > 0) {
		dev.ignore--;
		return;
	}
	if (con) {
		e = cache_find(p, m->mid, t);
		if (e) {
			send_to(p, e->reply, e->len);
			return;
		}
	}
	dev.handled++;

	if (dev.reset) {
		len = coap_build_rst(txbuf, sizeof(txbuf), m->mid);
		if (len > 0)
			reply(p, con, m->mid, t, len);
		return;
	}

	if (dev.payload) {
		pl = (const u8 *)dev.payload;
		plen = strlen(dev.payload);
	} else if (m->payload_len) {
		plen = m->payload_len;
		if (plen > sizeof(plbuf) - 3)
			plen = sizeof(plbuf) - 3;
		memcpy(plbuf, "ok:", 3);
		memcpy(plbuf + 3, m->payload, plen);
		pl = plbuf;
		plen += 3;
	} else {
		pl = (const u8 *)"ok";
		plen = 2;
	}

	if (dev.delay < 0) {
		if (con)
			len = build_response(COAP_TYPE_ACK, dev.code, m->mid,
					     m->token, m->tkl, pl, plen);
		else
			len = build_response(COAP_TYPE_NON, dev.code,
					     dev.next_mid++, m->token, m->tkl,
					     pl, plen);
		if (len > 0)
			reply(p, con, m->mid, t, len);
		return;
	}

	/* Separate: the empty ACK now, the response later. */
	if (con) {
		len = coap_build_empty_ack(txbuf, sizeof(txbuf), m->mid);
		if (len > 0)
			reply(p, true, m->mid, t, len);
	}
	len = build_response(con ? COAP_TYPE_CON : COAP_TYPE_NON, dev.code,
			     dev.next_mid, m->token, m->tkl, pl, plen);
	if (len > 0)
		pending_add(p, con, dev.next_mid++, t, len);
}

/* What coap_parse() refused: answer a CON as RFC 7252 says, if at all. */
static void handle_malformed(const struct peer *p, const struct coap_msg *m,
			     enum coap_err err)
{
	u8 code = coap_err_response(err);
	int len;

	if (err == COAP_ERR_TRUNC_HEADER || err == COAP_ERR_VERSION ||
	    m->type != COAP_TYPE_CON)
		return;
	if (code && COAP_CODE_CLASS(m->code) == 0 && m->code != COAP_CODE_EMPTY)
		len = build_response(COAP_TYPE_ACK, code, m->mid, m->token,
				     m->tkl, NULL, 0);
	else
		len = coap_build_rst(txbuf, sizeof(txbuf), m->mid);
	if (len > 0)
		send_to(p, txbuf, len);
}

static void handle_datagram(const struct peer *p, size_t n, double t)
{
	struct coap_msg m;
	enum coap_err err;
	int len;

	memset(&m, 0, sizeof(m));
	err = coap_parse(rxbuf, n, &m, topic, sizeof(topic));
	if (err != COAP_OK) {
		printf("rx %.3f malformed %s\n", t, coap_err_str(err));
		handle_malformed(p, &m, err);
		return;
	}
	printf("rx %.3f", t);
	print_header(m.type, m.code, m.mid, m.token, m.tkl);
	print_addr(&p->addr);
	print_path(m.topic, m.topic_empty ? 0 : m.topic_len);
	putchar('\n');

	switch (m.type) {
	case COAP_TYPE_ACK:
	case COAP_TYPE_RST:
		pending_match(p, &m);
		break;
	case COAP_TYPE_CON:
	case COAP_TYPE_NON:
		if (COAP_CODE_CLASS(m.code) == 0 && m.code != COAP_CODE_EMPTY) {
			handle_request(p, &m, t);
		} else if (m.type == COAP_TYPE_CON) {
			/* A ping, or a response we have no context for. */
			len = coap_build_rst(txbuf, sizeof(txbuf), m.mid);
			if (len > 0)
				send_to(p, txbuf, len);
		}
		break;
	}
}

static int open_socket(const char *addr, int port)
{
	struct addrinfo hints = {
		.ai_family = AF_UNSPEC, .ai_socktype = SOCK_DGRAM,
		.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV | AI_PASSIVE,
	};
	struct addrinfo *ai;
	char serv[8];
	int fd, one = 1, zero = 0, ret;

	snprintf(serv, sizeof(serv), "%d", port);
	ret = getaddrinfo(addr, serv, &hints, &ai);
	if (ret) {
		fprintf(stderr, "coap_device: bad address \"%s\": %s\n", addr,
			gai_strerror(ret));
		exit(2);
	}
	fd = socket(ai->ai_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		goto err;
	if (ai->ai_family == AF_INET6) {
		if (setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &zero,
			       sizeof(zero)) ||
		    setsockopt(fd, IPPROTO_IPV6, IPV6_RECVPKTINFO, &one,
			       sizeof(one)))
			goto err;
	} else if (setsockopt(fd, IPPROTO_IP, IP_PKTINFO, &one, sizeof(one))) {
		goto err;
	}
	if (bind(fd, ai->ai_addr, ai->ai_addrlen))
		goto err;
	freeaddrinfo(ai);
	return fd;
err:
	fprintf(stderr, "coap_device: %s port %d: %s\n", addr, port,
		strerror(errno));
	exit(1);
}

int main(int argc, char **argv)
{
	const char *addr = "::";
	struct sigaction sa = { .sa_handler = on_signal };
	int port = 5683, opt;

	while ((opt = getopt(argc, argv, "l:p:n:c:P:f:i:s:t:r")) != -1) {
		switch (opt) {
		case 'l':
			addr = optarg;
			break;
		case 'p':
			port = (int)parse_num(optarg, 1, 65535);
			break;
		case 'n':
			dev.count = parse_num(optarg, 0, LONG_MAX);
			break;
		case 'c':
			dev.code = parse_code(optarg);
			break;
		case 'P':
			dev.payload = optarg;
			break;
		case 'f':
			dev.format = (int)parse_num(optarg, 0, 65535);
			break;
		case 'i':
			dev.ignore = parse_num(optarg, 0, LONG_MAX);
			break;
		case 's':
			dev.delay = parse_num(optarg, 0, INT_MAX);
			break;
		case 't':
			dev.ack_timeout = parse_num(optarg, 1, 1000000);
			break;
		case 'r':
			dev.reset = true;
			break;
		default:
			usage();
		}
	}
	if (optind != argc)
		usage();

	setvbuf(stdout, NULL, _IOLBF, 0);
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	dev.next_mid = (u16)(getpid() * 7919 + (unsigned int)now_ms());
	dev.fd = open_socket(addr, port);

	while (!stop) {
		union {
			char buf[CMSG_SPACE(sizeof(struct in6_pktinfo)) +
				 CMSG_SPACE(sizeof(struct in_pktinfo))];
			struct cmsghdr align;
		} ctl;
		struct pollfd pfd = { .fd = dev.fd, .events = POLLIN };
		struct peer p;
		struct iovec iov = { .iov_base = rxbuf, .iov_len = sizeof(rxbuf) };
		struct msghdr msg = {
			.msg_name = &p.addr, .msg_namelen = sizeof(p.addr),
			.msg_iov = &iov, .msg_iovlen = 1,
			.msg_control = ctl.buf, .msg_controllen = sizeof(ctl.buf),
		};
		ssize_t n;

		if (dev.count && dev.handled >= dev.count && !pending_any())
			break;
		if (poll(&pfd, 1, pending_wait(now_ms())) < 0 &&
		    errno != EINTR) {
			perror("coap_device: poll");
			return 1;
		}
		if (pfd.revents & POLLIN) {
			memset(&p, 0, sizeof(p));
			n = recvmsg(dev.fd, &msg, MSG_DONTWAIT);
			if (n >= 0) {
				p.alen = msg.msg_namelen;
				peer_set_local(&p, &msg);
				handle_datagram(&p, (size_t)n, now_ms());
			} else if (errno != EAGAIN && errno != EINTR) {
				/* e.g. an ICMP error reported: carry on. */
				fprintf(stderr, "coap_device: recvmsg: %s\n",
					strerror(errno));
			}
		}
		pending_run(now_ms());
	}
	close(dev.fd);
	return 0;
}
