/* SPDX-License-Identifier: GPL-2.0 */
#ifndef IOTGWCTL_H
#define IOTGWCTL_H

#include <stdbool.h>

#include "iotgw_nl.h"

/*
 * Exit codes, as iproute2: 0 done, 1 refused or failed, 2 usage error;
 * and for coap request, the device's answer: 3 a response other than
 * 2.xx, 4 none (timeout, reset, unreachable).
 */
enum {
	IOTGWCTL_OK = 0,
	IOTGWCTL_FAIL = 1,
	IOTGWCTL_USAGE = 2,
	IOTGWCTL_ERROR_RESPONSE = 3,
	IOTGWCTL_NO_RESPONSE = 4,
};

/* Global options: -j (JSON output), -s (statistics). */
extern bool iotgwctl_json;
extern bool iotgwctl_stats;

/* Print "iotgwctl: [FILE:LINE: ]..." to stderr (FILE:LINE in a batch). */
void iotgwctl_error(const char *fmt, ...)
	__attribute__((format(printf, 1, 2)));

/*
 * The connection to the family, opened on first use and kept for the
 * rest of the run (a batch sends every command on it). NULL, after
 * printing why, when the family cannot be reached.
 */
struct iotgw_nl *iotgwctl_nl(void);

/*
 * A request for @cmd with @flags on the connection, or NULL after printing
 * why (no family, out of memory). *nlp is set to the connection.
 */
struct nl_msg *iotgwctl_request(struct iotgw_nl **nlp, uint8_t cmd,
				int flags);

/*
 * Send @msg (consumed), hand each reply to @on_reply, and on failure print
 * "@what: <errno text>: <kernel's message>". Returns an exit code.
 */
int iotgwctl_transact(struct iotgw_nl *nl, const char *what,
		      struct nl_msg *msg,
		      int (*on_reply)(struct nl_msg *reply, void *arg),
		      void *arg);

struct json_object;

/*
 * Send the get or dump @msg (consumed) and hand each reply to @on_reply,
 * as iotgwctl_transact(). With -j, *@array is a new JSON array for
 * @on_reply (through @arg) to fill, printed at the end; NULL otherwise.
 * Returns an exit code.
 */
int iotgwctl_show(struct iotgw_nl *nl, const char *what, struct nl_msg *msg,
		  int (*on_reply)(struct nl_msg *reply, void *arg), void *arg,
		  struct json_object **array);

/* Usage errors shared by the objects; each returns IOTGWCTL_USAGE. */
int iotgwctl_unknown_command(const char *object, const char *word);
int iotgwctl_no_arguments(const char *what, const char *word);

/* Print the module version, and with !version_only the configuration. */
int config_show(bool version_only);

/* OBJECT handlers: argv[0] is the COMMAND (argc may be 0). */
int do_coap(int argc, char **argv);
int do_config(int argc, char **argv);
int do_device(int argc, char **argv);
int do_flow(int argc, char **argv);
int do_monitor(int argc, char **argv);
int do_queue(int argc, char **argv);
int do_rule(int argc, char **argv);
int do_stats(int argc, char **argv);

#endif /* IOTGWCTL_H */
