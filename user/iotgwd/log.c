// SPDX-License-Identifier: GPL-2.0
/* iotgwd's log: stderr and, in the background, syslog. */
#include "log.h"

#include <stdarg.h>
#include <stdio.h>
#include <syslog.h>

static bool use_syslog;
static bool verbose;

void log_open(bool to_syslog, bool be_verbose)
{
	use_syslog = to_syslog;
	verbose = be_verbose;
	if (use_syslog)
		openlog("iotgwd", LOG_PID, LOG_DAEMON);
}

void log_close(void)
{
	if (use_syslog)
		closelog();
	use_syslog = false;
}

bool log_is_verbose(void)
{
	return verbose;
}

static void log_line(int priority, const char *fmt, va_list ap)
{
	va_list copy;

	va_copy(copy, ap);
	fputs("iotgwd: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	if (use_syslog)
		vsyslog(priority, fmt, copy);
	va_end(copy);
}

#define LOG_FUNC(name, priority, cond)			\
	void name(const char *fmt, ...)			\
	{						\
		va_list ap;				\
							\
		if (!(cond))				\
			return;				\
		va_start(ap, fmt);			\
		log_line(priority, fmt, ap);		\
		va_end(ap);				\
	}

LOG_FUNC(log_error, LOG_ERR, true)
LOG_FUNC(log_warn, LOG_WARNING, true)
LOG_FUNC(log_info, LOG_INFO, true)
LOG_FUNC(log_verbose, LOG_DEBUG, verbose)

bool log_ratelimit_allow(struct log_ratelimit *rl, uint64_t now_ms)
{
	if (rl->printed == 0 ||
	    now_ms - rl->window_start_ms >= LOG_RATELIMIT_MS) {
		if (rl->suppressed)
			log_warn("%u similar messages suppressed",
				 rl->suppressed);
		rl->window_start_ms = now_ms;
		rl->printed = 0;
		rl->suppressed = 0;
	}
	if (rl->printed < LOG_RATELIMIT_BURST) {
		rl->printed++;
		return true;
	}
	rl->suppressed++;
	return false;
}
