/* SPDX-License-Identifier: GPL-2.0 */
/*
 * iotgwd's configuration file, read with inih: one [gateway] section, one
 * [broker NAME] per cloud broker, one [rule NAME] per kernel rule, one
 * [device NAME] per CoAP device commands are sent to by path. The
 * whole file is checked before anything uses it; the first error is
 * reported as "FILE:LINE: SECTION: what is wrong".
 */
#ifndef IOTGWD_CONFIG_H
#define IOTGWD_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "coap_text.h"
#include "spool.h"
#include "template.h"

#define CONFIG_DEFAULT_CREDIT		256
#define CONFIG_DEFAULT_RETRY_MS		30000
#define CONFIG_DEFAULT_PORT		1883
#define CONFIG_DEFAULT_TLS_PORT		8883
#define CONFIG_DEFAULT_KEEPALIVE	30
#define CONFIG_DEFAULT_DEVICE_PORT	5683
#define CONFIG_DEFAULT_COMMANDS_MAX	256
#define CONFIG_DEFAULT_SPOOL_MAX_BYTES	(64ULL << 20)
#define CONFIG_DEFAULT_SPOOL_MAX_AGE_S	(7 * 24 * 3600)
#define CONFIG_DEFAULT_SPOOL_SYNC_MS	200
#define CONFIG_SPOOL_SYNC_MS_MAX	2000
#define CONFIG_DEFAULT_SPOOL_SYNC_COUNT	256
#define CONFIG_DEFAULT_SPOOL_DRAIN_RATE	100

/* MQTT protocol versions, as libmosquitto numbers them. */
#define CONFIG_MQTT_311	4
#define CONFIG_MQTT_5	5

struct broker_cfg {
	char *name;
	unsigned int line;		/* of its [broker NAME] line */
	char *host;
	int port;
	int mqtt_version;		/* CONFIG_MQTT_311 or CONFIG_MQTT_5 */
	char *client_id;
	int keepalive;			/* seconds */
	char *username;			/* NULL: none */
	char *password_file;
	char *password;			/* read from password_file */
	char *ca_file;			/* set: TLS */
	char *cert_file;
	char *key_file;
	bool clean_start;
	/* Commands from the cloud to the devices; no command_topic: none. */
	char *command_topic;		/* the filter as written */
	char *command_filter;		/* with {gateway} expanded */
	unsigned int command_levels;	/* of the filter before its "#" */
	char *reply_topic;		/* the template's text, NULL: none */
	struct template reply_tmpl;
	uint8_t command_method;		/* enum coap_text_method */
	uint32_t command_timeout_ms;	/* 0: the kernel's deadline */
	bool command_confirmable;
};

struct rule_cfg {
	char *name;
	unsigned int line;		/* of its [rule NAME] line */
	char *filter;
	uint8_t proto;			/* enum iotgw_proto */
	uint8_t action;			/* IOTGW_ACTION_CAPTURE or _INGEST */
	int qos;			/* 0 to 2, or -1: the message's own */
	int confirm;			/* enum iotgw_confirm, -1: not given */
	size_t broker;			/* index into config.brokers */
	char *topic;			/* the cloud topic template's text */
	struct template tmpl;
	enum spool_full_policy spool_full;
};

/* Commands whose path matches @path go to @addr. */
struct device_cfg {
	char *name;
	unsigned int line;		/* of its [device NAME] line */
	char *path;			/* a topic filter over command paths */
	char *address;			/* as written */
	struct coap_address addr;
};

/* [spool]: no path, no spool. */
struct spool_cfg {
	char *path;
	struct spool_limits lim;
	uint32_t drain_rate;		/* rows a second, per broker */
};

struct config {
	char *path;
	char *gateway_id;
	uint32_t credit;
	uint32_t retry_ms;
	struct broker_cfg *brokers;
	size_t n_brokers;
	struct rule_cfg *rules;		/* in file order */
	size_t n_rules;
	struct rule_cfg **rules_by_name; /* sorted, for config_find_rule() */
	struct device_cfg *devices;	/* in file order */
	size_t n_devices;
	int device_port;		/* for table devices; 0: theirs */
	uint32_t commands_max;		/* pending at once */
	struct spool_cfg spool;
};

/*
 * Read and check @path. Returns 0 and *cfg, or -EINVAL (a configuration
 * error) or -ENOMEM with the message in @err, starting with the file name
 * (and the line when there is one).
 */
int config_load(const char *path, struct config **cfg, char *err,
		size_t errlen);
void config_free(struct config *cfg);

const struct rule_cfg *config_find_rule(const struct config *cfg,
					const char *name);
const struct broker_cfg *config_find_broker(const struct config *cfg,
					    const char *name);

/*
 * Whether two brokers are configured alike (a reload keeps the session);
 * the command settings do not count.
 */
bool broker_cfg_equal(const struct broker_cfg *a, const struct broker_cfg *b);
/* Whether two rules ask the kernel for the same thing. */
bool rule_cfg_kernel_equal(const struct rule_cfg *a, const struct rule_cfg *b);

#endif /* IOTGWD_CONFIG_H */
