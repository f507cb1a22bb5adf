// SPDX-License-Identifier: GPL-2.0
/* iotgwctl rule: add, replace, del, show and flush topic rules. */
#include <stdio.h>
#include <string.h>

#include <linux/iotgw.h>

#include "iotgwctl.h"
#include "json.h"
#include "parse.h"

static const struct word_map proto_words[] = {
	{ "coap", IOTGW_PROTO_COAP },
	{ "mqtt", IOTGW_PROTO_MQTT },
	{ "any", IOTGW_PROTO_ANY },
	{ NULL, 0 },
};

static const struct word_map hook_words[] = {
	{ "in", IOTGW_HOOK_IN },
	{ "fwd", IOTGW_HOOK_FWD },
	{ "any", IOTGW_HOOK_ANY },
	{ NULL, 0 },
};

static const struct word_map action_words[] = {
	{ "accept", IOTGW_ACTION_ACCEPT },
	{ "drop", IOTGW_ACTION_DROP },
	{ "mark", IOTGW_ACTION_MARK },
	{ "ratelimit", IOTGW_ACTION_RATELIMIT },
	{ "capture", IOTGW_ACTION_CAPTURE },
	{ "ingest", IOTGW_ACTION_INGEST },
	{ NULL, 0 },
};

static const struct word_map qos_words[] = {
	{ "0", 0 }, { "1", 1 }, { "2", 2 },
	{ NULL, 0 },
};

static const struct word_map confirm_words[] = {
	{ "admit", IOTGW_CONFIRM_ADMIT },
	{ "store", IOTGW_CONFIRM_STORE },
	{ "cloud", IOTGW_CONFIRM_CLOUD },
	{ NULL, 0 },
};

static const struct word_map flag_words[] = {
	{ "per-source", IOTGW_RULE_F_PER_SOURCE },
	{ "no-rst", IOTGW_RULE_F_NO_RST },
	{ NULL, 0 },
};

enum kw_kind { KW_STRING, KW_ENUM, KW_U32, KW_FLAG };

/* The keywords of rule add/replace, in the order rule show prints them. */
static const struct rule_kw {
	const char *word;
	enum kw_kind kind;
	int attr;			/* IOTGW_RULE_A_*, or the flag bit */
	const struct word_map *words;	/* KW_ENUM */
	const char *what;		/* KW_ENUM, for "is not a ..." */
} rule_kws[] = {
	{ "filter", KW_STRING, IOTGW_RULE_A_FILTER, NULL, NULL },
	{ "proto", KW_ENUM, IOTGW_RULE_A_PROTO, proto_words, "a protocol" },
	{ "hook", KW_ENUM, IOTGW_RULE_A_HOOK, hook_words, "a hook" },
	{ "action", KW_ENUM, IOTGW_RULE_A_ACTION, action_words, "an action" },
	{ "mark", KW_U32, IOTGW_RULE_A_MARK, NULL, NULL },
	{ "skb-priority", KW_U32, IOTGW_RULE_A_SKB_PRIORITY, NULL, NULL },
	{ "rate", KW_U32, IOTGW_RULE_A_RATE, NULL, NULL },
	{ "burst", KW_U32, IOTGW_RULE_A_BURST, NULL, NULL },
	{ "qos", KW_ENUM, IOTGW_RULE_A_QOS, qos_words, "a QoS" },
	{ "confirm", KW_ENUM, IOTGW_RULE_A_CONFIRM, confirm_words,
	  "a confirmation mode" },
	{ "per-source", KW_FLAG, IOTGW_RULE_F_PER_SOURCE, NULL, NULL },
	{ "no-rst", KW_FLAG, IOTGW_RULE_F_NO_RST, NULL, NULL },
	{ "prio", KW_U32, IOTGW_RULE_A_PRIORITY, NULL, NULL },
};

#define N_RULE_KWS (sizeof(rule_kws) / sizeof(rule_kws[0]))

struct rule_args {
	const char *name;
	bool given[N_RULE_KWS];
	const char *str[N_RULE_KWS];	/* KW_STRING */
	uint32_t num[N_RULE_KWS];	/* KW_ENUM, KW_U32 */
	uint32_t flags;
};

static bool check_name(const char *what, const char *name)
{
	if (rule_name_valid(name))
		return true;
	iotgwctl_error("%s: \"%s\" is not a rule name: 1 to %d characters of A-Z a-z 0-9 _ . -",
		       what, name, IOTGW_RULE_NAME_MAX - 1);
	return false;
}

static int parse_rule(const char *what, int argc, char **argv,
		      struct rule_args *r)
{
	int a;

	memset(r, 0, sizeof(*r));
	if (argc == 0) {
		iotgwctl_error("%s: missing NAME; try \"iotgwctl help\"", what);
		return IOTGWCTL_USAGE;
	}
	r->name = argv[0];
	if (!check_name(what, r->name))
		return IOTGWCTL_USAGE;
	for (a = 1; a < argc; a++) {
		const char *word = argv[a], *val;
		const struct rule_kw *kw = NULL;
		size_t i;
		int v;

		for (i = 0; i < N_RULE_KWS; i++)
			if (!strcmp(word, rule_kws[i].word))
				break;
		if (i == N_RULE_KWS) {
			iotgwctl_error("%s: \"%s\" is not a keyword; try \"iotgwctl help\"",
				       what, word);
			return IOTGWCTL_USAGE;
		}
		kw = &rule_kws[i];
		if (r->given[i]) {
			iotgwctl_error("%s: \"%s\" is given twice", what, word);
			return IOTGWCTL_USAGE;
		}
		r->given[i] = true;
		if (kw->kind == KW_FLAG) {
			r->flags |= (uint32_t)kw->attr;
			continue;
		}
		if (a + 1 >= argc) {
			iotgwctl_error("%s: missing value after \"%s\"", what,
				       word);
			return IOTGWCTL_USAGE;
		}
		val = argv[++a];
		switch (kw->kind) {
		case KW_STRING:
			if (strlen(val) > IOTGW_FILTER_MAX) {
				iotgwctl_error("%s: the %s is %zu bytes long, more than %d",
					       what, word, strlen(val),
					       IOTGW_FILTER_MAX);
				return IOTGWCTL_USAGE;
			}
			r->str[i] = val;
			break;
		case KW_ENUM:
			v = word_value(kw->words, val);
			if (v < 0) {
				char choices[128];

				word_choices(kw->words, choices, sizeof(choices));
				iotgwctl_error("%s: \"%s\" is not %s: use %s",
					       what, val, kw->what, choices);
				return IOTGWCTL_USAGE;
			}
			r->num[i] = (uint32_t)v;
			break;
		case KW_U32:
			if (parse_u32(val, &r->num[i])) {
				iotgwctl_error("%s: \"%s\" for %s is not a 32-bit number",
					       what, val, word);
				return IOTGWCTL_USAGE;
			}
			break;
		case KW_FLAG:
			break;
		}
	}
	for (size_t i = 0; i < N_RULE_KWS; i++) {
		if (rule_kws[i].kind == KW_FLAG || r->given[i] ||
		    (rule_kws[i].attr != IOTGW_RULE_A_FILTER &&
		     rule_kws[i].attr != IOTGW_RULE_A_ACTION))
			continue;
		iotgwctl_error("%s: missing \"%s\"; try \"iotgwctl help\"",
			       what, rule_kws[i].word);
		return IOTGWCTL_USAGE;
	}
	return IOTGWCTL_OK;
}

/* Start a request for @cmd holding IOTGW_A_RULE { NAME }; nest left open. */
static struct nl_msg *rule_request(struct iotgw_nl **nl, uint8_t cmd,
				   int flags, const char *name,
				   struct nlattr **nest)
{
	struct nl_msg *msg = iotgwctl_request(nl, cmd, flags);

	if (!msg)
		return NULL;
	*nest = nla_nest_start(msg, IOTGW_A_RULE);
	if (!*nest || nla_put_string(msg, IOTGW_RULE_A_NAME, name) < 0) {
		nlmsg_free(msg);
		iotgwctl_error("out of memory");
		return NULL;
	}
	return msg;
}

/*
 * RULE_NEW; replace: with IOTGW_A_REPLACE (generic netlink refuses
 * NLM_F_CREATE, _EXCL and _REPLACE, so the request carries none of them).
 */
static int rule_new(const char *what, bool replace, int argc, char **argv)
{
	struct rule_args r;
	struct nlattr *nest;
	struct iotgw_nl *nl;
	struct nl_msg *msg;
	int rc = parse_rule(what, argc, argv, &r);

	if (rc)
		return rc;
	msg = rule_request(&nl, IOTGW_CMD_RULE_NEW, 0, r.name, &nest);
	if (!msg)
		return IOTGWCTL_FAIL;
	for (size_t i = 0; i < N_RULE_KWS; i++) {
		const struct rule_kw *kw = &rule_kws[i];
		int err = 0;

		if (!r.given[i])
			continue;
		if (kw->kind == KW_STRING)
			err = nla_put_string(msg, kw->attr, r.str[i]);
		else if (kw->kind == KW_ENUM)
			err = nla_put_u8(msg, kw->attr, (uint8_t)r.num[i]);
		else if (kw->kind == KW_U32)
			err = nla_put_u32(msg, kw->attr, r.num[i]);
		if (err < 0)
			goto nomem;
	}
	if (r.flags && nla_put_u32(msg, IOTGW_RULE_A_FLAGS, r.flags) < 0)
		goto nomem;
	nla_nest_end(msg, nest);
	if (replace && nla_put_flag(msg, IOTGW_A_REPLACE) < 0)
		goto nomem;
	return iotgwctl_transact(nl, what, msg, NULL, NULL);

nomem:
	nlmsg_free(msg);
	iotgwctl_error("%s: out of memory", what);
	return IOTGWCTL_FAIL;
}

static int rule_del(int argc, char **argv)
{
	struct nlattr *nest;
	struct iotgw_nl *nl;
	struct nl_msg *msg;

	if (argc == 0) {
		iotgwctl_error("rule del: missing NAME; try \"iotgwctl help\"");
		return IOTGWCTL_USAGE;
	}
	if (!check_name("rule del", argv[0]))
		return IOTGWCTL_USAGE;
	if (argc > 1) {
		iotgwctl_error("rule del takes one NAME, got \"%s\" after it",
			       argv[1]);
		return IOTGWCTL_USAGE;
	}
	msg = rule_request(&nl, IOTGW_CMD_RULE_DEL, 0, argv[0], &nest);
	if (!msg)
		return IOTGWCTL_FAIL;
	nla_nest_end(msg, nest);
	return iotgwctl_transact(nl, "rule del", msg, NULL, NULL);
}

/* rule show */

static struct nla_policy top_policy[IOTGW_A_MAX + 1] = {
	[IOTGW_A_RULE] = { .type = NLA_NESTED },
};

static struct nla_policy rule_policy[IOTGW_RULE_A_MAX + 1] = {
	[IOTGW_RULE_A_NAME] = { .type = NLA_STRING },
	[IOTGW_RULE_A_FILTER] = { .type = NLA_STRING },
	[IOTGW_RULE_A_PROTO] = { .type = NLA_U8 },
	[IOTGW_RULE_A_HOOK] = { .type = NLA_U8 },
	[IOTGW_RULE_A_ACTION] = { .type = NLA_U8 },
	[IOTGW_RULE_A_PRIORITY] = { .type = NLA_U32 },
	[IOTGW_RULE_A_MARK] = { .type = NLA_U32 },
	[IOTGW_RULE_A_SKB_PRIORITY] = { .type = NLA_U32 },
	[IOTGW_RULE_A_RATE] = { .type = NLA_U32 },
	[IOTGW_RULE_A_BURST] = { .type = NLA_U32 },
	[IOTGW_RULE_A_FLAGS] = { .type = NLA_U32 },
	[IOTGW_RULE_A_STATS] = { .type = NLA_NESTED },
	[IOTGW_RULE_A_QOS] = { .type = NLA_U8 },
	[IOTGW_RULE_A_CONFIRM] = { .type = NLA_U8 },
};

static struct nla_policy rule_stats_policy[IOTGW_STATS_A_MAX + 1] = {
	[IOTGW_STATS_A_PACKETS] = { .type = NLA_U64 },
	[IOTGW_STATS_A_BYTES] = { .type = NLA_U64 },
	[IOTGW_STATS_A_ACCEPTED] = { .type = NLA_U64 },
	[IOTGW_STATS_A_DROPPED] = { .type = NLA_U64 },
	[IOTGW_STATS_A_MARKED] = { .type = NLA_U64 },
	[IOTGW_STATS_A_RATELIMITED] = { .type = NLA_U64 },
	[IOTGW_STATS_A_QUEUED] = { .type = NLA_U64 },
	[IOTGW_STATS_A_REFUSED] = { .type = NLA_U64 },
	[IOTGW_STATS_A_DUPLICATES] = { .type = NLA_U64 },
};

static const struct {
	int attr;
	const char *name;
} rule_counters[] = {
	{ IOTGW_STATS_A_PACKETS, "packets" },
	{ IOTGW_STATS_A_BYTES, "bytes" },
	{ IOTGW_STATS_A_ACCEPTED, "accepted" },
	{ IOTGW_STATS_A_DROPPED, "dropped" },
	{ IOTGW_STATS_A_MARKED, "marked" },
	{ IOTGW_STATS_A_RATELIMITED, "ratelimited" },
	{ IOTGW_STATS_A_QUEUED, "queued" },
	{ IOTGW_STATS_A_REFUSED, "refused" },
	{ IOTGW_STATS_A_DUPLICATES, "duplicates" },
};

struct rule_show {
	struct json_object *array;	/* -j */
};

/* An enum attribute as its word, or its number when this tool lacks it. */
static void show_enum(struct json_object *obj, const char *key,
		      const struct word_map *words, struct nlattr *a, int def)
{
	int v = a ? nla_get_u8(a) : def;
	const char *word = word_name(words, v);

	if (obj && word)
		json_add_str(obj, key, word);
	else if (obj)
		json_add_u64(obj, key, (uint64_t)v);
	else if (word)
		printf(" %s %s", key, word);
	else
		printf(" %s %d", key, v);
}

static void show_u32(struct json_object *obj, const char *key,
		     struct nlattr *a, const char *fmt)
{
	if (!a)
		return;
	if (obj) {
		json_add_u64(obj, key, nla_get_u32(a));
	} else {
		printf(" %s ", key);
		printf(fmt, nla_get_u32(a));
	}
}

static int show_stats(struct json_object *obj, struct nlattr *nest)
{
	struct nlattr *st[IOTGW_STATS_A_MAX + 1] = { NULL };
	struct json_object *js = NULL;
	size_t i;

	if (nest && nla_parse_nested(st, IOTGW_STATS_A_MAX, nest,
				     rule_stats_policy) < 0)
		return -1;
	if (obj)
		js = json_object_new_object();
	else
		fputs("   ", stdout);
	for (i = 0; i < sizeof(rule_counters) / sizeof(rule_counters[0]); i++) {
		struct nlattr *a = st[rule_counters[i].attr];
		uint64_t v = a ? nla_get_u64(a) : 0;

		if (js)
			json_add_u64(js, rule_counters[i].name, v);
		else
			printf(" %s %llu", rule_counters[i].name,
			       (unsigned long long)v);
	}
	if (obj)
		json_add(obj, "stats", js);
	else
		putchar('\n');
	return 0;
}

static int show_rule(struct nl_msg *reply, void *arg)
{
	struct rule_show *show = arg;
	struct nlattr *tb[IOTGW_A_MAX + 1];
	struct nlattr *ra[IOTGW_RULE_A_MAX + 1];
	struct json_object *obj = NULL;
	uint32_t flags;
	size_t i;

	if (iotgw_nl_parse_policy(reply, tb, IOTGW_A_MAX, top_policy) < 0 ||
	    !tb[IOTGW_A_RULE] ||
	    nla_parse_nested(ra, IOTGW_RULE_A_MAX, tb[IOTGW_A_RULE],
			     rule_policy) < 0 ||
	    !ra[IOTGW_RULE_A_NAME] || !ra[IOTGW_RULE_A_FILTER] ||
	    !ra[IOTGW_RULE_A_ACTION])
		return -1;
	flags = ra[IOTGW_RULE_A_FLAGS] ? nla_get_u32(ra[IOTGW_RULE_A_FLAGS]) : 0;

	if (show->array) {
		obj = json_object_new_object();
		json_add_str(obj, "name", nla_get_string(ra[IOTGW_RULE_A_NAME]));
		json_add_str(obj, "filter",
			     nla_get_string(ra[IOTGW_RULE_A_FILTER]));
	} else {
		fputs("rule ", stdout);
		print_word(stdout, nla_get_string(ra[IOTGW_RULE_A_NAME]), false);
		fputs(" filter ", stdout);
		print_word(stdout, nla_get_string(ra[IOTGW_RULE_A_FILTER]),
			   false);
	}
	show_enum(obj, "proto", proto_words, ra[IOTGW_RULE_A_PROTO],
		  IOTGW_PROTO_ANY);
	show_enum(obj, "hook", hook_words, ra[IOTGW_RULE_A_HOOK],
		  IOTGW_HOOK_ANY);
	show_enum(obj, "action", action_words, ra[IOTGW_RULE_A_ACTION], 0);
	show_u32(obj, "mark", ra[IOTGW_RULE_A_MARK], "0x%x");
	show_u32(obj, "skb-priority", ra[IOTGW_RULE_A_SKB_PRIORITY], "%u");
	show_u32(obj, "rate", ra[IOTGW_RULE_A_RATE], "%u");
	show_u32(obj, "burst", ra[IOTGW_RULE_A_BURST], "%u");
	if (ra[IOTGW_RULE_A_QOS])
		show_enum(obj, "qos", qos_words, ra[IOTGW_RULE_A_QOS], 0);
	if (ra[IOTGW_RULE_A_CONFIRM])
		show_enum(obj, "confirm", confirm_words,
			  ra[IOTGW_RULE_A_CONFIRM], 0);
	for (i = 0; flag_words[i].word; i++) {
		bool set = flags & (uint32_t)flag_words[i].value;

		if (obj)
			json_add_bool(obj, flag_words[i].word, set);
		else if (set)
			printf(" %s", flag_words[i].word);
	}
	if (flags & ~(uint32_t)IOTGW_RULE_F_ALL) {
		/* bits this tool does not know: the raw value */
		if (obj)
			json_add_u64(obj, "flags", flags);
		else
			printf(" flags 0x%x", flags);
	}
	if (obj)
		json_add_u64(obj, "prio", ra[IOTGW_RULE_A_PRIORITY] ?
			     nla_get_u32(ra[IOTGW_RULE_A_PRIORITY]) : 0);
	else
		printf(" prio %u\n", ra[IOTGW_RULE_A_PRIORITY] ?
		       nla_get_u32(ra[IOTGW_RULE_A_PRIORITY]) : 0);
	if (iotgwctl_stats && show_stats(obj, ra[IOTGW_RULE_A_STATS]) < 0) {
		json_object_put(obj);
		return -1;
	}
	if (obj)
		json_object_array_add(show->array, obj);
	return 0;
}

static int rule_show(int argc, char **argv)
{
	struct rule_show show = { NULL };
	struct nlattr *nest;
	struct iotgw_nl *nl;
	struct nl_msg *msg;

	if (argc > 0 && !check_name("rule show", argv[0]))
		return IOTGWCTL_USAGE;
	if (argc > 1) {
		iotgwctl_error("rule show takes at most one NAME, got \"%s\" after it",
			       argv[1]);
		return IOTGWCTL_USAGE;
	}
	if (argc > 0) {
		msg = rule_request(&nl, IOTGW_CMD_RULE_GET, 0, argv[0], &nest);
		if (msg)
			nla_nest_end(msg, nest);
	} else {
		msg = iotgwctl_request(&nl, IOTGW_CMD_RULE_GET, NLM_F_DUMP);
	}
	if (!msg)
		return IOTGWCTL_FAIL;
	return iotgwctl_show(nl, "rule show", msg, show_rule, &show, &show.array);
}

static int rule_flush(int argc, char **argv)
{
	struct iotgw_nl *nl;
	struct nl_msg *msg;

	if (argc > 0)
		return iotgwctl_no_arguments("rule flush", argv[0]);
	msg = iotgwctl_request(&nl, IOTGW_CMD_RULE_FLUSH, 0);
	if (!msg)
		return IOTGWCTL_FAIL;
	return iotgwctl_transact(nl, "rule flush", msg, NULL, NULL);
}

int do_rule(int argc, char **argv)
{
	if (argc == 0)
		return rule_show(0, argv);
	if (!strcmp(argv[0], "add"))
		return rule_new("rule add", false, argc - 1, argv + 1);
	if (!strcmp(argv[0], "replace"))
		return rule_new("rule replace", true, argc - 1, argv + 1);
	if (!strcmp(argv[0], "del"))
		return rule_del(argc - 1, argv + 1);
	if (!strcmp(argv[0], "show"))
		return rule_show(argc - 1, argv + 1);
	if (!strcmp(argv[0], "flush"))
		return rule_flush(argc - 1, argv + 1);
	if (!strcmp(argv[0], "help")) {
		printf("Usage: iotgwctl rule { add | replace } NAME filter FILTER\n"
		       "          [ proto { coap | mqtt | any } ] [ hook { in | fwd | any } ]\n"
		       "          action { accept | drop | mark | ratelimit |\n"
		       "                   capture | ingest } [ qos { 0 | 1 | 2 } ]\n"
		       "          [ confirm { admit | store | cloud } ]\n"
		       "          [ mark N ] [ skb-priority N ] [ rate N ] [ burst N ]\n"
		       "          [ per-source ] [ no-rst ] [ prio N ]\n"
		       "       iotgwctl [ -s ] [ -j ] rule show [ NAME ]\n"
		       "       iotgwctl rule del NAME\n"
		       "       iotgwctl rule flush\n");
		return IOTGWCTL_OK;
	}
	return iotgwctl_unknown_command("rule", argv[0]);
}
