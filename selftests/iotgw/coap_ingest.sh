#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# CoAP ingest with real sensors (libcoap's coap-client, IPv4 and IPv6, CON
# and NON): the kernel answers 2.04, queues each reading once, answers 5.03
# when the queue is full, leaves other CoAP to the userspace server on the
# same port, and holds the module while QoS 1 messages are queued.
. "$(dirname "$0")/lib.sh"

iotgw_load
topo_up
# post SENSOR-ARGS...: coap-client's complaints (empty for a 2.xx answer)
post() { in_ns "$S" coap-client-notls -B 5 "$@" 2>&1; }

# a userspace CoAP server on the gateway keeps what no rule takes
bg_ns "$G" /dev/null coap-server-notls
for i in $(seq 50); do
	in_ns "$G" ss -Hlun 2>/dev/null | grep -q ':5683 ' && break
	sleep 0.2
done

gw rule add readings filter 'sensors/#' proto coap action ingest
for i in 1 2 3; do
	out=$(post -m post -e "seq=$i" "coap://10.10.1.1/sensors/room/temp")
	expect_eq "CON POST $i over IPv4 answered 2.04" "$out" ""
done
out=$(post -m put -e "seq=4" "coap://[fd00:1::1]/sensors/room/hum")
expect_eq "CON PUT over IPv6 answered 2.04" "$out" ""
out=$(post -N -m post -e "seq=5" "coap://10.10.1.1/sensors/room/temp")
expect_eq "NON POST: no complaint" "$out" ""
# a forwarded one is taken by the gateway too: the cloud host has no server
out=$(post -m post -e "seq=6" "coap://10.10.2.2/sensors/far")
expect_eq "forwarded CON POST answered 2.04 by the gateway" "$out" ""
sleep 0.5
expect_eq "queued QoS 1" "$(queue_field pending-qos1)" 5
expect_eq "queued QoS 0" "$(queue_field pending-qos0)" 1
expect_eq "readings queued" "$(rule_stat readings queued)" 6
out=$(post -m get "coap://10.10.1.1/sensors/room/temp")
expect_eq "GET on an ingest topic" "$out" "4.05 POST or PUT"

# not an ingest topic: the userspace server answers (its index page)
out=$(in_ns "$S" coap-client-notls -B 5 -m get "coap://10.10.1.1/" 2>&1)
case "$out" in
*libcoap*) echo "ok: the userspace server still answers other requests" ;;
*) fail "userspace server on the gateway: got \"$out\"" ;;
esac

# full: 5.03, nothing admitted is lost, room again after a flush
gw config set queue-max-msgs 6 queue-busy-max-age 3
out=$(post -m post -e "seq=7" "coap://10.10.1.1/sensors/room/temp")
expect_eq "QoS 0 message made room for a QoS 1 one" "$out" ""
out=$(post -m post -e "seq=8" "coap://10.10.1.1/sensors/room/temp")
expect_eq "full queue answers" "$out" "5.03 queue full"
expect_eq "evicted" "$(queue_field evicted)" 1
expect_eq "refused" "$(queue_field refused)" 1
expect_eq "held" "$(queue_field msgs)" 6

# QoS 1 messages hold the module: rmmod refuses until they are flushed
if out=$(rmmod iotgw 2>&1); then
	fail "rmmod with QoS 1 messages queued succeeded"
fi
case "$out" in
*"in use"*) echo "ok: rmmod refused: $out" ;;
*) fail "rmmod refused, but said \"$out\"" ;;
esac
iotgw_loaded || fail "the module went away"
gw queue flush
expect_eq "flushed" "$(queue_field flushed)" 6
topo_down
trap - EXIT
rmmod iotgw || fail "rmmod after queue flush"
echo "ok: rmmod after queue flush"
iotgw_load
kmemleak_check "coap ingest"
