#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# iotgwd's downlink end to end: a cloud server publishes a command
# ("open cabinet door 7") to the cloud mosquitto, iotgwd in the gateway
# has the kernel send it to the device as a CoAP request, and the device's
# answer comes back on the command's Response Topic with its Correlation
# Data (MQTT 5), or as JSON on the reply-topic (MQTT 3.1.1). The device is
# coap_device in the sensor namespace, which logs what it receives.
# Checked: routing by a [device] section (IPv4 and IPv6) and by the
# kernel's device table (learned from the device's own uplink, which the
# gateway ingests and forwards), a separate response, a retransmission,
# a device gone (unreachable) and a mute one (timeout), an unknown path
# (unroutable), the MQTT 3.1.1 JSON reply, SIGTERM.
. "$(dirname "$0")/lib.sh"

DEVICE=$(dirname "$0")/coap_device
[ -x "$DEVICE" ] || fail "no $DEVICE (built?)"

iotgw_load
topo_up
trap mqtt_down EXIT
iotgw_tmp
T=$IOTGW_TMP

# what to look at when a check fails
diagnose() {
	echo "--- iotgwd:" >&2
	tail -n 30 "$T/iotgwd.log" >&2
	for f in "$T"/dev-*.log; do
		[ -e "$f" ] || continue
		echo "--- $(basename "$f"):" >&2
		tail -n 10 "$f" >&2
	done
}
check() {	# check WHAT GOT WANT
	[ "$2" = "$3" ] || { diagnose; fail "$1: got \"$2\", want \"$3\""; }
	echo "ok: $1 = $3"
}
has() {		# has WHAT TEXT WORD: TEXT holds WORD
	case " $2 " in
	*" $3 "*) echo "ok: $1 has $3" ;;
	*) diagnose; fail "$1: \"$2\" lacks \"$3\"" ;;
	esac
}

# device NAME ARGS...: a coap_device in $S on port 5683, its log in
# $T/dev-NAME.log, its PID in PID_NAME
device() {
	local name=$1

	shift
	bg_ns "$S" "$T/dev-$name.log" "$DEVICE" "$@"
	eval "PID_$name=$BG_PID"
	for _ in $(seq 50); do
		in_ns "$S" ss -Hlun 2>/dev/null | grep -q ':5683 ' && return 0
		sleep 0.1
	done
	fail "coap_device $name does not listen"
}
stop() { local p="PID_$1"; kill "${!p}" 2>/dev/null; wait "${!p}" 2>/dev/null; }
# rx NAME: what the device received, "TYPE CODE SRC PORT PATH" a line
rx() { awk '$1 == "rx" && NF >= 9 { print $3, $4, $7, $8, $9 }' "$T/dev-$1.log"; }

# ---- the cloud, the gateway ----
mqtt_broker "$C"
# everything the gateway forwards from the devices
bg_ns "$C" "$T/uplink.txt" stdbuf -oL mosquitto_sub -h 127.0.0.1 -V 5 \
	-t 'up/#' -F '%t %p'
cat >"$T/iotgwd.conf" <<CONF
[gateway]
id = gw-0001
; the kernel learns a device's uplink source port: commands go to 5683
device-port = 5683

[broker cloud]
host = 10.10.2.2
mqtt = 5
client-id = iotgw-gw-0001
command-topic = cmd/{gateway}/#

[broker legacy]
host = 10.10.2.2
mqtt = 3.1.1
client-id = iotgw-gw-0001-legacy
command-topic = cmd311/{gateway}/#
reply-topic = reply/{gateway}/{path}
command-method = get

[rule status]
filter = locker/#
proto = coap
action = ingest
broker = cloud
topic = up/{gateway}/{topic}

[device cabinet7]
path = cabinet/7/#
address = coap://10.10.1.2:5683

[device v6]
path = v6/#
address = coap://[fd00:1::2]
CONF
chmod 644 "$T/iotgwd.conf"
in_ns "$G" iotgwd -t -c "$T/iotgwd.conf" || fail "iotgwd -t"
bg_ns "$G" "$T/iotgwd.log" iotgwd -f -v -c "$T/iotgwd.conf"
IOTGWD_PID=$BG_PID
for _ in $(seq 100); do
	[ "$(grep -c 'subscribed to commands on' "$T/iotgwd.log")" -ge 2 ] && break
	sleep 0.2
done
if ! grep -q 'broker cloud: subscribed to commands on "cmd/gw-0001/#"' "$T/iotgwd.log" ||
	! grep -q 'broker legacy: subscribed to commands on "cmd311/gw-0001/#"' "$T/iotgwd.log"; then
	diagnose
	fail "iotgwd did not subscribe to the commands"
fi
echo "ok: iotgwd subscribed to the command topics"

# subscribe VERSION TOPIC FORMAT: a mosquitto_sub in $C for one message,
# started and subscribed (its SUBACK seen) before this returns; its output
# in $T/sub.out, its PID in SUB_PID
subscribe() {
	bg_ns "$C" "$T/sub.out" stdbuf -oL mosquitto_sub -d -h 10.10.2.2 -V "$1" -q 1 \
		-t "$2" -C 1 -W 30 -F "$3"
	SUB_PID=$BG_PID
	for _ in $(seq 100); do
		grep -q 'received SUBACK' "$T/sub.out" && return 0
		sleep 0.1
	done
	fail "mosquitto_sub on $2 did not subscribe: $(cat "$T/sub.out")"
}
# received: what the subscriber got, without its debug lines
received() {
	wait "$SUB_PID"
	grep -v -e '^Client ' -e '^Subscribed ' "$T/sub.out"
}
# ask TOPIC PAYLOAD RESPONSE_TOPIC CORRELATION [ARGS...]: an MQTT 5
# command; prints the answer as "payload|correlation data|user properties"
ask() {
	local topic=$1 msg=$2 resp=$3 corr=$4

	shift 4
	subscribe 5 "$resp" '%p|%D|%P'
	in_ns "$C" mosquitto_pub -V 5 -h 10.10.2.2 -t "$topic" -m "$msg" \
		-D publish response-topic "$resp" \
		-D publish correlation-data "$corr" -q 1 "$@" ||
		fail "mosquitto_pub $topic"
	received
}
# field ANSWER N: the answer's Nth "|" field
field() { cut -d '|' -f "$2" <<<"$1"; }

# ---- 1: by the [device] section, IPv4 and IPv6 ----
device main -c 2.04
a=$(ask cmd/gw-0001/cabinet/7/door open resp/1 abc123)
check "cabinet/7/door: payload" "$(field "$a" 1)" ok:open
check "cabinet/7/door: correlation data" "$(field "$a" 2)" abc123
has "cabinet/7/door: properties" "$(field "$a" 3)" coap-status:response
has "cabinet/7/door: properties" "$(field "$a" 3)" coap-code:2.04
has "cabinet/7/door: properties" "$(field "$a" 3)" coap-transmissions:1
check "the device got a CON POST" "$(rx main | tail -n 1)" \
	"CON 0.02 10.10.1.1 5683 cabinet/7/door"

a=$(ask cmd/gw-0001/v6/door close resp/v6 six -D publish user-property coap-method put)
check "v6/door over IPv6: payload" "$(field "$a" 1)" ok:close
check "v6/door over IPv6: correlation data" "$(field "$a" 2)" six
check "the device got a CON PUT over IPv6" "$(rx main | tail -n 1)" \
	"CON 0.03 fd00:1::1 5683 v6/door"

# ---- 1b: by the device table, learned from the device's uplink ----
in_ns "$S" coap-client-notls -B 5 -m post -e 1 -t 0 \
	coap://10.10.1.1/locker/3/status >"$T/uplink.out" 2>&1 ||
	fail "uplink POST: $(cat "$T/uplink.out")"
j=$(in_ns "$G" iotgwctl -j device show) || fail "device show"
check "the kernel's device table" \
	"$(jq -r '.[] | select(.addr == "10.10.1.2") | .topic' <<<"$j")" \
	locker/3/status
a=$(ask cmd/gw-0001/locker/3/door unlock resp/2 t2)
check "locker/3/door by the device table: payload" "$(field "$a" 1)" ok:unlock
check "locker/3/door by the device table: correlation data" \
	"$(field "$a" 2)" t2
has "locker/3/door: properties" "$(field "$a" 3)" coap-code:2.04
check "the device got it on port 5683" "$(rx main | tail -n 1)" \
	"CON 0.02 10.10.1.1 5683 locker/3/door"
for _ in $(seq 50); do
	grep -q '^up/gw-0001/locker/3/status 1$' "$T/uplink.txt" && break
	sleep 0.2
done
grep -q '^up/gw-0001/locker/3/status 1$' "$T/uplink.txt" ||
	{ diagnose; fail "the uplink status did not reach the cloud: $(cat "$T/uplink.txt")"; }
echo "ok: the device's uplink reached the cloud"
stop main

# ---- 2: a separate response, a retransmission ----
device sep -c 2.04 -s 1000
a=$(ask cmd/gw-0001/cabinet/7/light on resp/3 sep1)
check "separate response: payload" "$(field "$a" 1)" ok:on
check "separate response: correlation data" "$(field "$a" 2)" sep1
has "separate response: properties" "$(field "$a" 3)" coap-code:2.04
sleep 0.5
grep -q '^acked ' "$T/dev-sep.log" ||
	{ diagnose; fail "the gateway did not acknowledge the separate response"; }
echo "ok: the separate response was acknowledged"
stop sep

gw config set coap-ack-timeout-ms 500
device retx -c 2.04 -i 1
a=$(ask cmd/gw-0001/cabinet/7/fan off resp/4 rt1)
check "after a retransmission: payload" "$(field "$a" 1)" ok:off
check "after a retransmission: correlation data" "$(field "$a" 2)" rt1
has "after a retransmission: properties" "$(field "$a" 3)" coap-transmissions:2
check "the device got the request twice" "$(rx retx | grep -c 'cabinet/7/fan$')" 2
stop retx

# ---- 3: the device gone, the device mute ----
a=$(ask cmd/gw-0001/cabinet/7/door open resp/5 gone1)
check "device gone: correlation data" "$(field "$a" 2)" gone1
has "device gone: properties" "$(field "$a" 3)" coap-status:unreachable
check "device gone: no payload" "$(field "$a" 1)" ""

gw config set coap-ack-timeout-ms 200 coap-ack-random-factor 100
device mute -i 1000
a=$(ask cmd/gw-0001/cabinet/7/door open resp/6 mute1)
check "mute device: correlation data" "$(field "$a" 2)" mute1
has "mute device: properties" "$(field "$a" 3)" coap-status:timeout
has "mute device: properties" "$(field "$a" 3)" coap-transmissions:5
check "the mute device got all 5" "$(rx mute | grep -c 'cabinet/7/door$')" 5
stop mute
gw config set coap-ack-timeout-ms 2000 coap-ack-random-factor 150

# ---- 4: nobody serves the path: unroutable, never silence ----
a=$(ask cmd/gw-0001/nowhere/x go resp/7 nw1)
check "unknown device: correlation data" "$(field "$a" 2)" nw1
check "unknown device: properties" "$(field "$a" 3)" \
	"coap-status:unroutable coap-error:no device serves nowhere/x"

# ---- 5: MQTT 3.1.1: the JSON reply on the reply-topic ----
device legacy -c 2.05 -P 21.5 -f 0
subscribe 311 reply/gw-0001/cabinet/7/temp '%p'
in_ns "$C" mosquitto_pub -V 311 -h 10.10.2.2 -t cmd311/gw-0001/cabinet/7/temp \
	-n -q 1 || fail "mosquitto_pub MQTT 3.1.1"
j=$(received)
echo "# $j"
check "MQTT 3.1.1 reply: status" "$(jq -r .status <<<"$j")" response
check "MQTT 3.1.1 reply: code" "$(jq -r .code <<<"$j")" 2.05
check "MQTT 3.1.1 reply: payload" "$(jq -r .payload <<<"$j")" 21.5
check "MQTT 3.1.1 reply: content format" "$(jq -r .content_format <<<"$j")" 0
check "MQTT 3.1.1 reply: transmissions" "$(jq -r .transmissions <<<"$j")" 1
check "the device got a GET (command-method)" "$(rx legacy | tail -n 1)" \
	"CON 0.01 10.10.1.1 5683 cabinet/7/temp"
stop legacy
subscribe 311 reply/gw-0001/nowhere/y '%p'
in_ns "$C" mosquitto_pub -V 311 -h 10.10.2.2 -t cmd311/gw-0001/nowhere/y \
	-n -q 1 || fail "mosquitto_pub MQTT 3.1.1"
j=$(received)
check "MQTT 3.1.1 unroutable" "$j" \
	'{"status":"unroutable","error":"no device serves nowhere/y"}'

# ---- SIGTERM ----
kill "$IOTGWD_PID"
wait "$IOTGWD_PID"
check "iotgwd exit status after SIGTERM" "$?" 0
gw queue flush
mqtt_down
trap - EXIT
kmemleak_check "iotgwd downlink"
