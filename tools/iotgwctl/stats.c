// SPDX-License-Identifier: GPL-2.0
/* iotgwctl stats: the namespace's counters, and resetting them. */
#include <stdio.h>
#include <string.h>

#include <linux/iotgw.h>

#include "iotgwctl.h"
#include "json.h"
#include "parse.h"

static const struct {
	int attr;
	const char *name;
} counters[] = {
	{ IOTGW_STATS_A_PACKETS, "packets" },
	{ IOTGW_STATS_A_BYTES, "bytes" },
	{ IOTGW_STATS_A_MATCHED, "matched" },
	{ IOTGW_STATS_A_UNMATCHED, "unmatched" },
	{ IOTGW_STATS_A_UNCLASSIFIED, "unclassified" },
	{ IOTGW_STATS_A_PARSE_ERRORS, "parse-errors" },
	{ IOTGW_STATS_A_ACCEPTED, "accepted" },
	{ IOTGW_STATS_A_DROPPED, "dropped" },
	{ IOTGW_STATS_A_MARKED, "marked" },
	{ IOTGW_STATS_A_RATELIMITED, "ratelimited" },
	{ IOTGW_STATS_A_REPLIES, "replies" },
	{ IOTGW_STATS_A_FLOWS, "flows" },
	{ IOTGW_STATS_A_EVENTS, "events" },
	{ IOTGW_STATS_A_EVENTS_SKIPPED, "events-skipped" },
	{ IOTGW_STATS_A_QUEUED, "queued" },
	{ IOTGW_STATS_A_REFUSED, "refused" },
	{ IOTGW_STATS_A_DUPLICATES, "duplicates" },
	{ IOTGW_STATS_A_COAP_REQUESTS, "coap-requests" },
	{ IOTGW_STATS_A_COAP_TRANSMISSIONS, "coap-transmissions" },
	{ IOTGW_STATS_A_COAP_RESPONSES, "coap-responses" },
	{ IOTGW_STATS_A_COAP_FAILURES, "coap-failures" },
	{ IOTGW_STATS_A_COAP_RESULTS_LOST, "coap-results-lost" },
};

static struct nla_policy top_policy[IOTGW_A_MAX + 1] = {
	[IOTGW_A_STATS] = { .type = NLA_NESTED },
};

static struct nla_policy stats_policy[IOTGW_STATS_A_MAX + 1] = {
	[IOTGW_STATS_A_PACKETS] = { .type = NLA_U64 },
	[IOTGW_STATS_A_BYTES] = { .type = NLA_U64 },
	[IOTGW_STATS_A_MATCHED] = { .type = NLA_U64 },
	[IOTGW_STATS_A_UNMATCHED] = { .type = NLA_U64 },
	[IOTGW_STATS_A_UNCLASSIFIED] = { .type = NLA_U64 },
	[IOTGW_STATS_A_PARSE_ERRORS] = { .type = NLA_U64 },
	[IOTGW_STATS_A_ACCEPTED] = { .type = NLA_U64 },
	[IOTGW_STATS_A_DROPPED] = { .type = NLA_U64 },
	[IOTGW_STATS_A_MARKED] = { .type = NLA_U64 },
	[IOTGW_STATS_A_RATELIMITED] = { .type = NLA_U64 },
	[IOTGW_STATS_A_REPLIES] = { .type = NLA_U64 },
	[IOTGW_STATS_A_REASON] = { .type = NLA_NESTED },
	[IOTGW_STATS_A_FLOWS] = { .type = NLA_U64 },
	[IOTGW_STATS_A_EVENTS] = { .type = NLA_U64 },
	[IOTGW_STATS_A_EVENTS_SKIPPED] = { .type = NLA_U64 },
	[IOTGW_STATS_A_QUEUED] = { .type = NLA_U64 },
	[IOTGW_STATS_A_REFUSED] = { .type = NLA_U64 },
	[IOTGW_STATS_A_DUPLICATES] = { .type = NLA_U64 },
	[IOTGW_STATS_A_COAP_REQUESTS] = { .type = NLA_U64 },
	[IOTGW_STATS_A_COAP_TRANSMISSIONS] = { .type = NLA_U64 },
	[IOTGW_STATS_A_COAP_RESPONSES] = { .type = NLA_U64 },
	[IOTGW_STATS_A_COAP_FAILURES] = { .type = NLA_U64 },
	[IOTGW_STATS_A_COAP_RESULTS_LOST] = { .type = NLA_U64 },
};

static struct nla_policy reason_policy[IOTGW_REASON_A_MAX + 1] = {
	[IOTGW_REASON_A_NAME] = { .type = NLA_STRING },
	[IOTGW_REASON_A_COUNT] = { .type = NLA_U64 },
};

struct stats_show {
	struct json_object *json;	/* -j */
};

static int print_stats(struct nl_msg *reply, void *arg)
{
	struct stats_show *show = arg;
	struct nlattr *tb[IOTGW_A_MAX + 1];
	struct nlattr *st[IOTGW_STATS_A_MAX + 1];
	struct json_object *reasons = NULL;
	struct nlattr *a;
	size_t i;
	int rem;

	if (iotgw_nl_parse_policy(reply, tb, IOTGW_A_MAX, top_policy) < 0 ||
	    !tb[IOTGW_A_STATS] ||
	    nla_parse_nested(st, IOTGW_STATS_A_MAX, tb[IOTGW_A_STATS],
			     stats_policy) < 0)
		return -1;
	for (i = 0; i < sizeof(counters) / sizeof(counters[0]); i++) {
		uint64_t v = st[counters[i].attr] ?
			     nla_get_u64(st[counters[i].attr]) : 0;

		if (show->json)
			json_add_u64(show->json, counters[i].name, v);
		else
			printf("%s %llu\n", counters[i].name,
			       (unsigned long long)v);
	}
	if (show->json) {
		reasons = json_object_new_object();
		json_add(show->json, "reasons", reasons);
	}
	/* REASON comes once per reason: walk the nest, not the table */
	nla_for_each_nested(a, tb[IOTGW_A_STATS], rem) {
		struct nlattr *ra[IOTGW_REASON_A_MAX + 1];
		const char *name;
		uint64_t count;

		if (nla_type(a) != IOTGW_STATS_A_REASON)
			continue;
		if (nla_parse_nested(ra, IOTGW_REASON_A_MAX, a,
				     reason_policy) < 0 ||
		    !ra[IOTGW_REASON_A_NAME] || !ra[IOTGW_REASON_A_COUNT])
			return -1;
		name = nla_get_string(ra[IOTGW_REASON_A_NAME]);
		count = nla_get_u64(ra[IOTGW_REASON_A_COUNT]);
		if (show->json) {
			json_add_u64(reasons, name, count);
		} else {
			fputs("reason ", stdout);
			print_word(stdout, name, true);
			printf(" %llu\n", (unsigned long long)count);
		}
	}
	return 0;
}

static int stats_show(int argc, char **argv)
{
	struct stats_show show = { NULL };
	struct iotgw_nl *nl;
	struct nl_msg *msg;
	int rc;

	if (argc > 0)
		return iotgwctl_no_arguments("stats show", argv[0]);
	msg = iotgwctl_request(&nl, IOTGW_CMD_STATS_GET, 0);
	if (!msg)
		return IOTGWCTL_FAIL;
	if (iotgwctl_json) {
		show.json = json_object_new_object();
		if (!show.json) {
			nlmsg_free(msg);
			iotgwctl_error("out of memory");
			return IOTGWCTL_FAIL;
		}
	}
	rc = iotgwctl_transact(nl, "stats show", msg, print_stats, &show);
	if (rc) {
		json_object_put(show.json);
		return rc;
	}
	return show.json ? json_print(show.json) : IOTGWCTL_OK;
}

static int stats_reset(int argc, char **argv)
{
	struct iotgw_nl *nl;
	struct nl_msg *msg;

	if (argc > 0)
		return iotgwctl_no_arguments("stats reset", argv[0]);
	msg = iotgwctl_request(&nl, IOTGW_CMD_STATS_RESET, 0);
	if (!msg)
		return IOTGWCTL_FAIL;
	return iotgwctl_transact(nl, "stats reset", msg, NULL, NULL);
}

int do_stats(int argc, char **argv)
{
	if (argc == 0 || !strcmp(argv[0], "show"))
		return stats_show(argc ? argc - 1 : 0, argv + !!argc);
	if (!strcmp(argv[0], "reset"))
		return stats_reset(argc - 1, argv + 1);
	if (!strcmp(argv[0], "help")) {
		printf("Usage: iotgwctl [ -j ] stats [ show ]\n"
		       "       iotgwctl stats reset\n");
		return IOTGWCTL_OK;
	}
	return iotgwctl_unknown_command("stats", argv[0]);
}
