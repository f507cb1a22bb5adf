// SPDX-License-Identifier: GPL-2.0
/*
 * iotgwctl: configure and inspect the iotgw kernel module.
 * Grammar: iotgwctl [OPTIONS] OBJECT [COMMAND [ARGS...]]
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "iotgwctl.h"

static void usage(FILE *out)
{
	fprintf(out,
		"Usage: iotgwctl [OPTIONS] OBJECT [COMMAND [ARGS...]]\n"
		"where  OBJECT := { config | version | help }\n"
		"       OPTIONS := { -V | -h }\n"
		"\n"
		"  iotgwctl config show     module version and this namespace's configuration\n"
		"  iotgwctl version         module and tool versions\n");
}

void iotgwctl_error(const char *fmt, ...)
{
	va_list ap;

	fputs("iotgwctl: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

int iotgwctl_open(struct iotgw_nl *nl)
{
	if (iotgw_nl_open(nl) < 0) {
		iotgwctl_error("%s", nl->error);
		return IOTGWCTL_FAIL;
	}
	return IOTGWCTL_OK;
}

static int do_version(int argc, char **argv)
{
	if (argc > 0) {
		iotgwctl_error("version takes no arguments, got \"%s\"", argv[0]);
		return IOTGWCTL_USAGE;
	}
	printf("iotgwctl %s\n", IOTGWCTL_VERSION);
	return config_show(1);
}

static const struct {
	const char *name;
	int (*run)(int argc, char **argv);
} objects[] = {
	{ "config", do_config },
	{ "version", do_version },
};

int main(int argc, char **argv)
{
	size_t i;

	while (argc > 1 && argv[1][0] == '-') {
		if (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")) {
			usage(stdout);
			return IOTGWCTL_OK;
		} else if (!strcmp(argv[1], "-V") ||
			   !strcmp(argv[1], "--version")) {
			printf("iotgwctl %s\n", IOTGWCTL_VERSION);
			return IOTGWCTL_OK;
		}
		iotgwctl_error("unknown option \"%s\"; try \"iotgwctl help\"",
			       argv[1]);
		return IOTGWCTL_USAGE;
	}
	if (argc < 2) {
		usage(stderr);
		return IOTGWCTL_USAGE;
	}
	if (!strcmp(argv[1], "help")) {
		usage(stdout);
		return IOTGWCTL_OK;
	}
	for (i = 0; i < sizeof(objects) / sizeof(objects[0]); i++)
		if (!strcmp(argv[1], objects[i].name))
			return objects[i].run(argc - 2, argv + 2);

	iotgwctl_error("unknown object \"%s\"; try \"iotgwctl help\"", argv[1]);
	return IOTGWCTL_USAGE;
}
