/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _IOTGW_VERSION_H
#define _IOTGW_VERSION_H

#define IOTGW_VERSION "0.1.0"

#endif /* _IOTGW_VERSION_H */
