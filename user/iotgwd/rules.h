/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The configuration's rules in the kernel: IOTGW_CMD_RULE_NEW with
 * IOTGW_A_REPLACE for each (NAME, FILTER, PROTO, ACTION, QOS), and on a
 * reload IOTGW_CMD_RULE_DEL for those loaded before and gone from the
 * configuration. The names loaded in this run are remembered for that.
 */
#ifndef IOTGWD_RULES_H
#define IOTGWD_RULES_H

#include <stddef.h>

#include "config.h"
#include "iotgw_nl.h"

struct rule_names {
	char **names;
	size_t n;
};

void rule_names_free(struct rule_names *names);

/*
 * Load every rule of @cfg. Returns 0, or a negative errno with, in @err,
 * the rule and the kernel's reason.
 */
int rules_load(struct iotgw_nl *nl, const struct config *cfg,
	       struct rule_names *loaded, char *err, size_t errlen);

/*
 * Go from @old to @cfg: load the rules that are new or changed, then
 * delete the ones in @loaded that @cfg no longer has. Stops at the first
 * refusal.
 */
int rules_update(struct iotgw_nl *nl, const struct config *old,
		 const struct config *cfg, struct rule_names *loaded,
		 char *err, size_t errlen);

#endif /* IOTGWD_RULES_H */
