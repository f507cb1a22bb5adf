#!/bin/bash
# The gateway scenario `make demo` runs inside the VM, narrated. It grows
# with the project: today sensors send CoAP through the gateway to a
# server in the cloud namespace and the module classifies it by topic.
set -u
export PATH=$IOTGW_TOP/tools/iotgwctl:$PATH
. "$IOTGW_TOP/selftests/iotgw/lib.sh"

say() { printf '\n== %s\n' "$*"; }
show() { printf '$ %s\n' "$*"; "$@"; }
gw() { printf '$ iotgwctl %s\n' "$*"; ip netns exec "$G" iotgwctl "$@"; }
sensor() {
	printf '$ coap-client %s\n' "$*"
	ip netns exec "$S" timeout 10 coap-client-notls -B 3 "$@" 2>&1 |
		sed 's/^/  /'
	echo "  (exit $?)"
}

say "kernel $(uname -r): loading the iotgw module"
show insmod "$IOTGW_KO" || exit 1
show iotgwctl version

say "three hosts: sensor 10.10.1.2 -- gateway -- cloud 10.10.2.2 (CoAP server)"
topo_up
ip netns exec "$C" coap-server-notls >/dev/null 2>&1 &
sleep 1

say "rules on the gateway, by topic (most specific filter wins)"
gw rule add temps filter 'sensors/+/temp' proto coap action accept
gw rule add doors filter 'sensors/door/#' action drop
gw rule add alarms filter 'alarms/#' action mark mark 0x10 skb-priority 6
gw rule add chatty filter 'debug/#' action ratelimit rate 1 burst 2
gw rule show

say "a temperature reading passes (the cloud server answers 4.04: no such resource)"
sensor -m post -e 21.5 coap://10.10.2.2/sensors/kitchen/temp
say "a door command is dropped; the gateway answers the confirmable request with a Reset"
sensor -m post -e open coap://10.10.2.2/sensors/door/7
say "an alarm passes, marked for the uplink's priority queue"
sensor -m post -e smoke coap://10.10.2.2/alarms/smoke
say "debug chatter beyond 2 messages is rate-limited"
for i in 1 2 3 4; do
	ip netns exec "$S" coap-client-notls -N -B 1 -m post -e "$i" \
		coap://10.10.2.2/debug/x >/dev/null 2>&1
done

say "per-rule and gateway counters"
gw -s rule show
gw stats
say "unloading"
topo_down
trap - EXIT
show rmmod iotgw
