// SPDX-License-Identifier: GPL-2.0
/* iotgwctl config: the module version and the namespace's settings. */
#include <stdio.h>
#include <string.h>

#include <linux/iotgw.h>

#include "iotgwctl.h"
#include "json.h"
#include "parse.h"

static const struct {
	int attr;
	int bits;
	const char *name;
} config_fields[] = {
	{ IOTGW_CONFIG_A_COAP_PORT, 16, "coap-port" },
	{ IOTGW_CONFIG_A_MQTT_PORT, 16, "mqtt-port" },
	{ IOTGW_CONFIG_A_MAX_RULES, 32, "max-rules" },
	{ IOTGW_CONFIG_A_FLOW_MAX, 32, "flow-max" },
	{ IOTGW_CONFIG_A_FLOW_IDLE_MS, 32, "flow-idle-ms" },
	{ IOTGW_CONFIG_A_QUEUE_MAX_BYTES, 32, "queue-max-bytes" },
	{ IOTGW_CONFIG_A_QUEUE_MAX_MSGS, 32, "queue-max-msgs" },
	{ IOTGW_CONFIG_A_EVENT_RATE, 32, "event-rate" },
	{ IOTGW_CONFIG_A_QUEUE_TTL_MS, 32, "queue-ttl-ms" },
	{ IOTGW_CONFIG_A_QUEUE_BUSY_MAX_AGE, 32, "queue-busy-max-age" },
	{ IOTGW_CONFIG_A_DEDUP_MAX, 32, "dedup-max" },
	{ IOTGW_CONFIG_A_COAP_ACK_TIMEOUT_MS, 32, "coap-ack-timeout-ms" },
	{ IOTGW_CONFIG_A_COAP_ACK_RANDOM_FACTOR, 32, "coap-ack-random-factor" },
	{ IOTGW_CONFIG_A_COAP_MAX_RETRANSMIT, 32, "coap-max-retransmit" },
	{ IOTGW_CONFIG_A_COAP_NSTART, 32, "coap-nstart" },
	{ IOTGW_CONFIG_A_COAP_REQUESTS_MAX, 32, "coap-requests-max" },
	{ IOTGW_CONFIG_A_DEVICE_MAX, 32, "device-max" },
	{ IOTGW_CONFIG_A_CONFIRM_TIMEOUT_MS, 32, "confirm-timeout-ms" },
	{ IOTGW_CONFIG_A_QUEUE_BATCH, 32, "queue-batch" },
};

#define N_CONFIG_FIELDS (sizeof(config_fields) / sizeof(config_fields[0]))

static struct nla_policy top_policy[IOTGW_A_MAX + 1] = {
	[IOTGW_A_VERSION] = { .type = NLA_STRING },
	[IOTGW_A_CONFIG] = { .type = NLA_NESTED },
};

static struct nla_policy config_policy[IOTGW_CONFIG_A_MAX + 1] = {
	[IOTGW_CONFIG_A_COAP_PORT] = { .type = NLA_U16 },
	[IOTGW_CONFIG_A_MQTT_PORT] = { .type = NLA_U16 },
	[IOTGW_CONFIG_A_MAX_RULES] = { .type = NLA_U32 },
	[IOTGW_CONFIG_A_FLOW_MAX] = { .type = NLA_U32 },
	[IOTGW_CONFIG_A_FLOW_IDLE_MS] = { .type = NLA_U32 },
	[IOTGW_CONFIG_A_QUEUE_MAX_BYTES] = { .type = NLA_U32 },
	[IOTGW_CONFIG_A_QUEUE_MAX_MSGS] = { .type = NLA_U32 },
	[IOTGW_CONFIG_A_EVENT_RATE] = { .type = NLA_U32 },
	[IOTGW_CONFIG_A_QUEUE_TTL_MS] = { .type = NLA_U32 },
	[IOTGW_CONFIG_A_QUEUE_BUSY_MAX_AGE] = { .type = NLA_U32 },
	[IOTGW_CONFIG_A_DEDUP_MAX] = { .type = NLA_U32 },
	[IOTGW_CONFIG_A_COAP_ACK_TIMEOUT_MS] = { .type = NLA_U32 },
	[IOTGW_CONFIG_A_COAP_ACK_RANDOM_FACTOR] = { .type = NLA_U32 },
	[IOTGW_CONFIG_A_COAP_MAX_RETRANSMIT] = { .type = NLA_U32 },
	[IOTGW_CONFIG_A_COAP_NSTART] = { .type = NLA_U32 },
	[IOTGW_CONFIG_A_COAP_REQUESTS_MAX] = { .type = NLA_U32 },
	[IOTGW_CONFIG_A_DEVICE_MAX] = { .type = NLA_U32 },
	[IOTGW_CONFIG_A_CONFIRM_TIMEOUT_MS] = { .type = NLA_U32 },
	[IOTGW_CONFIG_A_QUEUE_BATCH] = { .type = NLA_U32 },
};

struct config_show {
	bool version_only;
	struct json_object *json;
};

static int print_config(struct nl_msg *reply, void *arg)
{
	struct config_show *show = arg;
	struct nlattr *tb[IOTGW_A_MAX + 1];
	struct nlattr *cfg[IOTGW_CONFIG_A_MAX + 1];
	const char *version;
	size_t i;

	if (iotgw_nl_parse_policy(reply, tb, IOTGW_A_MAX, top_policy) < 0 ||
	    !tb[IOTGW_A_VERSION] || !tb[IOTGW_A_CONFIG])
		return -1;
	if (nla_parse_nested(cfg, IOTGW_CONFIG_A_MAX, tb[IOTGW_A_CONFIG],
			     config_policy) < 0)
		return -1;
	version = nla_get_string(tb[IOTGW_A_VERSION]);
	if (show->json) {
		json_add_str(show->json, show->version_only ? "iotgw" : "version",
			     version);
	} else {
		printf("%s %s\n", show->version_only ? "iotgw" : "version",
		       version);
	}
	if (show->version_only)
		return 0;
	for (i = 0; i < N_CONFIG_FIELDS; i++) {
		struct nlattr *a = cfg[config_fields[i].attr];
		uint32_t v;

		if (!a)
			continue;
		v = config_fields[i].bits == 16 ? nla_get_u16(a) :
						  nla_get_u32(a);
		if (show->json)
			json_add_u64(show->json, config_fields[i].name, v);
		else
			printf("%s %u\n", config_fields[i].name, v);
	}
	return 0;
}

int config_show(bool version_only)
{
	struct config_show show = { .version_only = version_only };
	struct iotgw_nl *nl;
	struct nl_msg *msg;
	int rc;

	if (!iotgwctl_json && version_only)
		printf("iotgwctl %s\n", IOTGWCTL_VERSION);
	msg = iotgwctl_request(&nl, IOTGW_CMD_CONFIG_GET, 0);
	if (!msg)
		return IOTGWCTL_FAIL;
	if (iotgwctl_json) {
		show.json = json_object_new_object();
		if (version_only)
			json_add_str(show.json, "iotgwctl", IOTGWCTL_VERSION);
	}
	rc = iotgwctl_transact(nl, version_only ? "version" : "config show",
			       msg, print_config, &show);
	if (rc) {
		json_object_put(show.json);
		return rc;
	}
	return iotgwctl_json ? json_print(show.json) : IOTGWCTL_OK;
}

static int config_set(int argc, char **argv)
{
	uint32_t values[N_CONFIG_FIELDS];
	bool given[N_CONFIG_FIELDS] = { false };
	struct nlattr *nest;
	struct iotgw_nl *nl;
	struct nl_msg *msg;
	size_t i;
	int a;

	if (argc == 0) {
		iotgwctl_error("config set: missing KEY VALUE; try \"iotgwctl help\"");
		return IOTGWCTL_USAGE;
	}
	for (a = 0; a < argc; a += 2) {
		const char *key = argv[a], *val = argv[a + 1];
		uint16_t port;
		int err;

		for (i = 0; i < N_CONFIG_FIELDS; i++)
			if (!strcmp(key, config_fields[i].name))
				break;
		if (i == N_CONFIG_FIELDS) {
			iotgwctl_error("config set: \"%s\" is not a key; try \"iotgwctl help\"",
				       key);
			return IOTGWCTL_USAGE;
		}
		if (given[i]) {
			iotgwctl_error("config set: \"%s\" is given twice", key);
			return IOTGWCTL_USAGE;
		}
		if (a + 1 >= argc) {
			iotgwctl_error("config set: missing value after \"%s\"",
				       key);
			return IOTGWCTL_USAGE;
		}
		if (config_fields[i].bits == 16) {
			err = parse_port(val, &port);
			values[i] = port;
		} else {
			err = parse_u32(val, &values[i]);
		}
		if (err) {
			iotgwctl_error("config set: \"%s\" for %s is not %s", val,
				       key, config_fields[i].bits == 16 ?
				       "a port number (1-65535)" :
				       "a 32-bit number");
			return IOTGWCTL_USAGE;
		}
		given[i] = true;
	}

	msg = iotgwctl_request(&nl, IOTGW_CMD_CONFIG_SET, 0);
	if (!msg)
		return IOTGWCTL_FAIL;
	nest = nla_nest_start(msg, IOTGW_A_CONFIG);
	if (!nest)
		goto nomem;
	for (i = 0; i < N_CONFIG_FIELDS; i++) {
		int err;

		if (!given[i])
			continue;
		err = config_fields[i].bits == 16 ?
		      nla_put_u16(msg, config_fields[i].attr, (uint16_t)values[i]) :
		      nla_put_u32(msg, config_fields[i].attr, values[i]);
		if (err < 0)
			goto nomem;
	}
	nla_nest_end(msg, nest);
	return iotgwctl_transact(nl, "config set", msg, NULL, NULL);

nomem:
	nlmsg_free(msg);
	iotgwctl_error("config set: out of memory");
	return IOTGWCTL_FAIL;
}

int do_config(int argc, char **argv)
{
	if (argc == 0 || !strcmp(argv[0], "show")) {
		if (argc > 1)
			return iotgwctl_no_arguments("config show", argv[1]);
		return config_show(false);
	}
	if (!strcmp(argv[0], "set"))
		return config_set(argc - 1, argv + 1);
	if (!strcmp(argv[0], "help")) {
		printf("Usage: iotgwctl config [ show ]\n"
		       "       iotgwctl config set KEY VALUE [ KEY VALUE ... ]\n"
		       "where  KEY := { coap-port | mqtt-port | max-rules | flow-max |\n"
		       "                flow-idle-ms | queue-max-bytes | queue-max-msgs |\n"
		       "                event-rate | queue-ttl-ms | queue-busy-max-age |\n"
		       "                dedup-max | coap-ack-timeout-ms |\n"
		       "                coap-ack-random-factor | coap-max-retransmit |\n"
		       "                coap-nstart | coap-requests-max | device-max }\n");
		return IOTGWCTL_OK;
	}
	return iotgwctl_unknown_command("config", argv[0]);
}
