/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Cloud topic templates: text with the placeholders {topic} (the sensor's
 * topic), {gateway} (the gateway id), {proto} (coap or mqtt) and {src}
 * (the sensor's address); a command's reply topic has {gateway} and
 * {path} (the command's path) instead. Parsed once when the configuration
 * is read, so that an unknown placeholder is a configuration error;
 * expanded for every message.
 */
#ifndef IOTGWD_TEMPLATE_H
#define IOTGWD_TEMPLATE_H

#include <stdbool.h>
#include <stddef.h>

enum template_var {
	TEMPLATE_TOPIC,
	TEMPLATE_GATEWAY,
	TEMPLATE_PROTO,
	TEMPLATE_SRC,
	TEMPLATE_PATH,
	TEMPLATE_N_VARS
};

#define TEMPLATE_VAR(v)		(1U << (v))
/* What a rule's cloud topic may hold. */
#define TEMPLATE_RULE_VARS	(TEMPLATE_VAR(TEMPLATE_TOPIC) | \
				 TEMPLATE_VAR(TEMPLATE_GATEWAY) | \
				 TEMPLATE_VAR(TEMPLATE_PROTO) | \
				 TEMPLATE_VAR(TEMPLATE_SRC))

struct template_part {
	char *literal;		/* NULL: the placeholder @var */
	enum template_var var;
};

struct template {
	struct template_part *parts;
	size_t n_parts;
};

/* The values of the placeholders for one message. */
struct template_vars {
	const char *value[TEMPLATE_N_VARS];
};

/*
 * Parse @text into @t, with the placeholders of TEMPLATE_RULE_VARS.
 * Returns 0, -EINVAL with the reason in @err (an empty template, an
 * unknown or unterminated placeholder, a stray "}") or -ENOMEM.
 */
int template_parse(const char *text, struct template *t, char *err,
		   size_t errlen);
/* The same with the placeholders in @vars (TEMPLATE_VAR() bits). */
int template_parse_vars(const char *text, unsigned int vars,
			struct template *t, char *err, size_t errlen);
/* Whether @t holds the placeholder @var. */
bool template_has(const struct template *t, enum template_var var);
void template_free(struct template *t);

/* The expanded text (malloc'd), or NULL when out of memory. */
char *template_expand(const struct template *t, const struct template_vars *v);

#endif /* IOTGWD_TEMPLATE_H */
