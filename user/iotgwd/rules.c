// SPDX-License-Identifier: GPL-2.0
/* The configuration's rules, loaded into and deleted from the kernel. */
#include "rules.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <linux/iotgw.h>

#include "log.h"

void rule_names_free(struct rule_names *names)
{
	for (size_t i = 0; i < names->n; i++)
		free(names->names[i]);
	free(names->names);
	names->names = NULL;
	names->n = 0;
}

static bool rule_names_has(const struct rule_names *names, const char *name)
{
	for (size_t i = 0; i < names->n; i++)
		if (!strcmp(names->names[i], name))
			return true;
	return false;
}

static int rule_names_add(struct rule_names *names, const char *name)
{
	char **bigger;

	if (rule_names_has(names, name))
		return 0;
	bigger = realloc(names->names, (names->n + 1) * sizeof(*bigger));
	if (!bigger)
		return -ENOMEM;
	names->names = bigger;
	names->names[names->n] = strdup(name);
	if (!names->names[names->n])
		return -ENOMEM;
	names->n++;
	return 0;
}

static void rule_names_remove(struct rule_names *names, size_t i)
{
	free(names->names[i]);
	names->names[i] = names->names[--names->n];
}

/* RULE_NEW { NAME, FILTER, PROTO, ACTION[, QOS][, CONFIRM, HOOK IN] }, REPLACE. */
static int rule_replace(struct iotgw_nl *nl, const struct rule_cfg *r,
			char *err, size_t errlen)
{
	struct nl_msg *msg = iotgw_nl_request(nl, IOTGW_CMD_RULE_NEW, 0);
	struct nlattr *nest;
	int rc;

	if (!msg)
		goto nomem;
	nest = nla_nest_start(msg, IOTGW_A_RULE);
	if (!nest ||
	    nla_put_string(msg, IOTGW_RULE_A_NAME, r->name) < 0 ||
	    nla_put_string(msg, IOTGW_RULE_A_FILTER, r->filter) < 0 ||
	    nla_put_u8(msg, IOTGW_RULE_A_PROTO, r->proto) < 0 ||
	    nla_put_u8(msg, IOTGW_RULE_A_ACTION, r->action) < 0 ||
	    (r->qos >= 0 &&
	     nla_put_u8(msg, IOTGW_RULE_A_QOS, (uint8_t)r->qos) < 0) ||
	    (r->confirm >= 0 &&
	     nla_put_u8(msg, IOTGW_RULE_A_CONFIRM, (uint8_t)r->confirm) < 0) ||
	    /* a separate response's ACK comes back to the gateway itself */
	    (r->confirm > IOTGW_CONFIRM_ADMIT &&
	     nla_put_u8(msg, IOTGW_RULE_A_HOOK, IOTGW_HOOK_IN) < 0)) {
		nlmsg_free(msg);
		goto nomem;
	}
	nla_nest_end(msg, nest);
	if (nla_put_flag(msg, IOTGW_A_REPLACE) < 0) {
		nlmsg_free(msg);
		goto nomem;
	}
	rc = iotgw_nl_transact(nl, msg, NULL, NULL);
	if (rc)
		snprintf(err, errlen, "rule \"%s\": the kernel refused it: %s",
			 r->name, nl->error);
	return rc;
nomem:
	snprintf(err, errlen, "rule \"%s\": out of memory", r->name);
	return -ENOMEM;
}

static int rule_delete(struct iotgw_nl *nl, const char *name, char *err,
		       size_t errlen)
{
	struct nl_msg *msg = iotgw_nl_request(nl, IOTGW_CMD_RULE_DEL, 0);
	struct nlattr *nest = msg ? nla_nest_start(msg, IOTGW_A_RULE) : NULL;
	int rc;

	if (!nest || nla_put_string(msg, IOTGW_RULE_A_NAME, name) < 0) {
		nlmsg_free(msg);
		snprintf(err, errlen, "rule \"%s\": out of memory", name);
		return -ENOMEM;
	}
	nla_nest_end(msg, nest);
	rc = iotgw_nl_transact(nl, msg, NULL, NULL);
	if (rc == -ENOENT)
		return 0;	/* gone already (iotgwctl rule del) */
	if (rc)
		snprintf(err, errlen,
			 "rule \"%s\": the kernel refused to delete it: %s",
			 name, nl->error);
	return rc;
}

static int load_one(struct iotgw_nl *nl, const struct rule_cfg *r,
		    struct rule_names *loaded, char *err, size_t errlen)
{
	int rc = rule_replace(nl, r, err, errlen);

	if (rc)
		return rc;
	if (rule_names_add(loaded, r->name) < 0) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	log_verbose("rule \"%s\" loaded: filter \"%s\"", r->name, r->filter);
	return 0;
}

int rules_load(struct iotgw_nl *nl, const struct config *cfg,
	       struct rule_names *loaded, char *err, size_t errlen)
{
	for (size_t i = 0; i < cfg->n_rules; i++) {
		int rc = load_one(nl, &cfg->rules[i], loaded, err, errlen);

		if (rc)
			return rc;
	}
	return 0;
}

int rules_update(struct iotgw_nl *nl, const struct config *old,
		 const struct config *cfg, struct rule_names *loaded,
		 char *err, size_t errlen)
{
	for (size_t i = 0; i < cfg->n_rules; i++) {
		const struct rule_cfg *r = &cfg->rules[i];
		const struct rule_cfg *was = config_find_rule(old, r->name);
		int rc;

		if (was && rule_cfg_kernel_equal(was, r) &&
		    rule_names_has(loaded, r->name))
			continue;
		rc = load_one(nl, r, loaded, err, errlen);
		if (rc)
			return rc;
	}
	for (size_t i = 0; i < loaded->n;) {
		const char *name = loaded->names[i];
		int rc;

		if (config_find_rule(cfg, name)) {
			i++;
			continue;
		}
		rc = rule_delete(nl, name, err, errlen);
		if (rc)
			return rc;
		log_info("rule \"%s\" deleted: no longer in %s", name,
			 cfg->path);
		rule_names_remove(loaded, i);
	}
	return 0;
}
