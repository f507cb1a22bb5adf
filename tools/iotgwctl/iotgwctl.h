/* SPDX-License-Identifier: GPL-2.0 */
#ifndef IOTGWCTL_H
#define IOTGWCTL_H

#include "iotgw_nl.h"

/* Exit codes, as iproute2: 0 done, 1 refused or failed, 2 usage error. */
enum { IOTGWCTL_OK = 0, IOTGWCTL_FAIL = 1, IOTGWCTL_USAGE = 2 };

/* Print "iotgwctl: ..." to stderr. */
void iotgwctl_error(const char *fmt, ...)
	__attribute__((format(printf, 1, 2)));

/* Open the family or explain why not; returns 0 or IOTGWCTL_FAIL. */
int iotgwctl_open(struct iotgw_nl *nl);

/* Print the module version, and with !version_only the configuration. */
int config_show(int version_only);
int do_config(int argc, char **argv);

#endif /* IOTGWCTL_H */
