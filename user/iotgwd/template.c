// SPDX-License-Identifier: GPL-2.0
/* Cloud topic templates: parse once, expand per message. */
#include "template.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const var_names[TEMPLATE_N_VARS] = {
	[TEMPLATE_TOPIC] = "topic",
	[TEMPLATE_GATEWAY] = "gateway",
	[TEMPLATE_PROTO] = "proto",
	[TEMPLATE_SRC] = "src",
	[TEMPLATE_PATH] = "path",
};

static int template_add(struct template *t, const char *literal, size_t len,
			enum template_var var)
{
	struct template_part *parts;
	struct template_part *p;

	parts = realloc(t->parts, (t->n_parts + 1) * sizeof(*parts));
	if (!parts)
		return -ENOMEM;
	t->parts = parts;
	p = &parts[t->n_parts];
	p->var = var;
	p->literal = NULL;
	if (literal) {
		p->literal = strndup(literal, len);
		if (!p->literal)
			return -ENOMEM;
	}
	t->n_parts++;
	return 0;
}

static int lookup_var(const char *name, size_t len, unsigned int vars)
{
	for (int i = 0; i < TEMPLATE_N_VARS; i++)
		if ((vars & TEMPLATE_VAR(i)) && strlen(var_names[i]) == len &&
		    !memcmp(var_names[i], name, len))
			return i;
	return -1;
}

/* "{topic}, {gateway}, {proto} or {src}": the placeholders of @vars. */
static void list_vars(unsigned int vars, char *buf, size_t len)
{
	unsigned int left = 0;
	size_t off = 0;

	for (int i = 0; i < TEMPLATE_N_VARS; i++)
		left += !!(vars & TEMPLATE_VAR(i));
	buf[0] = '\0';
	for (int i = 0; i < TEMPLATE_N_VARS && off < len; i++) {
		if (!(vars & TEMPLATE_VAR(i)))
			continue;
		left--;
		off += (size_t)snprintf(buf + off, len - off, "{%s}%s",
					var_names[i],
					left > 1 ? ", " : left ? " or " : "");
	}
}

int template_parse(const char *text, struct template *t, char *err,
		   size_t errlen)
{
	return template_parse_vars(text, TEMPLATE_RULE_VARS, t, err, errlen);
}

bool template_has(const struct template *t, enum template_var var)
{
	for (size_t i = 0; i < t->n_parts; i++)
		if (!t->parts[i].literal && t->parts[i].var == var)
			return true;
	return false;
}

int template_parse_vars(const char *text, unsigned int vars,
			struct template *t, char *err, size_t errlen)
{
	const char *s = text;
	int rc = 0;

	t->parts = NULL;
	t->n_parts = 0;
	if (!*text) {
		snprintf(err, errlen, "empty template");
		return -EINVAL;
	}
	while (*s && !rc) {
		size_t lit = strcspn(s, "{}");
		const char *end;
		int var;

		if (lit) {
			rc = template_add(t, s, lit, 0);
			s += lit;
			continue;
		}
		if (*s == '}') {
			snprintf(err, errlen, "\"}\" without \"{\"");
			rc = -EINVAL;
			break;
		}
		end = s + 1 + strcspn(s + 1, "{}");
		if (*end != '}') {
			snprintf(err, errlen, "unterminated placeholder \"%.*s\"",
				 (int)(end - s), s);
			rc = -EINVAL;
			break;
		}
		var = lookup_var(s + 1, (size_t)(end - s - 1), vars);
		if (var < 0) {
			char allowed[80];

			list_vars(vars, allowed, sizeof(allowed));
			snprintf(err, errlen,
				 "unknown placeholder \"%.*s\" (use %s)",
				 (int)(end - s + 1), s, allowed);
			rc = -EINVAL;
			break;
		}
		rc = template_add(t, NULL, 0, (enum template_var)var);
		s = end + 1;
	}
	if (rc == -ENOMEM)
		snprintf(err, errlen, "out of memory");
	if (rc)
		template_free(t);
	return rc;
}

void template_free(struct template *t)
{
	for (size_t i = 0; i < t->n_parts; i++)
		free(t->parts[i].literal);
	free(t->parts);
	t->parts = NULL;
	t->n_parts = 0;
}

static const char *part_text(const struct template_part *p,
			     const struct template_vars *v)
{
	if (p->literal)
		return p->literal;
	return v->value[p->var] ? v->value[p->var] : "";
}

char *template_expand(const struct template *t, const struct template_vars *v)
{
	size_t len = 0, off = 0;
	char *out;

	for (size_t i = 0; i < t->n_parts; i++)
		len += strlen(part_text(&t->parts[i], v));
	out = malloc(len + 1);
	if (!out)
		return NULL;
	for (size_t i = 0; i < t->n_parts; i++) {
		const char *s = part_text(&t->parts[i], v);
		size_t n = strlen(s);

		memcpy(out + off, s, n);
		off += n;
	}
	out[off] = '\0';
	return out;
}
