// SPDX-License-Identifier: GPL-2.0
/* iotgwctl config: show the module version and the namespace's settings. */
#include <stdio.h>
#include <string.h>

#include <linux/iotgw.h>

#include "iotgwctl.h"

struct config_show {
	int version_only;
};

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
};

static int print_config(struct nl_msg *reply, void *arg)
{
	const struct config_show *show = arg;
	struct nlattr *tb[IOTGW_A_MAX + 1];
	struct nlattr *cfg[IOTGW_CONFIG_A_MAX + 1];
	size_t i;

	if (iotgw_nl_parse(reply, tb, IOTGW_A_MAX) < 0 ||
	    !tb[IOTGW_A_VERSION] || !tb[IOTGW_A_CONFIG])
		return -1;
	printf("%s %s\n", show->version_only ? "iotgw" : "version",
	       nla_get_string(tb[IOTGW_A_VERSION]));
	if (show->version_only)
		return 0;
	if (nla_parse_nested(cfg, IOTGW_CONFIG_A_MAX, tb[IOTGW_A_CONFIG],
			     NULL) < 0)
		return -1;
	for (i = 0; i < sizeof(config_fields) / sizeof(config_fields[0]); i++) {
		const struct nlattr *a = cfg[config_fields[i].attr];

		if (!a)
			continue;
		printf("%s %u\n", config_fields[i].name,
		       config_fields[i].bits == 16 ?
		       nla_get_u16((struct nlattr *)a) :
		       nla_get_u32((struct nlattr *)a));
	}
	return 0;
}

int config_show(int version_only)
{
	struct config_show show = { .version_only = version_only };
	struct iotgw_nl nl;
	struct nl_msg *msg;
	int err;

	if (iotgwctl_open(&nl))
		return IOTGWCTL_FAIL;
	msg = iotgw_nl_request(&nl, IOTGW_CMD_CONFIG_GET, 0);
	if (!msg) {
		iotgwctl_error("out of memory");
		iotgw_nl_close(&nl);
		return IOTGWCTL_FAIL;
	}
	err = iotgw_nl_transact(&nl, msg, print_config, &show);
	if (err)
		iotgwctl_error("%s: %s", version_only ? "version" : "config show",
			       nl.error);
	iotgw_nl_close(&nl);
	return err ? IOTGWCTL_FAIL : IOTGWCTL_OK;
}

int do_config(int argc, char **argv)
{
	if (argc > 0 && strcmp(argv[0], "show")) {
		iotgwctl_error("unknown config command \"%s\"; try \"iotgwctl help\"",
			       argv[0]);
		return IOTGWCTL_USAGE;
	}
	if (argc > 1) {
		iotgwctl_error("config show takes no arguments, got \"%s\"",
			       argv[1]);
		return IOTGWCTL_USAGE;
	}
	return config_show(0);
}
