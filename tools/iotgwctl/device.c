// SPDX-License-Identifier: GPL-2.0
/* iotgwctl device: the CoAP devices the module heard from, and when. */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include <linux/iotgw.h>

#include "iotgw_replies.h"
#include "iotgwctl.h"
#include "json.h"
#include "parse.h"

static const struct word_map proto_words[] = {
	{ "coap", IOTGW_PROTO_COAP },
	{ "mqtt", IOTGW_PROTO_MQTT },
	{ NULL, 0 },
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
	char addr[INET6_ADDRSTRLEN], port[8], packets[24], age[16], pbuf[8];
	struct iotgw_device_entry d;
	struct json_object *obj;
	const char *topic, *proto;

	if (iotgw_parse_device(reply, &d) < 0 ||
	    !inet_ntop(d.family, d.addr, addr, sizeof(addr)))
		return -1;
	proto = word_name(proto_words, d.proto);
	topic = d.topic ? d.topic : "";

	if (!show->array) {
		if (!show->header) {
			printf(DEVICE_FORMAT "%s\n", "ADDRESS", "PORT", "PROTO",
			       "PACKETS", "AGE", "TOPIC");
			show->header = true;
		}
		if (!proto) {
			snprintf(pbuf, sizeof(pbuf), "%u", d.proto);
			proto = pbuf;
		}
		snprintf(port, sizeof(port), "%u", d.port);
		snprintf(packets, sizeof(packets), "%llu",
			 (unsigned long long)d.packets);
		snprintf(age, sizeof(age), "%ums", d.age_ms);
		printf(DEVICE_FORMAT, addr, port, proto, packets, age);
		print_wire_string(stdout, topic);
		putchar('\n');
		return 0;
	}
	obj = json_object_new_object();
	if (!obj)
		return 0;	/* out of memory: json_print() says so */
	json_add_str(obj, "family", d.family == AF_INET ? "inet" : "inet6");
	json_add_str(obj, "addr", addr);
	json_add_u64(obj, "port", d.port);
	if (proto)
		json_add_str(obj, "proto", proto);
	else
		json_add_u64(obj, "proto", d.proto);
	json_add(obj, "topic", json_wire_string(topic));
	json_add_u64(obj, "packets", d.packets);
	json_add_u64(obj, "age_ms", d.age_ms);
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
