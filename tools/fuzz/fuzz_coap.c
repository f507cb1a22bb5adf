// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target for kmod/proto/coap.c.
 *
 * 1. Parse the input. If it parses, check what the parser reported against
 *    the bytes: spans inside the buffer, the options re-encoded (the CoAP
 *    encoding of a delta or length is unique) give back the input byte for
 *    byte, the topic is the Uri-Path segments joined, every critical
 *    option obeys RFC 7252 Table 4, the fields hold the first elective
 *    occurrence that obeys it and the others are counted as ignored
 *    (RFC 7252 5.4.1, 5.4.3, 5.4.5), and the topic capacity is honoured
 *    to the byte.
 * 2. Use the input bytes as the fields of an Empty ACK, a RST, a response
 *    and a request; predict validity and length independently, build
 *    into a buffer of input-chosen capacity, and parse the result back to
 *    the same fields.
 * Any violation traps.
 */
#include <stdint.h>
#include <string.h>

#include "proto/coap.h"
#include "proto/topic.h"

#define CHECK(c) do { if (!(c)) __builtin_trap(); } while (0)

#define BIG (TOPIC_MAX_LEN + 1024)

static char topic[BIG], joined[BIG], topic2[BIG];
static u8 enc[1 << 20];
static u8 out[COAP_MSG_MAX + 64];

static const struct {
	u16 num, min, max;
	bool repeatable;
} rules[] = {
	{ 1, 0, 8, true }, { 3, 1, 255, false }, { 4, 1, 8, true },
	{ 5, 0, 0, false }, { 6, 0, 3, false }, { 7, 0, 2, false },
	{ 8, 0, 255, true }, { 11, 0, 255, true }, { 12, 0, 2, false },
	{ 14, 0, 4, false }, { 15, 0, 255, true }, { 17, 0, 2, false },
	{ 20, 0, 255, true }, { 23, 0, 3, false }, { 27, 0, 3, false },
	{ 28, 0, 4, false }, { 35, 1, 1034, false }, { 39, 1, 255, false },
	{ 60, 0, 4, false },
};

static int rule_of(u16 num)
{
	size_t i;

	for (i = 0; i < sizeof(rules) / sizeof(rules[0]); i++)
		if (rules[i].num == num)
			return (int)i;
	return -1;
}

static u32 uint_of(const struct coap_option *o)
{
	u32 v = 0, i;

	for (i = 0; i < o->len; i++)
		v = v << 8 | o->val[i];
	return v;
}

/* Bytes of the 4-bit / 13 / 14 form of @v, and writing it. */
static size_t ext_len(u32 v)
{
	return v < 13 ? 0 : v < 269 ? 1 : 2;
}

static u8 nibble(u32 v)
{
	return v < 13 ? v : v < 269 ? 13 : 14;
}

static size_t put_ext(u8 *p, u32 v)
{
	if (v >= 269) {
		p[0] = (v - 269) >> 8;
		p[1] = (v - 269) & 0xff;
	} else if (v >= 13) {
		p[0] = v - 13;
	}
	return ext_len(v);
}

static size_t opt_size(u32 delta, u32 len)
{
	return 1 + ext_len(delta) + ext_len(len) + len;
}

static size_t uint_size(u32 v)
{
	size_t n = 0;

	while (n < 4 && (v >> (8 * n)))
		n++;
	return n;
}

static bool segment_ok(const u8 *s, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (s[i] == '/' || s[i] == '+' || s[i] == '#' || !s[i])
			return false;
	return topic_utf8_valid(s, len);
}

static void check_block(const struct coap_option *o, const struct coap_block *b)
{
	u32 v = uint_of(o);

	CHECK(b->num == v >> 4);
	CHECK(b->more == !!(v & 8));
	CHECK(b->szx == (v & 7));
	CHECK(b->szx != 7);
}

/* Everything coap_parse() reported for an accepted @data. */
static void check_parsed(const u8 *data, size_t size, const struct coap_msg *m)
{
	struct coap_opt_iter it;
	struct coap_option o;
	struct coap_msg m2;
	size_t i, pos, jlen = 0, hdr = COAP_HDR_LEN + m->tkl;
	u32 paths = 0, queries = 0, seen = 0, ignored = 0;
	u8 class = COAP_CODE_CLASS(m->code);
	int r;

	CHECK(size >= COAP_HDR_LEN && data[0] >> 6 == 1);
	CHECK(m->type == ((data[0] >> 4) & 3));
	CHECK(m->tkl == (data[0] & 15) && m->tkl <= 8);
	CHECK(m->code == data[1]);
	CHECK(m->mid == (data[2] << 8 | data[3]));
	CHECK(class == 0 || class == 2 || class == 4 || class == 5);
	CHECK(m->topic == topic);
	if (m->code == COAP_CODE_EMPTY) {
		CHECK(size == COAP_HDR_LEN && m->tkl == 0);
		CHECK(m->type != COAP_TYPE_NON);
		CHECK(!m->payload && !m->options_len && m->topic_empty);
		return;
	}
	CHECK(m->type != COAP_TYPE_RST);
	CHECK(m->type != COAP_TYPE_ACK || class != 0);
	CHECK(m->token == data + COAP_HDR_LEN);
	CHECK(m->options == data + hdr);
	if (m->payload) {
		CHECK(m->payload_len > 0);
		CHECK(m->payload == data + m->payload_off);
		CHECK(m->payload_off + m->payload_len == size);
		CHECK(data[m->payload_off - 1] == COAP_PAYLOAD_MARKER);
		CHECK(hdr + m->options_len + 1 == m->payload_off);
	} else {
		CHECK(m->payload_len == 0 && m->payload_off == 0);
		CHECK(hdr + m->options_len == size);
	}

	/* re-encode canonically while checking each option */
	if (size > sizeof(enc) - 16)
		return;
	enc[0] = 0x40 | m->type << 4 | m->tkl;
	enc[1] = m->code;
	enc[2] = m->mid >> 8;
	enc[3] = m->mid & 0xff;
	memcpy(enc + 4, m->token, m->tkl);
	pos = hdr;
	coap_opt_iter_init(&it, m);
	{
		u16 last = 0;

		while (coap_opt_next(&it, &o)) {
			int ri = rule_of(o.num);

			CHECK(o.num >= last);
			CHECK(o.val >= m->options &&
			      o.val + o.len <= m->options + m->options_len);
			enc[pos] = nibble(o.num - last) << 4 | nibble(o.len);
			pos++;
			pos += put_ext(enc + pos, o.num - last);
			pos += put_ext(enc + pos, o.len);
			CHECK(pos + o.len <= size);
			memcpy(enc + pos, o.val, o.len);
			pos += o.len;
			last = o.num;

			CHECK(ri >= 0 || !(o.num & 1));
			if (ri < 0) {
				CHECK(!coap_has_option(m, o.num));
				continue;
			}
			/* unrecognized: an error if critical, else ignored */
			if (o.len < rules[ri].min || o.len > rules[ri].max ||
			    (!rules[ri].repeatable && (seen & (1U << ri)))) {
				CHECK(!(o.num & 1));
				ignored++;
				continue;
			}
			seen |= 1U << ri;
			switch (o.num) {
			case COAP_OPT_URI_PATH:
				CHECK(segment_ok(o.val, o.len));
				if (paths++)
					joined[jlen++] = '/';
				memcpy(joined + jlen, o.val, o.len);
				jlen += o.len;
				break;
			case COAP_OPT_URI_QUERY:
				if (!queries++)
					CHECK(m->query == o.val &&
					      m->query_len == o.len);
				break;
			case COAP_OPT_CONTENT_FORMAT:
				CHECK(m->has_content_format &&
				      m->content_format == uint_of(&o));
				break;
			case COAP_OPT_ACCEPT:
				CHECK(m->has_accept && m->accept == uint_of(&o));
				break;
			case COAP_OPT_OBSERVE:
				CHECK(m->has_observe && m->observe == uint_of(&o));
				break;
			case COAP_OPT_MAX_AGE:
				CHECK(m->has_max_age && m->max_age == uint_of(&o));
				break;
			case COAP_OPT_SIZE1:
				CHECK(m->has_size1 && m->size1 == uint_of(&o));
				break;
			case COAP_OPT_SIZE2:
				CHECK(m->has_size2 && m->size2 == uint_of(&o));
				break;
			case COAP_OPT_BLOCK1:
				CHECK(m->has_block1);
				check_block(&o, &m->block1);
				break;
			case COAP_OPT_BLOCK2:
				CHECK(m->has_block2);
				check_block(&o, &m->block2);
				break;
			}
		}
	}
	CHECK(pos == hdr + m->options_len);
	if (m->payload) {
		enc[pos++] = COAP_PAYLOAD_MARKER;
		memcpy(enc + pos, m->payload, m->payload_len);
		pos += m->payload_len;
	}
	CHECK(pos == size && !memcmp(enc, data, size));

	/* only valid first occurrences are seen, the others ignored */
	CHECK(m->ignored_options == ignored);
	for (i = 0; i < sizeof(rules) / sizeof(rules[0]); i++)
		CHECK(coap_has_option(m, rules[i].num) == !!(seen & (1U << i)));
	CHECK(m->has_observe || m->observe == 0);
	CHECK(m->has_content_format || m->content_format == 0);
	CHECK(m->has_max_age || m->max_age == 0);
	CHECK(m->has_accept || m->accept == 0);
	CHECK(m->has_size1 || m->size1 == 0);
	CHECK(m->has_size2 || m->size2 == 0);

	CHECK(m->has_content_format == coap_has_option(m, 12));
	CHECK(m->has_accept == coap_has_option(m, 17));
	CHECK(m->has_observe == coap_has_option(m, 6));
	CHECK(m->has_max_age == coap_has_option(m, 14));
	CHECK(m->has_block1 == coap_has_option(m, 27));
	CHECK(m->has_block2 == coap_has_option(m, 23));
	CHECK(m->has_size1 == coap_has_option(m, 60));
	CHECK(m->has_size2 == coap_has_option(m, 28));
	CHECK(m->path_count == paths && m->query_count == queries);
	CHECK(!queries == !m->query);
	CHECK(m->topic_len == jlen && !memcmp(m->topic, joined, jlen));
	CHECK(m->topic_empty == !jlen);
	if (jlen)
		CHECK(topic_name_check(m->topic, jlen) == TOPIC_OK);

	/* the topic capacity, to the byte */
	r = coap_parse(data, size, &m2, topic2, jlen);
	CHECK(r == COAP_OK && m2.topic_len == jlen);
	CHECK(!memcmp(topic2, joined, jlen));
	if (jlen) {
		r = coap_parse(data, size, &m2, topic2, jlen - 1);
		CHECK(r == COAP_ERR_PATH_TOO_LONG);
		CHECK(coap_parse(data, size, &m2, NULL, 0) ==
		      COAP_ERR_PATH_TOO_LONG);
	}
}

/* What the parser must say about a rejected @data. */
static void check_rejected(const u8 *data, size_t size, enum coap_err err,
			   const struct coap_msg *m)
{
	CHECK(err > COAP_OK && err < __COAP_ERR_MAX);
	CHECK(coap_err_str(err));
	CHECK((size < COAP_HDR_LEN) == (err == COAP_ERR_TRUNC_HEADER));
	if (err == COAP_ERR_TRUNC_HEADER)
		return;
	CHECK(m->type == ((data[0] >> 4) & 3));
	CHECK(m->code == data[1]);
	CHECK(m->mid == (data[2] << 8 | data[3]));
	if (coap_err_is_format(err)) {
		CHECK(coap_err_response(err) == 0);
		return;
	}
	/* option and path errors: answerable, so the token is there */
	CHECK(coap_err_response(err) != 0);
	CHECK(m->tkl == (data[0] & 15) && m->token == data + 4);
	CHECK((size_t)COAP_HDR_LEN + m->tkl <= size);
	if (err == COAP_ERR_OPT_CRITICAL)
		CHECK((m->bad_option & 1) && rule_of(m->bad_option) < 0);
	/* elective options repeated or of a bad length are ignored */
	if (err == COAP_ERR_OPT_REPEATED || err == COAP_ERR_OPT_BAD_LEN)
		CHECK((m->bad_option & 1) && rule_of(m->bad_option) >= 0);
	if (err == COAP_ERR_BLOCK_SZX)
		CHECK(m->bad_option == 23 || m->bad_option == 27);
}

/* A reader of fuzzer bytes that yields zeros once they run out. */
struct src {
	const u8 *p;
	size_t n;
};

static u8 take8(struct src *s)
{
	if (!s->n)
		return 0;
	s->n--;
	return *s->p++;
}

static u16 take16(struct src *s)
{
	u16 v = take8(s);

	return v << 8 | take8(s);
}

static u32 take32(struct src *s)
{
	u32 v = take16(s);

	return v << 16 | take16(s);
}

static const u8 *take(struct src *s, size_t want, size_t *got)
{
	const u8 *p = s->p;

	*got = want < s->n ? want : s->n;
	s->p += *got;
	s->n -= *got;
	return p;
}

/* Build with capacity @cap (or all of out): -ENOSPC exactly when short. */
static int build_at(int (*fn)(u8 *, size_t, const void *), const void *arg,
		    int want, size_t cap)
{
	int r;

	if (cap > sizeof(out) - 16)
		cap = sizeof(out) - 16;
	memset(out, 0xa5, cap + 16);
	r = fn(out, cap, arg);
	if (want < 0) {
		CHECK(r == want);
		return r;
	}
	if ((size_t)want > cap) {
		/* short by any amount: -ENOSPC, nothing past @cap */
		CHECK(r == -ENOSPC);
		CHECK(out[cap] == 0xa5);
		CHECK(fn(NULL, 0, arg) == -ENOSPC);
		memset(out, 0xa5, want + 16);
		r = fn(out, want, arg);
	}
	CHECK(r == want);
	CHECK(out[want] == 0xa5);
	return r;
}

static int fn_resp(u8 *b, size_t cap, const void *arg)
{
	return coap_build_response(b, cap, arg);
}

static int fn_req(u8 *b, size_t cap, const void *arg)
{
	return coap_build_request(b, cap, arg);
}

static const u8 tokens[8] = { 0xde, 0xad, 0xbe, 0xef, 0x00, 0x01, 0xff, 0x7f };

static void fuzz_response(struct src *s)
{
	struct coap_response r;
	struct coap_msg m;
	size_t got, cap;
	u8 class;
	int want;

	memset(&r, 0, sizeof(r));
	r.type = take8(s) % 4;
	r.code = take8(s);
	if (r.code & 0x10)
		r.code = COAP_CODE(2 + (r.code & 1) * 2 + (r.code & 2) / 2,
				   r.code >> 3);
	r.mid = take16(s);
	r.tkl = take8(s) % 10;
	r.token = tokens;
	r.has_max_age = take8(s) & 1;
	r.max_age = take32(s) >> (take8(s) % 32);
	cap = take16(s) % 3072;	/* around the sizes built here */
	r.payload = take(s, take16(s) % 1500, &got);
	r.payload_len = got;
	if (!got)
		r.payload = NULL;

	class = COAP_CODE_CLASS(r.code);
	want = -EINVAL;
	if (r.type != COAP_TYPE_RST && r.tkl <= 8 &&
	    (class == 2 || class == 4 || class == 5)) {
		want = 4 + r.tkl + (got ? 1 + got : 0);
		if (r.has_max_age)
			want += opt_size(14, uint_size(r.max_age));
	}
	if (build_at(fn_resp, &r, want, cap) < 0)
		return;
	CHECK(coap_parse(out, want, &m, topic, sizeof(topic)) == COAP_OK);
	check_parsed(out, want, &m);
	CHECK(m.type == r.type && m.code == r.code && m.mid == r.mid);
	CHECK(m.tkl == r.tkl && !memcmp(m.token, tokens, r.tkl));
	CHECK(m.has_max_age == r.has_max_age);
	CHECK(!r.has_max_age || m.max_age == r.max_age);
	CHECK(m.payload_len == got);
	CHECK(!got || !memcmp(m.payload, r.payload, got));
	CHECK(m.topic_empty && !m.path_count && !m.has_content_format);
	CHECK(m.ignored_options == 0);
}

static void fuzz_request(struct src *s)
{
	static const char alphabet[] = "ab/c/z+#\0\xc3\xa9~$/x.";
	static char path[1200];
	struct coap_request r;
	struct coap_msg m;
	size_t got, cap, i, start, seg_len = 0;
	bool path_ok = true;
	const u8 *raw;
	u8 mode;
	int want;

	memset(&r, 0, sizeof(r));
	r.type = take8(s) % 4;
	r.code = take8(s);
	if (r.code & 0x80)
		r.code &= 0x1f;
	r.mid = take16(s);
	r.tkl = take8(s) % 10;
	r.token = tokens;
	r.has_content_format = take8(s) & 1;
	r.content_format = take16(s);
	cap = take16(s) % 3072;	/* around the sizes built here */
	mode = take8(s);
	raw = take(s, take16(s) % sizeof(path), &got);
	for (i = 0; i < got; i++)
		path[i] = mode & 1 ? raw[i] :
			  alphabet[raw[i] % (sizeof(alphabet) - 1)];
	/* long runs without '/' for segments past 255 bytes */
	if (mode & 2) {
		for (i = 0; i < got; i++) {
			if (path[i] == '/' && (raw[i] & 0x30))
				path[i] = 'q';
		}
	}
	r.path = path;
	r.path_len = got;
	r.payload = take(s, take16(s) % 1500, &got);
	r.payload_len = got;
	if (!got)
		r.payload = NULL;

	/* expected validity and length, independently */
	want = 4 + r.tkl + (got ? 1 + got : 0);
	if (r.path_len) {
		path_ok = topic_name_check(path, r.path_len) == TOPIC_OK;
		for (i = 0, start = 0; i <= r.path_len; i++) {
			if (i < r.path_len && path[i] != '/')
				continue;
			seg_len = i - start;
			if (seg_len > 255)
				path_ok = false;
			want += opt_size(start ? 0 : 11, seg_len);
			start = i + 1;
		}
	}
	if (r.has_content_format)
		want += opt_size(r.path_len ? 1 : 12,
				 uint_size(r.content_format));
	if (r.type > COAP_TYPE_NON || r.tkl > 8 || !path_ok ||
	    COAP_CODE_CLASS(r.code) != 0 || !r.code)
		want = -EINVAL;
	if (build_at(fn_req, &r, want, cap) < 0)
		return;
	CHECK(coap_parse(out, want, &m, topic, sizeof(topic)) == COAP_OK);
	check_parsed(out, want, &m);
	CHECK(m.type == r.type && m.code == r.code && m.mid == r.mid);
	CHECK(m.tkl == r.tkl && !memcmp(m.token, tokens, r.tkl));
	CHECK(m.topic_len == r.path_len &&
	      !memcmp(m.topic, r.path, r.path_len));
	CHECK(m.has_content_format == r.has_content_format);
	CHECK(!r.has_content_format || m.content_format == r.content_format);
	CHECK(m.payload_len == got);
	CHECK(!got || !memcmp(m.payload, r.payload, got));
	CHECK(m.ignored_options == 0);
}

static void fuzz_builders(const u8 *data, size_t size)
{
	struct src s = { data, size };
	struct coap_msg m;
	u16 mid = take16(&s);
	u8 b[4];

	CHECK(coap_build_empty_ack(b, sizeof(b), mid) == 4);
	CHECK(coap_parse(b, 4, &m, NULL, 0) == COAP_OK);
	CHECK(m.type == COAP_TYPE_ACK && m.code == 0 && m.mid == mid);
	CHECK(coap_build_rst(b, 3, mid) == -ENOSPC);
	CHECK(coap_build_rst(b, sizeof(b), mid) == 4);
	CHECK(coap_parse(b, 4, &m, NULL, 0) == COAP_OK);
	CHECK(m.type == COAP_TYPE_RST && m.code == 0 && m.mid == mid);

	if (take8(&s) & 1)
		fuzz_response(&s);
	else
		fuzz_request(&s);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct coap_msg m;
	enum coap_err err;
	size_t tl;

	err = coap_parse(data, size, &m, topic, sizeof(topic));
	tl = m.topic_len;
	if (err == COAP_OK)
		check_parsed(data, size, &m);
	else
		check_rejected(data, size, err, &m);
	/* a small topic buffer: fits exactly when the topic is no longer */
	if (err == COAP_OK || err == COAP_ERR_PATH_TOO_LONG) {
		size_t cap = size ? data[size - 1] % 16 : 0;
		enum coap_err e2 = coap_parse(data, size, &m, topic2, cap);

		if (err == COAP_OK)
			CHECK(e2 == (tl <= cap ? COAP_OK : COAP_ERR_PATH_TOO_LONG));
		else
			CHECK(e2 == COAP_ERR_PATH_TOO_LONG);
	}
	fuzz_builders(data, size);
	return 0;
}
