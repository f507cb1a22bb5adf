/* SPDX-License-Identifier: GPL-2.0 */
/*
 * For the iotgwd tests that need a broker: a mosquitto of our own on a
 * free port of 127.0.0.1 (its ACL denies publishing to denied/#), that a
 * test can stop, freeze (SIGSTOP) and start again, and a subscriber on
 * "#" with MQTT 5.
 */
#ifndef IOTGWD_TEST_MOSQUITTO_H
#define IOTGWD_TEST_MOSQUITTO_H

#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <mosquitto.h>

struct mosquitto_rig {
	const char *exe;	/* NULL: mosquitto is not installed */
	char dir[64];
	char conf[128];
	int port;
	pid_t pid;
	struct mosquitto *sub;
};

static inline const char *mosq_rig_find_mosquitto(void)
{
	static const char *const paths[] = {
		"/usr/sbin/mosquitto", "/usr/local/sbin/mosquitto",
		"/usr/bin/mosquitto",
	};

	for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]); i++)
		if (access(paths[i], X_OK) == 0)
			return paths[i];
	return NULL;
}

static inline int mosq_rig_free_port(void)
{
	struct sockaddr_in a = { .sin_family = AF_INET,
				 .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof(a);
	int fd = socket(AF_INET, SOCK_STREAM, 0), port = -1;

	if (fd < 0)
		return -1;
	if (bind(fd, (struct sockaddr *)&a, sizeof(a)) == 0 &&
	    getsockname(fd, (struct sockaddr *)&a, &len) == 0)
		port = ntohs(a.sin_port);
	close(fd);
	return port;
}

static inline bool mosq_rig_port_open(int port)
{
	struct sockaddr_in a = { .sin_family = AF_INET,
				 .sin_port = htons((uint16_t)port),
				 .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	bool ok;

	if (fd < 0)
		return false;
	ok = connect(fd, (struct sockaddr *)&a, sizeof(a)) == 0;
	close(fd);
	return ok;
}

/* Start the broker; its pid, once it accepts connections, or -1. */
static inline pid_t mosq_rig_start(struct mosquitto_rig *r)
{
	pid_t pid = fork();

	if (pid == 0) {
		int null = open("/dev/null", O_WRONLY);

		prctl(PR_SET_PDEATHSIG, SIGKILL);
		dup2(null, 1);
		dup2(null, 2);
		execl(r->exe, "mosquitto", "-c", r->conf, (char *)NULL);
		_exit(127);
	}
	for (int i = 0; i < 300 && pid > 0; i++) {
		if (mosq_rig_port_open(r->port))
			return pid;
		usleep(10000);
	}
	return -1;
}

static inline void mosq_rig_kill(struct mosquitto_rig *r)
{
	if (r->pid <= 0)
		return;
	kill(r->pid, SIGKILL);
	waitpid(r->pid, NULL, 0);
	r->pid = 0;
}

/* 0 with the broker running, 1 without mosquitto, -1 on failure. */
static inline int mosq_rig_setup(struct mosquitto_rig *r)
{
	char acl[160];
	FILE *f;

	memset(r, 0, sizeof(*r));
	r->exe = mosq_rig_find_mosquitto();
	if (!r->exe)
		return 1;
	snprintf(r->dir, sizeof(r->dir), "/tmp/iotgwd_test.XXXXXX");
	if (!mkdtemp(r->dir))
		return -1;
	r->port = mosq_rig_free_port();
	snprintf(acl, sizeof(acl), "%s/acl", r->dir);
	f = fopen(acl, "w");
	if (!f)
		return -1;
	fputs("topic readwrite #\ntopic deny denied/#\n", f);
	fclose(f);
	snprintf(r->conf, sizeof(r->conf), "%s/mosquitto.conf", r->dir);
	f = fopen(r->conf, "w");
	if (!f)
		return -1;
	/* user root: stays our child, killed with us (PR_SET_PDEATHSIG) */
	fprintf(f, "listener %d 127.0.0.1\nallow_anonymous true\n"
		"user root\npersistence false\nacl_file %s\n", r->port, acl);
	fclose(f);
	r->pid = mosq_rig_start(r);
	return r->pid > 0 ? 0 : -1;
}

static inline void mosq_rig_teardown(struct mosquitto_rig *r)
{
	char cmd[128];

	if (!r->exe)
		return;
	if (r->sub)
		mosquitto_destroy(r->sub);
	r->sub = NULL;
	mosq_rig_kill(r);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", r->dir);
	if (system(cmd) != 0)
		fprintf(stderr, "# cannot remove %s\n", r->dir);
}

/* Connect (again) a subscriber to "#", MQTT 5, QoS 2. */
static inline int mosq_rig_subscribe(struct mosquitto_rig *r,
			 void (*on_message)(struct mosquitto *, void *,
					    const struct mosquitto_message *,
					    const mosquitto_property *))
{
	if (!r->sub) {
		r->sub = mosquitto_new("iotgwd-test-sub", true, NULL);
		if (!r->sub)
			return -1;
		mosquitto_int_option(r->sub, MOSQ_OPT_PROTOCOL_VERSION,
				     MQTT_PROTOCOL_V5);
		mosquitto_message_v5_callback_set(r->sub, on_message);
	}
	if (mosquitto_connect(r->sub, "127.0.0.1", r->port, 60))
		return -1;
	return mosquitto_subscribe(r->sub, NULL, "#", 2) ? -1 : 0;
}

#endif /* IOTGWD_TEST_MOSQUITTO_H */
