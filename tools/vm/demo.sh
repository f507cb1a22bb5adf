#!/bin/bash
# The gateway scenario `make demo` runs inside the VM, narrated. Sensors
# send CoAP and MQTT; the module classifies them by topic (a monitor on the
# gateway shows each decision), answers CoAP readings itself and queues
# them with MQTT readings; iotgwd forwards the queue to the cloud broker,
# acking only what the broker confirmed, through a cloud outage.
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

say "three hosts: sensor 10.10.1.2 -- gateway -- cloud 10.10.2.2 (CoAP server, MQTT broker)"
topo_up
trap mqtt_down EXIT
iotgw_tmp
ip netns exec "$C" coap-server-notls >/dev/null 2>&1 &
mqtt_broker_persistent "$C"
CLOUD_PID=$BROKER_PID
say "a monitor on the gateway prints every decision (shown at the end)"
printf '$ iotgwctl monitor &\n'
bg_ns "$G" "$IOTGW_TMP/monitor.out" iotgwctl monitor
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

say "MQTT: a reading published at QoS 1 is classified (no MQTT rule: unmatched) and passes"
printf '$ mosquitto_pub -h 10.10.2.2 -q 1 -t sensors/hall/temp -m 20.5\n'
ip netns exec "$S" timeout 10 mosquitto_pub -h 10.10.2.2 -q 1 \
	-t sensors/hall/temp -m 20.5 2>&1 | sed 's/^/  /'
echo "  (exit ${PIPESTATUS[0]})"
say "MQTT: a PUBLISH on a door topic resets that connection at both ends"
printf '$ mosquitto_pub -h 10.10.2.2 -q 1 -t sensors/door/7 -m open\n'
ip netns exec "$S" timeout 10 mosquitto_pub -h 10.10.2.2 -q 1 \
	-t sensors/door/7 -m open 2>&1 | sed 's/^/  /'
echo "  (exit ${PIPESTATUS[0]})"
say "MQTT connections the gateway follows (a sensor holding one open)"
ip netns exec "$S" timeout 4 mosquitto_sub -h 10.10.2.2 -i door-watch \
	-t 'sensors/#' >/dev/null 2>&1 &
sleep 1
gw flow show

say "the gateway's job: the kernel answers and queues readings, iotgwd forwards them to the cloud"
printf '%s\n' 'listener 1883' 'allow_anonymous true' >"$IOTGW_TMP/local.conf"
chmod 644 "$IOTGW_TMP/local.conf"
bg_ns "$G" "$IOTGW_TMP/local-broker.log" mosquitto -c "$IOTGW_TMP/local.conf"
wait_listen "$G" 1883 1
cat >"$IOTGW_TMP/iotgwd.conf" <<'CONF'
[gateway]
id = gw1

[broker cloud]
host = 10.10.2.2
mqtt = 5

[rule site-coap]
filter = site/#
proto = coap
action = ingest
topic = gw/{gateway}/{proto}/{topic}

[rule site-mqtt]
filter = site/#
proto = mqtt
action = capture
topic = gw/{gateway}/{proto}/{topic}
CONF
chmod 644 "$IOTGW_TMP/iotgwd.conf"
printf '$ cat iotgwd.conf\n'
sed 's/^/  /' "$IOTGW_TMP/iotgwd.conf"
printf '$ mosquitto_sub -h 10.10.2.2 -V 5 -q 2 -t gw/# &   (in the cloud)\n'
bg_ns "$C" "$IOTGW_TMP/cloud.txt" stdbuf -oL mosquitto_sub -h 127.0.0.1 -V 5 \
	-q 2 -c -i demo-cloud -t 'gw/#' -F '%t %p   (%P %C)'
printf '$ iotgwd -f -v -c iotgwd.conf &\n'
bg_ns "$G" "$IOTGW_TMP/iotgwd.log" iotgwd -f -v -c "$IOTGW_TMP/iotgwd.conf"
for i in $(seq 50); do
	ip netns exec "$G" iotgwctl queue show | grep -q '^consumer port' && break
	sleep 0.2
done
gw rule show
say "a CoAP reading to the gateway: the kernel answers 2.04 itself and queues it"
sensor -m post -t 50 -e '{"t":21.5}' coap://10.10.1.1/site/hall/temp
say "an MQTT reading to the gateway's broker: passed on, and a copy queued"
printf '$ mosquitto_pub -h 10.10.1.1 -q 1 -t site/line1/pressure -m 1.02\n'
ip netns exec "$S" timeout 10 mosquitto_pub -h 10.10.1.1 -q 1 \
	-t site/line1/pressure -m 1.02 2>&1 | sed 's/^/  /'
sleep 2
say "what the cloud received"
sed 's/^/  /' "$IOTGW_TMP/cloud.txt"
say "the cloud broker goes down: readings are still answered, and wait in the kernel queue"
kill "$CLOUD_PID"
wait "$CLOUD_PID" 2>/dev/null
for i in 1 2 3; do
	sensor -m post -t 50 -e "{\"t\":2$i.0}" coap://10.10.1.1/site/hall/temp
done
gw queue show
say "the cloud broker is back: iotgwd reconnects and the backlog drains"
mqtt_broker_persistent "$C"
for i in $(seq 75); do
	[ "$(wc -l <"$IOTGW_TMP/cloud.txt")" -ge 5 ] && break
	sleep 0.2
done
sed 's/^/  /' "$IOTGW_TMP/cloud.txt"
gw queue show
say "what iotgwd logged"
sed 's/^/  /' "$IOTGW_TMP/iotgwd.log"

say "what the monitor saw"
sleep 1
sed 's/^/  /' "$IOTGW_TMP/monitor.out"

say "per-rule and gateway counters"
gw -s rule show
gw stats
say "unloading"
mqtt_down
trap - EXIT
show rmmod iotgw
