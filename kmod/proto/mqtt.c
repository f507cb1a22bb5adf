// SPDX-License-Identifier: GPL-2.0
/*
 * MQTT 3.1.1 and 5.0 incremental stream parser (see mqtt.h).
 *
 * The fixed header is read a byte at a time. The variable header is then
 * gathered in s->buf: a parse function for the packet type walks what is
 * buffered from the start and either finishes, fails, or asks for the
 * buffer to hold exactly N bytes (never more than the fields it knows are
 * there, so that no payload byte is buffered). The driver copies up to N
 * and parses again from the start; a packet takes a handful of passes. A
 * request above MQTT_HDR_MAX reports the packet as MQTT_EVF_HDR_TOOLONG and
 * skips it by its Remaining Length. The CONNECT will payload and password
 * are not buffered either: the parse knows they are cut out of the buffer,
 * shortens the packet end accordingly and asks the driver to skip them.
 *
 * Since the points where a parse runs depend only on the packet's bytes,
 * the events (and where errors are found) do not depend on how the stream
 * is split.
 */
#include "../compat.h"
#include "topic.h"
#include "mqtt.h"

/* The kernel has these; userspace has the glibc attribute and C11. */
#ifndef noinline
#define noinline __attribute_noinline__
#endif
#ifndef BUILD_BUG_ON
#define BUILD_BUG_ON(cond) ((void)sizeof(char[1 - 2 * !!(cond)]))
#endif

enum mqtt_state {
	MQTT_S_FIXED = 0,	/* reading a fixed header */
	MQTT_S_HDR,		/* buffering the variable header */
	MQTT_S_SKIP,		/* skipping a will payload or password */
	MQTT_S_PAYLOAD,		/* passing a PUBLISH payload on */
	MQTT_S_DISCARD,		/* skipping to the end of the packet */
	MQTT_S_END,		/* END to report */
	MQTT_S_ERROR,
};

/* A parse needs more buffered bytes (struct mqtt_cur need and skip). */
#define MQTT_NEED	(-1)
/* mqtt_stream_next() goes on with the next state. */
#define MQTT_CONTINUE	(-1)

/* Property context of a CONNECT's will (packet types are 1 to 15). */
#define MQTT_CTX_WILL	0

#define MQTT_T(type)	(1U << (type))
#define MQTT_P(name)	MQTT_PROP_BIT(MQTT_PROP_##name)
#define MQTT_P_ACK	(MQTT_P(REASON_STRING) | MQTT_P(USER))

/* Packet types each end may send. */
static const u16 mqtt_dir[2] = {
	[MQTT_ROLE_CLIENT] = MQTT_T(MQTT_CONNECT) | MQTT_T(MQTT_PUBLISH) |
		MQTT_T(MQTT_PUBACK) | MQTT_T(MQTT_PUBREC) |
		MQTT_T(MQTT_PUBREL) | MQTT_T(MQTT_PUBCOMP) |
		MQTT_T(MQTT_SUBSCRIBE) | MQTT_T(MQTT_UNSUBSCRIBE) |
		MQTT_T(MQTT_PINGREQ) | MQTT_T(MQTT_DISCONNECT) |
		MQTT_T(MQTT_AUTH),
	[MQTT_ROLE_SERVER] = MQTT_T(MQTT_CONNACK) | MQTT_T(MQTT_PUBLISH) |
		MQTT_T(MQTT_PUBACK) | MQTT_T(MQTT_PUBREC) |
		MQTT_T(MQTT_PUBREL) | MQTT_T(MQTT_PUBCOMP) |
		MQTT_T(MQTT_SUBACK) | MQTT_T(MQTT_UNSUBACK) |
		MQTT_T(MQTT_PINGRESP) | MQTT_T(MQTT_DISCONNECT) |
		MQTT_T(MQTT_AUTH),
};

/* Property data types. */
enum {
	MQTT_PT_NONE = 0,
	MQTT_PT_BYTE,
	MQTT_PT_U16,
	MQTT_PT_U32,
	MQTT_PT_VARINT,
	MQTT_PT_STR,
	MQTT_PT_BIN,
	MQTT_PT_PAIR,
};

static const u8 mqtt_prop_type[MQTT_PROP_MAX + 1] = {
	[MQTT_PROP_PAYLOAD_FORMAT] = MQTT_PT_BYTE,
	[MQTT_PROP_MESSAGE_EXPIRY] = MQTT_PT_U32,
	[MQTT_PROP_CONTENT_TYPE] = MQTT_PT_STR,
	[MQTT_PROP_RESPONSE_TOPIC] = MQTT_PT_STR,
	[MQTT_PROP_CORRELATION_DATA] = MQTT_PT_BIN,
	[MQTT_PROP_SUB_ID] = MQTT_PT_VARINT,
	[MQTT_PROP_SESSION_EXPIRY] = MQTT_PT_U32,
	[MQTT_PROP_ASSIGNED_CLIENT_ID] = MQTT_PT_STR,
	[MQTT_PROP_SERVER_KEEPALIVE] = MQTT_PT_U16,
	[MQTT_PROP_AUTH_METHOD] = MQTT_PT_STR,
	[MQTT_PROP_AUTH_DATA] = MQTT_PT_BIN,
	[MQTT_PROP_REQ_PROBLEM_INFO] = MQTT_PT_BYTE,
	[MQTT_PROP_WILL_DELAY] = MQTT_PT_U32,
	[MQTT_PROP_REQ_RESPONSE_INFO] = MQTT_PT_BYTE,
	[MQTT_PROP_RESPONSE_INFO] = MQTT_PT_STR,
	[MQTT_PROP_SERVER_REF] = MQTT_PT_STR,
	[MQTT_PROP_REASON_STRING] = MQTT_PT_STR,
	[MQTT_PROP_RECEIVE_MAX] = MQTT_PT_U16,
	[MQTT_PROP_TOPIC_ALIAS_MAX] = MQTT_PT_U16,
	[MQTT_PROP_TOPIC_ALIAS] = MQTT_PT_U16,
	[MQTT_PROP_MAX_QOS] = MQTT_PT_BYTE,
	[MQTT_PROP_RETAIN_AVAIL] = MQTT_PT_BYTE,
	[MQTT_PROP_USER] = MQTT_PT_PAIR,
	[MQTT_PROP_MAX_PACKET_SIZE] = MQTT_PT_U32,
	[MQTT_PROP_WILDCARD_AVAIL] = MQTT_PT_BYTE,
	[MQTT_PROP_SUB_ID_AVAIL] = MQTT_PT_BYTE,
	[MQTT_PROP_SHARED_AVAIL] = MQTT_PT_BYTE,
};

/* MQTT 5.0 2.2.2.2: the properties each packet (and the will) may carry. */
static const u64 mqtt_prop_allowed[16] = {
	[MQTT_CTX_WILL] = MQTT_P(PAYLOAD_FORMAT) | MQTT_P(MESSAGE_EXPIRY) |
		MQTT_P(CONTENT_TYPE) | MQTT_P(RESPONSE_TOPIC) |
		MQTT_P(CORRELATION_DATA) | MQTT_P(WILL_DELAY) | MQTT_P(USER),
	[MQTT_CONNECT] = MQTT_P(SESSION_EXPIRY) | MQTT_P(AUTH_METHOD) |
		MQTT_P(AUTH_DATA) | MQTT_P(REQ_PROBLEM_INFO) |
		MQTT_P(REQ_RESPONSE_INFO) | MQTT_P(RECEIVE_MAX) |
		MQTT_P(TOPIC_ALIAS_MAX) | MQTT_P(USER) |
		MQTT_P(MAX_PACKET_SIZE),
	[MQTT_CONNACK] = MQTT_P(SESSION_EXPIRY) | MQTT_P(ASSIGNED_CLIENT_ID) |
		MQTT_P(SERVER_KEEPALIVE) | MQTT_P(AUTH_METHOD) |
		MQTT_P(AUTH_DATA) | MQTT_P(RESPONSE_INFO) |
		MQTT_P(SERVER_REF) | MQTT_P(RECEIVE_MAX) |
		MQTT_P(TOPIC_ALIAS_MAX) | MQTT_P(MAX_QOS) |
		MQTT_P(RETAIN_AVAIL) | MQTT_P(MAX_PACKET_SIZE) |
		MQTT_P(WILDCARD_AVAIL) | MQTT_P(SUB_ID_AVAIL) |
		MQTT_P(SHARED_AVAIL) | MQTT_P_ACK,
	[MQTT_PUBLISH] = MQTT_P(PAYLOAD_FORMAT) | MQTT_P(MESSAGE_EXPIRY) |
		MQTT_P(CONTENT_TYPE) | MQTT_P(RESPONSE_TOPIC) |
		MQTT_P(CORRELATION_DATA) | MQTT_P(SUB_ID) |
		MQTT_P(TOPIC_ALIAS) | MQTT_P(USER),
	[MQTT_PUBACK] = MQTT_P_ACK,
	[MQTT_PUBREC] = MQTT_P_ACK,
	[MQTT_PUBREL] = MQTT_P_ACK,
	[MQTT_PUBCOMP] = MQTT_P_ACK,
	[MQTT_SUBSCRIBE] = MQTT_P(SUB_ID) | MQTT_P(USER),
	[MQTT_SUBACK] = MQTT_P_ACK,
	[MQTT_UNSUBSCRIBE] = MQTT_P(USER),
	[MQTT_UNSUBACK] = MQTT_P_ACK,
	[MQTT_DISCONNECT] = MQTT_P(SESSION_EXPIRY) | MQTT_P(SERVER_REF) |
		MQTT_P_ACK,
	[MQTT_AUTH] = MQTT_P(AUTH_METHOD) | MQTT_P(AUTH_DATA) | MQTT_P_ACK,
};

/* Reason codes, MQTT 5.0 2.4 and the packets' sections. */
static const u8 mqtt_rc_connack[] = {
	0x00, 0x80, 0x81, 0x82, 0x83, 0x84, 0x85, 0x86, 0x87, 0x88, 0x89,
	0x8a, 0x8c, 0x90, 0x95, 0x97, 0x99, 0x9a, 0x9b, 0x9c, 0x9d, 0x9f,
};

static const u8 mqtt_rc_puback[] = {
	0x00, 0x10, 0x80, 0x83, 0x87, 0x90, 0x91, 0x97, 0x99,
};

static const u8 mqtt_rc_pubrel[] = { 0x00, 0x92 };

static const u8 mqtt_rc_suback[] = {
	0x00, 0x01, 0x02, 0x80, 0x83, 0x87, 0x8f, 0x91, 0x97, 0x9e, 0xa1,
	0xa2,
};

static const u8 mqtt_rc_unsuback[] = {
	0x00, 0x11, 0x80, 0x83, 0x87, 0x8f, 0x91,
};

static const u8 mqtt_rc_disconnect[] = {
	0x00, 0x04, 0x80, 0x81, 0x82, 0x83, 0x87, 0x89, 0x8b, 0x8d, 0x8e,
	0x8f, 0x90, 0x93, 0x94, 0x95, 0x96, 0x97, 0x98, 0x99, 0x9a, 0x9b,
	0x9c, 0x9d, 0x9e, 0x9f, 0xa0, 0xa1, 0xa2,
};

static const u8 mqtt_rc_auth[] = { 0x00, 0x18, 0x19 };

/* MQTT 3.1.1 return codes. */
static const u8 mqtt_rc_connack_311[] = { 0, 1, 2, 3, 4, 5 };
static const u8 mqtt_rc_suback_311[] = { 0x00, 0x01, 0x02, 0x80 };

static bool mqtt_rc_valid(u8 type, u8 level, u8 rc)
{
	const u8 *codes;
	size_t n;

	switch (type) {
	case MQTT_CONNACK:
		if (level == MQTT_LEVEL_311) {
			codes = mqtt_rc_connack_311;
			n = sizeof(mqtt_rc_connack_311);
		} else {
			codes = mqtt_rc_connack;
			n = sizeof(mqtt_rc_connack);
		}
		break;
	case MQTT_PUBACK:
	case MQTT_PUBREC:
		codes = mqtt_rc_puback;
		n = sizeof(mqtt_rc_puback);
		break;
	case MQTT_PUBREL:
	case MQTT_PUBCOMP:
		codes = mqtt_rc_pubrel;
		n = sizeof(mqtt_rc_pubrel);
		break;
	case MQTT_SUBACK:
		if (level == MQTT_LEVEL_311) {
			codes = mqtt_rc_suback_311;
			n = sizeof(mqtt_rc_suback_311);
		} else {
			codes = mqtt_rc_suback;
			n = sizeof(mqtt_rc_suback);
		}
		break;
	case MQTT_UNSUBACK:
		codes = mqtt_rc_unsuback;
		n = sizeof(mqtt_rc_unsuback);
		break;
	case MQTT_DISCONNECT:
		codes = mqtt_rc_disconnect;
		n = sizeof(mqtt_rc_disconnect);
		break;
	case MQTT_AUTH:
		codes = mqtt_rc_auth;
		n = sizeof(mqtt_rc_auth);
		break;
	default:
		return false;
	}
	return memchr(codes, rc, n);
}

/* An MQTT UTF-8 string: well-formed and without U+0000 (1.5.4). */
static bool mqtt_utf8_ok(const u8 *p, size_t len)
{
	return !(topic_scan(p, len) & (TOPIC_SCAN_NUL | TOPIC_SCAN_UTF8));
}

static int mqtt_topic_err(enum topic_err e)
{
	switch (e) {
	case TOPIC_ERR_EMPTY:
		return MQTT_ERR_TOPIC_EMPTY;
	case TOPIC_ERR_NUL:
		return MQTT_ERR_TOPIC_NUL;
	case TOPIC_ERR_WILDCARD:
		return MQTT_ERR_TOPIC_WILDCARD;
	default:
		return MQTT_ERR_TOPIC_UTF8;
	}
}

static int mqtt_filter_err(enum topic_err e)
{
	switch (e) {
	case TOPIC_ERR_EMPTY:
		return MQTT_ERR_FILTER_EMPTY;
	case TOPIC_ERR_NUL:
		return MQTT_ERR_FILTER_NUL;
	case TOPIC_ERR_PLUS:
		return MQTT_ERR_FILTER_PLUS;
	case TOPIC_ERR_HASH:
		return MQTT_ERR_FILTER_HASH;
	default:
		return MQTT_ERR_FILTER_UTF8;
	}
}

/*
 * Property blocks: parsed once they are wholly buffered, in buf[pos, end).
 */

/* A variable byte integer inside a property block. */
static int mqtt_get_varint(const u8 *buf, u32 *pos, u32 end, u32 *val)
{
	u32 v = 0;
	int i;
	u8 b;

	for (i = 0; i < 4; i++) {
		if (*pos >= end)
			return MQTT_ERR_PROP_TRUNC;
		b = buf[(*pos)++];
		v |= (u32)(b & 0x7f) << (7 * i);
		if (!(b & 0x80)) {
			if (i && !b)
				return MQTT_ERR_VARINT_NONMINIMAL;
			*val = v;
			return 0;
		}
	}
	return MQTT_ERR_VARINT_TOO_LONG;
}

/* A two-byte length and that many bytes inside a property block. */
static int mqtt_get_bytes(const u8 *buf, u32 *pos, u32 end,
			  struct mqtt_span *sp)
{
	u32 len;

	if (end - *pos < 2)
		return MQTT_ERR_PROP_TRUNC;
	len = get_unaligned_be16(buf + *pos);
	if (end - *pos - 2 < len)
		return MQTT_ERR_PROP_TRUNC;
	sp->off = *pos + 2;
	sp->len = len;
	*pos += 2 + len;
	return 0;
}

/* One property value of @type: a number in *v, strings in *a and *b. */
static int mqtt_prop_value(const u8 *buf, u32 *pos, u32 end, u8 type,
			   u32 *v, struct mqtt_span *a, struct mqtt_span *b)
{
	u32 left = end - *pos;
	int r;

	switch (type) {
	case MQTT_PT_BYTE:
		if (left < 1)
			return MQTT_ERR_PROP_TRUNC;
		*v = buf[*pos];
		*pos += 1;
		return 0;
	case MQTT_PT_U16:
		if (left < 2)
			return MQTT_ERR_PROP_TRUNC;
		*v = get_unaligned_be16(buf + *pos);
		*pos += 2;
		return 0;
	case MQTT_PT_U32:
		if (left < 4)
			return MQTT_ERR_PROP_TRUNC;
		*v = get_unaligned_be32(buf + *pos);
		*pos += 4;
		return 0;
	case MQTT_PT_VARINT:
		return mqtt_get_varint(buf, pos, end, v);
	case MQTT_PT_PAIR:
		r = mqtt_get_bytes(buf, pos, end, a);
		if (r)
			return r;
		return mqtt_get_bytes(buf, pos, end, b);
	default:	/* string or binary data */
		return mqtt_get_bytes(buf, pos, end, a);
	}
}

/* The value rules of MQTT 5.0 3.x.2.x "It is a Protocol Error ...". */
static int mqtt_prop_check(const u8 *buf, u32 id, u32 v,
			   const struct mqtt_span *a,
			   const struct mqtt_span *b, u8 *detail)
{
	enum topic_err terr;

	switch (id) {
	case MQTT_PROP_PAYLOAD_FORMAT:
	case MQTT_PROP_REQ_PROBLEM_INFO:
	case MQTT_PROP_REQ_RESPONSE_INFO:
	case MQTT_PROP_MAX_QOS:
	case MQTT_PROP_RETAIN_AVAIL:
	case MQTT_PROP_WILDCARD_AVAIL:
	case MQTT_PROP_SUB_ID_AVAIL:
	case MQTT_PROP_SHARED_AVAIL:
		return v > 1 ? MQTT_ERR_PROP_VALUE : 0;
	case MQTT_PROP_SUB_ID:
	case MQTT_PROP_RECEIVE_MAX:
	case MQTT_PROP_MAX_PACKET_SIZE:
		return v ? 0 : MQTT_ERR_PROP_VALUE;
	case MQTT_PROP_TOPIC_ALIAS:
		return v ? 0 : MQTT_ERR_ALIAS_ZERO;
	case MQTT_PROP_RESPONSE_TOPIC:
		terr = topic_name_check((const char *)buf + a->off, a->len);
		if (terr) {
			*detail = terr;
			return MQTT_ERR_RESPONSE_TOPIC;
		}
		return 0;
	case MQTT_PROP_USER:
		if (!mqtt_utf8_ok(buf + b->off, b->len))
			return MQTT_ERR_PROP_UTF8;
		fallthrough;
	case MQTT_PROP_CONTENT_TYPE:
	case MQTT_PROP_ASSIGNED_CLIENT_ID:
	case MQTT_PROP_AUTH_METHOD:
	case MQTT_PROP_RESPONSE_INFO:
	case MQTT_PROP_SERVER_REF:
	case MQTT_PROP_REASON_STRING:
		return mqtt_utf8_ok(buf + a->off, a->len) ? 0 :
			MQTT_ERR_PROP_UTF8;
	default:
		return 0;
	}
}

static void mqtt_prop_store(struct mqtt_props *o, u32 id, u32 v,
			    const struct mqtt_span *a,
			    const struct mqtt_span *b)
{
	o->present |= MQTT_PROP_BIT(id);
	switch (id) {
	case MQTT_PROP_PAYLOAD_FORMAT:
		o->payload_format = v;
		break;
	case MQTT_PROP_MESSAGE_EXPIRY:
		o->message_expiry = v;
		break;
	case MQTT_PROP_CONTENT_TYPE:
		o->content_type = *a;
		break;
	case MQTT_PROP_RESPONSE_TOPIC:
		o->response_topic = *a;
		break;
	case MQTT_PROP_CORRELATION_DATA:
		o->correlation_data = *a;
		break;
	case MQTT_PROP_SUB_ID:
		if (o->sub_id_count < MQTT_SUB_IDS)
			o->sub_id[o->sub_id_count] = v;
		o->sub_id_count++;
		break;
	case MQTT_PROP_SESSION_EXPIRY:
		o->session_expiry = v;
		break;
	case MQTT_PROP_ASSIGNED_CLIENT_ID:
		o->assigned_client_id = *a;
		break;
	case MQTT_PROP_SERVER_KEEPALIVE:
		o->server_keepalive = v;
		break;
	case MQTT_PROP_AUTH_METHOD:
		o->auth_method = *a;
		break;
	case MQTT_PROP_AUTH_DATA:
		o->auth_data = *a;
		break;
	case MQTT_PROP_REQ_PROBLEM_INFO:
		o->req_problem_info = v;
		break;
	case MQTT_PROP_WILL_DELAY:
		o->will_delay = v;
		break;
	case MQTT_PROP_REQ_RESPONSE_INFO:
		o->req_response_info = v;
		break;
	case MQTT_PROP_RESPONSE_INFO:
		o->response_info = *a;
		break;
	case MQTT_PROP_SERVER_REF:
		o->server_ref = *a;
		break;
	case MQTT_PROP_REASON_STRING:
		o->reason_string = *a;
		break;
	case MQTT_PROP_RECEIVE_MAX:
		o->receive_max = v;
		break;
	case MQTT_PROP_TOPIC_ALIAS_MAX:
		o->topic_alias_max = v;
		break;
	case MQTT_PROP_TOPIC_ALIAS:
		o->topic_alias = v;
		break;
	case MQTT_PROP_MAX_QOS:
		o->max_qos = v;
		break;
	case MQTT_PROP_RETAIN_AVAIL:
		o->retain_avail = v;
		break;
	case MQTT_PROP_USER:
		if (o->user_count < MQTT_USER_PROPS) {
			o->user[o->user_count][0] = *a;
			o->user[o->user_count][1] = *b;
		}
		o->user_count++;
		break;
	case MQTT_PROP_MAX_PACKET_SIZE:
		o->max_packet_size = v;
		break;
	case MQTT_PROP_WILDCARD_AVAIL:
		o->wildcard_avail = v;
		break;
	case MQTT_PROP_SUB_ID_AVAIL:
		o->sub_id_avail = v;
		break;
	case MQTT_PROP_SHARED_AVAIL:
		o->shared_avail = v;
		break;
	}
}

/*
 * Check the property block buf[pos, end) of packet type @ctx (or
 * MQTT_CTX_WILL) sent by @role; decode it into @out unless NULL.
 */
static int mqtt_props(const u8 *buf, u32 pos, u32 end, unsigned int ctx,
		      u8 role, struct mqtt_props *out, u8 *detail)
{
	struct mqtt_span a = { 0, 0 }, b = { 0, 0 };
	u64 seen = 0, bit;
	u32 id, v;
	int r;

	if (out)
		memset(out, 0, sizeof(*out));
	while (pos < end) {
		r = mqtt_get_varint(buf, &pos, end, &id);
		if (r)
			return r;
		if (id > MQTT_PROP_MAX || !mqtt_prop_type[id])
			return MQTT_ERR_PROP_UNKNOWN;
		bit = MQTT_PROP_BIT(id);
		if (!(mqtt_prop_allowed[ctx] & bit))
			return MQTT_ERR_PROP_NOT_ALLOWED;
		/* 3.3.4: not from a client; 3.14.2.2.2: not from a server */
		if ((id == MQTT_PROP_SUB_ID && ctx == MQTT_PUBLISH &&
		     role == MQTT_ROLE_CLIENT) ||
		    (id == MQTT_PROP_SESSION_EXPIRY && ctx == MQTT_DISCONNECT &&
		     role == MQTT_ROLE_SERVER))
			return MQTT_ERR_PROP_NOT_ALLOWED;
		if ((seen & bit) && id != MQTT_PROP_USER &&
		    !(id == MQTT_PROP_SUB_ID && ctx == MQTT_PUBLISH))
			return MQTT_ERR_PROP_DUP;
		seen |= bit;
		v = 0;
		r = mqtt_prop_value(buf, &pos, end, mqtt_prop_type[id], &v,
				    &a, &b);
		if (r)
			return r;
		r = mqtt_prop_check(buf, id, v, &a, &b, detail);
		if (r)
			return r;
		if (out)
			mqtt_prop_store(out, id, v, &a, &b);
	}
	if ((seen & MQTT_P(AUTH_DATA)) && !(seen & MQTT_P(AUTH_METHOD)))
		return MQTT_ERR_AUTH_DATA_NO_METHOD;
	return 0;
}

/*
 * The variable header, walked from the start of the buffer at each pass.
 */
struct mqtt_cur {
	const u8 *buf;
	u32 pos;	/* next byte */
	u32 have;	/* bytes buffered */
	u32 end;	/* end of the packet, less the bytes cut out */
	u32 need;	/* MQTT_NEED: buffer this many bytes */
	u16 skip;	/* MQTT_NEED: skip this many bytes before */
};

/* @n more bytes: @err if the packet ends before, MQTT_NEED if not here. */
static int mqtt_want(struct mqtt_cur *c, u32 n, int err)
{
	if (c->end - c->pos < n)
		return err;
	if (c->have - c->pos < n) {
		c->need = c->pos + n;
		return MQTT_NEED;
	}
	return 0;
}

static int mqtt_cur_varint(struct mqtt_cur *c, u32 *val)
{
	u32 v = 0;
	int i, r;
	u8 b;

	for (i = 0; i < 4; i++) {
		r = mqtt_want(c, 1, MQTT_ERR_SHORT);
		if (r)
			return r;
		b = c->buf[c->pos++];
		v |= (u32)(b & 0x7f) << (7 * i);
		if (!(b & 0x80)) {
			if (i && !b)
				return MQTT_ERR_VARINT_NONMINIMAL;
			*val = v;
			return 0;
		}
	}
	return MQTT_ERR_VARINT_TOO_LONG;
}

static int mqtt_cur_u16(struct mqtt_cur *c, u16 *v)
{
	int r = mqtt_want(c, 2, MQTT_ERR_SHORT);

	if (r)
		return r;
	*v = get_unaligned_be16(c->buf + c->pos);
	c->pos += 2;
	return 0;
}

static int mqtt_cur_packet_id(struct mqtt_cur *c, struct mqtt_event *ev)
{
	int r = mqtt_cur_u16(c, &ev->packet_id);

	if (r)
		return r;
	return ev->packet_id ? 0 : MQTT_ERR_PACKET_ID_ZERO;
}

/* A string or binary field; @err if even its length is missing. */
static inline int mqtt_cur_str(struct mqtt_cur *c, struct mqtt_span *sp, int err)
{
	u32 len;
	int r;

	r = mqtt_want(c, 2, err);
	if (r)
		return r;
	len = get_unaligned_be16(c->buf + c->pos);
	r = mqtt_want(c, 2 + len, MQTT_ERR_OVERRUN);
	if (r)
		return r;
	sp->off = c->pos + 2;
	sp->len = len;
	c->pos += 2 + len;
	return 0;
}

/*
 * A binary field that is not buffered: only its length is. The bytes are
 * cut out of the packet (c->end); if they come next, the driver skips them.
 */
static int mqtt_cur_cut(struct mqtt_cur *c, u16 *len)
{
	int r = mqtt_cur_u16(c, len);

	if (r)
		return r;
	if (c->end - c->pos < *len)
		return MQTT_ERR_OVERRUN;
	c->end -= *len;
	if (c->have == c->pos)
		c->skip = *len;
	return 0;
}

/* A Property Length and the block: [*start, *start + *len). */
static int mqtt_cur_props(struct mqtt_cur *c, u32 *start, u32 *len)
{
	u32 n;
	int r;

	r = mqtt_cur_varint(c, &n);
	if (r)
		return r;
	r = mqtt_want(c, n, MQTT_ERR_PROP_OVERRUN);
	if (r)
		return r;
	*start = c->pos;
	*len = n;
	c->pos += n;
	return 0;
}

/* A property block, decoded into ev->props. */
static int mqtt_cur_ev_props(struct mqtt_stream *s, struct mqtt_cur *c,
			     struct mqtt_event *ev)
{
	u32 start, len;
	int r;

	r = mqtt_cur_props(c, &start, &len);
	if (r)
		return r;
	return mqtt_props(c->buf, start, start + len, ev->type, s->role,
			  &ev->props, &ev->detail);
}

static int mqtt_cur_reason(struct mqtt_cur *c, struct mqtt_event *ev)
{
	int r = mqtt_want(c, 1, MQTT_ERR_SHORT);

	if (r)
		return r;
	ev->reason = c->buf[c->pos++];
	if (!mqtt_rc_valid(ev->type, ev->level, ev->reason))
		return MQTT_ERR_REASON_CODE;
	return 0;
}

static int mqtt_cur_end(struct mqtt_cur *c)
{
	return c->pos == c->end ? 0 : MQTT_ERR_TRAILING;
}

/* MQTT 3.1.1 3.1, MQTT 5.0 3.1 */
static int mqtt_parse_connect(struct mqtt_stream *s, struct mqtt_cur *c,
			      struct mqtt_event *ev)
{
	const u8 *b = c->buf;
	struct mqtt_span *sp;
	enum topic_err terr;
	u32 start, len;
	u8 fl;
	int r;

	r = mqtt_want(c, 2, MQTT_ERR_SHORT);
	if (r)
		return r;
	if (get_unaligned_be16(b) != 4)
		return MQTT_ERR_PROTO_NAME;
	r = mqtt_want(c, 10, MQTT_ERR_SHORT);
	if (r)
		return r;
	if (memcmp(b + 2, "MQTT", 4))
		return MQTT_ERR_PROTO_NAME;
	if (b[6] != MQTT_LEVEL_311 && b[6] != MQTT_LEVEL_5)
		return MQTT_ERR_PROTO_LEVEL;
	fl = b[7];
	if (fl & 0x01)
		return MQTT_ERR_CONNECT_RESERVED;
	if (MQTT_CONN_WILL_QOS(fl) == 3)
		return MQTT_ERR_WILL_QOS;
	if (!(fl & MQTT_CONN_WILL) &&
	    (MQTT_CONN_WILL_QOS(fl) || (fl & MQTT_CONN_WILL_RETAIN)))
		return MQTT_ERR_WILL_FLAGS;
	if (b[6] == MQTT_LEVEL_311 && (fl & MQTT_CONN_PASSWORD) &&
	    !(fl & MQTT_CONN_USERNAME))
		return MQTT_ERR_PASSWORD_NO_USER;
	ev->level = b[6];
	ev->connect_flags = fl;
	ev->keepalive = get_unaligned_be16(b + 8);
	c->pos = 10;
	if (ev->level == MQTT_LEVEL_5) {
		r = mqtt_cur_ev_props(s, c, ev);
		if (r)
			return r;
	}

	sp = &ev->client_id;
	r = mqtt_cur_str(c, sp, MQTT_ERR_SHORT);
	if (r)
		return r;
	if (!mqtt_utf8_ok(b + sp->off, sp->len))
		return MQTT_ERR_CLIENT_ID_UTF8;
	if (!sp->len && ev->level == MQTT_LEVEL_311 &&
	    !(fl & MQTT_CONN_CLEAN))
		return MQTT_ERR_CLIENT_ID_EMPTY;

	if (fl & MQTT_CONN_WILL) {
		if (ev->level == MQTT_LEVEL_5) {
			r = mqtt_cur_props(c, &start, &len);
			if (r)
				return r;
			r = mqtt_props(b, start, start + len, MQTT_CTX_WILL,
				       s->role, NULL, &ev->detail);
			if (r)
				return r;
			ev->will_props.off = start;
			ev->will_props.len = len;
		}
		sp = &ev->will_topic;
		r = mqtt_cur_str(c, sp, MQTT_ERR_SHORT);
		if (r)
			return r;
		terr = topic_name_check((const char *)b + sp->off, sp->len);
		if (terr) {
			ev->detail = terr;
			return MQTT_ERR_WILL_TOPIC;
		}
		r = mqtt_cur_cut(c, &ev->will_payload_len);
		if (r)
			return r;
	}
	if (fl & MQTT_CONN_USERNAME) {
		sp = &ev->username;
		r = mqtt_cur_str(c, sp, MQTT_ERR_SHORT);
		if (r)
			return r;
		if (!mqtt_utf8_ok(b + sp->off, sp->len))
			return MQTT_ERR_USERNAME_UTF8;
	}
	if (fl & MQTT_CONN_PASSWORD) {
		r = mqtt_cur_cut(c, &ev->password_len);
		if (r)
			return r;
	}
	return mqtt_cur_end(c);
}

static int mqtt_parse_connack(struct mqtt_stream *s, struct mqtt_cur *c,
			      struct mqtt_event *ev)
{
	int r = mqtt_want(c, 1, MQTT_ERR_SHORT);

	if (r)
		return r;
	ev->ack_flags = c->buf[c->pos++];
	if (ev->ack_flags & 0xfe)
		return MQTT_ERR_CONNACK_FLAGS;
	r = mqtt_cur_reason(c, ev);
	if (r)
		return r;
	if ((ev->ack_flags & 1) && ev->reason)
		return MQTT_ERR_CONNACK_SESSION;
	if (ev->level == MQTT_LEVEL_5) {
		r = mqtt_cur_ev_props(s, c, ev);
		if (r)
			return r;
	}
	return mqtt_cur_end(c);
}

/*
 * How many bytes of PUBLISH header to ask for once the topic length (the
 * first two) is in: the topic, the packet identifier and the first byte of
 * the MQTT 5 Property Length.
 */
static u32 mqtt_publish_ahead(const u8 *buf, u8 flags, u8 level)
{
	return 2 + get_unaligned_be16(buf) + (MQTT_PUB_QOS(flags) ? 2 : 0) +
		(level == MQTT_LEVEL_5 ? 1 : 0);
}

/*
 * PUBLISH: the fields are only walked until the header is complete, then
 * checked once. Nothing is written to @ev before that (see the driver).
 */
static int mqtt_parse_publish(struct mqtt_stream *s, struct mqtt_cur *c,
			      struct mqtt_event *ev)
{
	u8 qos = MQTT_PUB_QOS(ev->flags);
	struct mqtt_span topic;
	enum topic_err terr;
	u32 start = 0, len = 0, ahead;
	u16 id = 0;
	int r;

	r = mqtt_want(c, 2, MQTT_ERR_SHORT);
	if (r)
		return r;
	/* Ask for the topic, packet id and Property Length at once. */
	ahead = mqtt_publish_ahead(c->buf, ev->flags, ev->level);
	if (c->end >= ahead) {
		r = mqtt_want(c, ahead, MQTT_ERR_INTERNAL);
		if (r)
			return r;
		/* They are all here: no field can fall short. */
		topic.off = 2;
		topic.len = get_unaligned_be16(c->buf);
		c->pos = 2 + topic.len;
		if (qos) {
			id = get_unaligned_be16(c->buf + c->pos);
			c->pos += 2;
		}
	} else {
		r = mqtt_cur_str(c, &topic, MQTT_ERR_SHORT);
		if (r)
			return r;
		if (qos) {
			r = mqtt_cur_u16(c, &id);
			if (r)
				return r;
		}
	}
	if (ev->level == MQTT_LEVEL_5) {
		r = mqtt_cur_props(c, &start, &len);
		if (r)
			return r;
	}

	ev->qos = qos;
	/* One pass over the topic; topic_name_check() says what is wrong. */
	if (topic.len &&
	    unlikely(topic_scan(c->buf + topic.off, topic.len) &
		     (TOPIC_SCAN_NUL | TOPIC_SCAN_UTF8 | TOPIC_SCAN_WILDCARD))) {
		terr = topic_name_check((const char *)c->buf + topic.off,
					topic.len);
		ev->detail = terr;
		return mqtt_topic_err(terr);
	}
	if (qos && !id)
		return MQTT_ERR_PACKET_ID_ZERO;
	ev->packet_id = id;
	if (ev->level == MQTT_LEVEL_5) {
		r = mqtt_props(c->buf, start, start + len, MQTT_PUBLISH,
			       s->role, &ev->props, &ev->detail);
		if (r)
			return r;
	}
	if (!topic.len && !(ev->props.present & MQTT_P(TOPIC_ALIAS))) {
		ev->detail = TOPIC_ERR_EMPTY;
		return MQTT_ERR_TOPIC_EMPTY;
	}
	ev->topic = (const char *)c->buf + topic.off;
	ev->topic_len = topic.len;
	return 0;
}

/* PUBACK, PUBREC, PUBREL, PUBCOMP */
static int mqtt_parse_ack(struct mqtt_stream *s, struct mqtt_cur *c,
			  struct mqtt_event *ev)
{
	int r = mqtt_cur_packet_id(c, ev);

	if (r)
		return r;
	if (ev->level == MQTT_LEVEL_5 && c->pos < c->end) {
		r = mqtt_cur_reason(c, ev);
		if (r)
			return r;
		if (c->pos < c->end) {
			r = mqtt_cur_ev_props(s, c, ev);
			if (r)
				return r;
		}
	}
	return mqtt_cur_end(c);
}

/* "$share/{ShareName}/{filter}", MQTT 5.0 4.8.2 */
static bool mqtt_shared(const u8 *f, u32 len, bool *bad)
{
	const u8 *slash;
	u32 i;

	*bad = false;
	if (len < 7 || memcmp(f, "$share/", 7))
		return false;
	slash = memchr(f + 7, '/', len - 7);
	if (!slash || slash == f + 7 || slash == f + len - 1) {
		*bad = true;
		return true;
	}
	for (i = 7; f + i < slash; i++)
		if (f[i] == '+' || f[i] == '#')
			*bad = true;
	return true;
}

/* SUBSCRIBE and UNSUBSCRIBE */
static int mqtt_parse_subscribe(struct mqtt_stream *s, struct mqtt_cur *c,
				struct mqtt_event *ev)
{
	bool sub = ev->type == MQTT_SUBSCRIBE, shared, bad;
	struct mqtt_span f;
	enum topic_err terr;
	u8 opt = 0;
	int r;

	r = mqtt_cur_packet_id(c, ev);
	if (r)
		return r;
	if (ev->level == MQTT_LEVEL_5) {
		r = mqtt_cur_ev_props(s, c, ev);
		if (r)
			return r;
	}
	ev->list.off = c->pos;
	while (c->pos < c->end) {
		r = mqtt_cur_str(c, &f, MQTT_ERR_OVERRUN);
		if (r)
			return r;
		if (sub) {
			r = mqtt_want(c, 1, MQTT_ERR_SHORT);
			if (r)
				return r;
			opt = c->buf[c->pos++];
		}
		terr = topic_filter_check((const char *)c->buf + f.off, f.len);
		if (terr) {
			ev->detail = terr;
			return mqtt_filter_err(terr);
		}
		shared = false;
		if (ev->level == MQTT_LEVEL_5) {
			shared = mqtt_shared(c->buf + f.off, f.len, &bad);
			if (bad)
				return MQTT_ERR_SHARED_FILTER;
		}
		if (sub && ev->level == MQTT_LEVEL_311) {
			if (opt & 0xfc)
				return MQTT_ERR_SUB_RESERVED;
			if (opt == 3)
				return MQTT_ERR_SUB_QOS;
		} else if (sub) {
			if (opt & 0xc0)
				return MQTT_ERR_SUB_RESERVED;
			if ((opt & 3) == 3)
				return MQTT_ERR_SUB_QOS;
			if (((opt >> 4) & 3) == 3)
				return MQTT_ERR_SUB_RETAIN_HANDLING;
			if (shared && (opt & 0x04))
				return MQTT_ERR_SUB_SHARED_NL;
		}
		ev->count++;
	}
	if (!ev->count)
		return MQTT_ERR_EMPTY_LIST;
	ev->list.len = c->pos - ev->list.off;
	return 0;
}

/* SUBACK and UNSUBACK */
static int mqtt_parse_suback(struct mqtt_stream *s, struct mqtt_cur *c,
			     struct mqtt_event *ev)
{
	u32 n, i;
	int r;

	r = mqtt_cur_packet_id(c, ev);
	if (r)
		return r;
	/* MQTT 3.1.1 UNSUBACK is the packet identifier alone */
	if (ev->type == MQTT_UNSUBACK && ev->level == MQTT_LEVEL_311)
		return mqtt_cur_end(c);
	if (ev->level == MQTT_LEVEL_5) {
		r = mqtt_cur_ev_props(s, c, ev);
		if (r)
			return r;
	}
	n = c->end - c->pos;
	if (!n)
		return MQTT_ERR_EMPTY_LIST;
	r = mqtt_want(c, n, MQTT_ERR_INTERNAL);
	if (r)
		return r;
	for (i = 0; i < n; i++)
		if (!mqtt_rc_valid(ev->type, ev->level, c->buf[c->pos + i]))
			return MQTT_ERR_REASON_CODE;
	ev->list.off = c->pos;
	ev->list.len = n;
	ev->count = n;
	c->pos += n;
	return 0;
}

/* DISCONNECT and AUTH: MQTT 5 may omit the reason code and properties. */
static int mqtt_parse_disconnect(struct mqtt_stream *s, struct mqtt_cur *c,
				 struct mqtt_event *ev)
{
	int r;

	if (ev->level == MQTT_LEVEL_311 || c->pos == c->end)
		return mqtt_cur_end(c);
	r = mqtt_cur_reason(c, ev);
	if (r)
		return r;
	if (c->pos == c->end)
		return 0;
	r = mqtt_cur_ev_props(s, c, ev);
	if (r)
		return r;
	/* 3.15.2.2.2: AUTH properties carry the Authentication Method */
	if (ev->type == MQTT_AUTH &&
	    !(ev->props.present & MQTT_P(AUTH_METHOD)))
		return MQTT_ERR_AUTH_NO_METHOD;
	return mqtt_cur_end(c);
}

static int mqtt_parse(struct mqtt_stream *s, struct mqtt_cur *c,
		      struct mqtt_event *ev)
{
	switch (ev->type) {
	case MQTT_CONNECT:
		return mqtt_parse_connect(s, c, ev);
	case MQTT_CONNACK:
		return mqtt_parse_connack(s, c, ev);
	case MQTT_PUBLISH:
		return mqtt_parse_publish(s, c, ev);
	case MQTT_PUBACK:
	case MQTT_PUBREC:
	case MQTT_PUBREL:
	case MQTT_PUBCOMP:
		return mqtt_parse_ack(s, c, ev);
	case MQTT_SUBSCRIBE:
	case MQTT_UNSUBSCRIBE:
		return mqtt_parse_subscribe(s, c, ev);
	case MQTT_SUBACK:
	case MQTT_UNSUBACK:
		return mqtt_parse_suback(s, c, ev);
	case MQTT_DISCONNECT:
	case MQTT_AUTH:
		return mqtt_parse_disconnect(s, c, ev);
	default:	/* PINGREQ, PINGRESP */
		return mqtt_cur_end(c);
	}
}

/*
 * The driver.
 *
 * mqtt_stream_next() clears the event once, on entry, and keeps it clean
 * (all zero but for what mqtt_ev_start() sets) wherever mqtt_ev_start()
 * runs: after a parse pass that asks for more bytes, mqtt_do_hdr() clears
 * it again, but for PUBLISH, whose parse writes nothing to it before it
 * has all it needs; errors and oversized headers clear it again; and
 * MQTT_EV_NEED_MORE undoes mqtt_ev_start(). One clear per call, not one
 * per pass.
 */

/*
 * Clear @ev 64 bytes at a time: compilers clear that much with a few plain
 * stores, and the whole event with a string instruction whose start-up
 * costs more than the clearing (this runs for every event).
 */
static inline void mqtt_ev_clear(struct mqtt_event *ev)
{
	u8 *p = (u8 *)ev;

	BUILD_BUG_ON(sizeof(*ev) <= 192 || sizeof(*ev) > 256);
	memset(p, 0, 64);
	memset(p + 64, 0, 64);
	memset(p + 128, 0, 64);
	memset(p + 192, 0, sizeof(*ev) - 192);
}

/* Start an event on a clean @ev. */
static void mqtt_ev_start(const struct mqtt_stream *s, struct mqtt_event *ev)
{
	ev->type = s->hdr0 >> 4;
	ev->flags = s->hdr0 & 0x0f;
	ev->level = s->level;
	ev->remaining = s->rl;
}

static int mqtt_fail(struct mqtt_stream *s, struct mqtt_event *ev, int err)
{
	if (s->state != MQTT_S_ERROR) {
		s->state = MQTT_S_ERROR;
		s->err = err;
		s->detail = ev->detail;
	}
	mqtt_ev_clear(ev);
	mqtt_ev_start(s, ev);
	ev->err = s->err;
	ev->detail = s->detail;
	return MQTT_EV_ERROR;
}

/* The first byte of a fixed header: type and flags. */
static inline int mqtt_fixed_first(const struct mqtt_stream *s, u8 b)
{
	u8 type = b >> 4, fl = b & 0x0f;

	if (!type)
		return MQTT_ERR_TYPE_RESERVED;
	if (s->role == MQTT_ROLE_CLIENT && !s->level && type != MQTT_CONNECT)
		return MQTT_ERR_NOT_CONNECT;
	if (s->role == MQTT_ROLE_SERVER && !s->level)
		return MQTT_ERR_NO_LEVEL;
	if (type == MQTT_AUTH && s->level == MQTT_LEVEL_311)
		return MQTT_ERR_TYPE_RESERVED;
	if (!(mqtt_dir[s->role] & MQTT_T(type)) ||
	    (type == MQTT_DISCONNECT && s->role == MQTT_ROLE_SERVER &&
	     s->level == MQTT_LEVEL_311))
		return MQTT_ERR_DIRECTION;
	if ((type == MQTT_CONNECT || type == MQTT_CONNACK) &&
	    (s->sflags & MQTT_SF_STARTED))
		return MQTT_ERR_NOT_FIRST;
	switch (type) {
	case MQTT_PUBLISH:
		if (MQTT_PUB_QOS(fl) == 3)
			return MQTT_ERR_QOS;
		if ((fl & MQTT_PUB_DUP) && !MQTT_PUB_QOS(fl))
			return MQTT_ERR_DUP_QOS0;
		return 0;
	case MQTT_PUBREL:
	case MQTT_SUBSCRIBE:
	case MQTT_UNSUBSCRIBE:
		return fl == 0x02 ? 0 : MQTT_ERR_FLAGS;
	default:
		return fl ? MQTT_ERR_FLAGS : 0;
	}
}

/* The fixed header is complete: buffer the variable header. */
static int mqtt_fixed_done(struct mqtt_stream *s)
{
	u8 type = s->hdr0 >> 4;

	s->vlen = 0;
	s->sflags |= MQTT_SF_STARTED;
	s->hlen = 0;
	s->body = 0;
	s->skip = 0;
	/*
	 * These two have payloads: their parse asks field by field, first
	 * for the two bytes of a length (or fails at once if the packet is
	 * shorter).
	 */
	if (type == MQTT_PUBLISH || type == MQTT_CONNECT)
		s->need = s->rl >= 2 ? 2 : 0;
	else
		s->need = min_t(u32, s->rl, MQTT_HDR_MAX);
	s->state = MQTT_S_HDR;
	return MQTT_CONTINUE;
}

static int mqtt_do_fixed(struct mqtt_stream *s, const u8 *data, size_t len,
			 size_t *off, struct mqtt_event *ev)
{
	u8 b;
	int r;

	/* Most packets: the first byte and a one-byte Remaining Length. */
	if (!s->vlen && len - *off >= 2 && !(data[*off + 1] & 0x80)) {
		b = data[(*off)++];
		s->hdr0 = b;
		s->rl = 0;
		r = mqtt_fixed_first(s, b);
		if (r)
			return mqtt_fail(s, ev, r);
		s->rl = data[(*off)++];
		return mqtt_fixed_done(s);
	}
	while (*off < len) {
		b = data[(*off)++];
		if (!s->vlen) {
			s->hdr0 = b;
			s->rl = 0;
			r = mqtt_fixed_first(s, b);
			if (r)
				return mqtt_fail(s, ev, r);
			s->vlen = 1;
			continue;
		}
		s->rl |= (u32)(b & 0x7f) << (7 * (s->vlen - 1));
		s->vlen++;
		if (b & 0x80) {
			if (s->vlen == 5)
				return mqtt_fail(s, ev,
						 MQTT_ERR_VARINT_TOO_LONG);
			continue;
		}
		if (s->vlen > 2 && !b)
			return mqtt_fail(s, ev, MQTT_ERR_VARINT_NONMINIMAL);
		return mqtt_fixed_done(s);
	}
	return MQTT_EV_NEED_MORE;
}

static void mqtt_client_id_copy(struct mqtt_event *ev)
{
	const u8 *id = ev->hdr + ev->client_id.off;
	u32 n = ev->client_id.len;

	if (n > MQTT_CLIENT_ID_COPY - 1) {
		n = MQTT_CLIENT_ID_COPY - 1;
		/* do not cut a UTF-8 sequence */
		while (n && (id[n] & 0xc0) == 0x80)
			n--;
		ev->evflags |= MQTT_EVF_CLIENT_ID_TRUNC;
	}
	memcpy(ev->client_id_copy, id, n);
	ev->client_id_copy[n] = '\0';
}

/* MQTT 5.0 3.3.2.3.4 */
static int mqtt_alias(struct mqtt_stream *s, struct mqtt_event *ev)
{
	struct mqtt_alias_map *m = s->aliases;
	u16 alias = ev->props.topic_alias;
	struct mqtt_alias_slot *slot;

	if (!(ev->props.present & MQTT_P(TOPIC_ALIAS)))
		return 0;
	if (!m) {
		if (!ev->topic_len) {
			ev->topic = NULL;
			ev->evflags |= MQTT_EVF_ALIAS_UNRESOLVED;
		}
		return 0;
	}
	if (alias > m->max)
		return MQTT_ERR_ALIAS_RANGE;
	if (alias > MQTT_ALIAS_SLOTS)
		return MQTT_ERR_ALIAS_CAPACITY;
	slot = &m->slot[alias - 1];
	if (ev->topic_len) {
		ev->evflags |= MQTT_EVF_ALIAS_SET;
		if (ev->topic_len <= MQTT_ALIAS_TOPIC_MAX) {
			memcpy(slot->topic, ev->topic, ev->topic_len);
			slot->len = ev->topic_len;
		} else {
			slot->len = MQTT_ALIAS_UNAVAIL;
			ev->evflags |= MQTT_EVF_ALIAS_NOT_STORED;
		}
		return 0;
	}
	if (slot->len == MQTT_ALIAS_UNSET)
		return MQTT_ERR_ALIAS_UNKNOWN;
	if (slot->len == MQTT_ALIAS_UNAVAIL) {
		ev->topic = NULL;
		ev->evflags |= MQTT_EVF_ALIAS_UNRESOLVED;
		return 0;
	}
	ev->topic = slot->topic;
	ev->topic_len = slot->len;
	ev->evflags |= MQTT_EVF_ALIAS_USED;
	return 0;
}

/* The header is parsed: report the packet. */
static int mqtt_packet(struct mqtt_stream *s, struct mqtt_event *ev)
{
	u32 rest = s->rl - s->body;
	int r;

	ev->hdr = s->buf;
	ev->hdr_len = s->hlen;
	switch (ev->type) {
	case MQTT_CONNECT:
		s->level = ev->level;
		mqtt_client_id_copy(ev);
		break;
	case MQTT_PUBLISH:
		if (ev->level == MQTT_LEVEL_5) {
			r = mqtt_alias(s, ev);
			if (r)
				return mqtt_fail(s, ev, r);
		}
		ev->payload_len = rest;
		break;
	default:
		if (rest)
			return mqtt_fail(s, ev, MQTT_ERR_INTERNAL);
		break;
	}
	if (!rest)
		s->state = MQTT_S_END;
	else if (ev->type == MQTT_PUBLISH)
		s->state = MQTT_S_PAYLOAD;
	else	/* the CONNECT will payload or password, last */
		s->state = MQTT_S_DISCARD;
	return MQTT_EV_PACKET;
}

/* The header does not fit: report what is known and skip the packet. */
static int mqtt_too_long(struct mqtt_stream *s, struct mqtt_event *ev)
{
	int i;

	mqtt_ev_clear(ev);
	mqtt_ev_start(s, ev);
	ev->evflags = MQTT_EVF_HDR_TOOLONG;
	if (ev->type == MQTT_CONNECT && s->hlen >= 10) {
		/* the parse checked the first 10 bytes before asking more */
		s->level = s->buf[6];
		ev->level = s->level;
		ev->connect_flags = s->buf[7];
		ev->keepalive = get_unaligned_be16(s->buf + 8);
	}
	if (ev->type == MQTT_PUBLISH) {
		ev->qos = MQTT_PUB_QOS(ev->flags);
		/* It may have set any alias: forget them all. */
		if (ev->level == MQTT_LEVEL_5 && s->aliases)
			for (i = 0; i < MQTT_ALIAS_SLOTS; i++)
				s->aliases->slot[i].len = MQTT_ALIAS_UNAVAIL;
	}
	s->state = MQTT_S_DISCARD;
	return MQTT_EV_PACKET;
}

/*
 * The first parse of a PUBLISH, with the two bytes of the topic length
 * (at @b: buffered, or next in the input), only asks for more
 * (mqtt_parse_publish()) in the common case: ask here, without a parse.
 */
static inline bool mqtt_publish_first(struct mqtt_stream *s, const u8 *b)
{
	u32 ahead;

	if (s->hdr0 >> 4 != MQTT_PUBLISH || s->need != 2)
		return false;
	ahead = mqtt_publish_ahead(b, s->hdr0 & 0x0f, s->level);
	if (ahead <= 2 || ahead > s->rl || ahead > MQTT_HDR_MAX)
		return false;
	s->need = ahead;
	return true;
}

static int mqtt_do_hdr(struct mqtt_stream *s, const u8 *data, size_t len,
		       size_t *off, struct mqtt_event *ev)
{
	struct mqtt_cur c;
	size_t n;
	int r;

	if (s->hlen < s->need) {
		if (!s->hlen && len - *off >= 2)
			mqtt_publish_first(s, data + *off);
		n = min_t(size_t, s->need - s->hlen, len - *off);
		if (n) {
			memcpy(s->buf + s->hlen, data + *off, n);
			s->hlen += n;
			s->body += n;
			*off += n;
		}
		if (s->hlen < s->need)
			return MQTT_EV_NEED_MORE;
		if (s->hlen == 2 && mqtt_publish_first(s, s->buf))
			return MQTT_CONTINUE;
	}
	memset(&c, 0, sizeof(c));
	c.buf = s->buf;
	c.have = s->hlen;
	c.end = s->rl;
	mqtt_ev_start(s, ev);
	r = mqtt_parse(s, &c, ev);
	if (r == MQTT_NEED) {
		if (c.need > MQTT_HDR_MAX)
			return mqtt_too_long(s, ev);
		if (c.need <= s->hlen)
			return mqtt_fail(s, ev, MQTT_ERR_INTERNAL);
		if (ev->type != MQTT_PUBLISH)
			mqtt_ev_clear(ev);
		s->need = c.need;
		if (c.skip) {
			s->skip = c.skip;
			s->state = MQTT_S_SKIP;
		}
		return MQTT_CONTINUE;
	}
	if (r)
		return mqtt_fail(s, ev, r);
	return mqtt_packet(s, ev);
}

/* MQTT_S_SKIP, MQTT_S_DISCARD */
static int mqtt_do_skip(struct mqtt_stream *s, size_t len, size_t *off)
{
	size_t n;

	if (s->state == MQTT_S_SKIP) {
		n = min_t(size_t, s->skip, len - *off);
		s->skip -= n;
	} else {
		n = min_t(size_t, s->rl - s->body, len - *off);
	}
	s->body += n;
	*off += n;
	if (s->state == MQTT_S_SKIP && !s->skip)
		s->state = MQTT_S_HDR;
	else if (s->state == MQTT_S_DISCARD && s->body == s->rl)
		s->state = MQTT_S_END;
	else
		return MQTT_EV_NEED_MORE;
	return MQTT_CONTINUE;
}

static int mqtt_do_payload(struct mqtt_stream *s, const u8 *data,
			   size_t len, size_t *off, struct mqtt_event *ev)
{
	size_t n = min_t(size_t, s->rl - s->body, len - *off);

	if (!n)
		return MQTT_EV_NEED_MORE;
	if (s->sflags & MQTT_SF_HEADERS_ONLY) {
		/* passed on without an event, and so is the end */
		s->body += n;
		*off += n;
		if (s->body < s->rl)
			return MQTT_EV_NEED_MORE;
		s->state = MQTT_S_FIXED;
		return MQTT_CONTINUE;
	}
	mqtt_ev_start(s, ev);
	ev->data = data + *off;
	ev->len = n;
	ev->offset = s->body - s->hlen;
	ev->payload_len = s->rl - s->hlen;
	s->body += n;
	*off += n;
	if (s->body == s->rl)
		s->state = MQTT_S_END;
	return MQTT_EV_PAYLOAD;
}

/* The loop behind mqtt_stream_next(), for the states that parse. */
static noinline int mqtt_stream_run(struct mqtt_stream *s, const u8 *data,
				    size_t len, size_t *consumed,
				    struct mqtt_event *ev)
{
	int ret = MQTT_CONTINUE;
	size_t off = 0;

	while (ret == MQTT_CONTINUE) {
		switch (s->state) {
		case MQTT_S_FIXED:
			ret = mqtt_do_fixed(s, data, len, &off, ev);
			break;
		case MQTT_S_HDR:
			ret = mqtt_do_hdr(s, data, len, &off, ev);
			break;
		case MQTT_S_SKIP:
		case MQTT_S_DISCARD:
			ret = mqtt_do_skip(s, len, &off);
			break;
		case MQTT_S_PAYLOAD:
			ret = mqtt_do_payload(s, data, len, &off, ev);
			break;
		case MQTT_S_END:
			s->state = MQTT_S_FIXED;
			if (s->sflags & MQTT_SF_HEADERS_ONLY)
				break;
			mqtt_ev_start(s, ev);
			ret = MQTT_EV_END;
			break;
		default:
			ret = mqtt_fail(s, ev, s->err);
			break;
		}
	}
	if (ret == MQTT_EV_NEED_MORE) {
		/* no event: undo what a parse pass may have started */
		ev->type = 0;
		ev->flags = 0;
		ev->level = 0;
		ev->remaining = 0;
	}
	*consumed = off;
	return ret;
}

int mqtt_stream_next(struct mqtt_stream *s, const u8 *data, size_t len,
		     size_t *consumed, struct mqtt_event *ev)
{
	size_t off = 0;

	mqtt_ev_clear(ev);
	if (s->sflags & MQTT_SF_HEADERS_ONLY)
		return mqtt_stream_run(s, data, len, consumed, ev);
	/* The common events between headers, as mqtt_stream_run() has them. */
	switch (s->state) {
	case MQTT_S_PAYLOAD:
		if (mqtt_do_payload(s, data, len, &off, ev) != MQTT_EV_PAYLOAD)
			break;
		*consumed = off;
		return MQTT_EV_PAYLOAD;
	case MQTT_S_END:
		mqtt_ev_start(s, ev);
		s->state = MQTT_S_FIXED;
		*consumed = 0;
		return MQTT_EV_END;
	case MQTT_S_FIXED:
		if (len)
			break;
		*consumed = 0;
		return MQTT_EV_NEED_MORE;
	default:
		break;
	}
	return mqtt_stream_run(s, data, len, consumed, ev);
}

void mqtt_stream_init(struct mqtt_stream *s, enum mqtt_role role, u8 level)
{
	memset(s, 0, sizeof(*s));
	s->role = role == MQTT_ROLE_SERVER ? MQTT_ROLE_SERVER :
		MQTT_ROLE_CLIENT;
	mqtt_stream_set_level(s, level);
}

void mqtt_stream_set_level(struct mqtt_stream *s, u8 level)
{
	if (level == MQTT_LEVEL_311 || level == MQTT_LEVEL_5)
		s->level = level;
}

void mqtt_stream_set_aliases(struct mqtt_stream *s,
			     struct mqtt_alias_map *map)
{
	s->aliases = map;
}

void mqtt_alias_init(struct mqtt_alias_map *map, u16 max)
{
	memset(map, 0, sizeof(*map));
	map->max = max;
}

bool mqtt_next_filter(const struct mqtt_event *ev, u16 *pos,
		      struct mqtt_span *filter, u8 *options)
{
	u32 p = ev->list.off + *pos, end = ev->list.off + ev->list.len;
	u32 n;

	if ((ev->type != MQTT_SUBSCRIBE && ev->type != MQTT_UNSUBSCRIBE) ||
	    !ev->hdr || p >= end || end - p < 2)
		return false;
	n = get_unaligned_be16(ev->hdr + p);
	if (end - p - 2 < n)
		return false;
	filter->off = p + 2;
	filter->len = n;
	p += 2 + n;
	*options = 0;
	if (ev->type == MQTT_SUBSCRIBE) {
		if (p >= end)
			return false;
		*options = ev->hdr[p++];
	}
	*pos = p - ev->list.off;
	return true;
}

const char *mqtt_err_str(enum mqtt_err err)
{
	static const char * const reasons[__MQTT_ERR_MAX] = {
		[MQTT_OK] = "no error",
		[MQTT_ERR_TYPE_RESERVED] = "reserved packet type",
		[MQTT_ERR_FLAGS] = "fixed header flags wrong for the type",
		[MQTT_ERR_QOS] = "PUBLISH with QoS 3",
		[MQTT_ERR_DUP_QOS0] = "PUBLISH with DUP set and QoS 0",
		[MQTT_ERR_VARINT_TOO_LONG] =
			"variable byte integer longer than 4 bytes",
		[MQTT_ERR_VARINT_NONMINIMAL] =
			"variable byte integer not in its shortest form",
		[MQTT_ERR_DIRECTION] = "packet type not sent in this direction",
		[MQTT_ERR_NOT_CONNECT] = "first client packet is not CONNECT",
		[MQTT_ERR_NOT_FIRST] = "CONNECT or CONNACK after other packets",
		[MQTT_ERR_NO_LEVEL] = "protocol level not known yet",
		[MQTT_ERR_SHORT] = "remaining length too short for the header",
		[MQTT_ERR_OVERRUN] = "field length runs past the packet",
		[MQTT_ERR_TRAILING] = "bytes after the last field",
		[MQTT_ERR_PROTO_NAME] = "protocol name is not MQTT",
		[MQTT_ERR_PROTO_LEVEL] = "protocol level is not 4 or 5",
		[MQTT_ERR_CONNECT_RESERVED] = "CONNECT reserved flag set",
		[MQTT_ERR_WILL_QOS] = "will QoS 3",
		[MQTT_ERR_WILL_FLAGS] = "will QoS or retain without a will",
		[MQTT_ERR_PASSWORD_NO_USER] = "password without a user name",
		[MQTT_ERR_CLIENT_ID_UTF8] = "client identifier is not UTF-8",
		[MQTT_ERR_CLIENT_ID_EMPTY] =
			"empty client identifier without clean session",
		[MQTT_ERR_WILL_TOPIC] = "invalid will topic",
		[MQTT_ERR_USERNAME_UTF8] = "user name is not UTF-8",
		[MQTT_ERR_CONNACK_FLAGS] = "CONNACK reserved flags set",
		[MQTT_ERR_CONNACK_SESSION] =
			"CONNACK session present with a failure code",
		[MQTT_ERR_REASON_CODE] = "reason code invalid for the packet",
		[MQTT_ERR_PACKET_ID_ZERO] = "packet identifier 0",
		[MQTT_ERR_TOPIC_EMPTY] = "empty topic name",
		[MQTT_ERR_TOPIC_UTF8] = "topic name is not UTF-8",
		[MQTT_ERR_TOPIC_NUL] = "topic name contains U+0000",
		[MQTT_ERR_TOPIC_WILDCARD] = "wildcard in a topic name",
		[MQTT_ERR_EMPTY_LIST] = "no topic filters or reason codes",
		[MQTT_ERR_FILTER_EMPTY] = "empty topic filter",
		[MQTT_ERR_FILTER_UTF8] = "topic filter is not UTF-8",
		[MQTT_ERR_FILTER_NUL] = "topic filter contains U+0000",
		[MQTT_ERR_FILTER_PLUS] = "'+' must be a whole topic level",
		[MQTT_ERR_FILTER_HASH] =
			"'#' must be the whole last topic level",
		[MQTT_ERR_SHARED_FILTER] = "invalid shared subscription",
		[MQTT_ERR_SUB_QOS] = "subscription QoS 3",
		[MQTT_ERR_SUB_RESERVED] = "subscription options reserved bits",
		[MQTT_ERR_SUB_RETAIN_HANDLING] = "retain handling 3",
		[MQTT_ERR_SUB_SHARED_NL] = "No Local on a shared subscription",
		[MQTT_ERR_PROP_OVERRUN] = "property length runs past the packet",
		[MQTT_ERR_PROP_TRUNC] =
			"property runs past the property length",
		[MQTT_ERR_PROP_UNKNOWN] = "unknown property",
		[MQTT_ERR_PROP_NOT_ALLOWED] = "property not allowed here",
		[MQTT_ERR_PROP_DUP] = "property repeated",
		[MQTT_ERR_PROP_VALUE] = "property value out of range",
		[MQTT_ERR_PROP_UTF8] = "property string is not UTF-8",
		[MQTT_ERR_RESPONSE_TOPIC] = "invalid response topic",
		[MQTT_ERR_AUTH_DATA_NO_METHOD] =
			"authentication data without a method",
		[MQTT_ERR_AUTH_NO_METHOD] = "AUTH without a method",
		[MQTT_ERR_ALIAS_ZERO] = "topic alias 0",
		[MQTT_ERR_ALIAS_RANGE] = "topic alias above the maximum",
		[MQTT_ERR_ALIAS_CAPACITY] = "topic alias above the map's slots",
		[MQTT_ERR_ALIAS_UNKNOWN] = "topic alias not set",
		[MQTT_ERR_INTERNAL] = "internal parser error",
	};

	if ((unsigned int)err >= __MQTT_ERR_MAX || !reasons[err])
		return "unknown MQTT error";
	return reasons[err];
}
