// SPDX-License-Identifier: GPL-2.0
/* iotgwctl device: the CoAP devices the module heard from, and when. */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include <linux/iotgw.h>

#include "iotgwctl.h"
#include "json.h"
#include "parse.h"

static const struct word_map proto_words[] = {
	{ "coap", IOTGW_PROTO_COAP },
	{ "mqtt", IOTGW_PROTO_MQTT },
	{ NULL, 0 },
};

static struct nla_policy top_policy[IOTGW_A_MAX + 1] = {
	[IOTGW_A_DEVICE] = { .type = NLA_NESTED },
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

/*
 * The columns of the text output, printed as each device comes (a dump
 * can hold up to device-max of them): an IPv6 address fills ADDRESS.
 */
#define DEVICE_FORMAT "%-39s %-5s %-5s %-10s %-12s "

struct device_show {
	struct json_object *array;	/* -j */
	bool header;			/* printed */
};

static int show_device(struct nl_msg *reply, void *arg)
{
	struct device_show *show = arg;
	struct nlattr *tb[IOTGW_A_MAX + 1];
	struct nlattr *da[IOTGW_DEVICE_A_MAX + 1];
	char addr[INET6_ADDRSTRLEN], port[8], packets[24], age[16], pbuf[8];
	const char *topic = "", *proto;
	unsigned long long npackets;
	struct json_object *obj;
	unsigned int p, age_ms;
	int family;

	if (iotgw_nl_parse_policy(reply, tb, IOTGW_A_MAX, top_policy) < 0 ||
	    !tb[IOTGW_A_DEVICE] ||
	    nla_parse_nested(da, IOTGW_DEVICE_A_MAX, tb[IOTGW_A_DEVICE],
			     device_policy) < 0 ||
	    !da[IOTGW_DEVICE_A_FAMILY] || !da[IOTGW_DEVICE_A_ADDR] ||
	    !da[IOTGW_DEVICE_A_PORT])
		return -1;
	family = nla_get_u8(da[IOTGW_DEVICE_A_FAMILY]);
	if ((family != AF_INET && family != AF_INET6) ||
	    (size_t)nla_len(da[IOTGW_DEVICE_A_ADDR]) !=
	    (family == AF_INET ? 4U : 16U) ||
	    !inet_ntop(family, nla_data(da[IOTGW_DEVICE_A_ADDR]), addr,
		       sizeof(addr)))
		return -1;
	p = da[IOTGW_DEVICE_A_PROTO] ? nla_get_u8(da[IOTGW_DEVICE_A_PROTO]) :
				       IOTGW_PROTO_COAP;
	proto = word_name(proto_words, (int)p);
	if (da[IOTGW_DEVICE_A_TOPIC])
		topic = nla_get_string(da[IOTGW_DEVICE_A_TOPIC]);
	npackets = da[IOTGW_DEVICE_A_PACKETS] ?
		   (unsigned long long)nla_get_u64(da[IOTGW_DEVICE_A_PACKETS]) : 0;
	age_ms = da[IOTGW_DEVICE_A_AGE_MS] ?
		 nla_get_u32(da[IOTGW_DEVICE_A_AGE_MS]) : 0;

	if (!show->array) {
		if (!show->header) {
			printf(DEVICE_FORMAT "%s\n", "ADDRESS", "PORT", "PROTO",
			       "PACKETS", "AGE", "TOPIC");
			show->header = true;
		}
		if (!proto) {
			snprintf(pbuf, sizeof(pbuf), "%u", p);
			proto = pbuf;
		}
		snprintf(port, sizeof(port), "%u",
			 nla_get_u16(da[IOTGW_DEVICE_A_PORT]));
		snprintf(packets, sizeof(packets), "%llu", npackets);
		snprintf(age, sizeof(age), "%ums", age_ms);
		printf(DEVICE_FORMAT, addr, port, proto, packets, age);
		print_wire_string(stdout, topic);
		putchar('\n');
		return 0;
	}
	obj = json_object_new_object();
	if (!obj)
		return 0;	/* out of memory: json_print() says so */
	json_add_str(obj, "family", family == AF_INET ? "inet" : "inet6");
	json_add_str(obj, "addr", addr);
	json_add_u64(obj, "port", nla_get_u16(da[IOTGW_DEVICE_A_PORT]));
	if (proto)
		json_add_str(obj, "proto", proto);
	else
		json_add_u64(obj, "proto", p);
	json_add(obj, "topic", json_wire_string(topic));
	json_add_u64(obj, "packets", npackets);
	json_add_u64(obj, "age_ms", age_ms);
	if (json_object_array_add(show->array, obj) < 0)
		json_object_put(obj);
	return 0;
}

static int device_show(int argc, char **argv)
{
	struct device_show show = { NULL, false };
	struct iotgw_nl *nl;
	struct nl_msg *msg;

	if (argc > 0)
		return iotgwctl_no_arguments("device show", argv[0]);
	msg = iotgwctl_request(&nl, IOTGW_CMD_DEVICE_GET, NLM_F_DUMP);
	if (!msg)
		return IOTGWCTL_FAIL;
	return iotgwctl_show(nl, "device show", msg, show_device, &show,
			     &show.array);
}

int do_device(int argc, char **argv)
{
	if (argc == 0 || !strcmp(argv[0], "show"))
		return device_show(argc ? argc - 1 : 0, argv + !!argc);
	if (!strcmp(argv[0], "help")) {
		printf("Usage: iotgwctl [ -j ] device [ show ]\n");
		return IOTGWCTL_OK;
	}
	return iotgwctl_unknown_command("device", argv[0]);
}
