/* SPDX-License-Identifier: GPL-2.0 */
/*
 * MQTT 3.1.1 (protocol level 4) and MQTT 5.0 (level 5) incremental stream
 * parser, for one direction of one TCP flow.
 *
 * The caller feeds the bytes of the direction as they arrive, split
 * anywhere, and pulls events one at a time:
 *
 *	while ((ev = mqtt_stream_next(s, data, len, &used, &e)) != MQTT_EV_NEED_MORE) {
 *		data += used; len -= used;
 *		... handle e ...
 *	}
 *
 * Each packet gives one MQTT_EV_PACKET (its fixed header and, when they fit
 * in MQTT_HDR_MAX bytes, its decoded and validated fields), then for PUBLISH
 * MQTT_EV_PAYLOAD chunks pointing into the caller's data, then MQTT_EV_END;
 * a caller that decides on headers alone turns the last two off
 * (mqtt_stream_set_payload_events()).
 * Any violation gives MQTT_EV_ERROR with a precise enum mqtt_err; errors are
 * sticky, the stream has lost sync.
 *
 * State: struct mqtt_stream is fixed-size (512 bytes on 64-bit, with
 * MQTT_HDR_MAX 480); the only bytes it keeps are the variable header of the
 * current packet (for CONNECT: all fields but the will payload and the
 * password). Payloads are never copied. MQTT 5 Topic Alias resolution uses
 * an optional caller-provided struct mqtt_alias_map (2050 bytes).
 *
 * Variable byte integers (Remaining Length, Property Length, property ids,
 * Subscription Identifiers) must use their shortest encoding in both
 * protocol levels (MQTT 5.0 1.5.5 requires it; a padded form is never sent
 * by a conforming peer and would let two parsers disagree): a multi-byte
 * encoding whose last byte is 0 is MQTT_ERR_VARINT_NONMINIMAL.
 */
#ifndef _IOTGW_PROTO_MQTT_H
#define _IOTGW_PROTO_MQTT_H

#include "../compat.h"
#include "topic.h"

/* Bytes of variable header buffered per packet; larger ones are skipped. */
#define MQTT_HDR_MAX		480
/* Client identifier bytes copied into the CONNECT event, with the NUL. */
#define MQTT_CLIENT_ID_COPY	32
/* User Property pairs exposed per property block (all are counted). */
#define MQTT_USER_PROPS		2
/* Subscription Identifiers exposed per PUBLISH (all are counted). */
#define MQTT_SUB_IDS		4
/* Topic Alias slots of a struct mqtt_alias_map, and topic bytes per slot. */
#define MQTT_ALIAS_SLOTS	16
#define MQTT_ALIAS_TOPIC_MAX	127
/* Largest variable byte integer. */
#define MQTT_VARINT_MAX		268435455

enum mqtt_type {
	MQTT_CONNECT = 1,
	MQTT_CONNACK,
	MQTT_PUBLISH,
	MQTT_PUBACK,
	MQTT_PUBREC,
	MQTT_PUBREL,
	MQTT_PUBCOMP,
	MQTT_SUBSCRIBE,
	MQTT_SUBACK,
	MQTT_UNSUBSCRIBE,
	MQTT_UNSUBACK,
	MQTT_PINGREQ,
	MQTT_PINGRESP,
	MQTT_DISCONNECT,
	MQTT_AUTH,		/* MQTT 5 only */
};

/* Which end sends the bytes this parser sees. */
enum mqtt_role {
	MQTT_ROLE_CLIENT = 0,	/* client to server */
	MQTT_ROLE_SERVER,	/* server to client */
};

#define MQTT_LEVEL_311		4
#define MQTT_LEVEL_5		5

/* Fixed header flags of PUBLISH. */
#define MQTT_PUB_RETAIN		0x01
#define MQTT_PUB_QOS(flags)	(((flags) >> 1) & 3)
#define MQTT_PUB_DUP		0x08

/* CONNECT flags. */
#define MQTT_CONN_CLEAN		0x02
#define MQTT_CONN_WILL		0x04
#define MQTT_CONN_WILL_QOS(f)	(((f) >> 3) & 3)
#define MQTT_CONN_WILL_RETAIN	0x20
#define MQTT_CONN_PASSWORD	0x40
#define MQTT_CONN_USERNAME	0x80

/* MQTT 5 property identifiers. */
enum mqtt_prop_id {
	MQTT_PROP_PAYLOAD_FORMAT	= 0x01,
	MQTT_PROP_MESSAGE_EXPIRY	= 0x02,
	MQTT_PROP_CONTENT_TYPE		= 0x03,
	MQTT_PROP_RESPONSE_TOPIC	= 0x08,
	MQTT_PROP_CORRELATION_DATA	= 0x09,
	MQTT_PROP_SUB_ID		= 0x0b,
	MQTT_PROP_SESSION_EXPIRY	= 0x11,
	MQTT_PROP_ASSIGNED_CLIENT_ID	= 0x12,
	MQTT_PROP_SERVER_KEEPALIVE	= 0x13,
	MQTT_PROP_AUTH_METHOD		= 0x15,
	MQTT_PROP_AUTH_DATA		= 0x16,
	MQTT_PROP_REQ_PROBLEM_INFO	= 0x17,
	MQTT_PROP_WILL_DELAY		= 0x18,
	MQTT_PROP_REQ_RESPONSE_INFO	= 0x19,
	MQTT_PROP_RESPONSE_INFO		= 0x1a,
	MQTT_PROP_SERVER_REF		= 0x1c,
	MQTT_PROP_REASON_STRING		= 0x1f,
	MQTT_PROP_RECEIVE_MAX		= 0x21,
	MQTT_PROP_TOPIC_ALIAS_MAX	= 0x22,
	MQTT_PROP_TOPIC_ALIAS		= 0x23,
	MQTT_PROP_MAX_QOS		= 0x24,
	MQTT_PROP_RETAIN_AVAIL		= 0x25,
	MQTT_PROP_USER			= 0x26,
	MQTT_PROP_MAX_PACKET_SIZE	= 0x27,
	MQTT_PROP_WILDCARD_AVAIL	= 0x28,
	MQTT_PROP_SUB_ID_AVAIL		= 0x29,
	MQTT_PROP_SHARED_AVAIL		= 0x2a,
	MQTT_PROP_MAX			= 0x2a,
};

#define MQTT_PROP_BIT(id)	((u64)1 << (id))

enum mqtt_err {
	MQTT_OK = 0,
	/* fixed header, stream order */
	MQTT_ERR_TYPE_RESERVED,		/* type 0, or 15 in MQTT 3.1.1 */
	MQTT_ERR_FLAGS,			/* fixed header flags wrong for type */
	MQTT_ERR_QOS,			/* PUBLISH QoS 3 */
	MQTT_ERR_DUP_QOS0,		/* PUBLISH DUP set with QoS 0 */
	MQTT_ERR_VARINT_TOO_LONG,	/* variable byte integer > 4 bytes */
	MQTT_ERR_VARINT_NONMINIMAL,	/* variable byte integer not shortest */
	MQTT_ERR_DIRECTION,		/* type not sent in this direction */
	MQTT_ERR_NOT_CONNECT,		/* first client packet not CONNECT */
	MQTT_ERR_NOT_FIRST,		/* CONNECT/CONNACK after other packets */
	MQTT_ERR_NO_LEVEL,		/* server data, protocol level unknown */
	/* lengths */
	MQTT_ERR_SHORT,			/* packet ends inside a fixed-size field */
	MQTT_ERR_OVERRUN,		/* string/binary runs past the packet */
	MQTT_ERR_TRAILING,		/* bytes after the last field */
	/* CONNECT, CONNACK */
	MQTT_ERR_PROTO_NAME,		/* protocol name is not "MQTT" */
	MQTT_ERR_PROTO_LEVEL,		/* protocol level is not 4 or 5 */
	MQTT_ERR_CONNECT_RESERVED,	/* CONNECT flags reserved bit set */
	MQTT_ERR_WILL_QOS,		/* will QoS 3 */
	MQTT_ERR_WILL_FLAGS,		/* will QoS or retain without will */
	MQTT_ERR_PASSWORD_NO_USER,	/* 3.1.1 password without user name */
	MQTT_ERR_CLIENT_ID_UTF8,	/* client id bad UTF-8 or U+0000 */
	MQTT_ERR_CLIENT_ID_EMPTY,	/* 3.1.1 empty client id, no clean */
	MQTT_ERR_WILL_TOPIC,		/* will topic invalid (detail) */
	MQTT_ERR_USERNAME_UTF8,		/* user name bad UTF-8 or U+0000 */
	MQTT_ERR_CONNACK_FLAGS,		/* CONNACK reserved flag bits set */
	MQTT_ERR_CONNACK_SESSION,	/* session present with a failure */
	MQTT_ERR_REASON_CODE,		/* reason code invalid for the type */
	/* PUBLISH and the acks */
	MQTT_ERR_PACKET_ID_ZERO,	/* packet identifier 0 */
	MQTT_ERR_TOPIC_EMPTY,		/* empty topic name and no alias */
	MQTT_ERR_TOPIC_UTF8,		/* topic name bad UTF-8 */
	MQTT_ERR_TOPIC_NUL,		/* topic name contains U+0000 */
	MQTT_ERR_TOPIC_WILDCARD,	/* '+' or '#' in a topic name */
	/* SUBSCRIBE, UNSUBSCRIBE, SUBACK, UNSUBACK */
	MQTT_ERR_EMPTY_LIST,		/* no topic filter / reason code */
	MQTT_ERR_FILTER_EMPTY,		/* empty topic filter */
	MQTT_ERR_FILTER_UTF8,		/* topic filter bad UTF-8 */
	MQTT_ERR_FILTER_NUL,		/* topic filter contains U+0000 */
	MQTT_ERR_FILTER_PLUS,		/* '+' not a whole level */
	MQTT_ERR_FILTER_HASH,		/* '#' not the whole last level */
	MQTT_ERR_SHARED_FILTER,		/* bad MQTT 5 "$share/name/filter" */
	MQTT_ERR_SUB_QOS,		/* subscription QoS 3 */
	MQTT_ERR_SUB_RESERVED,		/* subscription options reserved bits */
	MQTT_ERR_SUB_RETAIN_HANDLING,	/* retain handling 3 */
	MQTT_ERR_SUB_SHARED_NL,		/* No Local on a shared subscription */
	/* MQTT 5 properties */
	MQTT_ERR_PROP_OVERRUN,		/* property length runs past packet */
	MQTT_ERR_PROP_TRUNC,		/* property runs past property length */
	MQTT_ERR_PROP_UNKNOWN,		/* unknown property identifier */
	MQTT_ERR_PROP_NOT_ALLOWED,	/* property not allowed in the packet */
	MQTT_ERR_PROP_DUP,		/* single-occurrence property repeated */
	MQTT_ERR_PROP_VALUE,		/* property value out of range */
	MQTT_ERR_PROP_UTF8,		/* property string bad UTF-8 or U+0000 */
	MQTT_ERR_RESPONSE_TOPIC,	/* Response Topic invalid (detail) */
	MQTT_ERR_AUTH_DATA_NO_METHOD,	/* Authentication Data, no Method */
	MQTT_ERR_AUTH_NO_METHOD,	/* AUTH properties without a Method */
	/* MQTT 5 Topic Alias */
	MQTT_ERR_ALIAS_ZERO,		/* Topic Alias 0 */
	MQTT_ERR_ALIAS_RANGE,		/* alias above the map's maximum */
	MQTT_ERR_ALIAS_CAPACITY,	/* alias above MQTT_ALIAS_SLOTS */
	MQTT_ERR_ALIAS_UNKNOWN,		/* empty topic, alias never set */
	MQTT_ERR_INTERNAL,		/* parser bug: never expected */
	__MQTT_ERR_MAX
};

/* What mqtt_stream_next() returns. */
enum mqtt_ev {
	MQTT_EV_NEED_MORE = 0,	/* all input consumed, no event */
	MQTT_EV_PACKET,		/* a packet's header, see struct mqtt_event */
	MQTT_EV_PAYLOAD,	/* a chunk of a PUBLISH payload */
	MQTT_EV_END,		/* the packet is complete */
	MQTT_EV_ERROR,		/* sticky: ev->err says why */
};

/* struct mqtt_event.evflags */
#define MQTT_EVF_HDR_TOOLONG	0x0001	/* header > MQTT_HDR_MAX: unparsed */
#define MQTT_EVF_CLIENT_ID_TRUNC 0x0002	/* client_id_copy is truncated */
#define MQTT_EVF_ALIAS_SET	0x0004	/* PUBLISH set a topic alias */
#define MQTT_EVF_ALIAS_USED	0x0008	/* topic came from the alias map */
#define MQTT_EVF_ALIAS_UNRESOLVED 0x0010 /* empty topic, no topic known */
#define MQTT_EVF_ALIAS_NOT_STORED 0x0020 /* set, topic too long for a slot */

/* Bytes of the event's header buffer: ev->hdr + off, len bytes. */
struct mqtt_span {
	u16 off;
	u16 len;
};

/* The MQTT 5 properties of a packet (or of a CONNECT's will). */
struct mqtt_props {
	u64 present;			/* MQTT_PROP_BIT(id) of each seen */
	u32 message_expiry;
	u32 session_expiry;
	u32 will_delay;
	u32 max_packet_size;
	u32 sub_id[MQTT_SUB_IDS];	/* the first ones */
	u16 sub_id_count;		/* all of them */
	u16 user_count;			/* User Property pairs, all */
	u16 topic_alias;
	u16 topic_alias_max;
	u16 receive_max;
	u16 server_keepalive;
	u8 payload_format;
	u8 req_problem_info;
	u8 req_response_info;
	u8 max_qos;
	u8 retain_avail;
	u8 wildcard_avail;
	u8 sub_id_avail;
	u8 shared_avail;
	struct mqtt_span content_type;
	struct mqtt_span response_topic;
	struct mqtt_span correlation_data;
	struct mqtt_span assigned_client_id;
	struct mqtt_span auth_method;
	struct mqtt_span auth_data;
	struct mqtt_span response_info;
	struct mqtt_span server_ref;
	struct mqtt_span reason_string;
	struct mqtt_span user[MQTT_USER_PROPS][2];	/* key, value */
};

/*
 * One event. Pointers (hdr, topic, data) are valid until the next call on
 * the stream; spans are offsets into hdr. Fields not listed for a type are
 * zero.
 */
struct mqtt_event {
	u8 type;		/* enum mqtt_type; ERROR: 0 if not known yet */
	u8 flags;		/* fixed header flags (low nibble) */
	u8 level;		/* protocol level the packet was parsed with */
	u8 detail;		/* ERROR of a topic field: enum topic_err */
	u16 err;		/* ERROR: enum mqtt_err */
	u16 evflags;		/* MQTT_EVF_* */
	u32 remaining;		/* Remaining Length */
	const u8 *hdr;		/* PACKET: the buffered variable header */
	u16 hdr_len;
	u16 packet_id;		/* PUBLISH QoS > 0, acks, (UN)SUBSCRIBE */
	u8 reason;		/* CONNACK, acks, DISCONNECT, AUTH */
	u8 qos;			/* PUBLISH */
	u16 count;		/* (UN)SUBSCRIBE filters, (UN)SUBACK codes */
	struct mqtt_span list;	/* their bytes, see mqtt_next_filter() */
	/* PUBLISH */
	const char *topic;	/* NULL if MQTT_EVF_ALIAS_UNRESOLVED */
	u16 topic_len;
	u32 payload_len;
	/* PAYLOAD */
	const u8 *data;		/* into the caller's buffer */
	u32 len;
	u32 offset;		/* of data in the payload */
	/* CONNECT; CONNACK sets ack_flags */
	u8 connect_flags;	/* MQTT_CONN_* */
	u8 ack_flags;
	u16 keepalive;
	u16 will_payload_len;	/* skipped, not buffered */
	u16 password_len;	/* skipped, not buffered */
	struct mqtt_span client_id;
	struct mqtt_span will_topic;
	struct mqtt_span will_props;	/* raw, validated property block */
	struct mqtt_span username;
	char client_id_copy[MQTT_CLIENT_ID_COPY];	/* NUL-terminated */
	struct mqtt_props props;	/* MQTT 5 */
};

/*
 * MQTT 5 topic aliases of one direction: alias n (1..max) maps to
 * slot[n - 1]. Caller-owned, attach with mqtt_stream_set_aliases().
 */
#define MQTT_ALIAS_UNSET	0	/* slot len: never set */
#define MQTT_ALIAS_UNAVAIL	0xff	/* slot len: set, topic not known */

struct mqtt_alias_slot {
	u8 len;
	char topic[MQTT_ALIAS_TOPIC_MAX];
};

struct mqtt_alias_map {
	u16 max;	/* Topic Alias Maximum the receiver advertised */
	struct mqtt_alias_slot slot[MQTT_ALIAS_SLOTS];
};

/* struct mqtt_stream.sflags */
#define MQTT_SF_STARTED		0x01	/* a packet was seen */
#define MQTT_SF_HEADERS_ONLY	0x02	/* no PAYLOAD and END events */

/* Per flow direction. Opaque: use the functions below. */
struct mqtt_stream {
	struct mqtt_alias_map *aliases;
	u32 rl;			/* Remaining Length of the current packet */
	u32 body;		/* bytes of it consumed */
	u16 hlen;		/* bytes in buf */
	u16 need;		/* buffer until hlen == need, then parse */
	u16 skip;		/* bytes to skip before buffering again */
	u8 state;
	u8 role;
	u8 level;
	u8 err;
	u8 detail;
	u8 hdr0;		/* first fixed header byte */
	u8 vlen;		/* Remaining Length bytes read */
	u8 sflags;		/* MQTT_SF_* */
	u8 buf[MQTT_HDR_MAX];
};

/*
 * Start a direction. @level: MQTT_LEVEL_311, MQTT_LEVEL_5 or 0 if unknown.
 * A client stream at level 0 expects CONNECT first, which sets the level;
 * a server stream needs the level (mqtt_stream_set_level()) before data.
 */
void mqtt_stream_init(struct mqtt_stream *s, enum mqtt_role role,
		      u8 level);

/* Tell a stream the level, e.g. the server one from the client's CONNECT. */
void mqtt_stream_set_level(struct mqtt_stream *s, u8 level);

static inline u8 mqtt_stream_level(const struct mqtt_stream *s)
{
	return s->level;
}

/*
 * Resolve MQTT 5 topic aliases with @map (NULL: aliases are checked for 0
 * but not resolved, PUBLISH with only an alias is ALIAS_UNRESOLVED).
 */
void mqtt_stream_set_aliases(struct mqtt_stream *s,
			     struct mqtt_alias_map *map);

/*
 * Whether the stream reports PAYLOAD chunks and END (the default, @on
 * true). Off, it reports only PACKET and ERROR events: payloads and
 * packet ends pass within the same call, so a caller that only decides
 * on headers makes one call per packet rather than three. It may be
 * switched after any event; a packet's payload and end follow the
 * setting at the time the parser reaches them (switch it on after a
 * PUBLISH's PACKET event to get that PUBLISH's payload and END).
 */
static inline void mqtt_stream_set_payload_events(struct mqtt_stream *s,
						  bool on)
{
	if (on)
		s->sflags &= ~MQTT_SF_HEADERS_ONLY;
	else
		s->sflags |= MQTT_SF_HEADERS_ONLY;
}

/* Empty @map; @max is the peer's Topic Alias Maximum (aliases 1..max). */
void mqtt_alias_init(struct mqtt_alias_map *map, u16 max);

/*
 * Consume bytes from @data (@len, may be 0) and return one enum mqtt_ev,
 * storing in *@consumed how many bytes were used (all of them for
 * MQTT_EV_NEED_MORE). Call again with the rest until MQTT_EV_NEED_MORE.
 */
int mqtt_stream_next(struct mqtt_stream *s, const u8 *data, size_t len,
		     size_t *consumed, struct mqtt_event *ev);

/*
 * Walk the topic filters of a SUBSCRIBE or UNSUBSCRIBE event: start with
 * *@pos = 0; gives the filter (span into ev->hdr) and the subscription
 * options (0 for UNSUBSCRIBE). False when there are no more.
 */
bool mqtt_next_filter(const struct mqtt_event *ev, u16 *pos,
		      struct mqtt_span *filter, u8 *options);

/* A short English reason for @err. */
const char *mqtt_err_str(enum mqtt_err err);

#endif /* _IOTGW_PROTO_MQTT_H */
