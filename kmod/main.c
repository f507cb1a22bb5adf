// SPDX-License-Identifier: GPL-2.0
/*
 * iotgw: a fast path for IoT sensor gateways. Module load and unload.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>
#include <net/genetlink.h>
#include <uapi/linux/iotgw.h>

#include "netlink.h"
#include "netns.h"
#include "version.h"

static int __init iotgw_init(void)
{
	int err;

	err = iotgw_netns_init();
	if (err)
		return err;

	err = iotgw_genl_init();
	if (err)
		goto err_netns;

	pr_info("version %s loaded\n", IOTGW_VERSION);
	return 0;

err_netns:
	iotgw_netns_exit();
	return err;
}

static void __exit iotgw_exit(void)
{
	iotgw_genl_exit();
	iotgw_netns_exit();
}

module_init(iotgw_init);
module_exit(iotgw_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("IoT gateway fast path: CoAP/MQTT classification and QoS queue");
MODULE_VERSION(IOTGW_VERSION);
MODULE_ALIAS_GENL_FAMILY(IOTGW_GENL_NAME);
