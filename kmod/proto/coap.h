/* SPDX-License-Identifier: GPL-2.0 */
/*
 * CoAP over UDP (RFC 7252): a parser for one datagram's payload held in a
 * contiguous buffer, and builders for the messages the gateway sends.
 * Block1/Block2 (RFC 7959) and Observe (RFC 7641) are parsed as options.
 * The same source builds in the kernel and in userspace (kmod/compat.h);
 * nothing here allocates, sleeps or keeps state between calls.
 *
 * A request's Uri-Path options, joined with "/", name its topic: the path
 * of "coap://gw/sensors/temp" is the topic "sensors/temp" (see topic.h).
 */
#ifndef _IOTGW_PROTO_COAP_H
#define _IOTGW_PROTO_COAP_H

#include "../compat.h"

#define COAP_VERSION		1
#define COAP_HDR_LEN		4	/* version, type, TKL, code, message ID */
#define COAP_TOKEN_MAX		8
#define COAP_PAYLOAD_MARKER	0xff
/* Largest message the builders produce (and largest UDP payload). */
#define COAP_MSG_MAX		65535
/* Largest Uri-Path segment (RFC 7252 Table 4). */
#define COAP_SEGMENT_MAX	255
/* Max-Age when the option is absent (RFC 7252 5.10.5), in seconds. */
#define COAP_DEFAULT_MAX_AGE	60

enum coap_type {
	COAP_TYPE_CON = 0,	/* Confirmable */
	COAP_TYPE_NON = 1,	/* Non-confirmable */
	COAP_TYPE_ACK = 2,	/* Acknowledgment */
	COAP_TYPE_RST = 3,	/* Reset */
};

/* Codes are "class.detail": 3 bits of class, 5 bits of detail. */
#define COAP_CODE(class, detail)	((u8)((class) << 5 | (detail)))
#define COAP_CODE_CLASS(code)		((u8)(code) >> 5)
#define COAP_CODE_DETAIL(code)		((u8)(code) & 0x1f)

enum coap_code {
	COAP_CODE_EMPTY			= COAP_CODE(0, 0),
	/* 0.xx requests (RFC 7252 12.1.1; FETCH/PATCH/iPATCH RFC 8132) */
	COAP_CODE_GET			= COAP_CODE(0, 1),
	COAP_CODE_POST			= COAP_CODE(0, 2),
	COAP_CODE_PUT			= COAP_CODE(0, 3),
	COAP_CODE_DELETE		= COAP_CODE(0, 4),
	COAP_CODE_FETCH			= COAP_CODE(0, 5),
	COAP_CODE_PATCH			= COAP_CODE(0, 6),
	COAP_CODE_IPATCH		= COAP_CODE(0, 7),
	/* 2.xx success */
	COAP_CODE_CREATED		= COAP_CODE(2, 1),
	COAP_CODE_DELETED		= COAP_CODE(2, 2),
	COAP_CODE_VALID			= COAP_CODE(2, 3),
	COAP_CODE_CHANGED		= COAP_CODE(2, 4),
	COAP_CODE_CONTENT		= COAP_CODE(2, 5),
	COAP_CODE_CONTINUE		= COAP_CODE(2, 31),	/* RFC 7959 */
	/* 4.xx client error */
	COAP_CODE_BAD_REQUEST		= COAP_CODE(4, 0),
	COAP_CODE_UNAUTHORIZED		= COAP_CODE(4, 1),
	COAP_CODE_BAD_OPTION		= COAP_CODE(4, 2),
	COAP_CODE_FORBIDDEN		= COAP_CODE(4, 3),
	COAP_CODE_NOT_FOUND		= COAP_CODE(4, 4),
	COAP_CODE_METHOD_NOT_ALLOWED	= COAP_CODE(4, 5),
	COAP_CODE_NOT_ACCEPTABLE	= COAP_CODE(4, 6),
	COAP_CODE_REQUEST_INCOMPLETE	= COAP_CODE(4, 8),	/* RFC 7959 */
	COAP_CODE_PRECONDITION_FAILED	= COAP_CODE(4, 12),
	COAP_CODE_REQUEST_TOO_LARGE	= COAP_CODE(4, 13),
	COAP_CODE_UNSUPPORTED_FORMAT	= COAP_CODE(4, 15),
	/* 5.xx server error */
	COAP_CODE_INTERNAL_ERROR	= COAP_CODE(5, 0),
	COAP_CODE_NOT_IMPLEMENTED	= COAP_CODE(5, 1),
	COAP_CODE_BAD_GATEWAY		= COAP_CODE(5, 2),
	COAP_CODE_SERVICE_UNAVAILABLE	= COAP_CODE(5, 3),
	COAP_CODE_GATEWAY_TIMEOUT	= COAP_CODE(5, 4),
	COAP_CODE_PROXYING_NOT_SUPPORTED = COAP_CODE(5, 5),
};

/*
 * Option numbers. Odd numbers are critical, even ones elective. Of the
 * known options, ETag, Observe, Location-Path, Content-Format, Max-Age,
 * Location-Query, Size2 and Size1 are elective, the others critical.
 */
enum coap_option_num {
	COAP_OPT_IF_MATCH		= 1,
	COAP_OPT_URI_HOST		= 3,
	COAP_OPT_ETAG			= 4,
	COAP_OPT_IF_NONE_MATCH		= 5,
	COAP_OPT_OBSERVE		= 6,	/* RFC 7641 */
	COAP_OPT_URI_PORT		= 7,
	COAP_OPT_LOCATION_PATH		= 8,
	COAP_OPT_URI_PATH		= 11,
	COAP_OPT_CONTENT_FORMAT		= 12,
	COAP_OPT_MAX_AGE		= 14,
	COAP_OPT_URI_QUERY		= 15,
	COAP_OPT_ACCEPT			= 17,
	COAP_OPT_LOCATION_QUERY		= 20,
	COAP_OPT_BLOCK2			= 23,	/* RFC 7959 */
	COAP_OPT_BLOCK1			= 27,	/* RFC 7959 */
	COAP_OPT_SIZE2			= 28,	/* RFC 7959 */
	COAP_OPT_PROXY_URI		= 35,
	COAP_OPT_PROXY_SCHEME		= 39,
	COAP_OPT_SIZE1			= 60,
};

#define COAP_OPT_IS_CRITICAL(num)	((num) & 1)

/* A few Content-Format numbers (RFC 7252 12.3 and the IANA registry). */
#define COAP_FORMAT_TEXT	0	/* text/plain; charset=utf-8 */
#define COAP_FORMAT_LINK	40	/* application/link-format */
#define COAP_FORMAT_XML		41	/* application/xml */
#define COAP_FORMAT_OCTETS	42	/* application/octet-stream */
#define COAP_FORMAT_JSON	50	/* application/json */
#define COAP_FORMAT_CBOR	60	/* application/cbor */

/*
 * Why coap_parse() refused a message. In order of precedence: a message
 * format error (everything up to COAP_ERR_EMPTY_PAYLOAD) is reported
 * before any option error, and an option error before a Uri-Path error,
 * whatever their order in the message; among errors of one group the
 * first in the message wins.
 *
 * A known option that is repeated although not repeatable, or whose value
 * length is outside its range, counts as unrecognized (RFC 7252 5.4.5,
 * 5.4.3). If it is critical, that is an option error (_REPEATED or
 * _BAD_LEN); if it is elective, that occurrence is ignored (5.4.1): no
 * error, its value is not extracted and struct coap_msg keeps the first
 * valid occurrence, and msg->ignored_options counts it. An ignored
 * occurrence is no error, so it takes no part in the precedence above.
 * Block1 and Block2 are critical: a repeated one is _REPEATED and one of
 * 4 bytes or more _BAD_LEN, whatever its SZX; a first occurrence of 0 to
 * 3 bytes with SZX 7 is COAP_ERR_BLOCK_SZX.
 */
enum coap_err {
	COAP_OK = 0,
	/* message format errors (RFC 7252 3, 3.1, 4.1, 4.2, 4.3) */
	COAP_ERR_TRUNC_HEADER,		/* shorter than the 4-byte header */
	COAP_ERR_VERSION,		/* version is not 1 */
	COAP_ERR_TKL,			/* token length 9 to 15 (reserved) */
	COAP_ERR_CODE_CLASS,		/* code class 1, 3, 6 or 7 (reserved) */
	COAP_ERR_EMPTY_NOT_EMPTY,	/* code 0.00 with a token or bytes after the header */
	COAP_ERR_TYPE_CODE,		/* empty NON, request in ACK, non-empty RST */
	COAP_ERR_TRUNC_TOKEN,		/* token runs past the end */
	COAP_ERR_OPT_DELTA_RESERVED,	/* option delta nibble 15 outside the payload marker */
	COAP_ERR_OPT_LEN_RESERVED,	/* option length nibble 15 */
	COAP_ERR_TRUNC_OPT_EXT,		/* extended delta or length runs past the end */
	COAP_ERR_OPT_NUM_OVERFLOW,	/* option number above 65535 */
	COAP_ERR_TRUNC_OPT_VALUE,	/* option value runs past the end */
	COAP_ERR_EMPTY_PAYLOAD,		/* payload marker with nothing after it */
	/* option errors: msg->bad_option holds the option number */
	COAP_ERR_OPT_CRITICAL,		/* unrecognized critical option */
	COAP_ERR_OPT_REPEATED,		/* non-repeatable critical option repeated */
	COAP_ERR_OPT_BAD_LEN,		/* known critical option with a length outside its range */
	COAP_ERR_BLOCK_SZX,		/* Block1/Block2 with SZX 7 (reserved) */
	/* Uri-Path errors: the path does not make a valid topic name */
	COAP_ERR_PATH_SLASH,		/* a segment contains '/' */
	COAP_ERR_PATH_WILDCARD,		/* a segment contains '+' or '#' */
	COAP_ERR_PATH_NUL,		/* a segment contains U+0000 */
	COAP_ERR_PATH_UTF8,		/* a segment is not valid UTF-8 */
	COAP_ERR_PATH_TOO_LONG,		/* the joined path exceeds the topic buffer */
	__COAP_ERR_MAX
};

/* A short English reason for @err, for logs, extack and CLI messages. */
const char *coap_err_str(enum coap_err err);

/* A message format error: @err is one of the first group above. */
bool coap_err_is_format(enum coap_err err);

/*
 * The response code a server puts in a piggybacked ACK when a CON request
 * fails with @err: 4.02 Bad Option for COAP_ERR_OPT_CRITICAL, _REPEATED and
 * _BAD_LEN (RFC 7252 5.4.1, 5.4.3, 5.4.5), 4.00 Bad Request for
 * COAP_ERR_BLOCK_SZX (RFC 7959 2.2) and the Uri-Path errors. 0 for a
 * format error: reject the message (RST for CON, nothing otherwise), or
 * ignore it silently for COAP_ERR_VERSION and COAP_ERR_TRUNC_HEADER. An
 * option error in a response, or in a NON message, rejects it likewise.
 */
u8 coap_err_response(enum coap_err err);

/* A Block1 or Block2 value (RFC 7959 2.2): size is 1 << (szx + 4). */
struct coap_block {
	u32 num;	/* block number, 0 to 2^20 - 1 */
	u8 szx;		/* size exponent, 0 to 6 */
	bool more;	/* M: more blocks follow */
};

/*
 * What coap_parse() found. Pointers point into the parsed buffer (and
 * @topic into the caller's topic buffer); values of absent options are 0.
 * The option fields (has_*, the values, path and query counts, and
 * coap_has_option()) describe only the valid occurrences of known options:
 * an elective occurrence ignored as unrecognized (see enum coap_err) leaves
 * them as they were, and is only counted in @ignored_options.
 */
struct coap_msg {
	u8 type;		/* enum coap_type */
	u8 code;		/* enum coap_code or any other class.detail */
	u16 mid;		/* message ID */
	u8 tkl;			/* token length, 0 to 8 */
	const u8 *token;	/* @tkl bytes */

	const u8 *options;	/* the options, for struct coap_opt_iter */
	size_t options_len;
	u32 opts_seen;		/* private, see coap_has_option() */
	u16 bad_option;		/* the option an option error is about */
	/*
	 * Occurrences of known elective options ignored because they were
	 * repeated (not repeatable) or of a length out of range. Unknown
	 * elective options, ignored as well, are not counted here.
	 */
	u32 ignored_options;

	char *topic;		/* Uri-Path joined with '/', not NUL-terminated */
	size_t topic_len;
	bool topic_empty;	/* topic_len == 0: no (or one empty) Uri-Path */
	u32 path_count;		/* number of Uri-Path options */

	const u8 *query;	/* value of the first Uri-Query option */
	u16 query_len;
	u32 query_count;	/* number of Uri-Query options */

	bool has_content_format, has_accept, has_observe, has_max_age;
	bool has_block1, has_block2, has_size1, has_size2;
	u16 content_format;
	u16 accept;
	u32 observe;		/* 24 bits */
	u32 max_age;		/* seconds (absent: COAP_DEFAULT_MAX_AGE) */
	struct coap_block block1, block2;
	u32 size1, size2;

	const u8 *payload;	/* NULL and 0 when there is no payload */
	size_t payload_off;	/* offset of the payload in the buffer */
	size_t payload_len;
};

/*
 * Parse the CoAP message in @buf[0..@len), which must be the whole UDP
 * payload, into @msg, writing the joined Uri-Path into @topic (at most
 * @topic_cap bytes, and at most TOPIC_MAX_LEN; @topic may be NULL if
 * @topic_cap is 0). Never reads outside @buf.
 *
 * On error, @msg->type, ->code and ->mid are valid unless the error is
 * COAP_ERR_TRUNC_HEADER; for an option or Uri-Path error the token is
 * valid too (to answer with 4.02 or 4.00) and, for an option error,
 * ->bad_option. Nothing else in @msg is meaningful after an error.
 */
enum coap_err coap_parse(const u8 *buf, size_t len, struct coap_msg *msg,
			 char *topic, size_t topic_cap);

/*
 * Whether a message coap_parse() accepted carried a valid occurrence of
 * known option @num: false for unknown options and for an elective option
 * whose every occurrence was ignored.
 */
bool coap_has_option(const struct coap_msg *msg, u16 num);

/* One option, as struct coap_opt_iter returns it. */
struct coap_option {
	u16 num;
	u32 len;
	const u8 *val;
};

/*
 * Walks the options of a message coap_parse() accepted, in order: all of
 * them as they are in the message, unknown elective options and ignored
 * occurrences included (tell those apart with coap_has_option() and the
 * fields of struct coap_msg, not with the iterator).
 */
struct coap_opt_iter {
	const u8 *pos, *end;
	u16 num;
};

void coap_opt_iter_init(struct coap_opt_iter *it, const struct coap_msg *msg);

/* The next option into @opt; false at the end (or on malformed options). */
bool coap_opt_next(struct coap_opt_iter *it, struct coap_option *opt);

/*
 * The builders write one message into @buf (@cap bytes, not overlapping
 * the token, path or payload) and return its length, -ENOSPC if it does
 * not fit (bytes of @buf up to @cap may have been written), or -EINVAL for
 * arguments that make no valid message (or one over COAP_MSG_MAX bytes).
 * @buf may be NULL if @cap is 0.
 */

/* An Empty ACK for a CON message (RFC 7252 4.2): 4 bytes. */
int coap_build_empty_ack(u8 *buf, size_t cap, u16 mid);

/* A Reset rejecting a message (RFC 7252 4.2, 4.3): 4 bytes. */
int coap_build_rst(u8 *buf, size_t cap, u16 mid);

struct coap_response {
	u8 type;		/* ACK (piggybacked), or CON/NON (separate) */
	u8 code;		/* class 2, 4 or 5 */
	u16 mid;		/* the request's for ACK, a new one otherwise */
	u8 tkl;			/* the request's token, echoed */
	const u8 *token;
	bool has_max_age;	/* e.g. with 5.03 (RFC 7252 5.9.3.4) */
	u32 max_age;
	const u8 *payload;	/* optional */
	size_t payload_len;
};

/* A response (RFC 7252 5.2): piggybacked in an ACK, or separate. */
int coap_build_response(u8 *buf, size_t cap, const struct coap_response *r);

struct coap_request {
	u8 type;		/* CON or NON */
	u8 code;		/* method, 0.01 to 0.31 */
	u16 mid;
	u8 tkl;
	const u8 *token;
	const char *path;	/* a topic name "a/b/c", one Uri-Path per level */
	size_t path_len;	/* 0: no Uri-Path */
	bool has_content_format;
	u16 content_format;
	const char *query;	/* "a=1&b", one Uri-Query per '&'-separated */
	size_t query_len;	/* 0: no Uri-Query */
	const u8 *payload;	/* optional */
	size_t payload_len;
};

/*
 * A request. The path must be empty or a valid topic name (topic.h)
 * whose levels are at most COAP_SEGMENT_MAX bytes long; each argument
 * of the query at most COAP_SEGMENT_MAX bytes, without NUL.
 */
int coap_build_request(u8 *buf, size_t cap, const struct coap_request *r);

#endif /* _IOTGW_PROTO_COAP_H */
