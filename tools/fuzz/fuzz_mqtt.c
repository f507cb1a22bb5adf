// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target for the MQTT stream parser (kmod/proto/mqtt.c).
 *
 * Input: byte 0 picks the direction, the protocol level and the topic
 * alias map; bytes 1 and 2 seed the split points; the rest is the stream.
 * The stream is parsed whole, in pseudo-random pieces (some empty) and a
 * byte at a time; the three event logs (PAYLOAD chunks merged, their bytes
 * hashed) must be identical. A fourth run, in other pieces, turns payload
 * events off (mqtt_stream_set_payload_events()) but for pseudo-random
 * packets, as the kernel does for a PUBLISH it captures: its PACKET and
 * ERROR events must be those of the others, and PAYLOAD and END come for
 * the chosen packets alone. Every event is checked on the way: PAYLOAD
 * inside the input and contiguous, lengths consistent with the Remaining
 * Length, spans inside the header, topics and filters valid, sticky errors,
 * no internal error.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "proto/mqtt.h"

#define CHECK(c) do { if (!(c)) __builtin_trap(); } while (0)

struct fz {
	struct mqtt_stream s;
	struct mqtt_alias_map map;
	const u8 *base;		/* the whole input, for bounds checks */
	size_t size;
	u64 hash;		/* of the event log */
	u64 hhash;		/* of its PACKET and ERROR events alone */
	int hmix;		/* mix() into hhash too */
	int quiet;		/* payload events for the chosen packets only */
	u32 pick;		/* xorshift state choosing them */
	u32 hevents;		/* PACKET and ERROR events */
	u32 events;
	size_t pos;		/* bytes consumed */
	size_t pkt_start;	/* pos at the start of the current packet */
	int in_pkt;
	int toolong;
	int payload;		/* a PUBLISH with a parsed header */
	u32 remaining;
	u32 next_off;
	u32 payload_len;
	u32 hdr_len;
	u32 skipped;		/* CONNECT will payload + password */
	int stopped;
	int err;
};

static struct fz runs[4];

static void mix(struct fz *f, const void *p, size_t n)
{
	const u8 *b = p;
	size_t i;

	for (i = 0; i < n; i++) {
		f->hash ^= b[i];
		f->hash *= 0x100000001b3ULL;
		if (f->hmix) {
			f->hhash ^= b[i];
			f->hhash *= 0x100000001b3ULL;
		}
	}
}

static u32 next_rand(u32 *x)
{
	*x ^= *x << 13;
	*x ^= *x >> 17;
	*x ^= *x << 5;
	return *x;
}

static void mix32(struct fz *f, u32 v)
{
	mix(f, &v, sizeof(v));
}

static void check_span(const struct mqtt_event *ev, struct mqtt_span sp)
{
	CHECK((u32)sp.off + sp.len <= ev->hdr_len);
}

static void mix_span(struct fz *f, const struct mqtt_event *ev,
		     struct mqtt_span sp)
{
	check_span(ev, sp);
	mix32(f, sp.len);
	mix(f, ev->hdr + sp.off, sp.len);
}

static size_t varint_len(u32 v)
{
	return v < 128 ? 1 : v < 16384 ? 2 : v < 2097152 ? 3 : 4;
}

static void on_packet(struct fz *f, const struct mqtt_event *ev)
{
	const struct mqtt_props *p = &ev->props;
	struct mqtt_span sp;
	u16 pos = 0, n = 0;
	u8 opt;
	int i;

	CHECK(!f->in_pkt);
	CHECK(ev->type >= 1 && ev->type <= 15);
	CHECK(ev->remaining <= MQTT_VARINT_MAX);
	CHECK(ev->hdr_len <= MQTT_HDR_MAX && ev->hdr_len <= ev->remaining);
	f->in_pkt = 1;
	f->toolong = !!(ev->evflags & MQTT_EVF_HDR_TOOLONG);
	f->payload = ev->type == MQTT_PUBLISH && !f->toolong;
	f->remaining = ev->remaining;
	f->next_off = 0;
	f->payload_len = ev->payload_len;
	f->hdr_len = ev->hdr_len;
	f->skipped = ev->will_payload_len + ev->password_len;

	mix32(f, ev->type);
	mix32(f, ev->flags);
	mix32(f, ev->level);
	mix32(f, ev->evflags);
	mix32(f, ev->remaining);
	mix32(f, ev->hdr_len);
	mix32(f, ev->packet_id);
	mix32(f, ev->reason);
	mix32(f, ev->qos);
	mix32(f, ev->count);
	mix32(f, ev->payload_len);
	mix32(f, ev->connect_flags);
	mix32(f, ev->ack_flags);
	mix32(f, ev->keepalive);
	mix32(f, f->skipped);
	if (ev->hdr_len)
		mix(f, ev->hdr, ev->hdr_len);
	if (f->toolong) {
		CHECK(!ev->hdr_len && !ev->packet_id && !ev->topic);
		return;
	}
	if (ev->type == MQTT_PUBLISH) {
		CHECK(ev->payload_len + ev->hdr_len == ev->remaining);
		CHECK(ev->qos == MQTT_PUB_QOS(ev->flags) && ev->qos < 3);
		CHECK(!ev->qos || ev->packet_id);
		if (ev->evflags & MQTT_EVF_ALIAS_UNRESOLVED) {
			CHECK(!ev->topic);
		} else {
			CHECK(ev->topic);
			CHECK(topic_name_check(ev->topic, ev->topic_len) ==
			      TOPIC_OK);
			mix32(f, ev->topic_len);
			mix(f, ev->topic, ev->topic_len);
		}
	} else {
		CHECK(!ev->payload_len && !ev->topic);
	}
	if (ev->type == MQTT_CONNECT) {
		CHECK(ev->hdr_len + f->skipped <= ev->remaining);
		CHECK(ev->level == MQTT_LEVEL_311 || ev->level == MQTT_LEVEL_5);
		CHECK(strlen(ev->client_id_copy) < MQTT_CLIENT_ID_COPY);
		mix(f, ev->client_id_copy, strlen(ev->client_id_copy));
		mix_span(f, ev, ev->client_id);
		mix_span(f, ev, ev->will_topic);
		mix_span(f, ev, ev->will_props);
		mix_span(f, ev, ev->username);
		if (ev->connect_flags & MQTT_CONN_WILL)
			CHECK(topic_name_check((const char *)ev->hdr +
					       ev->will_topic.off,
					       ev->will_topic.len) == TOPIC_OK);
	} else {
		CHECK(ev->hdr_len == ev->remaining || ev->type == MQTT_PUBLISH);
	}
	if (ev->type == MQTT_SUBSCRIBE || ev->type == MQTT_UNSUBSCRIBE) {
		check_span(ev, ev->list);
		while (mqtt_next_filter(ev, &pos, &sp, &opt)) {
			CHECK(topic_filter_check((const char *)ev->hdr + sp.off,
						 sp.len) == TOPIC_OK);
			mix_span(f, ev, sp);
			mix32(f, opt);
			n++;
		}
		CHECK(n == ev->count && n > 0 && pos == ev->list.len);
	}
	if (ev->type == MQTT_SUBACK || ev->type == MQTT_UNSUBACK)
		mix_span(f, ev, ev->list);
	mix(f, &p->present, sizeof(p->present));
	mix32(f, p->message_expiry);
	mix32(f, p->session_expiry);
	mix32(f, p->will_delay);
	mix32(f, p->max_packet_size);
	mix32(f, p->sub_id_count);
	mix32(f, p->user_count);
	mix32(f, p->topic_alias);
	for (i = 0; i < p->sub_id_count && i < MQTT_SUB_IDS; i++)
		mix32(f, p->sub_id[i]);
	for (i = 0; i < p->user_count && i < MQTT_USER_PROPS; i++) {
		mix_span(f, ev, p->user[i][0]);
		mix_span(f, ev, p->user[i][1]);
	}
	mix_span(f, ev, p->content_type);
	mix_span(f, ev, p->response_topic);
	mix_span(f, ev, p->correlation_data);
	mix_span(f, ev, p->assigned_client_id);
	mix_span(f, ev, p->auth_method);
	mix_span(f, ev, p->auth_data);
	mix_span(f, ev, p->response_info);
	mix_span(f, ev, p->server_ref);
	mix_span(f, ev, p->reason_string);
}

static void on_event(struct fz *f, int ret, const struct mqtt_event *ev,
		     const u8 *data, size_t len, size_t used)
{
	CHECK(used <= len);
	switch (ret) {
	case MQTT_EV_NEED_MORE:
		CHECK(used == len);
		return;	/* not logged: where it happens depends on the split */
	case MQTT_EV_PACKET:
		f->hmix = 1;
		on_packet(f, ev);
		f->hmix = 0;
		f->hevents++;
		/* quiet: a packet not chosen has no PAYLOAD, no END */
		if (f->quiet && next_rand(&f->pick) % 4) {
			f->in_pkt = 0;
			f->pkt_start += 1 + varint_len(ev->remaining) +
				ev->remaining;
		}
		break;
	case MQTT_EV_PAYLOAD:
		CHECK(f->in_pkt && f->payload && ev->type == MQTT_PUBLISH);
		CHECK(ev->data == data && ev->len == used && used > 0);
		CHECK(ev->data >= f->base &&
		      ev->data + ev->len <= f->base + f->size);
		CHECK(ev->offset == f->next_off);
		CHECK(ev->payload_len == f->payload_len);
		CHECK((u64)ev->offset + ev->len <= ev->payload_len);
		f->next_off += ev->len;
		/* merged: only the bytes go into the log */
		mix(f, ev->data, ev->len);
		return;
	case MQTT_EV_END:
		CHECK(f->in_pkt);
		CHECK(!f->payload || f->next_off == f->payload_len);
		/* the packet was exactly its fixed header and Remaining Length */
		CHECK(f->pos + used - f->pkt_start ==
		      1 + varint_len(f->remaining) + f->remaining);
		CHECK(f->toolong || ev->type != MQTT_CONNECT ||
		      f->hdr_len + f->skipped == f->remaining);
		f->in_pkt = 0;
		f->pkt_start = f->pos + used;
		mix32(f, 0xe0d);
		mix32(f, f->next_off);
		break;
	case MQTT_EV_ERROR:
		CHECK(ev->err > MQTT_OK && ev->err < __MQTT_ERR_MAX);
		CHECK(ev->err != MQTT_ERR_INTERNAL);
		CHECK(mqtt_err_str(ev->err));
		f->stopped = 1;
		f->err = ev->err;
		f->hmix = 1;
		mix32(f, 0xe77);
		mix32(f, ev->err);
		mix32(f, ev->detail);
		mix32(f, (u32)(f->pos + used));
		f->hmix = 0;
		f->hevents++;
		break;
	default:
		CHECK(0);
	}
	f->events++;
}

static void feed(struct fz *f, const u8 *data, size_t len)
{
	struct mqtt_event ev;
	size_t used, guard = 2 * len + 16;
	int ret;

	while (!f->stopped) {
		CHECK(guard-- > 0);
		if (f->quiet)
			mqtt_stream_set_payload_events(&f->s, f->in_pkt);
		ret = mqtt_stream_next(&f->s, data, len, &used, &ev);
		on_event(f, ret, &ev, data, len, used);
		if (used) {
			data += used;
			len -= used;
		}
		f->pos += used;
		if (ret == MQTT_EV_NEED_MORE)
			return;
	}
	/* sticky */
	ret = mqtt_stream_next(&f->s, data, len, &used, &ev);
	CHECK(ret == MQTT_EV_ERROR && used == 0 && ev.err == f->err);
}

static void start(struct fz *f, u8 cfg, const u8 *data, size_t size)
{
	static const u8 levels[4] = { 0, MQTT_LEVEL_311, MQTT_LEVEL_5,
				      MQTT_LEVEL_5 };

	memset(f, 0, sizeof(*f));
	f->base = data;
	f->size = size;
	f->hash = 0xcbf29ce484222325ULL;
	f->hhash = f->hash;
	mqtt_stream_init(&f->s, cfg & 1 ? MQTT_ROLE_SERVER : MQTT_ROLE_CLIENT,
			 levels[(cfg >> 1) & 3]);
	if (cfg & 8) {
		/* maximum 0, 1, 2, 4, ... 16, then above the slots */
		mqtt_alias_init(&f->map, (cfg >> 4) < 15 ?
				(cfg >> 4) + 2 : 100);
		if ((cfg >> 4) == 0)
			mqtt_alias_init(&f->map, 0);
		mqtt_stream_set_aliases(&f->s, &f->map);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *in, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *in, size_t size)
{
	const u8 *data;
	size_t len, i, k, maxk;
	u32 x;
	u8 cfg;

	if (size < 3)
		return 0;
	cfg = in[0];
	x = (u32)in[1] << 8 | in[2];
	maxk = (size_t)1 << (x & 7);	/* pieces of up to 1..128 bytes */
	x = x * 2654435761U | 1;
	data = in + 3;
	len = size - 3;

	start(&runs[0], cfg, data, len);
	feed(&runs[0], data, len);
	feed(&runs[0], NULL, 0);

	start(&runs[1], cfg, data, len);
	for (i = 0; i < len && !runs[1].stopped; i += k) {
		k = next_rand(&x) % (maxk + 1);	/* 0: an empty call */
		if (k > len - i)
			k = len - i;
		feed(&runs[1], data + i, k);
	}
	feed(&runs[1], NULL, 0);

	start(&runs[2], cfg, data, len);
	if (len <= 8192) {
		for (i = 0; i < len && !runs[2].stopped; i++)
			feed(&runs[2], data + i, 1);
		feed(&runs[2], NULL, 0);
	} else {
		runs[2] = runs[0];
	}

	start(&runs[3], cfg, data, len);
	runs[3].quiet = 1;
	runs[3].pick = x | 1;
	for (i = 0; i < len && !runs[3].stopped; i += k) {
		k = next_rand(&x) % (maxk + 1);
		if (k > len - i)
			k = len - i;
		feed(&runs[3], data + i, k);
	}
	feed(&runs[3], NULL, 0);
	CHECK(runs[3].hhash == runs[0].hhash);
	CHECK(runs[3].hevents == runs[0].hevents);
	CHECK(runs[3].pos == runs[0].pos);
	CHECK(runs[3].err == runs[0].err);

	for (i = 1; i < 3; i++) {
		CHECK(runs[i].hash == runs[0].hash);
		CHECK(runs[i].events == runs[0].events);
		CHECK(runs[i].pos == runs[0].pos);
		CHECK(runs[i].err == runs[0].err);
		CHECK(runs[i].in_pkt == runs[0].in_pkt);
	}
	/* without an error, everything was consumed */
	CHECK(runs[0].stopped || runs[0].pos == len);
	return 0;
}
