// SPDX-License-Identifier: GPL-2.0
/*
 * CoAP (RFC 7252) parser and builders, shared by the kernel module and the
 * userspace build. The parser makes one pass over a contiguous buffer and
 * checks every length against what is left before reading.
 */
#include "../compat.h"
#include "topic.h"
#include "coap.h"

/* The kernel has it; userspace has the glibc attribute. */
#ifndef noinline
#define noinline __attribute_noinline__
#endif

/* What RFC 7252 Table 4, RFC 7641 and RFC 7959 allow for a known option. */
struct coap_opt_rule {
	u16 num;
	u16 min_len;
	u16 max_len;
	bool repeatable;
};

/* At most 32 entries: msg->opts_seen has one bit per entry. */
static const struct coap_opt_rule coap_opt_rules[] = {
	{ COAP_OPT_IF_MATCH,		0, 8,	 true },
	{ COAP_OPT_URI_HOST,		1, 255,	 false },
	{ COAP_OPT_ETAG,		1, 8,	 true },
	{ COAP_OPT_IF_NONE_MATCH,	0, 0,	 false },
	{ COAP_OPT_OBSERVE,		0, 3,	 false },
	{ COAP_OPT_URI_PORT,		0, 2,	 false },
	{ COAP_OPT_LOCATION_PATH,	0, 255,	 true },
	{ COAP_OPT_URI_PATH,		0, 255,	 true },
	{ COAP_OPT_CONTENT_FORMAT,	0, 2,	 false },
	{ COAP_OPT_MAX_AGE,		0, 4,	 false },
	{ COAP_OPT_URI_QUERY,		0, 255,	 true },
	{ COAP_OPT_ACCEPT,		0, 2,	 false },
	{ COAP_OPT_LOCATION_QUERY,	0, 255,	 true },
	{ COAP_OPT_BLOCK2,		0, 3,	 false },
	{ COAP_OPT_BLOCK1,		0, 3,	 false },
	{ COAP_OPT_SIZE2,		0, 4,	 false },
	{ COAP_OPT_PROXY_URI,		1, 1034, false },
	{ COAP_OPT_PROXY_SCHEME,	1, 255,	 false },
	{ COAP_OPT_SIZE1,		0, 4,	 false },
};

/*
 * The coap_opt_rules index + 1 of each known option number (0 if unknown),
 * to find a rule without a search; keep the two in step.
 */
static const u8 coap_opt_pos[COAP_OPT_SIZE1 + 1] = {
	[COAP_OPT_IF_MATCH] = 1,
	[COAP_OPT_URI_HOST] = 2,
	[COAP_OPT_ETAG] = 3,
	[COAP_OPT_IF_NONE_MATCH] = 4,
	[COAP_OPT_OBSERVE] = 5,
	[COAP_OPT_URI_PORT] = 6,
	[COAP_OPT_LOCATION_PATH] = 7,
	[COAP_OPT_URI_PATH] = 8,
	[COAP_OPT_CONTENT_FORMAT] = 9,
	[COAP_OPT_MAX_AGE] = 10,
	[COAP_OPT_URI_QUERY] = 11,
	[COAP_OPT_ACCEPT] = 12,
	[COAP_OPT_LOCATION_QUERY] = 13,
	[COAP_OPT_BLOCK2] = 14,
	[COAP_OPT_BLOCK1] = 15,
	[COAP_OPT_SIZE2] = 16,
	[COAP_OPT_PROXY_URI] = 17,
	[COAP_OPT_PROXY_SCHEME] = 18,
	[COAP_OPT_SIZE1] = 19,
};

/* Option delta and length nibbles 13 and 14 announce 1 or 2 more bytes. */
#define COAP_EXT8		13
#define COAP_EXT16		14
#define COAP_EXT16_BASE		269
#define COAP_NIBBLE_RESERVED	15
#define COAP_OPT_NUM_MAX	65535

struct coap_parse_state {
	struct coap_msg *msg;
	char *topic;
	size_t topic_cap;	/* at most TOPIC_MAX_LEN */
	enum coap_err opt_err;	/* first option error */
	enum coap_err path_err;	/* first Uri-Path error */
};

static inline int coap_opt_index(u16 num)
{
	if (num >= ARRAY_SIZE(coap_opt_pos))
		return -1;
	return (int)coap_opt_pos[num] - 1;
}

bool coap_has_option(const struct coap_msg *msg, u16 num)
{
	int i = coap_opt_index(num);

	return i >= 0 && (msg->opts_seen & (1U << i));
}

/* Resolve an extended delta or length: @p[*pos..avail) holds its bytes. */
static enum coap_err coap_ext_read(const u8 *p, size_t avail, size_t *pos,
				   u32 *v)
{
	if (*v == COAP_EXT8) {
		if (avail - *pos < 1)
			return COAP_ERR_TRUNC_OPT_EXT;
		*v = COAP_EXT8 + p[*pos];
		*pos += 1;
	} else if (*v == COAP_EXT16) {
		if (avail - *pos < 2)
			return COAP_ERR_TRUNC_OPT_EXT;
		*v = COAP_EXT16_BASE + get_unaligned_be16(p + *pos);
		*pos += 2;
	}
	return COAP_OK;
}

/*
 * Decode the option at @p (@avail > 0 bytes, not starting with the payload
 * marker) that follows option number @prev; on success *@used is its size.
 * Any form; coap_opt_decode() takes the common one itself.
 */
static noinline enum coap_err coap_opt_decode_ext(const u8 *p, size_t avail,
						  u16 prev,
						  struct coap_option *opt,
						  size_t *used)
{
	u32 delta = p[0] >> 4;
	u32 len = p[0] & 0x0f;
	size_t pos = 1;
	enum coap_err err;

	if (delta == COAP_NIBBLE_RESERVED)
		return COAP_ERR_OPT_DELTA_RESERVED;
	if (len == COAP_NIBBLE_RESERVED)
		return COAP_ERR_OPT_LEN_RESERVED;
	err = coap_ext_read(p, avail, &pos, &delta);
	if (err)
		return err;
	err = coap_ext_read(p, avail, &pos, &len);
	if (err)
		return err;
	if (prev + delta > COAP_OPT_NUM_MAX)
		return COAP_ERR_OPT_NUM_OVERFLOW;
	if (len > avail - pos)
		return COAP_ERR_TRUNC_OPT_VALUE;
	opt->num = prev + delta;
	opt->len = len;
	opt->val = p + pos;
	*used = pos + len;
	return COAP_OK;
}

/* coap_opt_decode_ext(), inline for a delta and a length below 13. */
static inline enum coap_err coap_opt_decode(const u8 *p, size_t avail,
					    u16 prev, struct coap_option *opt,
					    size_t *used)
{
	u32 delta = p[0] >> 4;
	u32 len = p[0] & 0x0f;
	struct coap_option ext;
	enum coap_err err;
	size_t n;

	if (unlikely(delta >= COAP_EXT8 || len >= COAP_EXT8)) {
		err = coap_opt_decode_ext(p, avail, prev, &ext, &n);
		if (!err) {
			*opt = ext;
			*used = n;
		}
		return err;
	}
	if (prev + delta > COAP_OPT_NUM_MAX)
		return COAP_ERR_OPT_NUM_OVERFLOW;
	if (len > avail - 1)
		return COAP_ERR_TRUNC_OPT_VALUE;
	opt->num = prev + delta;
	opt->len = len;
	opt->val = p + 1;
	*used = 1 + len;
	return COAP_OK;
}

/* A variable-length unsigned integer option value (RFC 7252 3.2). */
static u32 coap_uint(const struct coap_option *opt)
{
	u32 v = 0;
	u32 i;

	for (i = 0; i < opt->len; i++)
		v = (v << 8) | opt->val[i];
	return v;
}

static enum coap_err coap_block_read(const struct coap_option *opt,
				     struct coap_block *b)
{
	u32 v = coap_uint(opt);

	b->num = v >> 4;
	b->more = v & 0x08;
	b->szx = v & 0x07;
	if (b->szx == 7)
		return COAP_ERR_BLOCK_SZX;
	return COAP_OK;
}

/* Why one Uri-Path segment cannot be a topic level, if it cannot. */
static inline enum coap_err coap_segment_check(const u8 *s, u32 len)
{
	u32 m = topic_scan(s, len);

	if (likely(!m))
		return COAP_OK;
	if (m & TOPIC_SCAN_SLASH)
		return COAP_ERR_PATH_SLASH;
	if (m & TOPIC_SCAN_NUL)
		return COAP_ERR_PATH_NUL;
	if (m & TOPIC_SCAN_WILDCARD)
		return COAP_ERR_PATH_WILDCARD;
	if (m & TOPIC_SCAN_UTF8)
		return COAP_ERR_PATH_UTF8;
	return COAP_OK;
}

/*
 * Copy a Uri-Path segment: for the short ones, two fixed-size moves that
 * may overlap (compiled inline) cost less than a call to memcpy().
 */
static inline void coap_copy(char *dst, const u8 *src, u32 n)
{
	if (n >= 8 && n <= 16) {
		memcpy(dst, src, 8);
		memcpy(dst + n - 8, src + n - 8, 8);
	} else if (n >= 4 && n < 8) {
		memcpy(dst, src, 4);
		memcpy(dst + n - 4, src + n - 4, 4);
	} else {
		memcpy(dst, src, n);
	}
}

/* Append a Uri-Path segment to the topic, or note why it cannot be. */
static void coap_path_add(struct coap_parse_state *st,
			  const struct coap_option *opt)
{
	struct coap_msg *msg = st->msg;
	size_t sep = msg->path_count ? 1 : 0;
	enum coap_err err;

	msg->path_count++;
	if (st->path_err)
		return;
	err = coap_segment_check(opt->val, opt->len);
	if (err) {
		st->path_err = err;
		return;
	}
	if (sep + opt->len > st->topic_cap - msg->topic_len) {
		st->path_err = COAP_ERR_PATH_TOO_LONG;
		return;
	}
	if (sep)
		st->topic[msg->topic_len++] = '/';
	if (opt->len)
		coap_copy(st->topic + msg->topic_len, opt->val, opt->len);
	msg->topic_len += opt->len;
}

/*
 * Check one option against its rule and record what it says. A repeated
 * non-repeatable option and a value length out of range make the option
 * unrecognized (RFC 7252 5.4.5, 5.4.3): an error if it is critical, and
 * an occurrence ignored (5.4.1) if it is elective.
 */
static enum coap_err coap_opt_apply(struct coap_parse_state *st,
				    const struct coap_option *opt)
{
	struct coap_msg *msg = st->msg;
	const struct coap_opt_rule *rule;
	enum coap_err err = COAP_OK;
	int i;

	/*
	 * The option a request has most of, ahead of the table: Uri-Path is
	 * repeatable and up to 255 bytes long (the checks below, folded; a
	 * longer one is critical and fails them).
	 */
	i = coap_opt_pos[COAP_OPT_URI_PATH] - 1;
	if (opt->num == COAP_OPT_URI_PATH &&
	    opt->len <= coap_opt_rules[i].max_len) {
		msg->opts_seen |= 1U << i;
		coap_path_add(st, opt);
		return COAP_OK;
	}
	i = coap_opt_index(opt->num);
	if (i < 0)
		return COAP_OPT_IS_CRITICAL(opt->num) ? COAP_ERR_OPT_CRITICAL
						      : COAP_OK;
	rule = &coap_opt_rules[i];
	if (!rule->repeatable && (msg->opts_seen & (1U << i)))
		err = COAP_ERR_OPT_REPEATED;
	else if (opt->len < rule->min_len || opt->len > rule->max_len)
		err = COAP_ERR_OPT_BAD_LEN;
	if (err) {
		if (COAP_OPT_IS_CRITICAL(opt->num))
			return err;
		msg->ignored_options++;
		return COAP_OK;
	}
	msg->opts_seen |= 1U << i;

	switch (opt->num) {
	case COAP_OPT_URI_QUERY:
		if (!msg->query_count) {
			msg->query = opt->val;
			msg->query_len = opt->len;
		}
		msg->query_count++;
		break;
	case COAP_OPT_CONTENT_FORMAT:
		msg->has_content_format = true;
		msg->content_format = coap_uint(opt);
		break;
	case COAP_OPT_ACCEPT:
		msg->has_accept = true;
		msg->accept = coap_uint(opt);
		break;
	case COAP_OPT_OBSERVE:
		msg->has_observe = true;
		msg->observe = coap_uint(opt);
		break;
	case COAP_OPT_MAX_AGE:
		msg->has_max_age = true;
		msg->max_age = coap_uint(opt);
		break;
	case COAP_OPT_SIZE1:
		msg->has_size1 = true;
		msg->size1 = coap_uint(opt);
		break;
	case COAP_OPT_SIZE2:
		msg->has_size2 = true;
		msg->size2 = coap_uint(opt);
		break;
	case COAP_OPT_BLOCK1:
		msg->has_block1 = true;
		return coap_block_read(opt, &msg->block1);
	case COAP_OPT_BLOCK2:
		msg->has_block2 = true;
		return coap_block_read(opt, &msg->block2);
	default:
		break;
	}
	return COAP_OK;
}

/* The header checks of RFC 7252 3, 4.1, 4.2 and 4.3, before the token. */
static enum coap_err coap_header_check(const u8 *buf, size_t len, u8 tkl,
				       const struct coap_msg *msg)
{
	u8 class = COAP_CODE_CLASS(msg->code);

	if (buf[0] >> 6 != COAP_VERSION)
		return COAP_ERR_VERSION;
	if (tkl > COAP_TOKEN_MAX)
		return COAP_ERR_TKL;
	if (class != 0 && class != 2 && class != 4 && class != 5)
		return COAP_ERR_CODE_CLASS;
	if (msg->code == COAP_CODE_EMPTY) {
		if (tkl || len > COAP_HDR_LEN)
			return COAP_ERR_EMPTY_NOT_EMPTY;
		if (msg->type == COAP_TYPE_NON)
			return COAP_ERR_TYPE_CODE;
		return COAP_OK;
	}
	if (msg->type == COAP_TYPE_RST ||
	    (msg->type == COAP_TYPE_ACK && class == 0))
		return COAP_ERR_TYPE_CODE;
	if (tkl > len - COAP_HDR_LEN)
		return COAP_ERR_TRUNC_TOKEN;
	return COAP_OK;
}

/*
 * Clear @msg 64 bytes at a time: compilers clear that much with a few
 * plain stores, and the whole struct with a string instruction whose
 * start-up costs more than the clearing.
 */
static inline void coap_msg_clear(struct coap_msg *msg)
{
	u8 *p = (u8 *)msg;
	size_t i;

	for (i = 0; i + 64 <= sizeof(*msg); i += 64)
		memset(p + i, 0, 64);
	memset(p + i, 0, sizeof(*msg) % 64);
}

enum coap_err coap_parse(const u8 *buf, size_t len, struct coap_msg *msg,
			 char *topic, size_t topic_cap)
{
	struct coap_parse_state st = {
		.msg = msg,
		.topic = topic,
		.topic_cap = topic ? min_t(size_t, topic_cap, TOPIC_MAX_LEN) : 0,
	};
	struct coap_option opt;
	enum coap_err err;
	size_t pos, used;
	u16 num = 0;
	u8 tkl;

	coap_msg_clear(msg);
	msg->topic = topic;
	msg->topic_empty = true;
	if (len < COAP_HDR_LEN)
		return COAP_ERR_TRUNC_HEADER;
	msg->type = (buf[0] >> 4) & 0x03;
	msg->code = buf[1];
	msg->mid = get_unaligned_be16(buf + 2);
	tkl = buf[0] & 0x0f;
	err = coap_header_check(buf, len, tkl, msg);
	if (err || msg->code == COAP_CODE_EMPTY)
		return err;

	msg->tkl = tkl;
	msg->token = buf + COAP_HDR_LEN;
	pos = COAP_HDR_LEN + tkl;
	msg->options = buf + pos;
	while (pos < len && buf[pos] != COAP_PAYLOAD_MARKER) {
		err = coap_opt_decode(buf + pos, len - pos, num, &opt, &used);
		if (err)
			return err;
		pos += used;
		num = opt.num;
		if (st.opt_err)
			continue;
		st.opt_err = coap_opt_apply(&st, &opt);
		if (st.opt_err)
			msg->bad_option = opt.num;
	}
	msg->options_len = pos - (COAP_HDR_LEN + tkl);
	if (pos < len) {
		pos++;	/* the payload marker */
		if (pos == len)
			return COAP_ERR_EMPTY_PAYLOAD;
		msg->payload = buf + pos;
		msg->payload_off = pos;
		msg->payload_len = len - pos;
	}
	if (st.opt_err)
		return st.opt_err;
	if (st.path_err)
		return st.path_err;
	msg->topic_empty = !msg->topic_len;
	return COAP_OK;
}

void coap_opt_iter_init(struct coap_opt_iter *it, const struct coap_msg *msg)
{
	it->num = 0;
	if (!msg->options) {
		it->pos = NULL;
		it->end = NULL;
		return;
	}
	it->pos = msg->options;
	it->end = msg->options + msg->options_len;
}

bool coap_opt_next(struct coap_opt_iter *it, struct coap_option *opt)
{
	size_t used;

	if (!it->pos || it->pos >= it->end ||
	    *it->pos == COAP_PAYLOAD_MARKER)
		return false;
	if (coap_opt_decode(it->pos, it->end - it->pos, it->num, opt, &used)) {
		it->pos = it->end;
		return false;
	}
	it->pos += used;
	it->num = opt->num;
	return true;
}

static const char * const coap_err_reasons[__COAP_ERR_MAX] = {
	[COAP_OK] = "valid",
	[COAP_ERR_TRUNC_HEADER] = "shorter than the 4-byte CoAP header",
	[COAP_ERR_VERSION] = "CoAP version is not 1",
	[COAP_ERR_TKL] = "token length 9 to 15 is reserved",
	[COAP_ERR_CODE_CLASS] = "code class 1, 3, 6 or 7 is reserved",
	[COAP_ERR_EMPTY_NOT_EMPTY] = "Empty message (0.00) with a token or bytes after the header",
	[COAP_ERR_TYPE_CODE] = "message type and code do not go together",
	[COAP_ERR_TRUNC_TOKEN] = "token runs past the end of the message",
	[COAP_ERR_OPT_DELTA_RESERVED] = "option delta 15 is reserved",
	[COAP_ERR_OPT_LEN_RESERVED] = "option length 15 is reserved",
	[COAP_ERR_TRUNC_OPT_EXT] = "extended option delta or length runs past the end",
	[COAP_ERR_OPT_NUM_OVERFLOW] = "option number above 65535",
	[COAP_ERR_TRUNC_OPT_VALUE] = "option value runs past the end of the message",
	[COAP_ERR_EMPTY_PAYLOAD] = "payload marker followed by an empty payload",
	[COAP_ERR_OPT_CRITICAL] = "unrecognized critical option",
	[COAP_ERR_OPT_REPEATED] = "non-repeatable option repeated",
	[COAP_ERR_OPT_BAD_LEN] = "option value length out of range",
	[COAP_ERR_BLOCK_SZX] = "block size exponent 7 is reserved",
	[COAP_ERR_PATH_SLASH] = "Uri-Path segment contains '/'",
	[COAP_ERR_PATH_WILDCARD] = "Uri-Path segment contains '+' or '#'",
	[COAP_ERR_PATH_NUL] = "Uri-Path segment contains U+0000",
	[COAP_ERR_PATH_UTF8] = "Uri-Path segment is not valid UTF-8",
	[COAP_ERR_PATH_TOO_LONG] = "Uri-Path too long for a topic",
};

const char *coap_err_str(enum coap_err err)
{
	if ((unsigned int)err >= __COAP_ERR_MAX)
		return "unknown CoAP error";
	return coap_err_reasons[err];
}

bool coap_err_is_format(enum coap_err err)
{
	return err >= COAP_ERR_TRUNC_HEADER && err <= COAP_ERR_EMPTY_PAYLOAD;
}

u8 coap_err_response(enum coap_err err)
{
	switch (err) {
	case COAP_ERR_OPT_CRITICAL:
	case COAP_ERR_OPT_REPEATED:
	case COAP_ERR_OPT_BAD_LEN:
		return COAP_CODE_BAD_OPTION;
	case COAP_ERR_BLOCK_SZX:
	case COAP_ERR_PATH_SLASH:
	case COAP_ERR_PATH_WILDCARD:
	case COAP_ERR_PATH_NUL:
	case COAP_ERR_PATH_UTF8:
	case COAP_ERR_PATH_TOO_LONG:
		return COAP_CODE_BAD_REQUEST;
	default:
		return 0;
	}
}

/*
 * The builders append through a writer that counts every byte the message
 * needs but copies only what fits: once one piece does not fit, nothing
 * after it is written either, and the result is -ENOSPC.
 */
struct coap_writer {
	u8 *buf;
	size_t cap;
	size_t len;
};

static void coap_put(struct coap_writer *w, const void *src, size_t n)
{
	if (n && w->len <= w->cap && n <= w->cap - w->len)
		memcpy(w->buf + w->len, src, n);
	w->len += n;
}

static int coap_finish(const struct coap_writer *w)
{
	if (w->len > COAP_MSG_MAX)
		return -EINVAL;
	if (w->len > w->cap)
		return -ENOSPC;
	return (int)w->len;
}

static void coap_put_header(struct coap_writer *w, u8 type, u8 code, u16 mid,
			    const u8 *token, u8 tkl)
{
	u8 hdr[COAP_HDR_LEN];

	hdr[0] = (COAP_VERSION << 6) | (type << 4) | tkl;
	hdr[1] = code;
	put_unaligned_be16(mid, hdr + 2);
	coap_put(w, hdr, sizeof(hdr));
	coap_put(w, token, tkl);
}

static u8 coap_nibble(u32 v)
{
	if (v < COAP_EXT8)
		return v;
	return v < COAP_EXT16_BASE ? COAP_EXT8 : COAP_EXT16;
}

static size_t coap_ext_write(u32 v, u8 *out)
{
	if (v < COAP_EXT8)
		return 0;
	if (v < COAP_EXT16_BASE) {
		out[0] = v - COAP_EXT8;
		return 1;
	}
	put_unaligned_be16(v - COAP_EXT16_BASE, out);
	return 2;
}

/* Append option @num (not below *@last) with a value of @len <= 65535. */
static void coap_put_option(struct coap_writer *w, u16 *last, u16 num,
			    const u8 *val, u32 len)
{
	u32 delta = num - *last;
	u8 hdr[5];
	size_t n = 1;

	hdr[0] = (coap_nibble(delta) << 4) | coap_nibble(len);
	n += coap_ext_write(delta, hdr + n);
	n += coap_ext_write(len, hdr + n);
	coap_put(w, hdr, n);
	coap_put(w, val, len);
	*last = num;
}

/* Append an unsigned integer option in as few bytes as possible. */
static void coap_put_uint_option(struct coap_writer *w, u16 *last, u16 num,
				 u32 v)
{
	u8 val[4];
	u32 n = 0;
	u32 i;

	while (n < sizeof(val) && v >> (8 * n))
		n++;
	for (i = 0; i < n; i++)
		val[i] = v >> (8 * (n - 1 - i));
	coap_put_option(w, last, num, val, n);
}

static void coap_put_payload(struct coap_writer *w, const u8 *payload,
			     size_t len)
{
	u8 marker = COAP_PAYLOAD_MARKER;

	if (!len)
		return;
	coap_put(w, &marker, 1);
	coap_put(w, payload, len);
}

/* The arguments every builder shares. */
static bool coap_args_ok(const u8 *buf, size_t cap, const u8 *token, u8 tkl,
			 const u8 *payload, size_t payload_len)
{
	if (!buf && cap)
		return false;
	if (tkl > COAP_TOKEN_MAX || (tkl && !token))
		return false;
	return payload_len <= COAP_MSG_MAX && (payload || !payload_len);
}

static int coap_build_empty(u8 *buf, size_t cap, u8 type, u16 mid)
{
	struct coap_writer w = { .buf = buf, .cap = cap };

	if (!coap_args_ok(buf, cap, NULL, 0, NULL, 0))
		return -EINVAL;
	coap_put_header(&w, type, COAP_CODE_EMPTY, mid, NULL, 0);
	return coap_finish(&w);
}

int coap_build_empty_ack(u8 *buf, size_t cap, u16 mid)
{
	return coap_build_empty(buf, cap, COAP_TYPE_ACK, mid);
}

int coap_build_rst(u8 *buf, size_t cap, u16 mid)
{
	return coap_build_empty(buf, cap, COAP_TYPE_RST, mid);
}

int coap_build_response(u8 *buf, size_t cap, const struct coap_response *r)
{
	struct coap_writer w = { .buf = buf, .cap = cap };
	u8 class = COAP_CODE_CLASS(r->code);
	u16 last = 0;

	if (!coap_args_ok(buf, cap, r->token, r->tkl, r->payload,
			  r->payload_len))
		return -EINVAL;
	if (r->type != COAP_TYPE_ACK && r->type != COAP_TYPE_CON &&
	    r->type != COAP_TYPE_NON)
		return -EINVAL;
	if (class != 2 && class != 4 && class != 5)
		return -EINVAL;
	coap_put_header(&w, r->type, r->code, r->mid, r->token, r->tkl);
	if (r->has_max_age)
		coap_put_uint_option(&w, &last, COAP_OPT_MAX_AGE, r->max_age);
	coap_put_payload(&w, r->payload, r->payload_len);
	return coap_finish(&w);
}

/* A path the request builder can send: empty, or a topic name. */
static bool coap_path_ok(const char *path, size_t len)
{
	size_t i, start = 0;

	if (!len)
		return true;
	if (!path || topic_name_check(path, len) != TOPIC_OK)
		return false;
	for (i = 0; i <= len; i++) {
		if (i < len && path[i] != '/')
			continue;
		if (i - start > COAP_SEGMENT_MAX)
			return false;
		start = i + 1;
	}
	return true;
}

/* A query the request builder can send: '&'-separated Uri-Query values. */
static bool coap_query_ok(const char *query, size_t len)
{
	size_t i, start = 0;

	if (len && !query)
		return false;
	for (i = 0; i < len; i++) {
		if (!query[i])
			return false;
		if (query[i] != '&')
			continue;
		if (i - start > COAP_SEGMENT_MAX)
			return false;
		start = i + 1;
	}
	return len - start <= COAP_SEGMENT_MAX;
}

/* Append one option @num per @sep-separated part of @s[0..@len). */
static void coap_put_split_option(struct coap_writer *w, u16 *last, u16 num,
				  const char *s, size_t len, char sep)
{
	size_t i, start = 0;

	for (i = 0; len && i <= len; i++) {
		if (i < len && s[i] != sep)
			continue;
		coap_put_option(w, last, num, (const u8 *)s + start,
				i - start);
		start = i + 1;
	}
}

int coap_build_request(u8 *buf, size_t cap, const struct coap_request *r)
{
	struct coap_writer w = { .buf = buf, .cap = cap };
	u16 last = 0;

	if (!coap_args_ok(buf, cap, r->token, r->tkl, r->payload,
			  r->payload_len))
		return -EINVAL;
	if (r->type != COAP_TYPE_CON && r->type != COAP_TYPE_NON)
		return -EINVAL;
	if (COAP_CODE_CLASS(r->code) != 0 || r->code == COAP_CODE_EMPTY)
		return -EINVAL;
	if (!coap_path_ok(r->path, r->path_len) ||
	    !coap_query_ok(r->query, r->query_len))
		return -EINVAL;
	coap_put_header(&w, r->type, r->code, r->mid, r->token, r->tkl);
	coap_put_split_option(&w, &last, COAP_OPT_URI_PATH, r->path,
			      r->path_len, '/');
	if (r->has_content_format)
		coap_put_uint_option(&w, &last, COAP_OPT_CONTENT_FORMAT,
				     r->content_format);
	coap_put_split_option(&w, &last, COAP_OPT_URI_QUERY, r->query,
			      r->query_len, '&');
	coap_put_payload(&w, r->payload, r->payload_len);
	return coap_finish(&w);
}
