// SPDX-License-Identifier: GPL-2.0
/*
 * iotgwctl: configure and inspect the iotgw kernel module.
 * Grammar: iotgwctl [OPTIONS] OBJECT [COMMAND [ARGS...]]
 *          iotgwctl [OPTIONS] -batch FILE
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "iotgwctl.h"
#include "json.h"
#include "parse.h"

bool iotgwctl_json;
bool iotgwctl_stats;

/* Where the command being run comes from, in a batch. */
static const char *batch_file;
static unsigned long batch_line;

static struct iotgw_nl conn;
static bool conn_open;

static void usage(FILE *out)
{
	fprintf(out,
		"Usage: iotgwctl [OPTIONS] OBJECT [COMMAND [ARGS...]]\n"
		"       iotgwctl [OPTIONS] -batch FILE\n"
		"where  OBJECT := { rule | stats | flow | queue | coap | device | monitor |\n"
		"                  config | version | help }\n"
		"       OPTIONS := { -j | -s | -V | -h }\n"
		"\n"
		"  iotgwctl rule { add | replace } NAME filter FILTER\n"
		"          [ proto { coap | mqtt | any } ] [ hook { in | fwd | any } ]\n"
		"          action { accept | drop | mark | ratelimit | capture | ingest }\n"
		"          [ qos { 0 | 1 | 2 } ] [ confirm { admit | store | cloud } ]\n"
		"          [ mark N ] [ skb-priority N ] [ rate N ] [ burst N ]\n"
		"          [ per-source ] [ no-rst ] [ prio N ]\n"
		"  iotgwctl rule del NAME\n"
		"  iotgwctl rule show [ NAME ]       -s: with counters\n"
		"  iotgwctl rule flush\n"
		"  iotgwctl stats [ show ]\n"
		"  iotgwctl stats reset\n"
		"  iotgwctl flow [ show ]            tracked MQTT connections\n"
		"  iotgwctl queue [ show ]           the QoS queue and its consumer\n"
		"  iotgwctl queue flush              drop every queued message\n"		"  iotgwctl coap request [ con | non ] METHOD URI [ payload DATA ]\n"
		"          [ format FORMAT ] [ timeout MS ] [ cookie N64 ]\n"
		"                                    a request to a device, and its outcome\n"
		"  iotgwctl device [ show ]          CoAP devices heard from\n"
		"  iotgwctl monitor [ count N ]      classification events as they come\n"
		"  iotgwctl config show              module version and configuration\n"
		"  iotgwctl config set KEY VALUE [ KEY VALUE ... ]\n"
		"  iotgwctl version                  module and tool versions\n"
		"where  KEY := { coap-port | mqtt-port | max-rules | flow-max |\n"
		"                flow-idle-ms | queue-max-bytes | queue-max-msgs |\n"
		"                event-rate | queue-ttl-ms | queue-busy-max-age |\n"
		"                dedup-max | coap-ack-timeout-ms | coap-ack-random-factor |\n"
		"                coap-max-retransmit | coap-nstart | coap-requests-max |\n"
		"                device-max | confirm-timeout-ms | queue-batch }\n"
		"       METHOD := { get | post | put | delete | fetch | patch | ipatch | 1-31 }\n"
		"       URI := coap://{ IPV4 | [IPV6] }[:PORT][/PATH]\n"
		"       FORMAT := { text | link | xml | octets | exi | json | cbor | 0-65535 }\n"
		"       MS := 100-3600000 (default: the kernel's, 93 s)\n"
		"       N := a 32-bit number, decimal or 0x hexadecimal (N64: 64-bit)\n"
		"\n"
		"  -j  JSON output          -s  per-rule counters in rule show\n"
		"  -batch FILE  one command a line (- for stdin), stop at the first failure\n"
		"  -V  tool version         -h  this help\n"
		"Exit status: 0 done, 1 failed or refused, 2 usage error; coap request:\n"
		"  3 a response other than 2.xx, 4 no response (timeout, reset, unreachable)\n");
}

void iotgwctl_error(const char *fmt, ...)
{
	va_list ap;

	fflush(stdout);
	fputs("iotgwctl: ", stderr);
	if (batch_file)
		fprintf(stderr, "%s:%lu: ", batch_file, batch_line);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

int iotgwctl_unknown_command(const char *object, const char *word)
{
	iotgwctl_error("unknown %s command \"%s\"; try \"iotgwctl help\"",
		       object, word);
	return IOTGWCTL_USAGE;
}

int iotgwctl_no_arguments(const char *what, const char *word)
{
	iotgwctl_error("%s takes no arguments, got \"%s\"", what, word);
	return IOTGWCTL_USAGE;
}

struct iotgw_nl *iotgwctl_nl(void)
{
	if (conn_open)
		return &conn;
	if (iotgw_nl_open(&conn) < 0) {
		iotgwctl_error("%s", conn.error);
		return NULL;
	}
	conn_open = true;
	return &conn;
}

static void iotgwctl_nl_close(void)
{
	if (conn_open)
		iotgw_nl_close(&conn);
	conn_open = false;
}

struct nl_msg *iotgwctl_request(struct iotgw_nl **nlp, uint8_t cmd,
				int flags)
{
	struct iotgw_nl *nl = iotgwctl_nl();
	struct nl_msg *msg;

	if (!nl)
		return NULL;
	msg = iotgw_nl_request(nl, cmd, flags);
	if (!msg) {
		iotgwctl_error("out of memory");
		return NULL;
	}
	*nlp = nl;
	return msg;
}

int iotgwctl_transact(struct iotgw_nl *nl, const char *what,
		      struct nl_msg *msg,
		      int (*on_reply)(struct nl_msg *reply, void *arg),
		      void *arg)
{
	if (iotgw_nl_transact(nl, msg, on_reply, arg)) {
		iotgwctl_error("%s: %s", what, nl->error);
		return IOTGWCTL_FAIL;
	}
	return IOTGWCTL_OK;
}

int iotgwctl_show(struct iotgw_nl *nl, const char *what, struct nl_msg *msg,
		  int (*on_reply)(struct nl_msg *reply, void *arg), void *arg,
		  struct json_object **array)
{
	int rc;

	*array = NULL;
	if (iotgwctl_json) {
		*array = json_object_new_array();
		if (!*array) {
			nlmsg_free(msg);
			iotgwctl_error("out of memory");
			return IOTGWCTL_FAIL;
		}
	}
	rc = iotgwctl_transact(nl, what, msg, on_reply, arg);
	if (rc) {
		json_object_put(*array);
		*array = NULL;
		return rc;
	}
	return *array ? json_print(*array) : IOTGWCTL_OK;
}

static int do_version(int argc, char **argv)
{
	if (argc > 0)
		return iotgwctl_no_arguments("version", argv[0]);
	return config_show(true);
}

static int do_help(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	usage(stdout);
	return IOTGWCTL_OK;
}

static const struct {
	const char *name;
	int (*run)(int argc, char **argv);
} objects[] = {
	{ "rule", do_rule },
	{ "stats", do_stats },
	{ "flow", do_flow },
	{ "queue", do_queue },
	{ "coap", do_coap },
	{ "device", do_device },
	{ "monitor", do_monitor },
	{ "config", do_config },
	{ "version", do_version },
	{ "help", do_help },
};

/* argv[0] is the OBJECT. */
static int dispatch(int argc, char **argv)
{
	size_t i;

	for (i = 0; i < sizeof(objects) / sizeof(objects[0]); i++)
		if (!strcmp(argv[0], objects[i].name))
			return objects[i].run(argc - 1, argv + 1);
	iotgwctl_error("unknown object \"%s\"; try \"iotgwctl help\"", argv[0]);
	return IOTGWCTL_USAGE;
}

/* Run each line of @file; stop at the first failure and return its code. */
static int run_batch(const char *file)
{
	bool is_stdin = !strcmp(file, "-");
	FILE *f = is_stdin ? stdin : fopen(file, "r");
	char *line = NULL, **argv;
	size_t cap = 0;
	int rc = IOTGWCTL_OK, argc, err;

	if (!f) {
		iotgwctl_error("cannot open batch file \"%s\": %s", file,
			       strerror(errno));
		return IOTGWCTL_FAIL;
	}
	batch_file = is_stdin ? "stdin" : file;
	batch_line = 0;
	while (getline(&line, &cap, f) >= 0) {
		batch_line++;
		err = split_words(line, &argv, &argc);
		if (err == -EINVAL) {
			iotgwctl_error("unterminated quote");
			rc = IOTGWCTL_USAGE;
			break;
		} else if (err) {
			iotgwctl_error("out of memory");
			rc = IOTGWCTL_FAIL;
			break;
		}
		if (argc > 0)
			rc = dispatch(argc, argv);
		free(argv);
		if (rc)
			break;
	}
	if (!rc && ferror(f)) {
		iotgwctl_error("cannot read: %s", strerror(errno));
		rc = IOTGWCTL_FAIL;
	}
	free(line);
	if (!is_stdin)
		fclose(f);
	batch_file = NULL;
	return rc;
}

int main(int argc, char **argv)
{
	const char *batch = NULL;
	int rc;

	argc--;
	argv++;
	while (argc > 0 && argv[0][0] == '-') {
		const char *opt = argv[0];

		if (!strcmp(opt, "-h") || !strcmp(opt, "-help") ||
		    !strcmp(opt, "--help")) {
			usage(stdout);
			return IOTGWCTL_OK;
		} else if (!strcmp(opt, "-V") || !strcmp(opt, "-Version") ||
			   !strcmp(opt, "--version")) {
			printf("iotgwctl %s\n", IOTGWCTL_VERSION);
			return IOTGWCTL_OK;
		} else if (!strcmp(opt, "-j") || !strcmp(opt, "-json")) {
			iotgwctl_json = true;
		} else if (!strcmp(opt, "-s") || !strcmp(opt, "-stats")) {
			iotgwctl_stats = true;
		} else if (!strcmp(opt, "-batch")) {
			if (argc < 2) {
				iotgwctl_error("-batch needs a FILE (- for stdin)");
				return IOTGWCTL_USAGE;
			}
			batch = argv[1];
			argc--;
			argv++;
		} else {
			iotgwctl_error("unknown option \"%s\"; try \"iotgwctl help\"",
				       opt);
			return IOTGWCTL_USAGE;
		}
		argc--;
		argv++;
	}
	if (batch && argc > 0) {
		iotgwctl_error("-batch takes no OBJECT on the command line, got \"%s\"",
			       argv[0]);
		return IOTGWCTL_USAGE;
	}
	if (batch) {
		rc = run_batch(batch);
	} else if (argc == 0) {
		usage(stderr);
		return IOTGWCTL_USAGE;
	} else {
		rc = dispatch(argc, argv);
	}
	iotgwctl_nl_close();
	if (fflush(stdout) == EOF || ferror(stdout)) {
		iotgwctl_error("cannot write the output: %s", strerror(errno));
		if (!rc)
			rc = IOTGWCTL_FAIL;
	}
	return rc;
}
