/* SPDX-License-Identifier: GPL-2.0 */
/*
 * iotgwd's log: every line to stderr with the prefix "iotgwd: ", and to
 * syslog once the daemon left the terminal; -v adds the per-message lines.
 * A rate limit keeps a flood of the same complaint to a few lines.
 */
#ifndef IOTGWD_LOG_H
#define IOTGWD_LOG_H

#include <stdbool.h>
#include <stdint.h>

void log_open(bool to_syslog, bool verbose);
void log_close(void);
bool log_is_verbose(void);

void log_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Only with -v. */
void log_verbose(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* At most LOG_RATELIMIT_BURST lines every LOG_RATELIMIT_MS. */
#define LOG_RATELIMIT_BURST	5
#define LOG_RATELIMIT_MS	10000

struct log_ratelimit {
	uint64_t window_start_ms;
	unsigned int printed;
	unsigned int suppressed;
};

/*
 * Whether to print one more line now; when a new window starts after
 * lines were suppressed, says how many first.
 */
bool log_ratelimit_allow(struct log_ratelimit *rl, uint64_t now_ms);

#endif /* IOTGWD_LOG_H */
