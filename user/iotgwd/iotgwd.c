// SPDX-License-Identifier: GPL-2.0
/*
 * iotgwd: consumes the iotgw kernel module's QoS queue over generic
 * netlink and forwards the messages to cloud MQTT brokers, acking each to
 * the kernel once its broker confirmed it; and carries commands from the
 * brokers to the devices as CoAP requests the kernel sends, answering
 * each with its outcome (downlink.h).
 *
 * Start: read the whole configuration, load its rules into the kernel,
 * bind as the queue's consumer, open the downlink's socket, connect the
 * brokers. Then one poll loop for the signals (signalfd), the consumer
 * socket, the downlink socket and the brokers' sockets. SIGHUP reloads;
 * SIGTERM and SIGINT flush the acks, answer the pending commands, wait up
 * to SHUTDOWN_WAIT_MS for the brokers' outstanding confirmations, commit
 * the spool, unbind and disconnect. -S prints the spool's state from
 * another process, reading the database only.
 */
#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include "broker.h"
#include "clock.h"
#include "config.h"
#include "consumer.h"
#include "downlink.h"
#include "forward.h"
#include "iotgw_nl.h"
#include "log.h"
#include "rules.h"
#include "spool.h"

#ifndef IOTGWD_VERSION
#define IOTGWD_VERSION "unknown"
#endif

#define DEFAULT_CONFIG		"/etc/iotgw/iotgwd.conf"
#define SHUTDOWN_WAIT_MS	2000

#define FIXED_FDS	3

/* Exit statuses. */
#define EXIT_CONFIG	2	/* the configuration is wrong, or the usage */

struct daemon {
	const char *path;
	struct config *cfg;
	struct iotgw_nl nl;	/* requests: rules */
	struct consumer *consumer;
	struct forwarder *fwd;
	struct downlink *dl;
	struct rule_names loaded;
	int signal_fd;
	/* the poll set: signals, consumer, downlink, then the brokers */
	struct pollfd *fds;
	struct broker **polled;	/* the broker of each fds[i], i >= FIXED_FDS */
	size_t fds_size;
	bool stopping;
	uint64_t stop_deadline_ms;
};

static void usage(FILE *out)
{
	fprintf(out,
		"Usage: iotgwd [-c FILE] [-f] [-v]\n"
		"       iotgwd -t [-c FILE]\n"
		"       iotgwd -S [-c FILE]\n"
		"  -c FILE  configuration (default " DEFAULT_CONFIG ")\n"
		"  -f       stay in the foreground, log to stderr only\n"
		"  -v       log every message forwarded and acked\n"
		"  -t       check the configuration and exit\n"
		"  -S       print the spool's rows and counters and exit\n"
		"  -V       print the version and exit\n"
		"  -h       this help\n");
}

/* The forwarder's acks and nacks go to the consumer's batches. */
static void sink_ack(void *arg, uint64_t id, uint64_t now_ms)
{
	struct daemon *d = arg;

	consumer_ack(d->consumer, id, now_ms);
}

static void sink_nack(void *arg, uint64_t id, uint64_t now_ms)
{
	struct daemon *d = arg;

	consumer_nack(d->consumer, id, now_ms);
}

static void sink_reject(void *arg, uint64_t id, uint8_t code, uint64_t now_ms)
{
	struct daemon *d = arg;

	consumer_reject(d->consumer, id, code, now_ms);
}

static void on_queue_msg(struct queue_msg *m, void *arg)
{
	struct daemon *d = arg;

	forwarder_on_msg(m, d->fwd);
}

static int open_signals(void)
{
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	if (sigprocmask(SIG_BLOCK, &set, NULL) < 0)
		return -1;
	signal(SIGPIPE, SIG_IGN);
	return signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
}

static void reload(struct daemon *d)
{
	struct config *cfg;
	char err[512];
	int rc;

	log_info("SIGHUP: reading %s again", d->path);
	rc = config_load(d->path, &cfg, err, sizeof(err));
	if (rc) {
		log_error("%s", err);
		log_error("keeping the configuration in use");
		return;
	}
	rc = rules_update(&d->nl, d->cfg, cfg, &d->loaded, err, sizeof(err));
	if (rc) {
		log_error("%s", err);
		log_error("keeping the configuration in use (the rules changed before this one stay changed)");
		config_free(cfg);
		return;
	}
	if (cfg->credit != d->cfg->credit || cfg->retry_ms != d->cfg->retry_ms) {
		rc = consumer_bind(d->consumer, cfg->credit, cfg->retry_ms,
				   err, sizeof(err));
		if (rc)
			log_error("%s; the queue keeps credit %u, retry-ms %u",
				  err, d->cfg->credit, d->cfg->retry_ms);
	}
	rc = forwarder_reconfigure(d->fwd, cfg, clock_now_ms(), err,
				   sizeof(err));
	if (rc) {
		log_error("%s; keeping the brokers in use", err);
		config_free(cfg);
		return;
	}
	downlink_reconfigure(d->dl, cfg);
	config_free(d->cfg);
	d->cfg = cfg;
	log_info("%s: brokers: %zu, rules: %zu, devices: %zu", d->path,
		 cfg->n_brokers, cfg->n_rules, cfg->n_devices);
}

static void handle_signals(struct daemon *d)
{
	struct signalfd_siginfo si;

	while (read(d->signal_fd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
		if (si.ssi_signo == SIGHUP) {
			if (!d->stopping)
				reload(d);
			continue;
		}
		if (d->stopping)
			continue;
		log_info("%s: stopping", strsignal((int)si.ssi_signo));
		d->stopping = true;
		d->stop_deadline_ms = clock_now_ms() + SHUTDOWN_WAIT_MS;
		forwarder_stop_accepting(d->fwd);
		downlink_stop(d->dl);
		consumer_flush(d->consumer);
	}
}

static int min_timeout(int a, int b)
{
	if (a < 0)
		return b;
	if (b < 0)
		return a;
	return a < b ? a : b;
}

static int grow_poll_set(struct daemon *d, size_t n)
{
	struct pollfd *fds;
	struct broker **polled;

	if (n <= d->fds_size)
		return 0;
	fds = realloc(d->fds, n * sizeof(*fds));
	if (!fds)
		return -ENOMEM;
	d->fds = fds;
	polled = realloc(d->polled, n * sizeof(*polled));
	if (!polled)
		return -ENOMEM;
	d->polled = polled;
	d->fds_size = n;
	return 0;
}

static void cork_brokers(struct daemon *d, bool on)
{
	for (size_t i = 0; i < forwarder_n_brokers(d->fwd); i++) {
		struct broker *b = forwarder_broker(d->fwd, i);

		if (on)
			broker_cork(b);
		else
			broker_uncork(b);
	}
}

/*
 * One turn's work on what poll() found ready in @fds (@n of them), then
 * the timers. What it writes to each broker (a netlink batch of up to
 * queue-batch messages, a spool's lane, acks) leaves together at its end.
 * Returns 0, or -1 when a netlink socket broke.
 */
static int run_turn(struct daemon *d, const struct pollfd *fds, nfds_t n,
		    uint64_t now)
{
	int err = 0;

	cork_brokers(d, true);
	if (fds[1].revents && consumer_receive(d->consumer) < 0) {
		log_error("the netlink socket broke");
		err = -1;
		goto out;
	}
	if (fds[2].revents && downlink_receive(d->dl) < 0) {
		log_error("the downlink's netlink socket broke");
		err = -1;
		goto out;
	}
	for (nfds_t i = FIXED_FDS; i < n; i++)
		if (fds[i].revents)
			broker_handle(d->polled[i], fds[i].revents, now);
	forwarder_tick(d->fwd, now);
	consumer_tick(d->consumer, now);
	downlink_tick(d->dl, now);
out:
	cork_brokers(d, false);
	return err;
}

/* The poll loop, until a stop signal and the wait after it. */
static int run(struct daemon *d)
{
	for (;;) {
		size_t n_brokers = forwarder_n_brokers(d->fwd);
		uint64_t now = clock_now_ms();
		struct pollfd *fds;
		nfds_t n = FIXED_FDS;
		int timeout;

		if (d->stopping && ((forwarder_unconfirmed(d->fwd) == 0 &&
				     downlink_unconfirmed(d->dl) == 0) ||
				    now >= d->stop_deadline_ms))
			return 0;
		if (grow_poll_set(d, FIXED_FDS + n_brokers) < 0) {
			log_error("out of memory");
			return 1;
		}
		fds = d->fds;
		fds[0] = (struct pollfd){ .fd = d->signal_fd, .events = POLLIN };
		fds[1] = (struct pollfd){ .fd = consumer_fd(d->consumer),
					  .events = POLLIN };
		fds[2] = (struct pollfd){ .fd = downlink_fd(d->dl),
					  .events = POLLIN };
		for (size_t i = 0; i < n_brokers; i++) {
			struct broker *b = forwarder_broker(d->fwd, i);
			int fd = broker_fd(b);

			if (fd < 0)
				continue;
			fds[n] = (struct pollfd){
				.fd = fd, .events = broker_poll_events(b),
			};
			d->polled[n++] = b;
		}
		timeout = min_timeout(forwarder_timeout_ms(d->fwd, now),
				      consumer_timeout_ms(d->consumer, now));
		timeout = min_timeout(timeout, downlink_timeout_ms(d->dl, now));
		if (d->stopping)
			timeout = min_timeout(timeout,
					      (int)(d->stop_deadline_ms - now));
		if (poll(fds, n, timeout) < 0 && errno != EINTR) {
			log_error("poll: %s", strerror(errno));
			return 1;
		}
		if (run_turn(d, fds, n, clock_now_ms()) < 0)
			return 1;
		/* Last: a reload may replace the brokers polled above. */
		if (fds[0].revents)
			handle_signals(d);
	}
}

static void stop(struct daemon *d)
{
	char err[256];
	size_t left = forwarder_unconfirmed(d->fwd);

	if (left)
		log_warn("%zu messages not confirmed by their broker: the kernel sends them again",
			 left);
	/* after an error too: what is pending is answered, not dropped */
	if (!d->stopping) {
		d->stopping = true;
		downlink_stop(d->dl);
	}
	/* the spool's last transaction: its messages acked below */
	forwarder_sync(d->fwd);
	consumer_flush(d->consumer);
	if (consumer_unbind(d->consumer, err, sizeof(err)) < 0)
		log_error("%s", err);
	forwarder_disconnect(d->fwd);
}

/* Everything up to the poll loop; returns an exit status, or -1 to go on. */
static int start(struct daemon *d, bool foreground)
{
	struct forward_sink sink = {
		.ack = sink_ack, .nack = sink_nack, .reject = sink_reject,
		.arg = d,
	};
	char err[512];

	d->signal_fd = open_signals();
	if (d->signal_fd < 0) {
		log_error("signalfd: %s", strerror(errno));
		return 1;
	}
	if (broker_lib_init() < 0) {
		log_error("cannot initialise libmosquitto");
		return 1;
	}
	if (iotgw_nl_open(&d->nl) < 0) {
		log_error("%s", d->nl.error);
		return 1;
	}
	if (rules_load(&d->nl, d->cfg, &d->loaded, err, sizeof(err)) < 0) {
		log_error("%s", err);
		return 1;
	}
	d->fwd = forwarder_new(d->cfg, &sink, err, sizeof(err));
	if (!d->fwd) {
		log_error("%s", err);
		return 1;
	}
	d->consumer = consumer_open(d->nl.family, on_queue_msg, d, err,
				    sizeof(err));
	if (!d->consumer) {
		log_error("%s", err);
		return 1;
	}
	if (consumer_bind(d->consumer, d->cfg->credit, d->cfg->retry_ms, err,
			  sizeof(err)) < 0) {
		log_error("%s", err);
		return 1;
	}
	d->dl = downlink_new(d->cfg, d->fwd, d->nl.family, err, sizeof(err));
	if (!d->dl) {
		log_error("%s", err);
		return 1;
	}
	if (!foreground) {
		if (daemon(0, 0) < 0) {
			log_error("daemon: %s", strerror(errno));
			return 1;
		}
		log_close();
		log_open(true, log_is_verbose());
	}
	log_info("bound to the queue (credit %u, retry-ms %u); brokers: %zu, rules: %zu, devices: %zu",
		 d->cfg->credit, d->cfg->retry_ms, d->cfg->n_brokers,
		 d->cfg->n_rules, d->cfg->n_devices);
	forwarder_start(d->fwd, clock_now_ms());
	return -1;
}

static void cleanup(struct daemon *d)
{
	downlink_free(d->dl);
	forwarder_free(d->fwd);
	consumer_close(d->consumer);
	if (d->nl.sock)
		iotgw_nl_close(&d->nl);
	rule_names_free(&d->loaded);
	config_free(d->cfg);
	broker_lib_cleanup();
	if (d->signal_fd >= 0)
		close(d->signal_fd);
	free(d->fds);
	free(d->polled);
	log_close();
}

/* -S: the spool's state, iproute2 style; an exit status. */
static int print_spool_status(const struct config *cfg)
{
	const struct spool_counters *c;
	struct spool_status st;
	char err[512];

	if (!cfg->spool.path) {
		fprintf(stderr, "iotgwd: %s has no [spool] path\n", cfg->path);
		return 1;
	}
	if (spool_read_status(cfg->spool.path, clock_wall_ms(), &st, err,
			      sizeof(err)) < 0) {
		fprintf(stderr, "iotgwd: %s\n", err);
		return 1;
	}
	c = &st.counters;
	printf("spool %s rows %llu bytes %llu max-bytes %llu oldest %llums max-age %us last-seq %lld\n",
	       cfg->spool.path, (unsigned long long)st.rows,
	       (unsigned long long)st.bytes,
	       (unsigned long long)cfg->spool.lim.max_bytes,
	       (unsigned long long)st.oldest_age_ms, cfg->spool.lim.max_age_s,
	       (long long)st.last_seq);
	printf("    spooled %llu drained %llu dropped-age %llu dropped-overflow %llu refused %llu commits %llu",
	       (unsigned long long)c->spooled, (unsigned long long)c->drained,
	       (unsigned long long)c->dropped_age,
	       (unsigned long long)c->dropped_overflow,
	       (unsigned long long)c->refused,
	       (unsigned long long)c->commits);
	/* flash wear: fsync'd transactions per 1,000 rows written */
	if (c->spooled)
		printf(" commits-per-1000 %.1f",
		       (double)c->commits * 1000 / (double)c->spooled);
	putchar('\n');
	return 0;
}

int main(int argc, char **argv)
{
	struct daemon d = { .path = DEFAULT_CONFIG, .signal_fd = -1 };
	bool foreground = false, verbose = false, check_only = false;
	bool spool_status = false;
	char err[512];
	int opt, status;

	while ((opt = getopt(argc, argv, "c:fvtSVh")) != -1) {
		switch (opt) {
		case 'c':
			d.path = optarg;
			break;
		case 'f':
			foreground = true;
			break;
		case 'v':
			verbose = true;
			break;
		case 't':
			check_only = true;
			break;
		case 'S':
			spool_status = true;
			break;
		case 'V':
			printf("iotgwd %s\n", IOTGWD_VERSION);
			return 0;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return EXIT_CONFIG;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "iotgwd: unexpected argument \"%s\"\n",
			argv[optind]);
		usage(stderr);
		return EXIT_CONFIG;
	}
	log_open(false, verbose);
	if (config_load(d.path, &d.cfg, err, sizeof(err)) < 0) {
		log_error("%s", err);
		return EXIT_CONFIG;
	}
	if (spool_status) {
		status = print_spool_status(d.cfg);
		config_free(d.cfg);
		return status;
	}
	if (check_only) {
		printf("iotgwd: %s: configuration ok (brokers: %zu, rules: %zu, devices: %zu)\n",
		       d.path, d.cfg->n_brokers, d.cfg->n_rules,
		       d.cfg->n_devices);
		config_free(d.cfg);
		return 0;
	}
	status = start(&d, foreground);
	if (status < 0) {
		status = run(&d);
		stop(&d);
	}
	cleanup(&d);
	return status;
}
