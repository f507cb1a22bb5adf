// SPDX-License-Identifier: GPL-2.0
/* iotgwctl flow: the MQTT connections the module follows. */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <linux/iotgw.h>

#include "iotgwctl.h"
#include "json.h"
#include "parse.h"

static const struct word_map state_words[] = {
	{ "tracking", IOTGW_FLOW_TRACKING },
	{ "lost-sync", IOTGW_FLOW_LOST_SYNC },
	{ "malformed", IOTGW_FLOW_MALFORMED },
	{ "reset", IOTGW_FLOW_RESET },
	{ NULL, 0 },
};

static struct nla_policy top_policy[IOTGW_A_MAX + 1] = {
	[IOTGW_A_FLOW] = { .type = NLA_NESTED },
};

static struct nla_policy flow_policy[IOTGW_FLOW_A_MAX + 1] = {
	[IOTGW_FLOW_A_FAMILY] = { .type = NLA_U8 },
	[IOTGW_FLOW_A_CLIENT] = { .type = NLA_UNSPEC, .minlen = 4 },
	[IOTGW_FLOW_A_SERVER] = { .type = NLA_UNSPEC, .minlen = 4 },
	[IOTGW_FLOW_A_CLIENT_PORT] = { .type = NLA_U16 },
	[IOTGW_FLOW_A_SERVER_PORT] = { .type = NLA_U16 },
	[IOTGW_FLOW_A_LEVEL] = { .type = NLA_U8 },
	[IOTGW_FLOW_A_CLIENT_ID] = { .type = NLA_STRING },
	[IOTGW_FLOW_A_STATE] = { .type = NLA_U8 },
	[IOTGW_FLOW_A_PUBLISHES] = { .type = NLA_U64 },
	[IOTGW_FLOW_A_BYTES] = { .type = NLA_U64 },
	[IOTGW_FLOW_A_IDLE_MS] = { .type = NLA_U32 },
};

struct flow_show {
	struct json_object *array;	/* -j */
};

static uint64_t get_u64(struct nlattr *a)
{
	return a ? nla_get_u64(a) : 0;
}

static int show_flow(struct nl_msg *reply, void *arg)
{
	struct flow_show *show = arg;
	struct nlattr *tb[IOTGW_A_MAX + 1];
	struct nlattr *fa[IOTGW_FLOW_A_MAX + 1];
	char client[INET6_ADDRSTRLEN], server[INET6_ADDRSTRLEN];
	const char *id = "", *state_word;
	unsigned int cport, sport, level, state, idle;
	struct json_object *obj;
	size_t alen;
	int family;

	if (iotgw_nl_parse_policy(reply, tb, IOTGW_A_MAX, top_policy) < 0 ||
	    !tb[IOTGW_A_FLOW] ||
	    nla_parse_nested(fa, IOTGW_FLOW_A_MAX, tb[IOTGW_A_FLOW],
			     flow_policy) < 0 ||
	    !fa[IOTGW_FLOW_A_FAMILY] || !fa[IOTGW_FLOW_A_CLIENT] ||
	    !fa[IOTGW_FLOW_A_SERVER] || !fa[IOTGW_FLOW_A_CLIENT_PORT] ||
	    !fa[IOTGW_FLOW_A_SERVER_PORT])
		return -1;
	family = nla_get_u8(fa[IOTGW_FLOW_A_FAMILY]);
	if (family != AF_INET && family != AF_INET6)
		return -1;
	alen = family == AF_INET ? 4 : 16;
	if ((size_t)nla_len(fa[IOTGW_FLOW_A_CLIENT]) != alen ||
	    (size_t)nla_len(fa[IOTGW_FLOW_A_SERVER]) != alen ||
	    !inet_ntop(family, nla_data(fa[IOTGW_FLOW_A_CLIENT]), client,
		       sizeof(client)) ||
	    !inet_ntop(family, nla_data(fa[IOTGW_FLOW_A_SERVER]), server,
		       sizeof(server)))
		return -1;
	cport = nla_get_u16(fa[IOTGW_FLOW_A_CLIENT_PORT]);
	sport = nla_get_u16(fa[IOTGW_FLOW_A_SERVER_PORT]);
	level = fa[IOTGW_FLOW_A_LEVEL] ? nla_get_u8(fa[IOTGW_FLOW_A_LEVEL]) : 0;
	if (fa[IOTGW_FLOW_A_CLIENT_ID])
		id = nla_get_string(fa[IOTGW_FLOW_A_CLIENT_ID]);
	state = fa[IOTGW_FLOW_A_STATE] ? nla_get_u8(fa[IOTGW_FLOW_A_STATE]) :
					 IOTGW_FLOW_TRACKING;
	state_word = word_name(state_words, (int)state);
	idle = fa[IOTGW_FLOW_A_IDLE_MS] ? nla_get_u32(fa[IOTGW_FLOW_A_IDLE_MS]) : 0;

	if (!show->array) {
		if (family == AF_INET)
			printf("flow %s:%u -> %s:%u", client, cport, server,
			       sport);
		else
			printf("flow [%s]:%u -> [%s]:%u", client, cport,
			       server, sport);
		printf(" mqtt %u client ", level);
		print_wire_string(stdout, id);
		if (state_word)
			printf(" state %s", state_word);
		else
			printf(" state %u", state);
		printf(" publishes %llu bytes %llu idle %ums\n",
		       (unsigned long long)get_u64(fa[IOTGW_FLOW_A_PUBLISHES]),
		       (unsigned long long)get_u64(fa[IOTGW_FLOW_A_BYTES]),
		       idle);
		return 0;
	}
	obj = json_object_new_object();
	if (!obj)
		return 0;	/* out of memory: json_print() says so */
	json_add_str(obj, "family", family == AF_INET ? "inet" : "inet6");
	json_add_str(obj, "client", client);
	json_add_u64(obj, "client-port", cport);
	json_add_str(obj, "server", server);
	json_add_u64(obj, "server-port", sport);
	json_add_u64(obj, "level", level);
	json_add(obj, "client-id", json_wire_string(id));
	if (state_word)
		json_add_str(obj, "state", state_word);
	else
		json_add_u64(obj, "state", state);
	json_add_u64(obj, "publishes", get_u64(fa[IOTGW_FLOW_A_PUBLISHES]));
	json_add_u64(obj, "bytes", get_u64(fa[IOTGW_FLOW_A_BYTES]));
	json_add_u64(obj, "idle-ms", idle);
	if (json_object_array_add(show->array, obj) < 0)
		json_object_put(obj);
	return 0;
}

static int flow_show(int argc, char **argv)
{
	struct flow_show show = { NULL };
	struct iotgw_nl *nl;
	struct nl_msg *msg;

	if (argc > 0)
		return iotgwctl_no_arguments("flow show", argv[0]);
	msg = iotgwctl_request(&nl, IOTGW_CMD_FLOW_GET, NLM_F_DUMP);
	if (!msg)
		return IOTGWCTL_FAIL;
	return iotgwctl_show(nl, "flow show", msg, show_flow, &show, &show.array);
}

int do_flow(int argc, char **argv)
{
	if (argc == 0 || !strcmp(argv[0], "show"))
		return flow_show(argc ? argc - 1 : 0, argv + !!argc);
	if (!strcmp(argv[0], "help")) {
		printf("Usage: iotgwctl [ -j ] flow [ show ]\n");
		return IOTGWCTL_OK;
	}
	return iotgwctl_unknown_command("flow", argv[0]);
}
