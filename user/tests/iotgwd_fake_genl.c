// SPDX-License-Identifier: GPL-2.0
/*
 * For user/tests/iotgwd_daemon_test.c: an LD_PRELOAD library that points
 * iotgwd's generic netlink sockets at a stand-in for the kernel. Every
 * socket is a NETLINK_USERSOCK one whose peer is the port in
 * $IOTGWD_FAKE_KERNEL_PORT (the test's socket, answering as the iotgw
 * family would), and the family "iotgw" resolves to IOTGWD_FAKE_FAMILY.
 */
#include <stdlib.h>
#include <string.h>

#include <linux/netlink.h>
#include <netlink/genl/ctrl.h>
#include <netlink/genl/genl.h>
#include <netlink/socket.h>

#define IOTGWD_FAKE_FAMILY 0x42		/* as in iotgwd_daemon_test.c */

int genl_connect(struct nl_sock *sk)
{
	const char *port = getenv("IOTGWD_FAKE_KERNEL_PORT");
	int err = nl_connect(sk, NETLINK_USERSOCK);

	if (err < 0)
		return err;
	if (port)
		nl_socket_set_peer_port(sk, (uint32_t)strtoul(port, NULL, 10));
	return 0;
}

int genl_ctrl_resolve(struct nl_sock *sk, const char *name)
{
	(void)sk;
	return strcmp(name, "iotgw") ? -NLE_OBJ_NOTFOUND : IOTGWD_FAKE_FAMILY;
}
