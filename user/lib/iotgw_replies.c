// SPDX-License-Identifier: GPL-2.0
/* The COAP_RESULT and DEVICE replies, parsed for iotgwctl and iotgwd. */
#include "iotgw_replies.h"

#include <errno.h>
#include <string.h>
#include <sys/socket.h>

#include <linux/iotgw.h>
#include <netlink/attr.h>

#include "iotgw_nl.h"

static struct nla_policy coap_result_policy[IOTGW_COAP_RESULT_A_MAX + 1] = {
	[IOTGW_COAP_RESULT_A_ID] = { .type = NLA_U64 },
	[IOTGW_COAP_RESULT_A_COOKIE] = { .type = NLA_U64 },
	[IOTGW_COAP_RESULT_A_STATUS] = { .type = NLA_U8 },
	[IOTGW_COAP_RESULT_A_TRANSMISSIONS] = { .type = NLA_U32 },
	[IOTGW_COAP_RESULT_A_ELAPSED_MS] = { .type = NLA_U32 },
	[IOTGW_COAP_RESULT_A_ACKED] = { .type = NLA_FLAG },
	[IOTGW_COAP_RESULT_A_CODE] = { .type = NLA_U8 },
	[IOTGW_COAP_RESULT_A_SEPARATE] = { .type = NLA_FLAG },
	[IOTGW_COAP_RESULT_A_CONTENT_FORMAT] = { .type = NLA_U16 },
	[IOTGW_COAP_RESULT_A_MAX_AGE] = { .type = NLA_U32 },
	[IOTGW_COAP_RESULT_A_PAYLOAD] = { .type = NLA_UNSPEC },
};

static struct nla_policy device_policy[IOTGW_DEVICE_A_MAX + 1] = {
	[IOTGW_DEVICE_A_FAMILY] = { .type = NLA_U8 },
	[IOTGW_DEVICE_A_ADDR] = { .type = NLA_UNSPEC, .minlen = 4 },
	[IOTGW_DEVICE_A_PORT] = { .type = NLA_U16 },
	[IOTGW_DEVICE_A_PROTO] = { .type = NLA_U8 },
	[IOTGW_DEVICE_A_TOPIC] = { .type = NLA_STRING },
	[IOTGW_DEVICE_A_PACKETS] = { .type = NLA_U64 },
	[IOTGW_DEVICE_A_AGE_MS] = { .type = NLA_U32 },
};

int iotgw_parse_coap_result(struct nl_msg *msg, struct iotgw_coap_result *out)
{
	struct nlattr *ra[IOTGW_COAP_RESULT_A_MAX + 1];

	memset(out, 0, sizeof(*out));
	if (iotgw_nl_parse_nest(msg, IOTGW_A_COAP_RESULT, ra,
				IOTGW_COAP_RESULT_A_MAX, coap_result_policy) < 0 ||
	    !ra[IOTGW_COAP_RESULT_A_ID])
		return -EINVAL;
	out->has_id = true;
	out->id = nla_get_u64(ra[IOTGW_COAP_RESULT_A_ID]);
	if (!ra[IOTGW_COAP_RESULT_A_STATUS])
		return -EINVAL;
	out->status = nla_get_u8(ra[IOTGW_COAP_RESULT_A_STATUS]);
	if (out->status == IOTGW_COAP_STATUS_RESPONSE &&
	    !ra[IOTGW_COAP_RESULT_A_CODE])
		return -EINVAL;
	if (ra[IOTGW_COAP_RESULT_A_CODE])
		out->code = nla_get_u8(ra[IOTGW_COAP_RESULT_A_CODE]);
	out->has_cookie = ra[IOTGW_COAP_RESULT_A_COOKIE];
	if (out->has_cookie)
		out->cookie = nla_get_u64(ra[IOTGW_COAP_RESULT_A_COOKIE]);
	if (ra[IOTGW_COAP_RESULT_A_TRANSMISSIONS])
		out->transmissions =
			nla_get_u32(ra[IOTGW_COAP_RESULT_A_TRANSMISSIONS]);
	if (ra[IOTGW_COAP_RESULT_A_ELAPSED_MS])
		out->elapsed_ms = nla_get_u32(ra[IOTGW_COAP_RESULT_A_ELAPSED_MS]);
	out->acked = ra[IOTGW_COAP_RESULT_A_ACKED];
	out->separate = ra[IOTGW_COAP_RESULT_A_SEPARATE];
	out->has_format = ra[IOTGW_COAP_RESULT_A_CONTENT_FORMAT];
	if (out->has_format)
		out->content_format =
			nla_get_u16(ra[IOTGW_COAP_RESULT_A_CONTENT_FORMAT]);
	out->has_max_age = ra[IOTGW_COAP_RESULT_A_MAX_AGE];
	if (out->has_max_age)
		out->max_age = nla_get_u32(ra[IOTGW_COAP_RESULT_A_MAX_AGE]);
	if (ra[IOTGW_COAP_RESULT_A_PAYLOAD]) {
		out->payload = nla_data(ra[IOTGW_COAP_RESULT_A_PAYLOAD]);
		out->payload_len =
			(size_t)nla_len(ra[IOTGW_COAP_RESULT_A_PAYLOAD]);
	}
	return 0;
}

/* The length of an address of @family, 0 for another family. */
static size_t address_len(int family)
{
	return family == AF_INET ? 4 : family == AF_INET6 ? 16 : 0;
}

int iotgw_parse_device(struct nl_msg *msg, struct iotgw_device_entry *out)
{
	struct nlattr *da[IOTGW_DEVICE_A_MAX + 1];
	size_t len;

	memset(out, 0, sizeof(*out));
	if (iotgw_nl_parse_nest(msg, IOTGW_A_DEVICE, da, IOTGW_DEVICE_A_MAX,
				device_policy) < 0 || !da[IOTGW_DEVICE_A_FAMILY] ||
	    !da[IOTGW_DEVICE_A_ADDR] || !da[IOTGW_DEVICE_A_PORT])
		return -EINVAL;
	out->family = nla_get_u8(da[IOTGW_DEVICE_A_FAMILY]);
	out->port = nla_get_u16(da[IOTGW_DEVICE_A_PORT]);
	out->proto = da[IOTGW_DEVICE_A_PROTO] ?
		     nla_get_u8(da[IOTGW_DEVICE_A_PROTO]) : IOTGW_PROTO_COAP;
	if (da[IOTGW_DEVICE_A_TOPIC])
		out->topic = nla_get_string(da[IOTGW_DEVICE_A_TOPIC]);
	if (da[IOTGW_DEVICE_A_PACKETS])
		out->packets = nla_get_u64(da[IOTGW_DEVICE_A_PACKETS]);
	if (da[IOTGW_DEVICE_A_AGE_MS])
		out->age_ms = nla_get_u32(da[IOTGW_DEVICE_A_AGE_MS]);
	len = (size_t)nla_len(da[IOTGW_DEVICE_A_ADDR]);
	if (len != address_len(out->family))
		return -EAFNOSUPPORT;
	memcpy(out->addr, nla_data(da[IOTGW_DEVICE_A_ADDR]), len);
	return 0;
}
