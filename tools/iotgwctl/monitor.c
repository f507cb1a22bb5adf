// SPDX-License-Identifier: GPL-2.0
/* iotgwctl monitor: the module's classification events, as they come. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include <linux/iotgw.h>
#include <netlink/genl/ctrl.h>

#include "iotgwctl.h"
#include "json.h"
#include "parse.h"

static const struct word_map proto_words[] = {
	{ "coap", IOTGW_PROTO_COAP },
	{ "mqtt", IOTGW_PROTO_MQTT },
	{ NULL, 0 },
};

static const struct word_map hook_words[] = {
	{ "in", IOTGW_HOOK_IN },
	{ "fwd", IOTGW_HOOK_FWD },
	{ NULL, 0 },
};

static const struct word_map verdict_words[] = {
	{ "unmatched", IOTGW_VERDICT_UNMATCHED },
	{ "accepted", IOTGW_VERDICT_ACCEPTED },
	{ "dropped", IOTGW_VERDICT_DROPPED },
	{ "marked", IOTGW_VERDICT_MARKED },
	{ "ratelimited", IOTGW_VERDICT_RATELIMITED },
	{ "malformed", IOTGW_VERDICT_MALFORMED },
	{ "queued", IOTGW_VERDICT_QUEUED },
	{ "refused", IOTGW_VERDICT_REFUSED },
	{ "duplicate", IOTGW_VERDICT_DUPLICATE },
	{ NULL, 0 },
};

static const struct word_map coap_type_words[] = {
	{ "con", 0 }, { "non", 1 }, { "ack", 2 }, { "rst", 3 },
	{ NULL, 0 },
};

static const struct word_map coap_method_words[] = {
	{ "GET", 1 }, { "POST", 2 }, { "PUT", 3 }, { "DELETE", 4 },
	{ "FETCH", 5 }, { "PATCH", 6 }, { "iPATCH", 7 },
	{ NULL, 0 },
};

static struct nla_policy top_policy[IOTGW_A_MAX + 1] = {
	[IOTGW_A_EVENT] = { .type = NLA_NESTED },
};

static struct nla_policy event_policy[IOTGW_EVENT_A_MAX + 1] = {
	[IOTGW_EVENT_A_PROTO] = { .type = NLA_U8 },
	[IOTGW_EVENT_A_HOOK] = { .type = NLA_U8 },
	[IOTGW_EVENT_A_FAMILY] = { .type = NLA_U8 },
	[IOTGW_EVENT_A_SRC] = { .type = NLA_UNSPEC, .minlen = 4 },
	[IOTGW_EVENT_A_DST] = { .type = NLA_UNSPEC, .minlen = 4 },
	[IOTGW_EVENT_A_SRC_PORT] = { .type = NLA_U16 },
	[IOTGW_EVENT_A_DST_PORT] = { .type = NLA_U16 },
	[IOTGW_EVENT_A_VERDICT] = { .type = NLA_U8 },
	[IOTGW_EVENT_A_TOPIC] = { .type = NLA_STRING },
	[IOTGW_EVENT_A_RULE] = { .type = NLA_STRING },
	[IOTGW_EVENT_A_LEN] = { .type = NLA_U32 },
	[IOTGW_EVENT_A_COAP_TYPE] = { .type = NLA_U8 },
	[IOTGW_EVENT_A_COAP_CODE] = { .type = NLA_U8 },
	[IOTGW_EVENT_A_MQTT_QOS] = { .type = NLA_U8 },
	[IOTGW_EVENT_A_REASON] = { .type = NLA_STRING },
};

struct monitor {
	unsigned long count;	/* stop after this many events; 0: never */
	unsigned long seen;
	int cmd_event;
};

/* A word for @value from @map, or its number in @buf. */
static const char *word_or_number(const struct word_map *map, int value,
				  char *buf, size_t size)
{
	const char *w = word_name(map, value);

	if (w)
		return w;
	snprintf(buf, size, "%d", value);
	return buf;
}

/* A CoAP code: the method for a request, else "c.dd" (RFC 7252 3). */
static void coap_code_text(unsigned int code, char *buf, size_t size)
{
	const char *m = (code >> 5) == 0 ? word_name(coap_method_words,
						     (int)code) : NULL;

	if (m)
		snprintf(buf, size, "%s", m);
	else
		snprintf(buf, size, "%u.%02u", code >> 5, code & 0x1f);
}

/* "addr:port", IPv6 addresses in brackets; false if malformed. */
static bool endpoint_text(int family, struct nlattr *addr, struct nlattr *port,
			  char *buf, size_t size, char *bare, size_t bare_size)
{
	size_t alen = family == AF_INET ? 4 : 16;

	if (!addr || !port || (size_t)nla_len(addr) != alen ||
	    !inet_ntop(family, nla_data(addr), bare, bare_size))
		return false;
	snprintf(buf, size, family == AF_INET ? "%s:%u" : "[%s]:%u", bare,
		 nla_get_u16(port));
	return true;
}

static int print_event(struct nl_msg *msg, void *arg)
{
	struct monitor *m = arg;
	struct nlattr *tb[IOTGW_A_MAX + 1];
	struct nlattr *ev[IOTGW_EVENT_A_MAX + 1];
	char src[INET6_ADDRSTRLEN + 8], dst[INET6_ADDRSTRLEN + 8];
	char src_addr[INET6_ADDRSTRLEN], dst_addr[INET6_ADDRSTRLEN];
	char pbuf[16], hbuf[16], vbuf[16], tbuf[16], cbuf[16];
	const char *proto, *hook, *verdict, *ctype = NULL;
	struct json_object *obj;
	unsigned int p, family;

	if (genlmsg_hdr(nlmsg_hdr(msg))->cmd != IOTGW_CMD_EVENT)
		return NL_SKIP;
	if (iotgw_nl_parse_policy(msg, tb, IOTGW_A_MAX, top_policy) < 0 ||
	    !tb[IOTGW_A_EVENT] ||
	    nla_parse_nested(ev, IOTGW_EVENT_A_MAX, tb[IOTGW_A_EVENT],
			     event_policy) < 0 ||
	    !ev[IOTGW_EVENT_A_PROTO] || !ev[IOTGW_EVENT_A_HOOK] ||
	    !ev[IOTGW_EVENT_A_FAMILY] || !ev[IOTGW_EVENT_A_VERDICT]) {
		iotgwctl_error("monitor: an event the tool cannot read");
		return NL_SKIP;
	}
	family = nla_get_u8(ev[IOTGW_EVENT_A_FAMILY]);
	if ((family != AF_INET && family != AF_INET6) ||
	    !endpoint_text(family, ev[IOTGW_EVENT_A_SRC],
			   ev[IOTGW_EVENT_A_SRC_PORT], src, sizeof(src),
			   src_addr, sizeof(src_addr)) ||
	    !endpoint_text(family, ev[IOTGW_EVENT_A_DST],
			   ev[IOTGW_EVENT_A_DST_PORT], dst, sizeof(dst),
			   dst_addr, sizeof(dst_addr))) {
		iotgwctl_error("monitor: an event with a malformed address");
		return NL_SKIP;
	}
	p = nla_get_u8(ev[IOTGW_EVENT_A_PROTO]);
	proto = word_or_number(proto_words, (int)p, pbuf, sizeof(pbuf));
	hook = word_or_number(hook_words, nla_get_u8(ev[IOTGW_EVENT_A_HOOK]),
			      hbuf, sizeof(hbuf));
	verdict = word_or_number(verdict_words,
				 nla_get_u8(ev[IOTGW_EVENT_A_VERDICT]),
				 vbuf, sizeof(vbuf));
	if (ev[IOTGW_EVENT_A_COAP_TYPE])
		ctype = word_or_number(coap_type_words,
				       nla_get_u8(ev[IOTGW_EVENT_A_COAP_TYPE]),
				       tbuf, sizeof(tbuf));
	if (ev[IOTGW_EVENT_A_COAP_CODE])
		coap_code_text(nla_get_u8(ev[IOTGW_EVENT_A_COAP_CODE]), cbuf,
			       sizeof(cbuf));

	if (!iotgwctl_json) {
		printf("%s %s %s -> %s", proto, hook, src, dst);
		if (ctype && ev[IOTGW_EVENT_A_COAP_CODE])
			printf(" %s %s", ctype, cbuf);
		if (ev[IOTGW_EVENT_A_MQTT_QOS])
			printf(" qos %u", nla_get_u8(ev[IOTGW_EVENT_A_MQTT_QOS]));
		if (ev[IOTGW_EVENT_A_TOPIC]) {
			fputs(" topic ", stdout);
			print_wire_string(stdout,
					  nla_get_string(ev[IOTGW_EVENT_A_TOPIC]));
		}
		if (ev[IOTGW_EVENT_A_RULE]) {
			fputs(" rule ", stdout);
			print_word(stdout, nla_get_string(ev[IOTGW_EVENT_A_RULE]),
				   false);
		}
		printf(" %s", verdict);
		if (ev[IOTGW_EVENT_A_REASON]) {
			fputs(" reason ", stdout);
			print_wire_string(stdout,
					  nla_get_string(ev[IOTGW_EVENT_A_REASON]));
		}
		if (ev[IOTGW_EVENT_A_LEN])
			printf(" len %u", nla_get_u32(ev[IOTGW_EVENT_A_LEN]));
		putchar('\n');
	} else {
		obj = json_object_new_object();
		json_add_str(obj, "proto", proto);
		json_add_str(obj, "hook", hook);
		json_add_str(obj, "family", family == AF_INET ? "inet" : "inet6");
		json_add_str(obj, "src", src_addr);
		json_add_u64(obj, "src-port",
			     nla_get_u16(ev[IOTGW_EVENT_A_SRC_PORT]));
		json_add_str(obj, "dst", dst_addr);
		json_add_u64(obj, "dst-port",
			     nla_get_u16(ev[IOTGW_EVENT_A_DST_PORT]));
		if (ctype)
			json_add_str(obj, "coap-type", ctype);
		if (ev[IOTGW_EVENT_A_COAP_CODE])
			json_add_str(obj, "coap-code", cbuf);
		if (ev[IOTGW_EVENT_A_MQTT_QOS])
			json_add_u64(obj, "qos",
				     nla_get_u8(ev[IOTGW_EVENT_A_MQTT_QOS]));
		if (ev[IOTGW_EVENT_A_TOPIC])
			json_add(obj, "topic",
				 json_wire_string(nla_get_string(ev[IOTGW_EVENT_A_TOPIC])));
		if (ev[IOTGW_EVENT_A_RULE])
			json_add_str(obj, "rule",
				     nla_get_string(ev[IOTGW_EVENT_A_RULE]));
		json_add_str(obj, "verdict", verdict);
		if (ev[IOTGW_EVENT_A_REASON])
			json_add(obj, "reason",
				 json_wire_string(nla_get_string(ev[IOTGW_EVENT_A_REASON])));
		if (ev[IOTGW_EVENT_A_LEN])
			json_add_u64(obj, "len", nla_get_u32(ev[IOTGW_EVENT_A_LEN]));
		json_print(obj);
	}
	m->seen++;
	return m->count && m->seen >= m->count ? NL_STOP : NL_OK;
}

/*
 * Join the events group on a socket of its own (events carry no sequence
 * numbers) and print each event on a line until interrupted or, with
 * "count N", after N events.
 */
static int monitor_run(struct monitor *m)
{
	struct iotgw_nl nl;
	int grp, err, rc = IOTGWCTL_OK;

	if (iotgw_nl_open(&nl) < 0) {
		iotgwctl_error("%s", nl.error);
		return IOTGWCTL_FAIL;
	}
	grp = genl_ctrl_resolve_grp(nl.sock, IOTGW_GENL_NAME,
				    IOTGW_MCGRP_EVENTS);
	if (grp < 0) {
		iotgwctl_error("monitor: the module has no \"%s\" group: %s",
			       IOTGW_MCGRP_EVENTS, nl_geterror(grp));
		rc = IOTGWCTL_FAIL;
		goto out;
	}
	err = nl_socket_add_membership(nl.sock, grp);
	if (err < 0) {
		iotgwctl_error("monitor: cannot join the events group: %s%s",
			       nl_geterror(err),
			       err == -NLE_PERM ?
			       " (it needs CAP_NET_ADMIN)" : "");
		rc = IOTGWCTL_FAIL;
		goto out;
	}
	nl_socket_disable_seq_check(nl.sock);
	nl_socket_set_buffer_size(nl.sock, 1 << 20, 0);
	nl_socket_modify_cb(nl.sock, NL_CB_VALID, NL_CB_CUSTOM, print_event, m);
	setvbuf(stdout, NULL, _IOLBF, 0);
	while (!m->count || m->seen < m->count) {
		err = nl_recvmsgs_default(nl.sock);
		if (err == -NLE_NOMEM) {
			/* ENOBUFS: the socket overran; say so, go on */
			iotgwctl_error("monitor: events lost (the receive buffer overran)");
			continue;
		}
		if (err < 0) {
			iotgwctl_error("monitor: %s", nl_geterror(err));
			rc = IOTGWCTL_FAIL;
			break;
		}
	}
out:
	iotgw_nl_close(&nl);
	return rc;
}

int do_monitor(int argc, char **argv)
{
	struct monitor m = { 0 };
	uint32_t n;

	if (argc > 0 && !strcmp(argv[0], "help")) {
		printf("Usage: iotgwctl [ -j ] monitor [ count N ]\n");
		return IOTGWCTL_OK;
	}
	while (argc > 0) {
		if (!strcmp(argv[0], "count")) {
			if (argc < 2) {
				iotgwctl_error("monitor: \"count\" needs a number");
				return IOTGWCTL_USAGE;
			}
			if (parse_u32(argv[1], &n) || !n) {
				iotgwctl_error("monitor: count \"%s\" is not a number from 1 to 4294967295",
					       argv[1]);
				return IOTGWCTL_USAGE;
			}
			m.count = n;
			argc -= 2;
			argv += 2;
			continue;
		}
		iotgwctl_error("monitor: unknown argument \"%s\"; try \"iotgwctl monitor help\"",
			       argv[0]);
		return IOTGWCTL_USAGE;
	}
	return monitor_run(&m);
}
