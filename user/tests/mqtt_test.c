// SPDX-License-Identifier: GPL-2.0
/*
 * The MQTT 3.1.1 / 5.0 stream parser (kmod/proto/mqtt.c): hand-built valid
 * streams of both levels, fed whole, a byte at a time and split at every
 * point (same event log each time), their prefixes (never an error), and
 * malformed packets, each with the exact error code it must give.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "proto/mqtt.h"
#include "kselftest_harness.h"

/* Bytes and their count, for the tables. */
#define B(...) (const u8[]){ __VA_ARGS__ }, sizeof((const u8[]){ __VA_ARGS__ })
/* Protocol name "MQTT" with its length */
#define MQ 0, 4, 'M', 'Q', 'T', 'T'

#define C0 MQTT_ROLE_CLIENT, 0
#define C4 MQTT_ROLE_CLIENT, MQTT_LEVEL_311
#define C5 MQTT_ROLE_CLIENT, MQTT_LEVEL_5
#define S4 MQTT_ROLE_SERVER, MQTT_LEVEL_311
#define S5 MQTT_ROLE_SERVER, MQTT_LEVEL_5
#define SX MQTT_ROLE_SERVER, 0

#define NO_MAP (-1)
#define PAYLOAD_ALL (-2)
#define PAYLOAD_NONE (-1)
#define MAX_PK 64
#define LOG_MAX 65536

/* One parser run: the stream, its alias map and what it reported. */
struct run {
	struct mqtt_stream s;
	struct mqtt_alias_map map;
	char log[LOG_MAX];
	size_t log_len;
	/* the PACKET and ERROR events alone, as in log */
	char hlog[LOG_MAX];
	size_t hlog_len;
	int mirror;		/* logf_() writes to hlog too */
	/*
	 * PAYLOAD_ALL: the default, PAYLOAD and END events for every packet;
	 * PAYLOAD_NONE: mqtt_stream_set_payload_events() off; N >= 0: off
	 * but for the packet of index N (switched on after its PACKET).
	 */
	int payload_for;
	int stopped;
	int err;		/* the ERROR's code, 0 if none */
	int detail;
	size_t err_pos;		/* stream offset just after the error */
	size_t pos;		/* bytes consumed so far */
	char bad[200];		/* first broken invariant */
	u32 next_off;		/* of the next PAYLOAD */
	u32 payload_len;
	int in_data;
	int npk;		/* PACKET events, copied below */
	struct mqtt_event pk[MAX_PK];
	u8 hdr[MAX_PK][MQTT_HDR_MAX];
	char topic[MAX_PK][MQTT_HDR_MAX + 1];
	int ends;
	u32 payload_total;
};

static void logf_(struct run *r, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Append to one of a run's logs, LOG_MAX bytes at most. */
static void log_vf(char *log, size_t *len, const char *fmt, va_list ap)
{
	int n;

	if (*len >= LOG_MAX - 1)
		return;
	n = vsnprintf(log + *len, LOG_MAX - *len, fmt, ap);
	if (n > 0)
		*len += (size_t)n;
	if (*len >= LOG_MAX)
		*len = LOG_MAX - 1;
}

static void logf_(struct run *r, const char *fmt, ...)
{
	va_list ap, aq;

	va_start(ap, fmt);
	va_copy(aq, ap);
	log_vf(r->log, &r->log_len, fmt, ap);
	if (r->mirror)
		log_vf(r->hlog, &r->hlog_len, fmt, aq);
	va_end(aq);
	va_end(ap);
}

static void bad(struct run *r, const char *what)
{
	if (!r->bad[0])
		snprintf(r->bad, sizeof(r->bad), "%s at %zu", what, r->pos);
}

static void log_bytes(struct run *r, const void *p, size_t n)
{
	const u8 *b = p;
	size_t i;

	for (i = 0; i < n; i++) {
		if (b[i] >= 0x20 && b[i] < 0x7f && b[i] != '\'' &&
		    b[i] != '\\')
			logf_(r, "%c", b[i]);
		else
			logf_(r, "\\x%02x", b[i]);
	}
}

static void log_span(struct run *r, const char *name,
		     const struct mqtt_event *ev, struct mqtt_span sp)
{
	if (!sp.len)
		return;
	if (sp.off + sp.len > ev->hdr_len) {
		bad(r, "span outside the header");
		return;
	}
	logf_(r, " %s'", name);
	log_bytes(r, ev->hdr + sp.off, sp.len);
	logf_(r, "'");
}

static void log_packet(struct run *r, const struct mqtt_event *ev)
{
	const struct mqtt_props *p = &ev->props;
	struct mqtt_span f;
	u16 pos = 0;
	u8 opt;
	int i;

	logf_(r, "P%u f%x rl%u L%u F%x", ev->type, ev->flags, ev->remaining,
	      ev->level, ev->evflags);
	if (ev->packet_id)
		logf_(r, " id%u", ev->packet_id);
	if (ev->reason)
		logf_(r, " rc%02x", ev->reason);
	if (ev->qos)
		logf_(r, " q%u", ev->qos);
	if (ev->type == MQTT_PUBLISH && !(ev->evflags & MQTT_EVF_HDR_TOOLONG)) {
		logf_(r, " pl%u", ev->payload_len);
		if (ev->topic) {
			logf_(r, " t'");
			log_bytes(r, ev->topic, ev->topic_len);
			logf_(r, "'");
		}
	}
	if (ev->type == MQTT_CONNECT) {
		logf_(r, " cf%02x ka%u cid'%s'", ev->connect_flags,
		      ev->keepalive, ev->client_id_copy);
		log_span(r, "will", ev, ev->will_topic);
		log_span(r, "user", ev, ev->username);
		if (ev->will_payload_len)
			logf_(r, " wpl%u", ev->will_payload_len);
		if (ev->password_len)
			logf_(r, " pwl%u", ev->password_len);
		if (ev->will_props.len)
			logf_(r, " wp%u", ev->will_props.len);
	}
	if (ev->ack_flags)
		logf_(r, " ack%x", ev->ack_flags);
	if (ev->type == MQTT_SUBSCRIBE || ev->type == MQTT_UNSUBSCRIBE) {
		logf_(r, " n%u", ev->count);
		while (mqtt_next_filter(ev, &pos, &f, &opt)) {
			log_span(r, "", ev, f);
			logf_(r, ":%x", opt);
		}
	}
	if (ev->type == MQTT_SUBACK || ev->type == MQTT_UNSUBACK) {
		logf_(r, " n%u", ev->count);
		for (i = 0; i < ev->list.len; i++)
			logf_(r, " %02x", ev->hdr[ev->list.off + i]);
	}
	if (p->present) {
		logf_(r, " pr%llx", (unsigned long long)p->present);
		if (p->user_count)
			logf_(r, " u%u", p->user_count);
		for (i = 0; i < p->user_count && i < MQTT_USER_PROPS; i++) {
			log_span(r, "k", ev, p->user[i][0]);
			log_span(r, "v", ev, p->user[i][1]);
		}
		for (i = 0; i < p->sub_id_count && i < MQTT_SUB_IDS; i++)
			logf_(r, " sid%u", p->sub_id[i]);
		if (p->topic_alias)
			logf_(r, " ta%u", p->topic_alias);
		log_span(r, "ct", ev, p->content_type);
		log_span(r, "rt", ev, p->response_topic);
		log_span(r, "rs", ev, p->reason_string);
		log_span(r, "am", ev, p->auth_method);
	}
}

/* Keep a copy of a PACKET event, its header and its topic. */
static void keep_packet(struct run *r, const struct mqtt_event *ev)
{
	struct mqtt_event *k;

	if (r->npk >= MAX_PK)
		return;
	k = &r->pk[r->npk];
	*k = *ev;
	if (ev->hdr_len > MQTT_HDR_MAX) {
		bad(r, "hdr_len > MQTT_HDR_MAX");
		return;
	}
	if (ev->hdr_len)
		memcpy(r->hdr[r->npk], ev->hdr, ev->hdr_len);
	k->hdr = r->hdr[r->npk];
	if (ev->topic) {
		memcpy(r->topic[r->npk], ev->topic, ev->topic_len);
		r->topic[r->npk][ev->topic_len] = '\0';
		k->topic = r->topic[r->npk];
	}
	r->npk++;
}

static void on_event(struct run *r, int ret, const struct mqtt_event *ev,
		     const u8 *d, size_t used)
{
	switch (ret) {
	case MQTT_EV_PACKET:
		if (r->in_data)
			bad(r, "PACKET inside a packet");
		/* without payload events, only the chosen packet has data */
		r->in_data = r->payload_for == PAYLOAD_ALL ||
			r->payload_for == r->npk;
		r->next_off = 0;
		r->payload_len = ev->payload_len;
		if (ev->type == MQTT_PUBLISH &&
		    !(ev->evflags & MQTT_EVF_HDR_TOOLONG) &&
		    ev->payload_len + ev->hdr_len != ev->remaining)
			bad(r, "payload_len + hdr_len != remaining");
		r->mirror = 1;
		log_packet(r, ev);
		r->mirror = 0;
		/* a packet a line, as END ends them in log */
		if (r->hlog_len < LOG_MAX - 1) {
			r->hlog[r->hlog_len++] = '\n';
			r->hlog[r->hlog_len] = '\0';
		}
		keep_packet(r, ev);
		break;
	case MQTT_EV_PAYLOAD:
		if (!r->in_data || ev->type != MQTT_PUBLISH)
			bad(r, "PAYLOAD outside a PUBLISH");
		if (ev->data != d || ev->len != used || !used)
			bad(r, "PAYLOAD not the consumed bytes");
		if (ev->offset != r->next_off)
			bad(r, "PAYLOAD offset not contiguous");
		if (ev->payload_len != r->payload_len ||
		    ev->offset + ev->len > ev->payload_len)
			bad(r, "PAYLOAD beyond payload_len");
		if (!ev->offset)
			logf_(r, " D'");
		log_bytes(r, ev->data, ev->len);
		r->next_off += ev->len;
		r->payload_total += ev->len;
		break;
	case MQTT_EV_END:
		if (!r->in_data)
			bad(r, "END without PACKET");
		if (r->next_off)
			logf_(r, "'");
		if (r->next_off != r->payload_len &&
		    !(r->npk && (r->pk[r->npk - 1].evflags &
				 MQTT_EVF_HDR_TOOLONG)))
			bad(r, "END before the payload's end");
		r->in_data = 0;
		r->ends++;
		logf_(r, " E%u\n", ev->type);
		break;
	case MQTT_EV_ERROR:
		r->err = ev->err;
		r->detail = ev->detail;
		r->err_pos = r->pos + used;
		r->mirror = 1;
		logf_(r, "X%u/%u@%zu %s\n", ev->err, ev->detail, r->err_pos,
		      mqtt_err_str(ev->err));
		r->mirror = 0;
		break;
	}
}

static void feed(struct run *r, const u8 *d, size_t n)
{
	struct mqtt_event ev;
	size_t used;
	int ret, calls = 0;

	while (!r->stopped) {
		used = 12345;
		if (r->payload_for != PAYLOAD_ALL)
			mqtt_stream_set_payload_events(&r->s, r->in_data);
		ret = mqtt_stream_next(&r->s, d, n, &used, &ev);
		if (used > n) {
			bad(r, "consumed more than given");
			r->stopped = 1;
			return;
		}
		if (ret != MQTT_EV_PAYLOAD && ret != MQTT_EV_NEED_MORE &&
		    ret != MQTT_EV_PACKET && ret != MQTT_EV_END &&
		    ret != MQTT_EV_ERROR)
			bad(r, "unknown event");
		on_event(r, ret, &ev, d, used);
		if (used) {
			d += used;
			n -= used;
		}
		r->pos += used;
		if (ret == MQTT_EV_NEED_MORE) {
			if (n)
				bad(r, "NEED_MORE with bytes left");
			return;
		}
		if (ret == MQTT_EV_ERROR) {
			r->stopped = 1;
			return;
		}
		if (++calls > 100000) {
			bad(r, "no progress");
			r->stopped = 1;
			return;
		}
	}
}

struct setup {
	u8 role;
	u8 level;
	int amax;	/* alias map maximum, NO_MAP: none */
};

/* A run of @su; @payload_for: struct run's */
static struct run *run_new(const struct setup *su, int payload_for)
{
	struct run *r = calloc(1, sizeof(*r));

	if (!r)
		abort();
	r->payload_for = payload_for;
	mqtt_stream_init(&r->s, su->role, su->level);
	if (su->amax != NO_MAP) {
		mqtt_alias_init(&r->map, su->amax);
		mqtt_stream_set_aliases(&r->s, &r->map);
	}
	return r;
}

/*
 * Feed @n bytes in pieces of @step (0: whole), or split at @cut, with
 * payload events as @payload_for says (struct run).
 */
static struct run *run_fed_for(const struct setup *su, int payload_for,
			       const u8 *d, size_t n, size_t step, size_t cut)
{
	struct run *r = run_new(su, payload_for);
	size_t i, k;

	if (cut) {
		feed(r, d, cut);
		feed(r, d + cut, n - cut);
	} else if (step) {
		for (i = 0; i < n && !r->stopped; i += k) {
			k = n - i < step ? n - i : step;
			feed(r, d + i, k);
		}
	} else {
		feed(r, d, n);
	}
	feed(r, NULL, 0);
	return r;
}

static struct run *run_fed(const struct setup *su, const u8 *d, size_t n,
			   size_t step, size_t cut)
{
	return run_fed_for(su, PAYLOAD_ALL, d, n, step, cut);
}

static struct run *run_whole(const struct setup *su, const u8 *d, size_t n)
{
	return run_fed(su, d, n, 0, 0);
}

/*
 * Fed whole, a byte at a time, in 7-byte pieces and split at every point:
 * the same events. Returns the whole run, for the caller to check and free.
 */
static struct run *check_splits(struct __test_metadata *_metadata,
				const struct setup *su, const u8 *d, size_t n)
{
	struct run *w = run_whole(su, d, n), *o;
	size_t cut;

	EXPECT_STREQ("", w->bad);
	o = run_fed(su, d, n, 1, 0);
	EXPECT_STREQ(w->log, o->log);
	EXPECT_STREQ("", o->bad);
	free(o);
	o = run_fed(su, d, n, 7, 0);
	EXPECT_STREQ(w->log, o->log);
	free(o);
	for (cut = 1; cut < n; cut++) {
		o = run_fed(su, d, n, 0, cut);
		EXPECT_STREQ(w->log, o->log) TH_LOG("split at %zu", cut);
		EXPECT_STREQ("", o->bad) TH_LOG("split at %zu", cut);
		free(o);
		if (!_metadata->passed)
			break;
	}
	return w;
}

/* Every prefix of a valid stream waits for more: no error. */
static void check_prefixes(struct __test_metadata *_metadata,
			   const struct setup *su, const u8 *d, size_t n)
{
	struct run *r;
	size_t k;

	for (k = 0; k < n; k++) {
		r = run_whole(su, d, k);
		EXPECT_EQ(0, r->err) TH_LOG("prefix %zu: %s", k, r->log);
		EXPECT_STREQ("", r->bad) TH_LOG("prefix %zu", k);
		free(r);
		if (!_metadata->passed)
			break;
	}
}

static int span_is(const struct mqtt_event *ev, struct mqtt_span sp,
		   const char *s)
{
	return sp.len == strlen(s) && !memcmp(ev->hdr + sp.off, s, sp.len);
}

/*
 * Valid streams.
 */

#define CONNECT_311_FULL \
	0x10, 0x1f, MQ, 4, 0xee, 0, 60, 0, 2, 'c', '1', \
	0, 3, 'w', '/', 't', 0, 3, 'b', 'y', 'e', 0, 1, 'u', 0, 2, 'p', 'w'

static const u8 v311_client_b[] = {
	CONNECT_311_FULL,
	/* PUBLISH QoS 0 "a/b" "hi" */
	0x30, 7, 0, 3, 'a', '/', 'b', 'h', 'i',
	/* PUBLISH QoS 1 id 7 "hello" */
	0x32, 12, 0, 3, 'a', '/', 'b', 0, 7, 'h', 'e', 'l', 'l', 'o',
	/* PUBLISH QoS 2 DUP RETAIN id 8 "x" */
	0x3d, 6, 0, 1, 't', 0, 8, 'x',
	/* PUBLISH QoS 1, empty payload */
	0x32, 5, 0, 1, 't', 0, 9,
	0x40, 2, 0, 7,			/* PUBACK */
	0x50, 2, 0, 8,			/* PUBREC */
	0x62, 2, 0, 8,			/* PUBREL */
	0x70, 2, 0, 8,			/* PUBCOMP */
	/* SUBSCRIBE id 10: a/b QoS 1, c/# QoS 2, + QoS 0 */
	0x82, 18, 0, 10, 0, 3, 'a', '/', 'b', 1, 0, 3, 'c', '/', '#', 2,
	0, 1, '+', 0,
	/* UNSUBSCRIBE id 11: a/b, # */
	0xa2, 10, 0, 11, 0, 3, 'a', '/', 'b', 0, 1, '#',
	0xc0, 0,			/* PINGREQ */
	0xe0, 0,			/* DISCONNECT */
};

static const u8 v311_server_b[] = {
	0x20, 2, 1, 0,				/* CONNACK session present */
	0x90, 5, 0, 10, 1, 2, 0x80,		/* SUBACK */
	0xb0, 2, 0, 11,				/* UNSUBACK */
	0x32, 9, 0, 3, 'a', '/', 'b', 0, 1, '4', '2',	/* PUBLISH QoS 1 */
	0x62, 2, 0, 1,				/* PUBREL */
	0xd0, 0,				/* PINGRESP */
};

#define CONNECT_5 \
	0x10, 27, MQ, 5, 0x02, 0, 60, \
	11, 0x11, 0, 0, 0, 60, 0x21, 0, 10, 0x22, 0, 5, \
	0, 3, 'v', '5', 'c'

static const u8 v5_client_b[] = {
	CONNECT_5,
	/* PUBLISH QoS 1 id 5 with every PUBLISH property, alias 1 */
	0x32, 62, 0, 3, 'a', '/', 'b', 0, 5, 50,
	0x01, 1,
	0x02, 0, 0, 0, 60,
	0x03, 0, 10, 't', 'e', 'x', 't', '/', 'p', 'l', 'a', 'i', 'n',
	0x08, 0, 3, 'r', '/', 'x',
	0x09, 0, 2, 1, 2,
	0x26, 0, 1, 'k', 0, 1, 'v',
	0x26, 0, 2, 'k', '2', 0, 2, 'v', '2',
	0x23, 0, 1,
	'd', 'a', 't', 'a',
	/* PUBLISH QoS 0 by alias 1 */
	0x30, 7, 0, 0, 3, 0x23, 0, 1, 'z',
	/* PUBLISH QoS 2 id 9, no properties */
	0x34, 8, 0, 1, 't', 0, 9, 0, 'p', 'p',
	/* PUBLISH QoS 0, no payload */
	0x30, 4, 0, 1, 't', 0,
	0x40, 2, 0, 5,				/* PUBACK short */
	0x40, 3, 0, 5, 0x10,			/* PUBACK no subscribers */
	0x50, 10, 0, 6, 0x80, 6, 0x1f, 0, 3, 'b', 'a', 'd',	/* PUBREC */
	0x62, 3, 0, 6, 0x92,			/* PUBREL not found */
	0x70, 4, 0, 6, 0, 0,			/* PUBCOMP */
	/* SUBSCRIBE id 1, subscription id 5: a/b (QoS 1 NL RAP RH 1), */
	/* $share/g/s/# QoS 2 */
	0x82, 26, 0, 1, 2, 0x0b, 5, 0, 3, 'a', '/', 'b', 0x1d,
	0, 12, '$', 's', 'h', 'a', 'r', 'e', '/', 'g', '/', 's', '/', '#', 2,
	/* UNSUBSCRIBE id 2 */
	0xa2, 8, 0, 2, 0, 0, 3, 'a', '/', 'b',
	/* AUTH continue, method SCRM, data 01 02 */
	0xf0, 14, 0x18, 12, 0x15, 0, 4, 'S', 'C', 'R', 'M',
	0x16, 0, 2, 1, 2,
	0xc0, 0,				/* PINGREQ */
	/* DISCONNECT, session expiry 0 */
	0xe0, 7, 0, 5, 0x11, 0, 0, 0, 0,
};

static const u8 v5_server_b[] = {
	/* CONNACK: alias max 10, max QoS 1, assigned id, keepalive 30 */
	0x20, 17, 0, 0, 14, 0x22, 0, 10, 0x24, 1,
	0x12, 0, 3, 'c', 'i', 'd', 0x13, 0, 30,
	0x90, 5, 0, 1, 0, 1, 2,			/* SUBACK */
	0xb0, 5, 0, 2, 0, 0, 0x11,		/* UNSUBACK */
	/* PUBLISH QoS 0 with subscription ids 1 and 2 */
	0x30, 9, 0, 1, 's', 4, 0x0b, 1, 0x0b, 2, 'q',
	0x40, 2, 0, 5,				/* PUBACK */
	0xf0, 9, 0x18, 7, 0x15, 0, 4, 'S', 'C', 'R', 'M',	/* AUTH */
	0xd0, 0,				/* PINGRESP */
	0xe0, 2, 0x8b, 0,			/* DISCONNECT shutting down */
};

/* v5 CONNECT with will properties, will, user name and password */
static const u8 v5_connect_will_b[] = {
	0x10, 47, MQ, 5, 0xc6, 0, 60, 0, 0, 1, 'x',
	14, 0x18, 0, 0, 0, 5, 0x01, 1, 0x03, 0, 4, 't', 'e', 'x', 't',
	0, 3, 'l', 'w', 't', 0, 2, 0xde, 0xad, 0, 2, 'u', 'u',
	0, 3, 'p', 'p', 'p',
	0xc0, 0,
};

static const struct setup su_c0 = { C0, NO_MAP };
static const struct setup su_s4 = { S4, NO_MAP };
static const struct setup su_s5 = { S5, NO_MAP };
static const struct setup su_c0_map = { C0, 10 };
static const struct setup su_c5_map = { C5, 10 };

TEST(sizes)
{
	EXPECT_GE(512, MQTT_HDR_MAX);
	/* 64-bit: a pointer, 24 bytes of state, the header buffer */
	EXPECT_EQ(32 + MQTT_HDR_MAX, sizeof(struct mqtt_stream));
	EXPECT_EQ(2050, sizeof(struct mqtt_alias_map));
	EXPECT_GE(256, sizeof(struct mqtt_event));
}

TEST(v311_client_fields)
{
	struct run *r = check_splits(_metadata, &su_c0, v311_client_b,
				     sizeof(v311_client_b));
	const struct mqtt_event *p = r->pk;
	struct mqtt_span f;
	u16 pos = 0;
	u8 opt;

	ASSERT_EQ(0, r->err);
	ASSERT_EQ(13, r->npk);
	EXPECT_EQ(13, r->ends);
	EXPECT_EQ(MQTT_LEVEL_311, mqtt_stream_level(&r->s));

	EXPECT_EQ(MQTT_CONNECT, p[0].type);
	EXPECT_EQ(MQTT_LEVEL_311, p[0].level);
	EXPECT_EQ(0xee, p[0].connect_flags);
	EXPECT_EQ(60, p[0].keepalive);
	EXPECT_STREQ("c1", p[0].client_id_copy);
	EXPECT_TRUE(span_is(&p[0], p[0].client_id, "c1"));
	EXPECT_TRUE(span_is(&p[0], p[0].will_topic, "w/t"));
	EXPECT_TRUE(span_is(&p[0], p[0].username, "u"));
	EXPECT_EQ(3, p[0].will_payload_len);
	EXPECT_EQ(2, p[0].password_len);
	/* will payload and password are not buffered */
	EXPECT_EQ(31 - 5 - 4 + 2 + 2, p[0].hdr_len);

	EXPECT_EQ(MQTT_PUBLISH, p[1].type);
	EXPECT_EQ(0, p[1].qos);
	EXPECT_STREQ("a/b", p[1].topic);
	EXPECT_EQ(2, p[1].payload_len);
	EXPECT_EQ(1, p[2].qos);
	EXPECT_EQ(7, p[2].packet_id);
	EXPECT_EQ(5, p[2].payload_len);
	EXPECT_EQ(2, p[3].qos);
	EXPECT_EQ(MQTT_PUB_DUP | MQTT_PUB_RETAIN | 4, p[3].flags);
	EXPECT_EQ(8, p[3].packet_id);
	EXPECT_EQ(0, p[4].payload_len);
	EXPECT_EQ(9, p[4].packet_id);
	EXPECT_EQ(MQTT_PUBACK, p[5].type);
	EXPECT_EQ(7, p[5].packet_id);
	EXPECT_EQ(MQTT_PUBREL, p[7].type);
	EXPECT_EQ(2, p[7].flags);

	EXPECT_EQ(MQTT_SUBSCRIBE, p[9].type);
	EXPECT_EQ(10, p[9].packet_id);
	EXPECT_EQ(3, p[9].count);
	ASSERT_TRUE(mqtt_next_filter(&p[9], &pos, &f, &opt));
	EXPECT_TRUE(span_is(&p[9], f, "a/b"));
	EXPECT_EQ(1, opt);
	ASSERT_TRUE(mqtt_next_filter(&p[9], &pos, &f, &opt));
	EXPECT_TRUE(span_is(&p[9], f, "c/#"));
	EXPECT_EQ(2, opt);
	ASSERT_TRUE(mqtt_next_filter(&p[9], &pos, &f, &opt));
	EXPECT_TRUE(span_is(&p[9], f, "+"));
	EXPECT_EQ(0, opt);
	EXPECT_FALSE(mqtt_next_filter(&p[9], &pos, &f, &opt));

	EXPECT_EQ(MQTT_UNSUBSCRIBE, p[10].type);
	EXPECT_EQ(2, p[10].count);
	EXPECT_EQ(MQTT_PINGREQ, p[11].type);
	EXPECT_EQ(MQTT_DISCONNECT, p[12].type);
	EXPECT_EQ(0, p[12].remaining);
	free(r);
	check_prefixes(_metadata, &su_c0, v311_client_b, sizeof(v311_client_b));
}

TEST(v311_client_log)
{
	struct run *r = run_whole(&su_c0, v311_client_b, sizeof(v311_client_b));

	EXPECT_STREQ(
		"P1 f0 rl31 L4 F0 cfee ka60 cid'c1' will'w/t' user'u' wpl3 pwl2 E1\n"
		"P3 f0 rl7 L4 F0 pl2 t'a/b' D'hi' E3\n"
		"P3 f2 rl12 L4 F0 id7 q1 pl5 t'a/b' D'hello' E3\n"
		"P3 fd rl6 L4 F0 id8 q2 pl1 t't' D'x' E3\n"
		"P3 f2 rl5 L4 F0 id9 q1 pl0 t't' E3\n"
		"P4 f0 rl2 L4 F0 id7 E4\n"
		"P5 f0 rl2 L4 F0 id8 E5\n"
		"P6 f2 rl2 L4 F0 id8 E6\n"
		"P7 f0 rl2 L4 F0 id8 E7\n"
		"P8 f2 rl18 L4 F0 id10 n3 'a/b':1 'c/#':2 '+':0 E8\n"
		"P10 f2 rl10 L4 F0 id11 n2 'a/b':0 '#':0 E10\n"
		"P12 f0 rl0 L4 F0 E12\n"
		"P14 f0 rl0 L4 F0 E14\n", r->log);
	free(r);
}

TEST(v311_server)
{
	struct run *r = check_splits(_metadata, &su_s4, v311_server_b,
				     sizeof(v311_server_b));

	EXPECT_STREQ(
		"P2 f0 rl2 L4 F0 ack1 E2\n"
		"P9 f0 rl5 L4 F0 id10 n3 01 02 80 E9\n"
		"P11 f0 rl2 L4 F0 id11 n0 E11\n"
		"P3 f2 rl9 L4 F0 id1 q1 pl2 t'a/b' D'42' E3\n"
		"P6 f2 rl2 L4 F0 id1 E6\n"
		"P13 f0 rl0 L4 F0 E13\n", r->log);
	free(r);
	check_prefixes(_metadata, &su_s4, v311_server_b, sizeof(v311_server_b));
}

TEST(v5_client)
{
	struct run *r = check_splits(_metadata, &su_c0_map, v5_client_b,
				     sizeof(v5_client_b));
	const struct mqtt_event *p = r->pk;
	const struct mqtt_props *pr;

	ASSERT_EQ(0, r->err);
	ASSERT_EQ(15, r->npk);
	EXPECT_EQ(MQTT_LEVEL_5, mqtt_stream_level(&r->s));

	EXPECT_EQ(MQTT_LEVEL_5, p[0].level);
	EXPECT_STREQ("v5c", p[0].client_id_copy);
	pr = &p[0].props;
	EXPECT_EQ(MQTT_PROP_BIT(MQTT_PROP_SESSION_EXPIRY) |
		  MQTT_PROP_BIT(MQTT_PROP_RECEIVE_MAX) |
		  MQTT_PROP_BIT(MQTT_PROP_TOPIC_ALIAS_MAX), pr->present);
	EXPECT_EQ(60, pr->session_expiry);
	EXPECT_EQ(10, pr->receive_max);
	EXPECT_EQ(5, pr->topic_alias_max);

	pr = &p[1].props;
	EXPECT_STREQ("a/b", p[1].topic);
	EXPECT_EQ(5, p[1].packet_id);
	EXPECT_EQ(4, p[1].payload_len);
	EXPECT_EQ(MQTT_EVF_ALIAS_SET, p[1].evflags);
	EXPECT_EQ(1, pr->payload_format);
	EXPECT_EQ(60, pr->message_expiry);
	EXPECT_TRUE(span_is(&p[1], pr->content_type, "text/plain"));
	EXPECT_TRUE(span_is(&p[1], pr->response_topic, "r/x"));
	EXPECT_EQ(2, pr->correlation_data.len);
	EXPECT_EQ(2, pr->user_count);
	EXPECT_TRUE(span_is(&p[1], pr->user[0][0], "k"));
	EXPECT_TRUE(span_is(&p[1], pr->user[0][1], "v"));
	EXPECT_TRUE(span_is(&p[1], pr->user[1][0], "k2"));
	EXPECT_TRUE(span_is(&p[1], pr->user[1][1], "v2"));
	EXPECT_EQ(1, pr->topic_alias);

	/* by alias */
	EXPECT_EQ(MQTT_EVF_ALIAS_USED, p[2].evflags);
	EXPECT_STREQ("a/b", p[2].topic);
	EXPECT_EQ(3, p[2].topic_len);
	EXPECT_EQ(1, p[2].payload_len);

	EXPECT_EQ(2, p[3].qos);
	EXPECT_EQ(0, p[4].payload_len);
	EXPECT_EQ(0, p[5].reason);
	EXPECT_EQ(0x10, p[6].reason);
	EXPECT_EQ(0x80, p[7].reason);
	EXPECT_TRUE(span_is(&p[7], p[7].props.reason_string, "bad"));
	EXPECT_EQ(0x92, p[8].reason);
	EXPECT_EQ(MQTT_SUBSCRIBE, p[10].type);
	EXPECT_EQ(2, p[10].count);
	EXPECT_EQ(1, p[10].props.sub_id_count);
	EXPECT_EQ(5, p[10].props.sub_id[0]);
	EXPECT_EQ(MQTT_UNSUBSCRIBE, p[11].type);
	EXPECT_EQ(MQTT_AUTH, p[12].type);
	EXPECT_EQ(0x18, p[12].reason);
	EXPECT_TRUE(span_is(&p[12], p[12].props.auth_method, "SCRM"));
	EXPECT_EQ(2, p[12].props.auth_data.len);
	EXPECT_EQ(MQTT_DISCONNECT, p[14].type);
	EXPECT_EQ(0, p[14].props.session_expiry);
	EXPECT_TRUE(p[14].props.present &
		    MQTT_PROP_BIT(MQTT_PROP_SESSION_EXPIRY));
	free(r);
	check_prefixes(_metadata, &su_c0_map, v5_client_b, sizeof(v5_client_b));
}

TEST(v5_client_log)
{
	struct run *r = run_whole(&su_c0_map, v5_client_b, sizeof(v5_client_b));

	EXPECT_STREQ(
		"P1 f0 rl27 L5 F0 cf02 ka60 cid'v5c' pr600020000 E1\n"
		"P3 f2 rl62 L5 F4 id5 q1 pl4 t'a/b' pr480000030e u2 k'k' v'v'"
		" k'k2' v'v2' ta1 ct'text/plain' rt'r/x' D'data' E3\n"
		"P3 f0 rl7 L5 F8 pl1 t'a/b' pr800000000 ta1 D'z' E3\n"
		"P3 f4 rl8 L5 F0 id9 q2 pl2 t't' D'pp' E3\n"
		"P3 f0 rl4 L5 F0 pl0 t't' E3\n"
		"P4 f0 rl2 L5 F0 id5 E4\n"
		"P4 f0 rl3 L5 F0 id5 rc10 E4\n"
		"P5 f0 rl10 L5 F0 id6 rc80 pr80000000 rs'bad' E5\n"
		"P6 f2 rl3 L5 F0 id6 rc92 E6\n"
		"P7 f0 rl4 L5 F0 id6 E7\n"
		"P8 f2 rl26 L5 F0 id1 n2 'a/b':1d '$share/g/s/#':2 pr800"
		" sid5 E8\n"
		"P10 f2 rl8 L5 F0 id2 n1 'a/b':0 E10\n"
		"P15 f0 rl14 L5 F0 rc18 pr600000 am'SCRM' E15\n"
		"P12 f0 rl0 L5 F0 E12\n"
		"P14 f0 rl7 L5 F0 pr20000 E14\n", r->log);
	free(r);
}

TEST(v5_server)
{
	struct run *r = check_splits(_metadata, &su_s5, v5_server_b,
				     sizeof(v5_server_b));
	const struct mqtt_event *p = r->pk;

	ASSERT_EQ(0, r->err);
	ASSERT_EQ(8, r->npk);
	EXPECT_EQ(MQTT_CONNACK, p[0].type);
	EXPECT_EQ(10, p[0].props.topic_alias_max);
	EXPECT_EQ(1, p[0].props.max_qos);
	EXPECT_EQ(30, p[0].props.server_keepalive);
	EXPECT_TRUE(span_is(&p[0], p[0].props.assigned_client_id, "cid"));
	EXPECT_EQ(MQTT_SUBACK, p[1].type);
	EXPECT_EQ(2, p[1].count);
	EXPECT_EQ(MQTT_UNSUBACK, p[2].type);
	EXPECT_EQ(2, p[2].count);
	EXPECT_EQ(2, p[3].props.sub_id_count);
	EXPECT_EQ(1, p[3].props.sub_id[0]);
	EXPECT_EQ(2, p[3].props.sub_id[1]);
	EXPECT_EQ(MQTT_DISCONNECT, p[7].type);
	EXPECT_EQ(0x8b, p[7].reason);
	free(r);
	check_prefixes(_metadata, &su_s5, v5_server_b, sizeof(v5_server_b));
}

TEST(v5_connect_will)
{
	struct run *r = check_splits(_metadata, &su_c0, v5_connect_will_b,
				     sizeof(v5_connect_will_b));
	const struct mqtt_event *p = r->pk;

	ASSERT_EQ(0, r->err);
	ASSERT_EQ(2, r->npk);
	EXPECT_EQ(0xc6, p[0].connect_flags);
	EXPECT_STREQ("x", p[0].client_id_copy);
	EXPECT_EQ(14, p[0].will_props.len);
	EXPECT_TRUE(span_is(&p[0], p[0].will_topic, "lwt"));
	EXPECT_EQ(2, p[0].will_payload_len);
	EXPECT_TRUE(span_is(&p[0], p[0].username, "uu"));
	EXPECT_EQ(3, p[0].password_len);
	EXPECT_EQ(47 - 2 - 3, p[0].hdr_len);
	EXPECT_EQ(MQTT_PINGREQ, p[1].type);
	free(r);
	check_prefixes(_metadata, &su_c0, v5_connect_will_b,
		       sizeof(v5_connect_will_b));
}

/* The client's CONNECT tells the server direction its level. */
TEST(level_handoff)
{
	static const u8 connack[] = { 0x20, 3, 0, 0, 0, 0xd0, 0 };
	static const struct setup cli = { C0, NO_MAP };
	struct run *c = run_whole(&cli, v5_client_b, 29);
	struct run *s;

	ASSERT_EQ(1, c->npk);
	ASSERT_EQ(MQTT_LEVEL_5, mqtt_stream_level(&c->s));
	s = calloc(1, sizeof(*s));
	ASSERT_NE(NULL, s);
	mqtt_stream_init(&s->s, MQTT_ROLE_SERVER, 0);
	feed(s, connack, sizeof(connack));
	EXPECT_EQ(MQTT_ERR_NO_LEVEL, s->err);
	mqtt_stream_init(&s->s, MQTT_ROLE_SERVER, 0);
	mqtt_stream_set_level(&s->s, mqtt_stream_level(&c->s));
	s->stopped = 0;
	s->err = 0;
	s->log_len = 0;
	s->npk = 0;
	feed(s, connack, sizeof(connack));
	EXPECT_EQ(0, s->err);
	EXPECT_EQ(2, s->npk);
	EXPECT_EQ(MQTT_LEVEL_5, s->pk[0].level);
	free(c);
	free(s);
}

/* Several packets in one buffer, all streams concatenated per role. */
TEST(many_in_one_buffer)
{
	u8 buf[1024];
	size_t n = sizeof(v311_client_b) - 2;	/* without the DISCONNECT */
	struct run *r;
	int extra = 0;

	memcpy(buf, v311_client_b, n);
	/* then the 3.1.1 QoS 0 PUBLISH, back to back */
	while (n + 9 <= sizeof(buf)) {
		memcpy(buf + n, v311_client_b + 33, 9);
		n += 9;
		extra++;
	}
	r = check_splits(_metadata, &su_c0, buf, n);
	EXPECT_EQ(0, r->err);
	EXPECT_EQ(12 + extra, r->ends);
	EXPECT_LT(90, extra);
	free(r);
}

/*
 * Packets larger than the header buffer.
 */

static size_t put_varint(u8 *p, u32 v)
{
	size_t n = 0;

	do {
		p[n] = v & 0x7f;
		v >>= 7;
		if (v)
			p[n] |= 0x80;
		n++;
	} while (v);
	return n;
}

static size_t put_str(u8 *p, const char *s, size_t len)
{
	p[0] = len >> 8;
	p[1] = len;
	memcpy(p + 2, s, len);
	return 2 + len;
}

/* A PUBLISH of @tlen topic bytes and @plen payload bytes. */
static size_t put_publish(u8 *p, u8 level, size_t tlen, size_t plen)
{
	static char t[2048], d[70000];
	size_t n = 0, rl = 2 + tlen + (level == 5 ? 1 : 0) + plen;

	memset(t, 'T', sizeof(t));
	memset(d, 'd', sizeof(d));
	p[n++] = 0x30;
	n += put_varint(p + n, rl);
	n += put_str(p + n, t, tlen);
	if (level == 5)
		p[n++] = 0;
	memcpy(p + n, d, plen);
	return n + plen;
}

TEST(large_payload)
{
	static u8 buf[80000];
	static const struct setup su = { C4, NO_MAP };
	size_t n;
	struct run *r;

	n = put_publish(buf, 4, 5, 70000);	/* 3-byte Remaining Length */
	n += put_publish(buf + n, 4, 1, 200);	/* 2-byte */
	n += put_publish(buf + n, 4, 2, 0);
	r = run_fed(&su, buf, n, 1, 0);
	EXPECT_STREQ("", r->bad);
	EXPECT_EQ(0, r->err);
	ASSERT_EQ(3, r->npk);
	EXPECT_EQ(70007, r->pk[0].remaining);
	EXPECT_EQ(70000, r->pk[0].payload_len);
	EXPECT_EQ(200, r->pk[1].payload_len);
	EXPECT_EQ(70200, r->payload_total);
	free(r);
	r = run_fed(&su, buf, n, 1000, 0);
	EXPECT_STREQ("", r->bad);
	EXPECT_EQ(3, r->ends);
	free(r);
}

/* A header that does not fit is reported and skipped, in sync. */
TEST(header_too_long)
{
	static u8 buf[4096];
	static const struct setup su4 = { C4, NO_MAP };
	static const struct setup su5 = { C5, 10 };
	size_t n;
	struct run *r;

	n = put_publish(buf, 4, 600, 10);
	n += put_publish(buf + n, 4, 3, 2);
	r = check_splits(_metadata, &su4, buf, n);
	EXPECT_EQ(0, r->err);
	ASSERT_EQ(2, r->npk);
	EXPECT_EQ(MQTT_EVF_HDR_TOOLONG, r->pk[0].evflags);
	EXPECT_EQ(MQTT_PUBLISH, r->pk[0].type);
	EXPECT_EQ(612, r->pk[0].remaining);
	EXPECT_EQ(NULL, r->pk[0].topic);
	EXPECT_EQ(0, r->pk[1].evflags);
	EXPECT_EQ(3, r->pk[1].topic_len);
	EXPECT_EQ(2, r->pk[1].payload_len);
	free(r);
	check_prefixes(_metadata, &su4, buf, n);

	/* just fits: 2 + 478 bytes of topic */
	n = put_publish(buf, 4, MQTT_HDR_MAX - 2, 1);
	r = run_whole(&su4, buf, n);
	ASSERT_EQ(1, r->npk);
	EXPECT_EQ(0, r->pk[0].evflags);
	EXPECT_EQ(MQTT_HDR_MAX, r->pk[0].hdr_len);
	free(r);
	n = put_publish(buf, 4, MQTT_HDR_MAX - 1, 1);
	r = run_whole(&su4, buf, n);
	ASSERT_EQ(1, r->npk);
	EXPECT_EQ(MQTT_EVF_HDR_TOOLONG, r->pk[0].evflags);
	free(r);

	/* v5: a SUBSCRIBE with 100 filters, then a PINGREQ */
	n = 0;
	buf[n++] = 0x82;
	n += put_varint(buf + n, 2 + 1 + 100 * 6);
	buf[n++] = 0;
	buf[n++] = 1;
	buf[n++] = 0;
	while (n < 3 + 3 + 100 * 6) {
		n += put_str(buf + n, "a/b", 3);
		buf[n++] = 1;
	}
	buf[n++] = 0xc0;
	buf[n++] = 0;
	r = check_splits(_metadata, &su5, buf, n);
	EXPECT_EQ(0, r->err);
	ASSERT_EQ(2, r->npk);
	EXPECT_EQ(MQTT_EVF_HDR_TOOLONG, r->pk[0].evflags);
	EXPECT_EQ(MQTT_SUBSCRIBE, r->pk[0].type);
	EXPECT_EQ(MQTT_PINGREQ, r->pk[1].type);
	free(r);
	/* ... but a bad filter within the first MQTT_HDR_MAX is an error */
	buf[3 + 3 + 6 * 10 + 2] = '#';
	r = run_whole(&su5, buf, n);
	EXPECT_EQ(MQTT_ERR_FILTER_HASH, r->err);
	free(r);
}

/* Long CONNECT password and will payload: skipped, not buffered. */
TEST(connect_long_blobs)
{
	static u8 buf[4096], blob[1500];
	size_t n = 0, rl;
	struct run *r;

	memset(blob, 'j', sizeof(blob));
	rl = 10 + 2 + 3 + (2 + 3) + (2 + 700) + (2 + 4) + (2 + 1500);
	buf[n++] = 0x10;
	n += put_varint(buf + n, rl);
	memcpy(buf + n, (const u8[]){ MQ, 4, 0xc6, 0, 30 }, 10);
	n += 10;
	n += put_str(buf + n, "dev", 3);
	n += put_str(buf + n, "l/w", 3);
	n += put_str(buf + n, (const char *)blob, 700);
	n += put_str(buf + n, "user", 4);
	n += put_str(buf + n, (const char *)blob, 1500);
	buf[n++] = 0xc0;
	buf[n++] = 0;
	r = check_splits(_metadata, &su_c0, buf, n);
	EXPECT_EQ(0, r->err);
	ASSERT_EQ(2, r->npk);
	EXPECT_EQ(0, r->pk[0].evflags);
	EXPECT_EQ(700, r->pk[0].will_payload_len);
	EXPECT_EQ(1500, r->pk[0].password_len);
	EXPECT_EQ(rl - 700 - 1500, r->pk[0].hdr_len);
	EXPECT_TRUE(span_is(&r->pk[0], r->pk[0].username, "user"));
	EXPECT_EQ(MQTT_PINGREQ, r->pk[1].type);
	free(r);
	check_prefixes(_metadata, &su_c0, buf, n);

	/* a client id too long to buffer: still learns the level */
	n = 0;
	buf[n++] = 0x10;
	n += put_varint(buf + n, 10 + 1 + 2 + 600);
	memcpy(buf + n, (const u8[]){ MQ, 5, 0x02, 0, 30, 0 }, 11);
	n += 11;
	n += put_str(buf + n, (const char *)blob, 600);
	buf[n++] = 0xc0;
	buf[n++] = 0;
	r = check_splits(_metadata, &su_c0, buf, n);
	EXPECT_EQ(0, r->err);
	ASSERT_EQ(2, r->npk);
	EXPECT_EQ(MQTT_EVF_HDR_TOOLONG, r->pk[0].evflags);
	EXPECT_EQ(MQTT_LEVEL_5, r->pk[0].level);
	EXPECT_EQ(MQTT_LEVEL_5, mqtt_stream_level(&r->s));
	free(r);
}

TEST(client_id_copy)
{
	static u8 buf[128];
	/* 30 ASCII bytes then a 3-byte character across the copy limit */
	static const char id[] = "abcdefghijklmnopqrstuvwxyz0123\xe2\x82\xac!";
	size_t n = 0, len = sizeof(id) - 1;
	struct run *r;

	buf[n++] = 0x10;
	buf[n++] = 10 + 2 + len;
	memcpy(buf + n, (const u8[]){ MQ, 4, 0x02, 0, 30 }, 10);
	n += 10;
	n += put_str(buf + n, id, len);
	r = run_whole(&su_c0, buf, n);
	ASSERT_EQ(1, r->npk);
	EXPECT_EQ(MQTT_EVF_CLIENT_ID_TRUNC, r->pk[0].evflags);
	EXPECT_STREQ("abcdefghijklmnopqrstuvwxyz0123", r->pk[0].client_id_copy);
	EXPECT_EQ(len, r->pk[0].client_id.len);
	free(r);

	/* exactly MQTT_CLIENT_ID_COPY - 1 bytes: not truncated */
	n = 0;
	buf[n++] = 0x10;
	buf[n++] = 10 + 2 + 31;
	memcpy(buf + n, (const u8[]){ MQ, 4, 0x02, 0, 30 }, 10);
	n += 10;
	n += put_str(buf + n, "abcdefghijklmnopqrstuvwxyz01234", 31);
	r = run_whole(&su_c0, buf, n);
	ASSERT_EQ(1, r->npk);
	EXPECT_EQ(0, r->pk[0].evflags);
	EXPECT_EQ(31, strlen(r->pk[0].client_id_copy));
	free(r);
}

/*
 * MQTT 5 topic aliases.
 */

TEST(alias_map)
{
	static const u8 s[] = {
		/* set 1 = a/b, set 2 = c */
		0x30, 9, 0, 3, 'a', '/', 'b', 3, 0x23, 0, 1,
		0x30, 7, 0, 1, 'c', 3, 0x23, 0, 2,
		/* use 2, use 1 */
		0x30, 6, 0, 0, 3, 0x23, 0, 2,
		0x30, 7, 0, 0, 3, 0x23, 0, 1, '!',
		/* rebind 1 = d/e, use 1 */
		0x30, 9, 0, 3, 'd', '/', 'e', 3, 0x23, 0, 1,
		0x30, 6, 0, 0, 3, 0x23, 0, 1,
		/* QoS 1 by alias 10 (the maximum): set, then use */
		0x32, 9, 0, 1, 'm', 0, 1, 3, 0x23, 0, 10,
		0x32, 8, 0, 0, 0, 2, 3, 0x23, 0, 10,
	};
	struct run *r = check_splits(_metadata, &su_c5_map, s, sizeof(s));

	EXPECT_EQ(0, r->err);
	ASSERT_EQ(8, r->npk);
	EXPECT_EQ(MQTT_EVF_ALIAS_SET, r->pk[0].evflags);
	EXPECT_EQ(MQTT_EVF_ALIAS_SET, r->pk[1].evflags);
	EXPECT_EQ(MQTT_EVF_ALIAS_USED, r->pk[2].evflags);
	EXPECT_STREQ("c", r->pk[2].topic);
	EXPECT_STREQ("a/b", r->pk[3].topic);
	EXPECT_EQ(1, r->pk[3].payload_len);
	EXPECT_STREQ("d/e", r->pk[5].topic);
	EXPECT_STREQ("m", r->pk[7].topic);
	EXPECT_EQ(2, r->pk[7].packet_id);
	free(r);
	check_prefixes(_metadata, &su_c5_map, s, sizeof(s));
}

TEST(alias_unresolved)
{
	static u8 buf[4096];
	static const struct setup nomap = { C5, NO_MAP };
	size_t n = 0;
	struct run *r;

	/* no map: set is not checked, use is unresolved, 0 still an error */
	static const u8 s[] = {
		0x30, 9, 0, 3, 'a', '/', 'b', 3, 0x23, 0, 99,
		0x30, 6, 0, 0, 3, 0x23, 0, 99,
		0x30, 6, 0, 0, 3, 0x23, 0, 0,
	};
	r = check_splits(_metadata, &nomap, s, sizeof(s));
	ASSERT_EQ(2, r->npk);
	EXPECT_EQ(0, r->pk[0].evflags);
	EXPECT_EQ(MQTT_EVF_ALIAS_UNRESOLVED, r->pk[1].evflags);
	EXPECT_EQ(NULL, r->pk[1].topic);
	EXPECT_EQ(MQTT_ERR_ALIAS_ZERO, r->err);
	free(r);

	/* a topic longer than a slot: set, not stored, use unresolved */
	buf[n++] = 0x30;
	n += put_varint(buf + n, 2 + 200 + 4);
	n += put_str(buf + n, (const char *)memset(buf + 1000, 'x', 200), 200);
	memcpy(buf + n, (const u8[]){ 3, 0x23, 0, 4 }, 4);
	n += 4;
	memcpy(buf + n, (const u8[]){ 0x30, 6, 0, 0, 3, 0x23, 0, 4 }, 8);
	n += 8;
	r = check_splits(_metadata, &su_c5_map, buf, n);
	EXPECT_EQ(0, r->err);
	ASSERT_EQ(2, r->npk);
	EXPECT_EQ(MQTT_EVF_ALIAS_SET | MQTT_EVF_ALIAS_NOT_STORED,
		  r->pk[0].evflags);
	EXPECT_EQ(MQTT_EVF_ALIAS_UNRESOLVED, r->pk[1].evflags);
	free(r);

	/* a PUBLISH too long to parse forgets every alias */
	n = 0;
	memcpy(buf + n, (const u8[]){ 0x30, 7, 0, 1, 'q', 3, 0x23, 0, 2 }, 9);
	n += 9;
	n += put_publish(buf + n, 5, 700, 3);
	memcpy(buf + n, (const u8[]){ 0x30, 6, 0, 0, 3, 0x23, 0, 2 }, 8);
	n += 8;
	memcpy(buf + n, (const u8[]){ 0x30, 6, 0, 0, 3, 0x23, 0, 7 }, 8);
	n += 8;
	r = check_splits(_metadata, &su_c5_map, buf, n);
	EXPECT_EQ(0, r->err);
	ASSERT_EQ(4, r->npk);
	EXPECT_EQ(MQTT_EVF_HDR_TOOLONG, r->pk[1].evflags);
	EXPECT_EQ(MQTT_EVF_ALIAS_UNRESOLVED, r->pk[2].evflags);
	EXPECT_EQ(MQTT_EVF_ALIAS_UNRESOLVED, r->pk[3].evflags);
	free(r);
}

/*
 * Malformed input: the exact error, the same however it is split, and no
 * error from any prefix that stops before the offending byte.
 */
struct bad_case {
	const char *name;
	u8 role;
	u8 level;
	int amax;
	int err;
	int detail;		/* enum topic_err, -1: not checked */
	const u8 *bytes;
	size_t len;
};

#define BAD(n, rl, e, ...) { n, rl, NO_MAP, MQTT_ERR_##e, -1, B(__VA_ARGS__) }
#define BADD(n, rl, e, d, ...) \
	{ n, rl, NO_MAP, MQTT_ERR_##e, TOPIC_ERR_##d, B(__VA_ARGS__) }
#define BADA(n, max, e, ...) \
	{ n, C5, max, MQTT_ERR_##e, -1, B(__VA_ARGS__) }

#define CONN4 0x10, 15, MQ, 4, 2, 0, 60, 0, 3, 'a', 'b', 'c'

static const struct bad_case bad_cases[] = {
	/* fixed header: types and flags */
	BAD("type 0", C4, TYPE_RESERVED, 0x00, 0),
	BAD("type 0 from server", S5, TYPE_RESERVED, 0x00, 0),
	BAD("type 15 in 3.1.1", C4, TYPE_RESERVED, 0xf0, 0),
	BAD("type 15 in 3.1.1 from server", S4, TYPE_RESERVED, 0xf0, 0),
	BAD("CONNECT flags", C0, FLAGS, 0x11, 0),
	BAD("CONNACK flags", S4, FLAGS, 0x28, 2, 0, 0),
	BAD("PUBACK flags", C4, FLAGS, 0x42, 2, 0, 1),
	BAD("PUBREC flags", C4, FLAGS, 0x51, 2, 0, 1),
	BAD("PUBREL flags 0", C4, FLAGS, 0x60, 2, 0, 1),
	BAD("PUBREL flags f", C4, FLAGS, 0x6f, 2, 0, 1),
	BAD("PUBCOMP flags", C5, FLAGS, 0x78, 2, 0, 1),
	BAD("SUBSCRIBE flags 0", C4, FLAGS, 0x80, 6, 0, 1, 0, 1, 'a', 0),
	BAD("SUBSCRIBE flags 3", C4, FLAGS, 0x83, 6, 0, 1, 0, 1, 'a', 0),
	BAD("SUBACK flags", S4, FLAGS, 0x92, 3, 0, 1, 0),
	BAD("UNSUBSCRIBE flags 0", C4, FLAGS, 0xa0, 5, 0, 1, 0, 1, 'a'),
	BAD("UNSUBACK flags", S4, FLAGS, 0xb1, 2, 0, 1),
	BAD("PINGREQ flags", C4, FLAGS, 0xc1, 0),
	BAD("PINGRESP flags", S4, FLAGS, 0xd2, 0),
	BAD("DISCONNECT flags", C4, FLAGS, 0xe8, 0),
	BAD("AUTH flags", C5, FLAGS, 0xf1, 0),
	BAD("PUBLISH QoS 3", C4, QOS, 0x36, 3, 0, 1, 't'),
	BAD("PUBLISH QoS 3 DUP RETAIN", C5, QOS, 0x3f, 3, 0, 1, 't'),
	BAD("DUP with QoS 0", C4, DUP_QOS0, 0x38, 3, 0, 1, 't'),
	BAD("DUP with QoS 0 RETAIN", S5, DUP_QOS0, 0x39, 4, 0, 1, 't', 0),
	/* Remaining Length */
	BAD("varint 5 bytes", C4, VARINT_TOO_LONG,
	    0x30, 0xff, 0xff, 0xff, 0xff, 0x7f),
	BAD("varint 5 bytes small", C4, VARINT_TOO_LONG,
	    0x30, 0x80, 0x80, 0x80, 0x80, 0x01),
	BAD("varint 2-byte 0", C4, VARINT_NONMINIMAL, 0x30, 0x80, 0x00),
	BAD("varint 3-byte", C4, VARINT_NONMINIMAL, 0x30, 0xff, 0x80, 0x00),
	BAD("varint 4-byte 0", C4, VARINT_NONMINIMAL,
	    0xc0, 0x80, 0x80, 0x80, 0x00),
	BAD("varint padded CONNECT", C0, VARINT_NONMINIMAL, 0x10, 0x8f, 0x00),
	/* direction and order */
	BAD("client CONNACK", C4, DIRECTION, 0x20, 2, 0, 0),
	BAD("client SUBACK", C4, DIRECTION, 0x90, 3, 0, 1, 0),
	BAD("client UNSUBACK", C5, DIRECTION, 0xb0, 2, 0, 1),
	BAD("client PINGRESP", C4, DIRECTION, 0xd0, 0),
	BAD("server CONNECT", S4, DIRECTION, CONN4),
	BAD("server SUBSCRIBE", S5, DIRECTION, 0x82, 7, 0, 1, 0, 0, 1, 'a', 0),
	BAD("server UNSUBSCRIBE", S4, DIRECTION, 0xa2, 5, 0, 1, 0, 1, 'a'),
	BAD("server PINGREQ", S4, DIRECTION, 0xc0, 0),
	BAD("server DISCONNECT in 3.1.1", S4, DIRECTION, 0xe0, 0),
	BAD("first PUBLISH, level unknown", C0, NOT_CONNECT,
	    0x30, 3, 0, 1, 't'),
	BAD("first PINGREQ", C0, NOT_CONNECT, 0xc0, 0),
	BAD("first AUTH", C0, NOT_CONNECT, 0xf0, 0),
	BAD("server, level unknown", SX, NO_LEVEL,
	    0x20, 2, 0, 0),
	BAD("second CONNECT", C0, NOT_FIRST, CONN4, CONN4),
	BAD("CONNECT after PINGREQ", C4, NOT_FIRST, 0xc0, 0, CONN4),
	BAD("second CONNACK", S4, NOT_FIRST, 0x20, 2, 0, 0, 0x20, 2, 0, 0),
	BAD("error after valid packets", C4, QOS,
	    0xc0, 0, 0x30, 3, 0, 1, 't', 0x36, 3, 0, 1, 't'),
	/* CONNECT */
	BAD("protocol MQIsdp", C0, PROTO_NAME, 0x10, 14, 0, 6,
	    'M', 'Q', 'I', 's', 'd', 'p', 3, 2, 0, 60, 0, 0),
	BAD("protocol MQTX", C0, PROTO_NAME, 0x10, 12, 0, 4,
	    'M', 'Q', 'T', 'X', 4, 2, 0, 60, 0, 0),
	BAD("protocol mqtt", C0, PROTO_NAME, 0x10, 12, 0, 4,
	    'm', 'q', 't', 't', 4, 2, 0, 60, 0, 0),
	BAD("protocol name empty", C0, PROTO_NAME, 0x10, 2, 0, 0),
	BAD("level 3", C0, PROTO_LEVEL, 0x10, 12, MQ, 3, 2, 0, 60, 0, 0),
	BAD("level 6", C0, PROTO_LEVEL, 0x10, 12, MQ, 6, 2, 0, 60, 0, 0),
	BAD("level 0", C0, PROTO_LEVEL, 0x10, 12, MQ, 0, 2, 0, 60, 0, 0),
	BAD("CONNECT reserved flag", C0, CONNECT_RESERVED,
	    0x10, 12, MQ, 4, 3, 0, 60, 0, 0),
	BAD("will QoS 3", C0, WILL_QOS, 0x10, 12, MQ, 4, 0x1e, 0, 60, 0, 0),
	BAD("will QoS without will", C0, WILL_FLAGS,
	    0x10, 12, MQ, 4, 0x0a, 0, 60, 0, 0),
	BAD("will retain without will", C0, WILL_FLAGS,
	    0x10, 12, MQ, 5, 0x22, 0, 60, 0, 0),
	BAD("3.1.1 password without user name", C0, PASSWORD_NO_USER,
	    0x10, 12, MQ, 4, 0x42, 0, 60, 0, 0),
	BAD("client id overlong '/'", C0, CLIENT_ID_UTF8,
	    0x10, 14, MQ, 4, 2, 0, 60, 0, 2, 0xc0, 0xaf),
	BAD("client id surrogate", C0, CLIENT_ID_UTF8,
	    0x10, 15, MQ, 4, 2, 0, 60, 0, 3, 0xed, 0xa0, 0x80),
	BAD("client id NUL", C0, CLIENT_ID_UTF8,
	    0x10, 14, MQ, 4, 2, 0, 60, 0, 2, 'a', 0),
	BAD("v5 client id 0xff", C0, CLIENT_ID_UTF8,
	    0x10, 14, MQ, 5, 2, 0, 60, 0, 0, 1, 0xff),
	BAD("3.1.1 empty client id without clean session", C0,
	    CLIENT_ID_EMPTY, 0x10, 12, MQ, 4, 0, 0, 60, 0, 0),
	BADD("will topic wildcard", C0, WILL_TOPIC, WILDCARD,
	     0x10, 20, MQ, 4, 0x06, 0, 60, 0, 1, 'c',
	     0, 3, 'a', '/', '#', 0, 0),
	BADD("will topic empty", C0, WILL_TOPIC, EMPTY,
	     0x10, 17, MQ, 4, 0x06, 0, 60, 0, 1, 'c', 0, 0, 0, 0),
	BADD("will topic NUL", C0, WILL_TOPIC, NUL,
	     0x10, 18, MQ, 4, 0x06, 0, 60, 0, 1, 'c', 0, 1, 0, 0, 0),
	BAD("user name bad UTF-8", C0, USERNAME_UTF8,
	    0x10, 16, MQ, 4, 0x82, 0, 60, 0, 1, 'c', 0, 1, 0xff),
	BAD("CONNECT shorter than its header", C0, SHORT,
	    0x10, 8, MQ, 4, 2),
	BAD("CONNECT without client id", C0, SHORT,
	    0x10, 10, MQ, 4, 2, 0, 60),
	BAD("client id overruns", C0, OVERRUN,
	    0x10, 15, MQ, 4, 2, 0, 60, 0, 5, 'a', 'b', 'c'),
	BAD("CONNECT trailing byte", C0, TRAILING,
	    0x10, 16, MQ, 4, 2, 0, 60, 0, 3, 'a', 'b', 'c', 'x'),
	BAD("will payload length missing", C0, SHORT,
	    0x10, 18, MQ, 4, 0x06, 0, 60, 0, 1, 'c', 0, 3, 'a', '/', 'b'),
	BAD("will payload overruns", C0, OVERRUN,
	    0x10, 21, MQ, 4, 0x06, 0, 60, 0, 1, 'c', 0, 3, 'a', '/', 'b',
	    0, 2, 'x'),
	BAD("password overruns", C0, OVERRUN,
	    0x10, 19, MQ, 4, 0xc2, 0, 60, 0, 1, 'c', 0, 1, 'u', 0, 9, 'p'),
	BAD("user name missing", C0, SHORT,
	    0x10, 13, MQ, 4, 0x82, 0, 60, 0, 1, 'c'),
	/* CONNECT properties */
	BAD("v5 property length overruns", C0, PROP_OVERRUN,
	    0x10, 14, MQ, 5, 2, 0, 60, 9, 0x11, 0, 0),
	BAD("v5 property length padded", C0, VARINT_NONMINIMAL,
	    0x10, 14, MQ, 5, 2, 0, 60, 0x80, 0x00, 0, 0),
	BAD("v5 property length missing", C0, SHORT,
	    0x10, 10, MQ, 5, 2, 0, 60),
	BAD("v5 unknown property 0x50", C0, PROP_UNKNOWN,
	    0x10, 15, MQ, 5, 2, 0, 60, 2, 0x50, 0, 0, 0),
	BAD("v5 CONNECT topic alias", C0, PROP_NOT_ALLOWED,
	    0x10, 16, MQ, 5, 2, 0, 60, 3, 0x23, 0, 1, 0, 0),
	BAD("v5 CONNECT session expiry twice", C0, PROP_DUP,
	    0x10, 23, MQ, 5, 2, 0, 60, 10, 0x11, 0, 0, 0, 1,
	    0x11, 0, 0, 0, 2, 0, 0),
	BAD("v5 receive maximum 0", C0, PROP_VALUE,
	    0x10, 16, MQ, 5, 2, 0, 60, 3, 0x21, 0, 0, 0, 0),
	BAD("v5 request problem information 2", C0, PROP_VALUE,
	    0x10, 15, MQ, 5, 2, 0, 60, 2, 0x17, 2, 0, 0),
	BAD("v5 maximum packet size 0", C0, PROP_VALUE,
	    0x10, 18, MQ, 5, 2, 0, 60, 5, 0x27, 0, 0, 0, 0, 0, 0),
	BAD("v5 authentication data without method", C0,
	    AUTH_DATA_NO_METHOD,
	    0x10, 17, MQ, 5, 2, 0, 60, 4, 0x16, 0, 1, 'x', 0, 0),
	BAD("v5 property truncated", C0, PROP_TRUNC,
	    0x10, 16, MQ, 5, 2, 0, 60, 3, 0x11, 0, 0, 0, 0),
	BAD("v5 user property bad UTF-8", C0, PROP_UTF8,
	    0x10, 20, MQ, 5, 2, 0, 60, 7, 0x26, 0, 1, 'k', 0, 1, 0xff, 0, 0),
	BAD("v5 property id padded", C0, VARINT_NONMINIMAL,
	    0x10, 19, MQ, 5, 2, 0, 60, 6, 0x91, 0x00, 0, 0, 0, 1, 0, 0),
	BAD("v5 will topic alias", C0, PROP_NOT_ALLOWED,
	    0x10, 23, MQ, 5, 0x06, 0, 60, 0, 0, 1, 'c',
	    3, 0x23, 0, 1, 0, 1, 'w', 0, 0),
	BADD("v5 will response topic wildcard", C0, RESPONSE_TOPIC, WILDCARD,
	     0x10, 24, MQ, 5, 0x06, 0, 60, 0, 0, 1, 'c',
	     4, 0x08, 0, 1, '+', 0, 1, 'w', 0, 0),
	BAD("v5 will session expiry", C0, PROP_NOT_ALLOWED,
	    0x10, 25, MQ, 5, 0x06, 0, 60, 0, 0, 1, 'c',
	    5, 0x11, 0, 0, 0, 1, 0, 1, 'w', 0, 0),
	/* CONNACK */
	BAD("CONNACK reserved flags", S4, CONNACK_FLAGS, 0x20, 2, 2, 0),
	BAD("CONNACK return code 6", S4, REASON_CODE, 0x20, 2, 0, 6),
	BAD("CONNACK session present with failure", S4, CONNACK_SESSION,
	    0x20, 2, 1, 5),
	BAD("CONNACK remaining length 3", S4, TRAILING, 0x20, 3, 0, 0, 0),
	BAD("CONNACK remaining length 1", S4, SHORT, 0x20, 1, 0),
	BAD("v5 CONNACK reason 1", S5, REASON_CODE, 0x20, 3, 0, 1, 0),
	BAD("v5 CONNACK without properties", S5, SHORT, 0x20, 2, 0, 0),
	BAD("v5 CONNACK maximum QoS 2", S5, PROP_VALUE,
	    0x20, 5, 0, 0, 2, 0x24, 2),
	BAD("v5 CONNACK will delay", S5, PROP_NOT_ALLOWED,
	    0x20, 8, 0, 0, 5, 0x18, 0, 0, 0, 1),
	BAD("v5 CONNACK session present with failure", S5, CONNACK_SESSION,
	    0x20, 3, 1, 0x80, 0),
	/* PUBLISH */
	BAD("QoS 1 packet id 0", C4, PACKET_ID_ZERO, 0x32, 5, 0, 1, 't', 0, 0),
	BAD("v5 QoS 2 packet id 0", C5, PACKET_ID_ZERO,
	    0x34, 6, 0, 1, 't', 0, 0, 0),
	BADD("topic with +", C4, TOPIC_WILDCARD, WILDCARD,
	     0x30, 5, 0, 3, 'a', '/', '+'),
	BADD("topic with #", C5, TOPIC_WILDCARD, WILDCARD,
	     0x30, 4, 0, 1, '#', 0),
	BAD("topic overlong", C4, TOPIC_UTF8, 0x30, 4, 0, 2, 0xc0, 0x80),
	BAD("topic surrogate", C4, TOPIC_UTF8,
	    0x30, 5, 0, 3, 0xed, 0xbf, 0xbf),
	BADD("topic NUL", C4, TOPIC_NUL, NUL, 0x30, 5, 0, 3, 'a', 0, 'b'),
	BAD("topic 0xff", C5, TOPIC_UTF8, 0x30, 4, 0, 1, 0xff, 0),
	BAD("topic truncated UTF-8", C4, TOPIC_UTF8,
	    0x30, 5, 0, 3, 'a', 0xe2, 0x82),
	BAD("topic 4-byte overlong", C4, TOPIC_UTF8,
	    0x30, 6, 0, 4, 0xf0, 0x80, 0x80, 0xaf),
	BAD("topic above U+10FFFF", C4, TOPIC_UTF8,
	    0x30, 6, 0, 4, 0xf4, 0x90, 0x80, 0x80),
	BAD("3.1.1 empty topic", C4, TOPIC_EMPTY, 0x30, 3, 0, 0, 'x'),
	BAD("v5 empty topic without alias", C5, TOPIC_EMPTY, 0x30, 3, 0, 0, 0),
	BAD("topic overruns", C4, OVERRUN, 0x30, 4, 0, 5, 'a', 'b'),
	BAD("PUBLISH remaining length 1", C4, SHORT, 0x30, 1, 0),
	BAD("PUBLISH remaining length 0", C4, SHORT, 0x30, 0),
	BAD("QoS 1 without packet id", C4, SHORT, 0x32, 3, 0, 1, 't'),
	BAD("QoS 1 half a packet id", C4, SHORT, 0x32, 4, 0, 1, 't', 0),
	BAD("v5 PUBLISH without property length", C5, SHORT,
	    0x30, 3, 0, 1, 't'),
	BAD("v5 PUBLISH property length overruns", C5, PROP_OVERRUN,
	    0x30, 5, 0, 1, 't', 5, 1),
	BAD("v5 PUBLISH session expiry", C5, PROP_NOT_ALLOWED,
	    0x30, 9, 0, 1, 't', 5, 0x11, 0, 0, 0, 1),
	BAD("v5 client PUBLISH subscription id", C5, PROP_NOT_ALLOWED,
	    0x30, 6, 0, 1, 't', 2, 0x0b, 1),
	BAD("v5 topic alias twice", C5, PROP_DUP,
	    0x30, 10, 0, 1, 't', 6, 0x23, 0, 1, 0x23, 0, 2),
	BAD("v5 content type twice", C5, PROP_DUP,
	    0x30, 12, 0, 1, 't', 8, 3, 0, 1, 'a', 3, 0, 1, 'b'),
	BAD("v5 payload format 2", C5, PROP_VALUE, 0x30, 6, 0, 1, 't', 2, 1, 2),
	BAD("v5 content type bad UTF-8", C5, PROP_UTF8,
	    0x30, 8, 0, 1, 't', 4, 3, 0, 1, 0xc1),
	BADD("v5 response topic wildcard", C5, RESPONSE_TOPIC, WILDCARD,
	     0x30, 10, 0, 1, 't', 6, 8, 0, 3, 'a', '/', '#'),
	BADD("v5 response topic empty", C5, RESPONSE_TOPIC, EMPTY,
	     0x30, 7, 0, 1, 't', 3, 8, 0, 0),
	BAD("v5 property id 0", C5, PROP_UNKNOWN, 0x30, 6, 0, 1, 't', 2, 0, 0),
	BAD("v5 property id 4", C5, PROP_UNKNOWN, 0x30, 6, 0, 1, 't', 2, 4, 0),
	BAD("v5 property id 0x2b", C5, PROP_UNKNOWN,
	    0x30, 6, 0, 1, 't', 2, 0x2b, 0),
	BAD("v5 property id 0x80 0x01", C5, PROP_UNKNOWN,
	    0x30, 7, 0, 1, 't', 3, 0x80, 0x01, 0),
	BAD("v5 subscription id 0", S5, PROP_VALUE,
	    0x30, 6, 0, 1, 't', 2, 0x0b, 0),
	BAD("v5 subscription id of 5 bytes", S5, VARINT_TOO_LONG,
	    0x30, 10, 0, 1, 't', 6, 0x0b, 0xff, 0xff, 0xff, 0xff, 0x7f),
	BAD("v5 topic alias 0", C5, ALIAS_ZERO,
	    0x30, 7, 0, 1, 't', 3, 0x23, 0, 0),
	BAD("v5 correlation data overruns properties", C5, PROP_TRUNC,
	    0x30, 9, 0, 1, 't', 5, 9, 0, 9, 'a', 'b'),
	BAD("v5 user property value missing", C5, PROP_TRUNC,
	    0x30, 9, 0, 1, 't', 5, 0x26, 0, 1, 'k', 0),
	BADA("alias above the maximum", 5, ALIAS_RANGE,
	     0x30, 7, 0, 1, 't', 3, 0x23, 0, 6),
	BADA("alias above the slots", 100, ALIAS_CAPACITY,
	     0x30, 7, 0, 1, 't', 3, 0x23, 0, 17),
	BADA("alias never set", 10, ALIAS_UNKNOWN,
	     0x30, 6, 0, 0, 3, 0x23, 0, 3),
	BADA("alias with maximum 0", 0, ALIAS_RANGE,
	     0x30, 7, 0, 1, 't', 3, 0x23, 0, 1),
	BADA("alias 1 set, 2 used", 10, ALIAS_UNKNOWN,
	     0x30, 7, 0, 1, 't', 3, 0x23, 0, 1,
	     0x30, 6, 0, 0, 3, 0x23, 0, 2),
	/* PUBACK, PUBREC, PUBREL, PUBCOMP */
	BAD("PUBACK packet id 0", C4, PACKET_ID_ZERO, 0x40, 2, 0, 0),
	BAD("PUBACK remaining length 3", C4, TRAILING, 0x40, 3, 0, 1, 0),
	BAD("PUBACK remaining length 1", C4, SHORT, 0x40, 1, 0),
	BAD("PUBREL remaining length 0", C4, SHORT, 0x62, 0),
	BAD("v5 PUBCOMP packet id 0", C5, PACKET_ID_ZERO, 0x70, 2, 0, 0),
	BAD("v5 PUBACK reason 0x92", C5, REASON_CODE, 0x40, 3, 0, 1, 0x92),
	BAD("v5 PUBREL reason 0x10", C5, REASON_CODE, 0x62, 3, 0, 1, 0x10),
	BAD("v5 PUBCOMP reason 0x80", S5, REASON_CODE, 0x70, 3, 0, 1, 0x80),
	BAD("v5 PUBREC reason 1", C5, REASON_CODE, 0x50, 3, 0, 1, 1),
	BAD("v5 PUBREC topic alias", C5, PROP_NOT_ALLOWED,
	    0x50, 7, 0, 1, 0, 3, 0x23, 0, 1),
	BAD("v5 PUBACK property length overruns", C5, PROP_OVERRUN,
	    0x40, 5, 0, 1, 0, 4, 0x1f),
	BAD("v5 PUBACK reason string twice", C5, PROP_DUP,
	    0x40, 10, 0, 1, 0, 6, 0x1f, 0, 0, 0x1f, 0, 0),
	BAD("v5 PUBACK trailing byte", C5, TRAILING, 0x40, 5, 0, 1, 0, 0, 0),
	/* SUBSCRIBE */
	BAD("SUBSCRIBE without filters", C4, EMPTY_LIST, 0x82, 2, 0, 1),
	BAD("v5 SUBSCRIBE without filters", C5, EMPTY_LIST, 0x82, 3, 0, 1, 0),
	BAD("SUBSCRIBE QoS 3", C4, SUB_QOS, 0x82, 6, 0, 1, 0, 1, 'a', 3),
	BAD("SUBSCRIBE reserved bit", C4, SUB_RESERVED,
	    0x82, 6, 0, 1, 0, 1, 'a', 4),
	BAD("v5 SUBSCRIBE reserved bit", C5, SUB_RESERVED,
	    0x82, 7, 0, 1, 0, 0, 1, 'a', 0x40),
	BAD("v5 retain handling 3", C5, SUB_RETAIN_HANDLING,
	    0x82, 7, 0, 1, 0, 0, 1, 'a', 0x30),
	BAD("v5 SUBSCRIBE QoS 3", C5, SUB_QOS, 0x82, 7, 0, 1, 0, 0, 1, 'a', 7),
	BADD("filter a/b#", C4, FILTER_HASH, HASH,
	     0x82, 9, 0, 1, 0, 4, 'a', '/', 'b', '#', 0),
	BADD("filter a+", C4, FILTER_PLUS, PLUS,
	     0x82, 7, 0, 1, 0, 2, 'a', '+', 0),
	BAD("filter empty", C4, FILTER_EMPTY, 0x82, 5, 0, 1, 0, 0, 0),
	BAD("filter bad UTF-8", C4, FILTER_UTF8,
	    0x82, 7, 0, 1, 0, 2, 0xe0, 0x80, 0),
	BAD("filter NUL", C4, FILTER_NUL, 0x82, 7, 0, 1, 0, 2, 'a', 0, 0),
	BAD("second filter bad", C4, FILTER_HASH,
	    0x82, 11, 0, 1, 0, 1, 'a', 0, 0, 2, '#', '#', 1),
	BAD("SUBSCRIBE options missing", C4, SHORT,
	    0x82, 5, 0, 1, 0, 1, 'a'),
	BAD("SUBSCRIBE filter overruns", C4, OVERRUN,
	    0x82, 6, 0, 1, 0, 5, 'a', 0),
	BAD("SUBSCRIBE one stray byte", C4, OVERRUN,
	    0x82, 7, 0, 1, 0, 1, 'a', 0, 0),
	BAD("SUBSCRIBE packet id 0", C4, PACKET_ID_ZERO,
	    0x82, 6, 0, 0, 0, 1, 'a', 0),
	BAD("SUBSCRIBE remaining length 1", C4, SHORT, 0x82, 1, 0),
	BAD("v5 No Local on a shared subscription", C5, SUB_SHARED_NL,
	    0x82, 16, 0, 1, 0, 0, 10,
	    '$', 's', 'h', 'a', 'r', 'e', '/', 'g', '/', 'a', 4),
	BAD("v5 $share/#", C5, SHARED_FILTER, 0x82, 14, 0, 1, 0, 0, 8,
	    '$', 's', 'h', 'a', 'r', 'e', '/', '#', 0),
	BAD("v5 $share//a", C5, SHARED_FILTER, 0x82, 15, 0, 1, 0, 0, 9,
	    '$', 's', 'h', 'a', 'r', 'e', '/', '/', 'a', 0),
	BAD("v5 $share/g", C5, SHARED_FILTER, 0x82, 14, 0, 1, 0, 0, 8,
	    '$', 's', 'h', 'a', 'r', 'e', '/', 'g', 0),
	BAD("v5 $share/g/", C5, SHARED_FILTER, 0x82, 15, 0, 1, 0, 0, 9,
	    '$', 's', 'h', 'a', 'r', 'e', '/', 'g', '/', 0),
	BAD("v5 $share/+/a", C5, SHARED_FILTER, 0x82, 16, 0, 1, 0, 0, 10,
	    '$', 's', 'h', 'a', 'r', 'e', '/', '+', '/', 'a', 0),
	BAD("v5 two subscription ids", C5, PROP_DUP,
	    0x82, 11, 0, 1, 4, 0x0b, 1, 0x0b, 2, 0, 1, 'a', 0),
	BAD("v5 SUBSCRIBE subscription id 0", C5, PROP_VALUE,
	    0x82, 9, 0, 1, 2, 0x0b, 0, 0, 1, 'a', 0),
	BAD("v5 SUBSCRIBE reason string", C5, PROP_NOT_ALLOWED,
	    0x82, 10, 0, 1, 3, 0x1f, 0, 0, 0, 1, 'a', 0),
	BAD("v5 subscription id padded", C5, VARINT_NONMINIMAL,
	    0x82, 10, 0, 1, 3, 0x0b, 0x81, 0x00, 0, 1, 'a', 0),
	/* UNSUBSCRIBE */
	BAD("UNSUBSCRIBE without filters", C4, EMPTY_LIST, 0xa2, 2, 0, 1),
	BAD("UNSUBSCRIBE #/a", C4, FILTER_HASH,
	    0xa2, 7, 0, 1, 0, 3, '#', '/', 'a'),
	BAD("UNSUBSCRIBE packet id 0", C4, PACKET_ID_ZERO,
	    0xa2, 5, 0, 0, 0, 1, 'a'),
	BAD("v5 UNSUBSCRIBE subscription id", C5, PROP_NOT_ALLOWED,
	    0xa2, 8, 0, 1, 2, 0x0b, 1, 0, 1, 'a'),
	BAD("UNSUBSCRIBE stray byte", C4, OVERRUN,
	    0xa2, 6, 0, 1, 0, 1, 'a', 0),
	BAD("v5 UNSUBSCRIBE $share/g", C5, SHARED_FILTER, 0xa2, 13, 0, 1, 0,
	    0, 8, '$', 's', 'h', 'a', 'r', 'e', '/', 'g'),
	/* SUBACK, UNSUBACK */
	BAD("SUBACK code 3", S4, REASON_CODE, 0x90, 3, 0, 1, 3),
	BAD("3.1.1 SUBACK code 0x87", S4, REASON_CODE, 0x90, 3, 0, 1, 0x87),
	BAD("SUBACK without codes", S4, EMPTY_LIST, 0x90, 2, 0, 1),
	BAD("v5 SUBACK code 0x11", S5, REASON_CODE, 0x90, 4, 0, 1, 0, 0x11),
	BAD("v5 UNSUBACK without codes", S5, EMPTY_LIST, 0xb0, 3, 0, 1, 0),
	BAD("v5 UNSUBACK code 1", S5, REASON_CODE, 0xb0, 4, 0, 1, 0, 1),
	BAD("3.1.1 UNSUBACK remaining length 3", S4, TRAILING,
	    0xb0, 3, 0, 1, 0),
	BAD("SUBACK packet id 0", S4, PACKET_ID_ZERO, 0x90, 3, 0, 0, 0),
	BAD("v5 SUBACK topic alias", S5, PROP_NOT_ALLOWED,
	    0x90, 7, 0, 1, 3, 0x23, 0, 1, 0),
	/* PINGREQ, PINGRESP, DISCONNECT, AUTH */
	BAD("PINGREQ remaining length 1", C4, TRAILING, 0xc0, 1, 0),
	BAD("PINGRESP remaining length 2", S5, TRAILING, 0xd0, 2, 0, 0),
	BAD("3.1.1 DISCONNECT remaining length 1", C4, TRAILING, 0xe0, 1, 0),
	BAD("v5 DISCONNECT reason 5", C5, REASON_CODE, 0xe0, 1, 5),
	BAD("v5 server DISCONNECT session expiry", S5, PROP_NOT_ALLOWED,
	    0xe0, 7, 0x8b, 5, 0x11, 0, 0, 0, 0),
	BAD("v5 DISCONNECT property length overruns", C5, PROP_OVERRUN,
	    0xe0, 3, 0, 5, 0x1f),
	BAD("v5 DISCONNECT trailing byte", C5, TRAILING, 0xe0, 3, 0, 0, 0),
	BAD("v5 AUTH reason 1", C5, REASON_CODE, 0xf0, 1, 1),
	BAD("v5 AUTH properties without method", C5, AUTH_NO_METHOD,
	    0xf0, 2, 0x18, 0),
	BAD("v5 AUTH trailing byte", C5, TRAILING,
	    0xf0, 10, 0x18, 7, 0x15, 0, 4, 'S', 'C', 'R', 'M', 'x'),
	BAD("v5 AUTH data without method", S5, AUTH_DATA_NO_METHOD,
	    0xf0, 6, 0x18, 4, 0x16, 0, 1, 'x'),
	BAD("v5 AUTH method twice", C5, PROP_DUP,
	    0xf0, 10, 0x18, 8, 0x15, 0, 1, 'a', 0x15, 0, 1, 'b'),
	BAD("v5 AUTH session expiry", C5, PROP_NOT_ALLOWED,
	    0xf0, 7, 0x18, 5, 0x11, 0, 0, 0, 0),
};

TEST(malformed)
{
	const struct bad_case *c;
	struct setup su;
	struct run *w, *o;
	size_t i, k;

	EXPECT_LE(100, ARRAY_SIZE(bad_cases));
	for (i = 0; i < ARRAY_SIZE(bad_cases); i++) {
		c = &bad_cases[i];
		su.role = c->role;
		su.level = c->level;
		su.amax = c->amax;
		w = run_whole(&su, c->bytes, c->len);
		EXPECT_STREQ(mqtt_err_str(c->err), mqtt_err_str(w->err))
			TH_LOG("case '%s': %s", c->name, w->log);
		EXPECT_EQ(c->err, w->err) TH_LOG("case '%s'", c->name);
		if (c->detail >= 0)
			EXPECT_EQ(c->detail, w->detail)
				TH_LOG("case '%s'", c->name);
		EXPECT_STREQ("", w->bad) TH_LOG("case '%s'", c->name);
		o = run_fed(&su, c->bytes, c->len, 1, 0);
		EXPECT_STREQ(w->log, o->log) TH_LOG("case '%s'", c->name);
		free(o);
		/* stopping before the offending byte is no error */
		for (k = 0; k < w->err_pos; k++) {
			o = run_whole(&su, c->bytes, k);
			EXPECT_EQ(0, o->err)
				TH_LOG("case '%s' prefix %zu", c->name, k);
			free(o);
		}
		free(w);
	}
}

/* Each case has a code of its own, and every code has a case. */
TEST(malformed_covers_errors)
{
	int seen[__MQTT_ERR_MAX] = { 0 };
	size_t i;
	int e;

	for (i = 0; i < ARRAY_SIZE(bad_cases); i++)
		seen[bad_cases[i].err]++;
	for (e = 1; e < __MQTT_ERR_MAX; e++) {
		if (e == MQTT_ERR_INTERNAL)
			continue;
		EXPECT_NE(0, seen[e]) TH_LOG("no case for %s", mqtt_err_str(e));
	}
}

TEST(error_is_sticky)
{
	static const u8 d[] = { 0x36, 0, 0xc0, 0 };
	struct mqtt_stream s;
	struct mqtt_event ev;
	size_t used;

	mqtt_stream_init(&s, MQTT_ROLE_CLIENT, MQTT_LEVEL_311);
	ASSERT_EQ(MQTT_EV_ERROR, mqtt_stream_next(&s, d, sizeof(d), &used,
						  &ev));
	EXPECT_EQ(1, used);
	EXPECT_EQ(MQTT_ERR_QOS, ev.err);
	EXPECT_EQ(MQTT_PUBLISH, ev.type);
	ASSERT_EQ(MQTT_EV_ERROR, mqtt_stream_next(&s, d + 2, 2, &used, &ev));
	EXPECT_EQ(0, used);
	EXPECT_EQ(MQTT_ERR_QOS, ev.err);
	ASSERT_EQ(MQTT_EV_ERROR, mqtt_stream_next(&s, NULL, 0, &used, &ev));
	EXPECT_EQ(MQTT_ERR_QOS, ev.err);
}

TEST(pull_api)
{
	/* PUBLISH "a" "xyz", PINGREQ */
	static const u8 d[] = { 0x30, 6, 0, 1, 'a', 'x', 'y', 'z', 0xc0, 0 };
	struct mqtt_stream s;
	struct mqtt_event ev;
	size_t used;

	mqtt_stream_init(&s, MQTT_ROLE_CLIENT, MQTT_LEVEL_311);
	EXPECT_EQ(MQTT_EV_NEED_MORE, mqtt_stream_next(&s, NULL, 0, &used,
						      &ev));
	EXPECT_EQ(0, used);
	EXPECT_EQ(MQTT_EV_NEED_MORE, mqtt_stream_next(&s, d, 4, &used, &ev));
	EXPECT_EQ(4, used);
	EXPECT_EQ(MQTT_EV_PACKET, mqtt_stream_next(&s, d + 4, 3, &used, &ev));
	EXPECT_EQ(1, used);
	EXPECT_EQ(3, ev.payload_len);
	EXPECT_EQ('a', ev.topic[0]);
	EXPECT_EQ(MQTT_EV_PAYLOAD, mqtt_stream_next(&s, d + 5, 2, &used, &ev));
	EXPECT_EQ(2, used);
	EXPECT_EQ(d + 5, ev.data);
	EXPECT_EQ(0, ev.offset);
	EXPECT_EQ(MQTT_EV_NEED_MORE, mqtt_stream_next(&s, d + 7, 0, &used,
						      &ev));
	EXPECT_EQ(MQTT_EV_PAYLOAD, mqtt_stream_next(&s, d + 7, 3, &used, &ev));
	EXPECT_EQ(1, used);
	EXPECT_EQ(2, ev.offset);
	EXPECT_EQ(1, ev.len);
	EXPECT_EQ(MQTT_EV_END, mqtt_stream_next(&s, d + 8, 2, &used, &ev));
	EXPECT_EQ(0, used);
	EXPECT_EQ(MQTT_PUBLISH, ev.type);
	EXPECT_EQ(MQTT_EV_PACKET, mqtt_stream_next(&s, d + 8, 2, &used, &ev));
	EXPECT_EQ(2, used);
	EXPECT_EQ(MQTT_PINGREQ, ev.type);
	EXPECT_EQ(MQTT_EV_END, mqtt_stream_next(&s, NULL, 0, &used, &ev));
	EXPECT_EQ(MQTT_EV_NEED_MORE, mqtt_stream_next(&s, NULL, 0, &used,
						      &ev));
}

TEST(every_error_has_a_reason)
{
	int e, f;

	for (e = 0; e < __MQTT_ERR_MAX; e++) {
		EXPECT_STRNE("unknown MQTT error", mqtt_err_str(e));
		for (f = 0; f < e; f++)
			EXPECT_STRNE(mqtt_err_str(f), mqtt_err_str(e));
	}
	EXPECT_STREQ("unknown MQTT error", mqtt_err_str(__MQTT_ERR_MAX));
}

/*
 * Without payload events (mqtt_stream_set_payload_events() off), or with
 * them for one packet only, fed whole, a byte at a time and in 7-byte
 * pieces: the same PACKET and ERROR events at the same places, and
 * PAYLOAD and END for that one packet alone.
 */
static void check_headers_only(struct __test_metadata *_metadata,
			       const struct setup *su, const u8 *d, size_t n,
			       const char *name)
{
	static const size_t steps[] = { 0, 1, 7 };
	struct run *w = run_whole(su, d, n), *o;
	const struct mqtt_event *pk;
	size_t i;
	int k;

	for (k = -1; k < w->npk && k < 8; k++) {
		for (i = 0; i < ARRAY_SIZE(steps); i++) {
			o = run_fed_for(su, k < 0 ? PAYLOAD_NONE : k, d, n,
					steps[i], 0);
			EXPECT_STREQ(w->hlog, o->hlog)
				TH_LOG("%s: payload of %d, step %zu", name, k, steps[i]);
			EXPECT_STREQ("", o->bad)
				TH_LOG("%s: payload of %d, step %zu", name, k, steps[i]);
			EXPECT_EQ(w->pos, o->pos) TH_LOG("%s", name);
			EXPECT_EQ(w->err, o->err) TH_LOG("%s", name);
			EXPECT_EQ(w->err_pos, o->err_pos) TH_LOG("%s", name);
			/* the whole run ended packets 0 .. ends - 1 */
			EXPECT_EQ(k >= 0 && k < w->ends, o->ends)
				TH_LOG("%s: payload of %d", name, k);
			pk = k >= 0 ? &w->pk[k] : NULL;
			if (pk && k < w->ends && pk->type == MQTT_PUBLISH &&
			    !(pk->evflags & MQTT_EVF_HDR_TOOLONG)) {
				EXPECT_EQ(pk->payload_len, o->payload_total)
					TH_LOG("%s: payload of %d", name, k);
			} else {
				EXPECT_EQ(0, o->payload_total)
					TH_LOG("%s: payload of %d", name, k);
			}
			free(o);
		}
		if (!_metadata->passed)
			break;
	}
	free(w);
}

TEST(headers_only)
{
	static u8 buf[80000];
	static const struct setup su4 = { C4, NO_MAP };
	const struct bad_case *c;
	struct setup su = { 0 };
	size_t n, i;

	check_headers_only(_metadata, &su_c0, v311_client_b,
			   sizeof(v311_client_b), "v311_client");
	check_headers_only(_metadata, &su_s4, v311_server_b,
			   sizeof(v311_server_b), "v311_server");
	check_headers_only(_metadata, &su_c0_map, v5_client_b,
			   sizeof(v5_client_b), "v5_client");
	check_headers_only(_metadata, &su_s5, v5_server_b,
			   sizeof(v5_server_b), "v5_server");
	check_headers_only(_metadata, &su_c0, v5_connect_will_b,
			   sizeof(v5_connect_will_b), "v5_connect_will");
	/* a long payload, a header too long, an empty payload */
	n = put_publish(buf, 4, 5, 70000);
	n += put_publish(buf + n, 4, 600, 10);
	n += put_publish(buf + n, 4, 2, 0);
	n += put_publish(buf + n, 4, 3, 200);
	check_headers_only(_metadata, &su4, buf, n, "large and too long");
	for (i = 0; i < ARRAY_SIZE(bad_cases); i++) {
		c = &bad_cases[i];
		su.role = c->role;
		su.level = c->level;
		su.amax = c->amax;
		check_headers_only(_metadata, &su, c->bytes, c->len, c->name);
	}
}

TEST_HARNESS_MAIN
