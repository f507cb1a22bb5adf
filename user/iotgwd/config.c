// SPDX-License-Identifier: GPL-2.0
/*
 * iotgwd's configuration file. inih splits the file into keys and values;
 * its reader callback (config_reader) counts lines, so that every error
 * names its line, and sees the [section] lines, which inih does not report
 * when a section has no keys, so that empty and duplicate sections are
 * found too. Nothing of the configuration is used before the whole file
 * was read and checked. The command keys of [broker NAME] and the
 * [device NAME] sections are the downlink's (downlink.h).
 */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <ini.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <linux/iotgw.h>

#include "proto/topic.h"
#include "topic_match.h"

#define SECTION_NAME_MAX	50	/* inih's INI_MAX_SECTION */
#define FILTER_LEVELS_MAX	32
#define PASSWORD_MAX		65535	/* MQTT's limit */

enum section_kind {
	SECTION_NONE,		/* before the first [section] */
	SECTION_SKIP,		/* a bad section: its keys are ignored */
	SECTION_GATEWAY,
	SECTION_BROKER,
	SECTION_RULE,
	SECTION_DEVICE,
	SECTION_SPOOL,
};

enum gateway_key {
	GW_ID, GW_CREDIT, GW_RETRY_MS, GW_DEVICE_PORT, GW_COMMANDS_MAX,
	GW_N_KEYS
};

enum broker_key {
	BK_HOST, BK_PORT, BK_MQTT, BK_CLIENT_ID, BK_KEEPALIVE, BK_USERNAME,
	BK_PASSWORD_FILE, BK_CA_FILE, BK_CERT_FILE, BK_KEY_FILE,
	BK_CLEAN_START, BK_COMMAND_TOPIC, BK_REPLY_TOPIC, BK_COMMAND_METHOD,
	BK_COMMAND_TIMEOUT_MS, BK_COMMAND_CONFIRMABLE, BK_N_KEYS
};

enum rule_key {
	RK_FILTER, RK_PROTO, RK_ACTION, RK_QOS, RK_BROKER, RK_TOPIC,
	RK_SPOOL_FULL, RK_CONFIRM, RK_N_KEYS
};

enum device_key { DK_PATH, DK_ADDRESS, DK_N_KEYS };

enum spool_key {
	SK_PATH, SK_MAX_BYTES, SK_MAX_AGE, SK_SYNC_INTERVAL_MS, SK_SYNC_COUNT,
	SK_DRAIN_RATE, SK_N_KEYS
};

#define KEYS_MAX BK_N_KEYS

static const char *const gateway_keys[GW_N_KEYS] = {
	[GW_ID] = "id", [GW_CREDIT] = "credit", [GW_RETRY_MS] = "retry-ms",
	[GW_DEVICE_PORT] = "device-port", [GW_COMMANDS_MAX] = "commands-max",
};

static const char *const broker_keys[BK_N_KEYS] = {
	[BK_HOST] = "host", [BK_PORT] = "port", [BK_MQTT] = "mqtt",
	[BK_CLIENT_ID] = "client-id", [BK_KEEPALIVE] = "keepalive",
	[BK_USERNAME] = "username", [BK_PASSWORD_FILE] = "password-file",
	[BK_CA_FILE] = "ca-file", [BK_CERT_FILE] = "cert-file",
	[BK_KEY_FILE] = "key-file", [BK_CLEAN_START] = "clean-start",
	[BK_COMMAND_TOPIC] = "command-topic", [BK_REPLY_TOPIC] = "reply-topic",
	[BK_COMMAND_METHOD] = "command-method",
	[BK_COMMAND_TIMEOUT_MS] = "command-timeout-ms",
	[BK_COMMAND_CONFIRMABLE] = "command-confirmable",
};

static const char *const rule_keys[RK_N_KEYS] = {
	[RK_FILTER] = "filter", [RK_PROTO] = "proto", [RK_ACTION] = "action",
	[RK_QOS] = "qos", [RK_BROKER] = "broker", [RK_TOPIC] = "topic",
	[RK_SPOOL_FULL] = "spool-full", [RK_CONFIRM] = "confirm",
};

static const char *const device_keys[DK_N_KEYS] = {
	[DK_PATH] = "path", [DK_ADDRESS] = "address",
};

static const char *const spool_keys[SK_N_KEYS] = {
	[SK_PATH] = "path", [SK_MAX_BYTES] = "max-bytes",
	[SK_MAX_AGE] = "max-age", [SK_SYNC_INTERVAL_MS] = "sync-interval-ms",
	[SK_SYNC_COUNT] = "sync-count", [SK_DRAIN_RATE] = "drain-rate",
};

/* The line each key of a section was given on, 0 when it was not. */
struct key_lines {
	unsigned int line[KEYS_MAX];
};

/* What a rule or broker section needs until the file is checked. */
struct section_extra {
	struct key_lines keys;
	char *broker_name;	/* rules: the broker key's value */
};

struct parser {
	FILE *file;
	struct config *cfg;
	unsigned int lineno;
	bool indented;		/* the current line starts with a blank */
	enum section_kind kind;
	size_t index;		/* of the current broker or rule */
	char prev_key[64];	/* the section's last key, "" after [section] */
	unsigned int gateway_line;	/* 0: no [gateway] yet */
	struct key_lines gateway_keys;
	unsigned int spool_line;	/* 0: no [spool] */
	struct key_lines spool_keys;
	struct section_extra *broker_extra;
	struct section_extra *rule_extra;
	struct section_extra *device_extra;
	unsigned int err_line;	/* of the error in err, if failed */
	bool failed;
	bool out_of_memory;
	char *err;
	size_t errlen;
};

/* Record the first error: "PATH:LINE: message", or "PATH: message". */
static void __attribute__((format(printf, 3, 4)))
fail(struct parser *p, unsigned int line, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (p->failed)
		return;
	p->failed = true;
	p->err_line = line;
	if (line)
		n = snprintf(p->err, p->errlen, "%s:%u: ", p->cfg->path, line);
	else
		n = snprintf(p->err, p->errlen, "%s: ", p->cfg->path);
	if (n < 0 || (size_t)n >= p->errlen)
		return;
	va_start(ap, fmt);
	vsnprintf(p->err + n, p->errlen - (size_t)n, fmt, ap);
	va_end(ap);
}

static void fail_nomem(struct parser *p)
{
	fail(p, 0, "out of memory");
	p->out_of_memory = true;
}

/* "gateway", "broker "NAME"", ...: how errors name a section. */
static void section_desc(const struct parser *p, enum section_kind kind,
			 size_t index, char *buf, size_t len)
{
	if (kind == SECTION_BROKER)
		snprintf(buf, len, "broker \"%s\"", p->cfg->brokers[index].name);
	else if (kind == SECTION_RULE)
		snprintf(buf, len, "rule \"%s\"", p->cfg->rules[index].name);
	else if (kind == SECTION_DEVICE)
		snprintf(buf, len, "device \"%s\"", p->cfg->devices[index].name);
	else if (kind == SECTION_SPOOL)
		snprintf(buf, len, "spool");
	else
		snprintf(buf, len, "gateway");
}

/* fail() about a key or section: "PATH:LINE: SECTION: message". */
static void __attribute__((format(printf, 5, 6)))
fail_in(struct parser *p, unsigned int line, enum section_kind kind,
	size_t index, const char *fmt, ...)
{
	char desc[SECTION_NAME_MAX + 16];
	char msg[512];
	va_list ap;

	section_desc(p, kind, index, desc, sizeof(desc));
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	fail(p, line, "%s: %s", desc, msg);
}

#define fail_here(p, ...) \
	fail_in(p, (p)->lineno, (p)->kind, (p)->index, __VA_ARGS__)

/* Kernel rule names, and broker names likewise: [A-Za-z0-9_.-]{1,31}. */
static bool valid_name(const char *s)
{
	size_t len = strlen(s);

	if (len == 0 || len >= IOTGW_RULE_NAME_MAX)
		return false;
	return strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
		      "0123456789_.-") == len;
}

static int grow(void **array, size_t n, size_t size)
{
	void *bigger = realloc(*array, (n + 1) * size);

	if (!bigger)
		return -ENOMEM;
	*array = bigger;
	memset((char *)bigger + n * size, 0, size);
	return 0;
}

/* How many sections of @kind there are, the name and line of the i-th. */
static size_t named_sections(const struct config *cfg, enum section_kind kind)
{
	return kind == SECTION_BROKER ? cfg->n_brokers :
	       kind == SECTION_RULE ? cfg->n_rules : cfg->n_devices;
}

static void named_section(const struct config *cfg, enum section_kind kind,
			  size_t i, const char **name, unsigned int *line)
{
	if (kind == SECTION_BROKER) {
		*name = cfg->brokers[i].name;
		*line = cfg->brokers[i].line;
	} else if (kind == SECTION_RULE) {
		*name = cfg->rules[i].name;
		*line = cfg->rules[i].line;
	} else {
		*name = cfg->devices[i].name;
		*line = cfg->devices[i].line;
	}
}

/* A new [TYPE NAME] of @kind: broker, rule or device. */
static int add_named_section(struct parser *p, enum section_kind kind,
			     size_t n, const char *name)
{
	struct config *cfg = p->cfg;
	char **slot;

	if (kind == SECTION_BROKER) {
		if (grow((void **)&cfg->brokers, n, sizeof(*cfg->brokers)) ||
		    grow((void **)&p->broker_extra, n, sizeof(*p->broker_extra)))
			return -ENOMEM;
		cfg->brokers[n].line = p->lineno;
		slot = &cfg->brokers[n].name;
	} else if (kind == SECTION_RULE) {
		if (grow((void **)&cfg->rules, n, sizeof(*cfg->rules)) ||
		    grow((void **)&p->rule_extra, n, sizeof(*p->rule_extra)))
			return -ENOMEM;
		cfg->rules[n].line = p->lineno;
		cfg->rules[n].qos = -1;
		cfg->rules[n].confirm = -1;
		slot = &cfg->rules[n].name;
	} else {
		if (grow((void **)&cfg->devices, n, sizeof(*cfg->devices)) ||
		    grow((void **)&p->device_extra, n, sizeof(*p->device_extra)))
			return -ENOMEM;
		cfg->devices[n].line = p->lineno;
		slot = &cfg->devices[n].name;
	}
	*slot = strdup(name);
	if (!*slot)
		return -ENOMEM;
	if (kind == SECTION_BROKER)
		cfg->n_brokers++;
	else if (kind == SECTION_RULE)
		cfg->n_rules++;
	else
		cfg->n_devices++;
	return 0;
}

static void section_start_named(struct parser *p, enum section_kind kind,
				const char *type, const char *name)
{
	struct config *cfg = p->cfg;
	size_t n = named_sections(cfg, kind);

	if (!*name) {
		fail(p, p->lineno, "[%s] needs a name: [%s NAME]", type, type);
		return;
	}
	if (!valid_name(name)) {
		fail(p, p->lineno,
		     "%s \"%s\": a name is 1 to %d characters of A-Z a-z 0-9 _ . -",
		     type, name, IOTGW_RULE_NAME_MAX - 1);
		return;
	}
	for (size_t i = 0; i < n; i++) {
		const char *other;
		unsigned int line;

		named_section(cfg, kind, i, &other, &line);
		if (!strcmp(other, name)) {
			fail(p, p->lineno,
			     "duplicate section [%s %s] (first at line %u)",
			     type, name, line);
			return;
		}
	}
	if (add_named_section(p, kind, n, name)) {
		fail_nomem(p);
		return;
	}
	p->kind = kind;
	p->index = n;
}

/* A [section] line: @text (@len bytes) is what stands between the brackets. */
static void section_start(struct parser *p, const char *text, size_t len)
{
	char buf[SECTION_NAME_MAX];
	char *name, *end;

	p->kind = SECTION_SKIP;
	p->prev_key[0] = '\0';
	if (len >= sizeof(buf)) {
		fail(p, p->lineno, "section name longer than %zu characters",
		     sizeof(buf) - 1);
		return;
	}
	memcpy(buf, text, len);
	buf[len] = '\0';
	name = buf + strcspn(buf, " \t");
	if (*name)
		*name++ = '\0';
	name += strspn(name, " \t");
	end = name + strlen(name);
	while (end > name && (end[-1] == ' ' || end[-1] == '\t'))
		*--end = '\0';

	if (!strcmp(buf, "gateway")) {
		if (*name)
			fail(p, p->lineno, "[gateway] takes no name, got \"%s\"",
			     name);
		else if (p->gateway_line)
			fail(p, p->lineno,
			     "duplicate section [gateway] (first at line %u)",
			     p->gateway_line);
		else {
			p->gateway_line = p->lineno;
			p->kind = SECTION_GATEWAY;
		}
	} else if (!strcmp(buf, "spool")) {
		if (*name)
			fail(p, p->lineno, "[spool] takes no name, got \"%s\"",
			     name);
		else if (p->spool_line)
			fail(p, p->lineno,
			     "duplicate section [spool] (first at line %u)",
			     p->spool_line);
		else {
			p->spool_line = p->lineno;
			p->kind = SECTION_SPOOL;
		}
	} else if (!strcmp(buf, "broker")) {
		section_start_named(p, SECTION_BROKER, buf, name);
	} else if (!strcmp(buf, "rule")) {
		section_start_named(p, SECTION_RULE, buf, name);
	} else if (!strcmp(buf, "device")) {
		section_start_named(p, SECTION_DEVICE, buf, name);
	} else {
		fail(p, p->lineno,
		     "unknown section [%.*s] (use [gateway], [spool], [broker NAME], [rule NAME] or [device NAME])",
		     (int)len, text);
	}
}

/*
 * inih's reader: one line into @str. Counts lines, refuses a line inih
 * would cut in two, and spots [section] lines the way inih reads them
 * (an indented line after a key continues that key's value instead).
 */
static char *config_reader(char *str, int num, void *stream)
{
	struct parser *p = stream;
	const char *s, *end;
	size_t len;

	if (!fgets(str, num, p->file))
		return NULL;
	p->lineno++;
	len = strlen(str);
	if (len && str[len - 1] != '\n' && !feof(p->file)) {
		int c;

		fail(p, p->lineno, "line longer than %d characters", num - 2);
		do
			c = fgetc(p->file);
		while (c != EOF && c != '\n');
	}
	s = str;
	if (p->lineno == 1 && !strncmp(s, "\xEF\xBB\xBF", 3))
		s += 3;
	p->indented = *s == ' ' || *s == '\t';
	s += strspn(s, " \t\r\n\f\v");
	if (*s != '[' || (p->indented && p->prev_key[0]))
		return str;
	end = strchr(s, ']');
	if (!end)
		return str;		/* inih reports it */
	for (const char *c = s + 1; c < end; c++)
		if (*c == ';' && (c[-1] == ' ' || c[-1] == '\t'))
			return str;	/* a comment inside: inih reports it */
	section_start(p, s + 1, (size_t)(end - s - 1));
	return str;
}

/* Decimal only, no sign, no blanks: what a configuration number looks like. */
static bool parse_number(const char *s, unsigned long min, unsigned long max,
			 unsigned long *out)
{
	char *end;
	unsigned long v;

	if (*s < '0' || *s > '9')
		return false;
	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || *end || v < min || v > max)
		return false;
	*out = v;
	return true;
}

static bool number_key(struct parser *p, const char *key, const char *value,
		       unsigned long min, unsigned long max, unsigned long *out)
{
	if (parse_number(value, min, max, out))
		return true;
	fail_here(p, "\"%s\" for \"%s\" is not a number from %lu to %lu",
		  value, key, min, max);
	return false;
}

static bool bool_key(struct parser *p, const char *key, const char *value,
		     bool *out)
{
	static const char *const yes[] = { "true", "yes", "on", "1" };
	static const char *const no[] = { "false", "no", "off", "0" };

	for (size_t i = 0; i < 4; i++) {
		if (!strcasecmp(value, yes[i])) {
			*out = true;
			return true;
		}
		if (!strcasecmp(value, no[i])) {
			*out = false;
			return true;
		}
	}
	fail_here(p, "\"%s\" for \"%s\" is not a boolean (true or false, yes or no, on or off, 1 or 0)",
		  value, key);
	return false;
}

static bool string_key(struct parser *p, const char *value, char **out)
{
	free(*out);
	*out = strdup(value);
	if (!*out) {
		fail_nomem(p);
		return false;
	}
	return true;
}

static bool readable_file_key(struct parser *p, const char *key,
			      const char *value, char **out)
{
	if (access(value, R_OK) < 0) {
		fail_here(p, "%s \"%s\": %s", key, value, strerror(errno));
		return false;
	}
	return string_key(p, value, out);
}

/* The password: the file's content, one trailing newline stripped. */
static bool password_key(struct parser *p, struct broker_cfg *b,
			 const char *value)
{
	char *buf = NULL;
	size_t len;
	FILE *f;

	if (!string_key(p, value, &b->password_file))
		return false;
	f = fopen(value, "r");
	if (!f) {
		fail_here(p, "password-file \"%s\": %s", value, strerror(errno));
		return false;
	}
	buf = malloc(PASSWORD_MAX + 2);
	if (!buf) {
		fclose(f);
		fail_nomem(p);
		return false;
	}
	len = fread(buf, 1, PASSWORD_MAX + 2, f);
	if (ferror(f)) {
		fail_here(p, "password-file \"%s\": %s", value, strerror(errno));
		goto err;
	}
	if (len && buf[len - 1] == '\n')
		len--;
	if (len && buf[len - 1] == '\r')
		len--;
	if (len > PASSWORD_MAX) {
		fail_here(p, "password-file \"%s\": longer than %d bytes",
			  value, PASSWORD_MAX);
		goto err;
	}
	buf[len] = '\0';
	fclose(f);
	if (b->password) {
		explicit_bzero(b->password, strlen(b->password));
		free(b->password);
	}
	b->password = buf;
	return true;
err:
	explicit_bzero(buf, PASSWORD_MAX + 2);
	free(buf);
	fclose(f);
	return false;
}

static int find_key(const char *const *keys, int n, const char *name)
{
	for (int i = 0; i < n; i++)
		if (!strcmp(keys[i], name))
			return i;
	return -1;
}

static void gateway_key(struct parser *p, int key, const char *value)
{
	struct config *cfg = p->cfg;
	unsigned long v;
	enum topic_err terr;

	switch ((enum gateway_key)key) {
	case GW_ID:
		terr = topic_name_check(value, strlen(value));
		if (terr) {
			fail_here(p, "id \"%s\": %s", value, topic_err_str(terr));
			return;
		}
		string_key(p, value, &cfg->gateway_id);
		break;
	case GW_CREDIT:
		if (number_key(p, "credit", value, 1, 65536, &v))
			cfg->credit = (uint32_t)v;
		break;
	case GW_RETRY_MS:
		if (number_key(p, "retry-ms", value, 100, 600000, &v))
			cfg->retry_ms = (uint32_t)v;
		break;
	case GW_DEVICE_PORT:
		if (number_key(p, "device-port", value, 0, 65535, &v))
			cfg->device_port = (int)v;
		break;
	case GW_COMMANDS_MAX:
		if (number_key(p, "commands-max", value, 1, 65536, &v))
			cfg->commands_max = (uint32_t)v;
		break;
	case GW_N_KEYS:
		break;
	}
}

/* A template of @vars whose text between placeholders passes @check. */
static bool template_key(struct parser *p, const char *key, const char *value,
			 unsigned int vars,
			 enum topic_err (*check)(const char *, size_t),
			 struct template *t)
{
	char why[256];
	int err;

	template_free(t);
	err = template_parse_vars(value, vars, t, why, sizeof(why));
	if (err == -ENOMEM) {
		fail_nomem(p);
		return false;
	}
	if (err) {
		fail_here(p, "%s \"%s\": %s", key, value, why);
		return false;
	}
	for (size_t i = 0; i < t->n_parts; i++) {
		const char *lit = t->parts[i].literal;
		enum topic_err terr;

		if (!lit)
			continue;
		terr = check(lit, strlen(lit));
		if (terr) {
			fail_here(p, "%s \"%s\": %s", key, value,
				  topic_err_str(terr));
			template_free(t);
			return false;
		}
	}
	return true;
}

/* The filter with the id @gateway, or NULL when out of memory. */
static char *command_filter(const char *text, const char *gateway)
{
	struct template_vars v = { .value = { [TEMPLATE_GATEWAY] = gateway } };
	struct template t;
	char why[128];
	char *out;

	if (template_parse_vars(text, TEMPLATE_VAR(TEMPLATE_GATEWAY), &t, why,
				sizeof(why)))
		return NULL;
	out = template_expand(&t, &v);
	template_free(&t);
	return out;
}

/*
 * cmd/{gateway}/#: a filter with {gateway}, ending in "/#". Checked with
 * a stand-in id here (any id is a valid topic level), expanded once the
 * whole file is read.
 */
static bool command_topic_key(struct parser *p, struct broker_cfg *b,
			      const char *value)
{
	struct template t = { NULL, 0 };
	enum topic_err terr;
	char *filter;
	size_t len;

	if (!template_key(p, "command-topic", value,
			  TEMPLATE_VAR(TEMPLATE_GATEWAY), topic_filter_check,
			  &t))
		return false;
	template_free(&t);
	filter = command_filter(value, "gw");
	if (!filter) {
		fail_nomem(p);
		return false;
	}
	len = strlen(filter);
	terr = topic_filter_check(filter, len);
	if (!terr && (len < 2 || strcmp(filter + len - 2, "/#")))
		fail_here(p, "command-topic \"%s\": must end with \"/#\" (what \"#\" matches is the command's path)",
			  value);
	else if (terr)
		fail_here(p, "command-topic \"%s\": %s", value,
			  topic_err_str(terr));
	/* brokers deliver those under the real topic, which then matches not */
	else if (!strncmp(filter, "$share/", 7) || !strncmp(filter, "$queue/", 7))
		fail_here(p, "command-topic \"%s\": shared subscriptions are not supported",
			  value);
	free(filter);
	return !p->failed && string_key(p, value, &b->command_topic);
}

static void broker_key(struct parser *p, int key, const char *value)
{
	struct broker_cfg *b = &p->cfg->brokers[p->index];
	unsigned long v;
	int method;

	switch ((enum broker_key)key) {
	case BK_HOST:
		string_key(p, value, &b->host);
		break;
	case BK_PORT:
		if (number_key(p, "port", value, 1, 65535, &v))
			b->port = (int)v;
		break;
	case BK_MQTT:
		if (!strcmp(value, "3.1.1"))
			b->mqtt_version = CONFIG_MQTT_311;
		else if (!strcmp(value, "5"))
			b->mqtt_version = CONFIG_MQTT_5;
		else
			fail_here(p, "\"%s\" for \"mqtt\" is not 3.1.1 or 5",
				  value);
		break;
	case BK_CLIENT_ID:
		string_key(p, value, &b->client_id);
		break;
	case BK_KEEPALIVE:
		if (number_key(p, "keepalive", value, 5, 65535, &v))
			b->keepalive = (int)v;
		break;
	case BK_USERNAME:
		string_key(p, value, &b->username);
		break;
	case BK_PASSWORD_FILE:
		password_key(p, b, value);
		break;
	case BK_CA_FILE:
		readable_file_key(p, "ca-file", value, &b->ca_file);
		break;
	case BK_CERT_FILE:
		readable_file_key(p, "cert-file", value, &b->cert_file);
		break;
	case BK_KEY_FILE:
		readable_file_key(p, "key-file", value, &b->key_file);
		break;
	case BK_CLEAN_START:
		bool_key(p, "clean-start", value, &b->clean_start);
		break;
	case BK_COMMAND_TOPIC:
		command_topic_key(p, b, value);
		break;
	case BK_REPLY_TOPIC:
		if (template_key(p, "reply-topic", value,
				 TEMPLATE_VAR(TEMPLATE_GATEWAY) |
				 TEMPLATE_VAR(TEMPLATE_PATH),
				 topic_name_check, &b->reply_tmpl))
			string_key(p, value, &b->reply_topic);
		break;
	case BK_COMMAND_METHOD:
		method = coap_method_parse(value);
		if (method < 0)
			fail_here(p, "\"%s\" for \"command-method\" is not get, post, put or delete",
				  value);
		else
			b->command_method = (uint8_t)method;
		break;
	case BK_COMMAND_TIMEOUT_MS:
		if (number_key(p, "command-timeout-ms", value, 100, 3600000, &v))
			b->command_timeout_ms = (uint32_t)v;
		break;
	case BK_COMMAND_CONFIRMABLE:
		bool_key(p, "command-confirmable", value,
			 &b->command_confirmable);
		break;
	case BK_N_KEYS:
		break;
	}
}

/* A rule's filter, or a device's path: an MQTT topic filter. */
static bool filter_key(struct parser *p, const char *key, const char *value,
		       char **out)
{
	size_t len = strlen(value);
	enum topic_err terr;

	if (len > IOTGW_FILTER_MAX) {
		fail_here(p, "%s longer than %d bytes", key, IOTGW_FILTER_MAX);
		return false;
	}
	terr = topic_filter_check(value, len);
	if (terr) {
		fail_here(p, "%s \"%s\": %s", key, value, topic_err_str(terr));
		return false;
	}
	if (topic_levels(value) > FILTER_LEVELS_MAX) {
		fail_here(p, "%s \"%s\": more than %d levels", key, value,
			  FILTER_LEVELS_MAX);
		return false;
	}
	return string_key(p, value, out);
}

/* The template, its text between placeholders a valid topic name. */
static bool topic_key(struct parser *p, struct rule_cfg *r, const char *value)
{
	return template_key(p, "topic", value, TEMPLATE_RULE_VARS,
			    topic_name_check, &r->tmpl) &&
	       string_key(p, value, &r->topic);
}

static void rule_key(struct parser *p, int key, const char *value)
{
	struct rule_cfg *r = &p->cfg->rules[p->index];

	switch ((enum rule_key)key) {
	case RK_FILTER:
		filter_key(p, "filter", value, &r->filter);
		break;
	case RK_PROTO:
		if (!strcmp(value, "coap"))
			r->proto = IOTGW_PROTO_COAP;
		else if (!strcmp(value, "mqtt"))
			r->proto = IOTGW_PROTO_MQTT;
		else if (!strcmp(value, "any"))
			r->proto = IOTGW_PROTO_ANY;
		else
			fail_here(p, "\"%s\" for \"proto\" is not coap, mqtt or any",
				  value);
		break;
	case RK_ACTION:
		if (!strcmp(value, "capture"))
			r->action = IOTGW_ACTION_CAPTURE;
		else if (!strcmp(value, "ingest"))
			r->action = IOTGW_ACTION_INGEST;
		else
			fail_here(p, "\"%s\" for \"action\" is not capture or ingest",
				  value);
		break;
	case RK_QOS:
		if (!strcmp(value, "0") || !strcmp(value, "1") ||
		    !strcmp(value, "2"))
			r->qos = value[0] - '0';
		else
			fail_here(p, "\"%s\" for \"qos\" is not 0, 1 or 2",
				  value);
		break;
	case RK_BROKER:
		string_key(p, value, &p->rule_extra[p->index].broker_name);
		break;
	case RK_TOPIC:
		topic_key(p, r, value);
		break;
	case RK_CONFIRM:
		if (!strcmp(value, "admit"))
			r->confirm = IOTGW_CONFIRM_ADMIT;
		else if (!strcmp(value, "store"))
			r->confirm = IOTGW_CONFIRM_STORE;
		else if (!strcmp(value, "cloud"))
			r->confirm = IOTGW_CONFIRM_CLOUD;
		else
			fail_here(p, "\"%s\" for \"confirm\" is not admit, store or cloud",
				  value);
		break;
	case RK_SPOOL_FULL:
		if (!strcmp(value, "refuse"))
			r->spool_full = SPOOL_FULL_REFUSE;
		else if (!strcmp(value, "drop-qos0"))
			r->spool_full = SPOOL_FULL_DROP_QOS0;
		else
			fail_here(p, "\"%s\" for \"spool-full\" is not refuse or drop-qos0",
				  value);
		break;
	case RK_N_KEYS:
		break;
	}
}

static void device_key(struct parser *p, int key, const char *value)
{
	struct device_cfg *d = &p->cfg->devices[p->index];
	char why[160];

	switch ((enum device_key)key) {
	case DK_PATH:
		filter_key(p, "path", value, &d->path);
		break;
	case DK_ADDRESS:
		if (coap_address_parse(value, &d->addr, why, sizeof(why)))
			fail_here(p, "address \"%s\": %s", value, why);
		else
			string_key(p, value, &d->address);
		break;
	case DK_N_KEYS:
		break;
	}
}

static void spool_key(struct parser *p, int key, const char *value)
{
	struct spool_cfg *sp = &p->cfg->spool;
	unsigned long v;

	switch ((enum spool_key)key) {
	case SK_PATH:
		string_key(p, value, &sp->path);
		break;
	case SK_MAX_BYTES:
		/* at least a row of the largest CoAP payload */
		if (number_key(p, "max-bytes", value, 4096,
			       1ULL << 40 > ULONG_MAX ? ULONG_MAX :
			       (unsigned long)(1ULL << 40), &v))
			sp->lim.max_bytes = v;
		break;
	case SK_MAX_AGE:
		if (number_key(p, "max-age", value, 0, 10UL * 365 * 86400, &v))
			sp->lim.max_age_s = (uint32_t)v;
		break;
	case SK_SYNC_INTERVAL_MS:
		/* acks wait this long: under the time a copy is recognised */
		if (number_key(p, "sync-interval-ms", value, 1,
			       CONFIG_SPOOL_SYNC_MS_MAX, &v))
			sp->lim.sync_interval_ms = (uint32_t)v;
		break;
	case SK_SYNC_COUNT:
		if (number_key(p, "sync-count", value, 1, 65536, &v))
			sp->lim.sync_count = (uint32_t)v;
		break;
	case SK_DRAIN_RATE:
		if (number_key(p, "drain-rate", value, 1, 100000, &v))
			sp->drain_rate = (uint32_t)v;
		break;
	case SK_N_KEYS:
		break;
	}
}

static int config_handler(void *user, const char *section, const char *name,
			  const char *value)
{
	struct parser *p = user;
	const char *const *keys;
	struct key_lines *lines;
	int n_keys, key;

	(void)section;		/* the reader follows the sections */
	if (p->failed)
		return 1;
	if (p->kind == SECTION_NONE) {
		fail(p, p->lineno, "key \"%s\" outside a section", name);
		return 1;
	}
	if (p->kind == SECTION_SKIP)
		return 1;
	if (p->indented && p->prev_key[0] && !strcmp(name, p->prev_key)) {
		fail_here(p, "this indented line continues \"%s\": multi-line values are not supported, do not indent keys",
			  name);
		return 1;
	}
	snprintf(p->prev_key, sizeof(p->prev_key), "%s", name);

	if (p->kind == SECTION_GATEWAY) {
		keys = gateway_keys;
		n_keys = GW_N_KEYS;
		lines = &p->gateway_keys;
	} else if (p->kind == SECTION_BROKER) {
		keys = broker_keys;
		n_keys = BK_N_KEYS;
		lines = &p->broker_extra[p->index].keys;
	} else if (p->kind == SECTION_RULE) {
		keys = rule_keys;
		n_keys = RK_N_KEYS;
		lines = &p->rule_extra[p->index].keys;
	} else if (p->kind == SECTION_SPOOL) {
		keys = spool_keys;
		n_keys = SK_N_KEYS;
		lines = &p->spool_keys;
	} else {
		keys = device_keys;
		n_keys = DK_N_KEYS;
		lines = &p->device_extra[p->index].keys;
	}
	key = find_key(keys, n_keys, name);
	if (key < 0) {
		fail_here(p, "unknown key \"%s\"", name);
		return 1;
	}
	if (lines->line[key]) {
		fail_here(p, "\"%s\" given twice (first at line %u)", name,
			  lines->line[key]);
		return 1;
	}
	lines->line[key] = p->lineno;
	if (!*value) {
		fail_here(p, "empty value for \"%s\"", name);
		return 1;
	}
	if (p->kind == SECTION_GATEWAY)
		gateway_key(p, key, value);
	else if (p->kind == SECTION_BROKER)
		broker_key(p, key, value);
	else if (p->kind == SECTION_RULE)
		rule_key(p, key, value);
	else if (p->kind == SECTION_SPOOL)
		spool_key(p, key, value);
	else
		device_key(p, key, value);
	return 1;
}

/* The command keys of broker @i: with command-topic only, defaults. */
static void check_broker_commands(struct parser *p, size_t i)
{
	static const enum broker_key need_topic[] = {
		BK_REPLY_TOPIC, BK_COMMAND_METHOD, BK_COMMAND_TIMEOUT_MS,
		BK_COMMAND_CONFIRMABLE,
	};
	struct config *cfg = p->cfg;
	struct broker_cfg *b = &cfg->brokers[i];
	const struct key_lines *k = &p->broker_extra[i].keys;
	struct template_vars v = { .value = {
		[TEMPLATE_GATEWAY] = cfg->gateway_id, [TEMPLATE_PATH] = "x",
	} };
	char *sample;

#define fail_broker(line, ...) fail_in(p, line, SECTION_BROKER, i, __VA_ARGS__)
	if (!b->command_topic) {
		for (size_t n = 0; n < sizeof(need_topic) / sizeof(need_topic[0]);
		     n++) {
			if (!k->line[need_topic[n]])
				continue;
			fail_broker(k->line[need_topic[n]],
				    "%s needs command-topic",
				    broker_keys[need_topic[n]]);
			return;
		}
		return;
	}
	if (!k->line[BK_COMMAND_METHOD])
		b->command_method = COAP_METHOD_POST;
	if (!k->line[BK_COMMAND_CONFIRMABLE])
		b->command_confirmable = true;
	b->command_filter = command_filter(b->command_topic, cfg->gateway_id);
	if (!b->command_filter) {
		fail_nomem(p);
		return;
	}
	/* it ends with "/#": the levels before are the ones with a "/" */
	b->command_levels = (unsigned int)topic_levels(b->command_filter) - 1;
	if (!b->reply_topic) {
		if (b->mqtt_version == CONFIG_MQTT_311)
			fail_broker(k->line[BK_COMMAND_TOPIC],
				    "command-topic needs reply-topic with mqtt = 3.1.1 (which has no Response Topic)");
		return;
	}
	sample = template_expand(&b->reply_tmpl, &v);
	if (!sample) {
		fail_nomem(p);
		return;
	}
	if (topic_match(b->command_filter, sample))
		fail_broker(k->line[BK_REPLY_TOPIC],
			    "reply-topic \"%s\" is under command-topic \"%s\": answers would come back as commands",
			    b->reply_topic, b->command_topic);
	free(sample);
#undef fail_broker
}

/* Defaults and what needs the whole file: required keys, references. */
static void check_brokers(struct parser *p)
{
	struct config *cfg = p->cfg;

	if (!cfg->n_brokers) {
		fail(p, 0, "no [broker NAME] section: iotgwd needs a broker");
		return;
	}
	for (size_t i = 0; i < cfg->n_brokers && !p->failed; i++) {
		struct broker_cfg *b = &cfg->brokers[i];

#define fail_broker(...) fail_in(p, b->line, SECTION_BROKER, i, __VA_ARGS__)
		if (!b->host)
			fail_broker("missing \"host\"");
		else if (b->password_file && !b->username)
			fail_broker("password-file needs username");
		else if (b->cert_file && !b->key_file)
			fail_broker("cert-file needs key-file");
		else if (b->key_file && !b->cert_file)
			fail_broker("key-file needs cert-file");
		else if (b->cert_file && !b->ca_file)
			fail_broker("cert-file needs ca-file (TLS)");
#undef fail_broker
		if (!b->port)
			b->port = b->ca_file ? CONFIG_DEFAULT_TLS_PORT :
					       CONFIG_DEFAULT_PORT;
		if (!b->mqtt_version)
			b->mqtt_version = CONFIG_MQTT_5;
		if (!b->keepalive)
			b->keepalive = CONFIG_DEFAULT_KEEPALIVE;
		if (!b->client_id && cfg->gateway_id &&
		    asprintf(&b->client_id, "iotgw-%s", cfg->gateway_id) < 0) {
			b->client_id = NULL;
			fail_nomem(p);
		}
		if (!p->failed)
			check_broker_commands(p, i);
	}
}

static void check_devices(struct parser *p)
{
	for (size_t i = 0; i < p->cfg->n_devices && !p->failed; i++) {
		const struct device_cfg *d = &p->cfg->devices[i];

		if (!d->path)
			fail_in(p, d->line, SECTION_DEVICE, i,
				"missing \"path\"");
		else if (!d->address)
			fail_in(p, d->line, SECTION_DEVICE, i,
				"missing \"address\"");
	}
}

/* [spool]: its keys need a path; defaults for the rest. */
static void check_spool(struct parser *p)
{
	struct spool_cfg *sp = &p->cfg->spool;

	if (p->spool_line && !sp->path) {
		fail_in(p, p->spool_line, SECTION_SPOOL, 0,
			"missing \"path\" (without [spool] there is no spool)");
		return;
	}
	if (!p->spool_keys.line[SK_MAX_BYTES])
		sp->lim.max_bytes = CONFIG_DEFAULT_SPOOL_MAX_BYTES;
	if (!p->spool_keys.line[SK_MAX_AGE])
		sp->lim.max_age_s = CONFIG_DEFAULT_SPOOL_MAX_AGE_S;
	if (!sp->lim.sync_interval_ms)
		sp->lim.sync_interval_ms = CONFIG_DEFAULT_SPOOL_SYNC_MS;
	if (!sp->lim.sync_count)
		sp->lim.sync_count = CONFIG_DEFAULT_SPOOL_SYNC_COUNT;
	if (!sp->drain_rate)
		sp->drain_rate = CONFIG_DEFAULT_SPOOL_DRAIN_RATE;
}

static void check_rule(struct parser *p, size_t i)
{
	struct config *cfg = p->cfg;
	struct rule_cfg *r = &cfg->rules[i];
	struct section_extra *x = &p->rule_extra[i];
	const struct broker_cfg *b;

#define fail_rule(line, ...) fail_in(p, line, SECTION_RULE, i, __VA_ARGS__)
	if (!r->filter) {
		fail_rule(r->line, "missing \"filter\"");
		return;
	}
	if (!r->action) {
		fail_rule(r->line, "missing \"action\"");
		return;
	}
	if (r->action == IOTGW_ACTION_INGEST && r->proto != IOTGW_PROTO_COAP) {
		fail_rule(x->keys.line[RK_ACTION],
			  "action \"ingest\" needs \"proto = coap\"");
		return;
	}
	if (r->confirm > IOTGW_CONFIRM_ADMIT &&
	    r->action != IOTGW_ACTION_INGEST) {
		fail_rule(x->keys.line[RK_CONFIRM],
			  "confirm \"%s\" needs \"action = ingest\"",
			  r->confirm == IOTGW_CONFIRM_STORE ? "store" : "cloud");
		return;
	}
	if (r->confirm > IOTGW_CONFIRM_ADMIT && r->qos == 0) {
		fail_rule(x->keys.line[RK_CONFIRM],
			  "confirm \"%s\" needs QoS 1 or 2 (qos = 0 is not confirmed)",
			  r->confirm == IOTGW_CONFIRM_STORE ? "store" : "cloud");
		return;
	}
	if (x->broker_name) {
		b = config_find_broker(cfg, x->broker_name);
		if (!b) {
			fail_rule(x->keys.line[RK_BROKER], "unknown broker \"%s\"",
				  x->broker_name);
			return;
		}
		r->broker = (size_t)(b - cfg->brokers);
	} else if (cfg->n_brokers > 1) {
		fail_rule(r->line,
			  "missing \"broker\" (there is more than one broker)");
		return;
	}
#undef fail_rule
	if (!r->topic) {
		char why[128];

		if (!string_key(p, "{topic}", &r->topic))
			return;
		if (template_parse(r->topic, &r->tmpl, why, sizeof(why)))
			fail_nomem(p);
	}
}

static int compare_rule_names(const void *a, const void *b)
{
	const struct rule_cfg *const *ra = a, *const *rb = b;

	return strcmp((*ra)->name, (*rb)->name);
}

static void check_config(struct parser *p)
{
	struct config *cfg = p->cfg;

	if (!p->gateway_line) {
		fail(p, 0, "no [gateway] section");
		return;
	}
	if (!cfg->gateway_id) {
		fail_in(p, p->gateway_line, SECTION_GATEWAY, 0,
			"missing \"id\"");
		return;
	}
	if (!cfg->credit)
		cfg->credit = CONFIG_DEFAULT_CREDIT;
	if (!cfg->retry_ms)
		cfg->retry_ms = CONFIG_DEFAULT_RETRY_MS;
	if (!p->gateway_keys.line[GW_DEVICE_PORT])
		cfg->device_port = CONFIG_DEFAULT_DEVICE_PORT;
	if (!cfg->commands_max)
		cfg->commands_max = CONFIG_DEFAULT_COMMANDS_MAX;
	check_brokers(p);
	check_spool(p);
	for (size_t i = 0; i < cfg->n_rules && !p->failed; i++)
		check_rule(p, i);
	check_devices(p);
	if (p->failed)
		return;
	cfg->rules_by_name = calloc(cfg->n_rules + 1, sizeof(*cfg->rules_by_name));
	if (!cfg->rules_by_name) {
		fail_nomem(p);
		return;
	}
	for (size_t i = 0; i < cfg->n_rules; i++)
		cfg->rules_by_name[i] = &cfg->rules[i];
	qsort(cfg->rules_by_name, cfg->n_rules, sizeof(*cfg->rules_by_name),
	      compare_rule_names);
}

static void parser_free(struct parser *p)
{
	for (size_t i = 0; i < p->cfg->n_rules; i++)
		free(p->rule_extra[i].broker_name);
	free(p->rule_extra);
	free(p->broker_extra);
	free(p->device_extra);
}

int config_load(const char *path, struct config **out, char *err,
		size_t errlen)
{
	struct parser p = { .err = err, .errlen = errlen };
	int line;

	*out = NULL;
	p.cfg = calloc(1, sizeof(*p.cfg));
	if (p.cfg)
		p.cfg->path = strdup(path);
	if (!p.cfg || !p.cfg->path) {
		free(p.cfg);
		snprintf(err, errlen, "%s: out of memory", path);
		return -ENOMEM;
	}
	p.file = fopen(path, "r");
	if (!p.file) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		config_free(p.cfg);
		return -EINVAL;
	}
	line = ini_parse_stream(config_reader, &p, config_handler, &p);
	if (ferror(p.file))
		fail(&p, 0, "read error: %s", strerror(errno));
	fclose(p.file);
	/* A line inih could not read, before any error of ours. */
	if (line > 0 && (!p.failed || (unsigned int)line < p.err_line)) {
		p.failed = false;
		fail(&p, (unsigned int)line,
		     "syntax error: expected \"[section]\" or \"key = value\"");
	} else if (line < 0) {
		fail_nomem(&p);
	}
	if (!p.failed)
		check_config(&p);
	parser_free(&p);
	if (p.failed) {
		config_free(p.cfg);
		return p.out_of_memory ? -ENOMEM : -EINVAL;
	}
	*out = p.cfg;
	return 0;
}

void config_free(struct config *cfg)
{
	if (!cfg)
		return;
	for (size_t i = 0; i < cfg->n_brokers; i++) {
		struct broker_cfg *b = &cfg->brokers[i];

		free(b->name);
		free(b->host);
		free(b->client_id);
		free(b->username);
		free(b->password_file);
		if (b->password) {
			explicit_bzero(b->password, strlen(b->password));
			free(b->password);
		}
		free(b->ca_file);
		free(b->cert_file);
		free(b->key_file);
		free(b->command_topic);
		free(b->command_filter);
		free(b->reply_topic);
		template_free(&b->reply_tmpl);
	}
	for (size_t i = 0; i < cfg->n_devices; i++) {
		free(cfg->devices[i].name);
		free(cfg->devices[i].path);
		free(cfg->devices[i].address);
	}
	free(cfg->devices);
	for (size_t i = 0; i < cfg->n_rules; i++) {
		struct rule_cfg *r = &cfg->rules[i];

		free(r->name);
		free(r->filter);
		free(r->topic);
		template_free(&r->tmpl);
	}
	free(cfg->brokers);
	free(cfg->rules);
	free(cfg->rules_by_name);
	free(cfg->gateway_id);
	free(cfg->spool.path);
	free(cfg->path);
	free(cfg);
}

static int compare_rule_key(const void *key, const void *elem)
{
	const struct rule_cfg *const *r = elem;

	return strcmp(key, (*r)->name);
}

const struct rule_cfg *config_find_rule(const struct config *cfg,
					const char *name)
{
	struct rule_cfg **r;

	if (!cfg->rules_by_name)
		return NULL;
	r = bsearch(name, cfg->rules_by_name, cfg->n_rules,
		    sizeof(*cfg->rules_by_name), compare_rule_key);
	return r ? *r : NULL;
}

const struct broker_cfg *config_find_broker(const struct config *cfg,
					    const char *name)
{
	for (size_t i = 0; i < cfg->n_brokers; i++)
		if (!strcmp(cfg->brokers[i].name, name))
			return &cfg->brokers[i];
	return NULL;
}

static bool same_string(const char *a, const char *b)
{
	if (!a || !b)
		return a == b;
	return !strcmp(a, b);
}

bool broker_cfg_equal(const struct broker_cfg *a, const struct broker_cfg *b)
{
	return same_string(a->name, b->name) &&
	       same_string(a->host, b->host) && a->port == b->port &&
	       a->mqtt_version == b->mqtt_version &&
	       same_string(a->client_id, b->client_id) &&
	       a->keepalive == b->keepalive &&
	       same_string(a->username, b->username) &&
	       same_string(a->password, b->password) &&
	       same_string(a->ca_file, b->ca_file) &&
	       same_string(a->cert_file, b->cert_file) &&
	       same_string(a->key_file, b->key_file) &&
	       a->clean_start == b->clean_start;
}

bool rule_cfg_kernel_equal(const struct rule_cfg *a, const struct rule_cfg *b)
{
	return !strcmp(a->name, b->name) && !strcmp(a->filter, b->filter) &&
	       a->proto == b->proto && a->action == b->action &&
	       a->qos == b->qos && a->confirm == b->confirm;
}
