#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Downlink CoAP requests: the gateway asks devices (libcoap's coap-server
# and coap_device, a scriptable one that logs what it receives), and
# iotgwctl coap request prints the outcome. Checked: piggybacked and
# separate responses (the separate CON acknowledged), the RFC 7252
# retransmission schedule (gaps from the device's receive times), loss on
# the device link (tc netem), a device that never answers (timeout after
# MAX_RETRANSMIT + 1 transmissions), Reset, ICMP port unreachable, NSTART
# for one device and two, a requester that goes away, the device table
# and the errors for bad requests.
. "$(dirname "$0")/lib.sh"

command -v jq >/dev/null || { echo "SKIP: jq missing"; exit $KSFT_SKIP; }
DEVICE=$(dirname "$0")/coap_device
[ -x "$DEVICE" ] || fail "no $DEVICE (built?)"

iotgw_load
topo_up
iotgw_tmp
T=$IOTGW_TMP
# req ARGS...: the JSON outcome of one request (iotgwctl's exit ignored)
req() { in_ns "$G" iotgwctl -j coap request "$@" 2>"$T/req.err"; }
field() { jq -r "$1" <<<"$2"; }
# device NAME NS ARGS...: a coap_device, its log in $T/NAME.log
device() {
	local name=$1 ns=$2

	shift 2
	bg_ns "$ns" "$T/$name.log" "$DEVICE" "$@"
	eval "PID_$name=$BG_PID"
	for i in $(seq 50); do
		in_ns "$ns" ss -Hlun 2>/dev/null | grep -q ":${PORT:-5683} " &&
			return 0
		sleep 0.1
	done
	fail "coap_device $name does not listen"
}
stop() { local p="PID_$1"; kill "${!p}" 2>/dev/null; wait "${!p}" 2>/dev/null; }
# rx_times NAME: the device's receive times of CON requests, ms
rx_times() { awk '$1 == "rx" && $3 == "CON" { print $2 }' "$T/$1.log"; }

# The device link must not lose its neighbour entry while netem drops
# everything the device sends: a failed ARP would make the gateway's own
# stack report "host unreachable", and a timeout would say unreachable.
pin_neighbours() {
	local mac

	mac=$(in_ns "$C" cat /sys/class/net/c0/address)
	in_ns "$G" ip neigh replace 10.10.2.2 lladdr "$mac" dev gc nud permanent
	mac=$(in_ns "$S" cat /sys/class/net/s0/address)
	in_ns "$G" ip neigh replace 10.10.1.2 lladdr "$mac" dev gs nud permanent
	in_ns "$G" ip neigh replace fd00:1::2 lladdr "$mac" dev gs nud permanent
	mac=$(in_ns "$G" cat /sys/class/net/gs/address)
	in_ns "$S" ip neigh replace 10.10.1.1 lladdr "$mac" dev s0 nud permanent
	in_ns "$S" ip neigh replace fd00:1::1 lladdr "$mac" dev s0 nud permanent
}
pin_neighbours

# ---- a real peer: libcoap's server as the device ----
bg_ns "$S" /dev/null coap-server-notls
for i in $(seq 50); do
	in_ns "$S" ss -Hlun 2>/dev/null | grep -q ':5683 ' && break
	sleep 0.1
done
out=$(in_ns "$G" iotgwctl coap request get coap://10.10.1.2/time) ||
	fail "GET /time from coap-server: $out $(cat "$T/req.err")"
case "$(head -n 1 <<<"$out")" in
"2.05 Content (piggybacked, 1 transmission,"*) echo "ok: GET /time: $(tail -n 1 <<<"$out")" ;;
*) fail "GET /time from coap-server: \"$out\"" ;;
esac
j=$(req get 'coap://[fd00:1::2]/time')
expect_eq "IPv6 GET: status" "$(field .status "$j")" response
expect_eq "IPv6 GET: code" "$(field .code "$j")" 2.05
expect_eq "IPv6 GET: piggybacked" "$(field .separate "$j")" false
# libcoap's /async answers with an empty ACK, then a separate CON response
j=$(req get 'coap://10.10.1.2/async?1')
expect_eq "separate response from coap-server: code" "$(field .code "$j")" 2.05
expect_eq "separate response from coap-server: separate" \
	"$(field .separate "$j")" true
expect_eq "separate response from coap-server: acked" "$(field .acked "$j")" true
expect_eq "separate response from coap-server: payload" \
	"$(field .payload "$j")" done
j=$(req get coap://10.10.1.2/no/such/thing)
expect_eq "unknown resource: code" "$(field .code "$j")" 4.04
in_ns "$G" iotgwctl coap request get coap://10.10.1.2/no/such/thing \
	>/dev/null 2>&1
expect_eq "exit status of an error response" "$?" 3

# loss on the device link: its answers are dropped for 2.5 s, the
# retransmissions (0.5 s, then 1 s, 2 s) go on until one is answered
gw config set coap-ack-timeout-ms 500 coap-ack-random-factor 100
in_ns "$S" tc qdisc add dev s0 root netem loss 100% || fail "tc netem"
req get coap://10.10.1.2/time >"$T/lossy.json" &
sleep 2.5
in_ns "$S" tc qdisc del dev s0 root
wait $!
j=$(cat "$T/lossy.json")
expect_eq "answer through loss: status" "$(field .status "$j")" response
n=$(field .transmissions "$j")
[ "$n" -ge 3 ] && [ "$n" -le 5 ] ||
	fail "answer through loss: $n transmissions, want 3 to 5"
echo "ok: answer through 2.5 s of loss after $n transmissions"
in_ns "$S" pkill -f coap-server-notls
sleep 0.3

# ---- the retransmission schedule, from the device's receive times ----
# A device that never answers: MAX_RETRANSMIT + 1 = 5 transmissions, the
# waits ACK_TIMEOUT times 1, 2, 4, 8, then one more 16 before giving up.
gw config set coap-ack-timeout-ms 300 coap-ack-random-factor 100
device mute "$S" -i 1000
before=$(gw_stat coap-transmissions)
j=$(req post coap://10.10.1.2/door/7 payload open)
expect_eq "mute device: status" "$(field .status "$j")" timeout
expect_eq "mute device: transmissions" "$(field .transmissions "$j")" 5
expect_eq "mute device: acked" "$(field .acked "$j")" false
e=$(field .elapsed_ms "$j")
[ "$e" -ge 9200 ] && [ "$e" -le 11500 ] ||
	fail "mute device: gave up after $e ms, want 31 x 300 = 9300"
echo "ok: gave up after $e ms"
expect_eq "transmissions counted" $(( $(gw_stat coap-transmissions) - before )) 5
t=($(rx_times mute))
expect_eq "copies the device received" "${#t[@]}" 5
want=300
for k in 1 2 3 4; do
	gap=$(awk -v a="${t[k - 1]}" -v b="${t[k]}" 'BEGIN { printf "%d", b - a }')
	[ "$gap" -ge $(( want - 20 )) ] && [ "$gap" -le $(( want * 5 / 4 + 150 )) ] ||
		fail "retransmission $k after $gap ms, want $want"
	echo "ok: retransmission $k after $gap ms (want $want)"
	want=$(( want * 2 ))
done
stop mute
in_ns "$G" iotgwctl coap request post coap://10.10.1.2/door/7 \
	timeout 500 >/dev/null 2>&1
expect_eq "exit status without a response" "$?" 4

# ACK_RANDOM_FACTOR: the first wait is random in [T, 1.5 T], then doubles
gw config set coap-ack-timeout-ms 400 coap-ack-random-factor 150
device slow "$S" -i 2
j=$(req put coap://10.10.1.2/valve payload shut format text)
expect_eq "third copy answered: status" "$(field .status "$j")" response
expect_eq "third copy answered: transmissions" "$(field .transmissions "$j")" 3
expect_eq "the device's answer" "$(field .payload "$j")" ok:shut
t=($(rx_times slow))
g1=$(awk -v a="${t[0]}" -v b="${t[1]}" 'BEGIN { printf "%d", b - a }')
g2=$(awk -v a="${t[1]}" -v b="${t[2]}" 'BEGIN { printf "%d", b - a }')
[ "$g1" -ge 380 ] && [ "$g1" -le 750 ] ||
	fail "first wait $g1 ms, want 400 to 600"
[ $(( g2 * 10 )) -ge $(( g1 * 18 )) ] && [ $(( g2 * 10 )) -le $(( g1 * 22 + 1500 )) ] ||
	fail "second wait $g2 ms, want twice the first ($g1)"
echo "ok: waits $g1 ms and $g2 ms"
stop slow
gw config set coap-ack-timeout-ms 500 coap-ack-random-factor 100

# ---- separate response, Reset, unreachable ----
device sep "$S" -s 800 -c 2.04 -f 0
j=$(req post coap://10.10.1.2/door/7 payload open)
expect_eq "separate: code" "$(field .code "$j")" 2.04
expect_eq "separate: separate" "$(field .separate "$j")" true
expect_eq "separate: format" "$(field .content_format "$j")" 0
expect_eq "separate: payload" "$(field .payload "$j")" ok:open
e=$(field .elapsed_ms "$j")
[ "$e" -ge 780 ] || fail "separate response after $e ms, the device waited 800"
sleep 0.5
grep -q '^acked ' "$T/sep.log" ||
	fail "the gateway did not acknowledge the separate response: $(cat "$T/sep.log")"
echo "ok: the gateway acknowledged the separate CON response"
stop sep

device rst "$S" -r
j=$(req delete coap://10.10.1.2/door/7)
expect_eq "Reset: status" "$(field .status "$j")" reset
expect_eq "Reset: transmissions" "$(field .transmissions "$j")" 1
stop rst

j=$(req get coap://10.10.1.2:5699/nobody)
expect_eq "nothing on the port: status" "$(field .status "$j")" unreachable
expect_eq "nothing on the port: transmissions" "$(field .transmissions "$j")" 1

# a NON request gets a NON response, and is not retransmitted
device non "$S"
j=$(req non get coap://10.10.1.2/sensor)
expect_eq "NON: status" "$(field .status "$j")" response
expect_eq "NON: payload" "$(field .payload "$j")" ok
stop non

# a response larger than the classifier scans (1280 bytes) arrives whole
big=$(head -c 1400 /dev/zero | tr '\0' x)
device big "$S" -P "$big"
j=$(req get coap://10.10.1.2/big)
expect_eq "1400-byte response" "$(field '.payload | length' "$j")" 1400
stop big

# ---- NSTART 1: one device gets one request at a time ----
# a second device, in the cloud namespace, is asked meanwhile
device one "$S" -i 3
device two "$C" -i 2
req get coap://10.10.1.2/a >"$T/a.json" &
pa=$!
sleep 0.2
req get coap://10.10.1.2/b >"$T/b.json" &
pb=$!
req get coap://10.10.2.2/c >"$T/c.json" &
pc=$!
wait $pa $pb $pc
for f in a b c; do
	expect_eq "NSTART: request $f" "$(jq -r .status "$T/$f.json")" response
done
# the device saw /a four times, then /b: never interleaved
order=$(awk '$1 == "rx" && $3 == "CON" { printf "%s ", $NF }' "$T/one.log")
expect_eq "NSTART 1: one device's order" "$order" "a a a a b "
ta=$(awk '$1 == "tx" { print $2; exit }' "$T/one.log")
tb=$(awk '$1 == "rx" && $NF == "b" { print $2; exit }' "$T/one.log")
[ "$(awk -v a="$ta" -v b="$tb" 'BEGIN { print (b >= a) }')" = 1 ] ||
	fail "/b reached the device at $tb, before /a was answered at $ta"
echo "ok: /b sent after /a was answered"
# /c went out while /a was still outstanding (answered after 3.5 s)
tc=$(awk '$1 == "rx" { print $2; exit }' "$T/two.log")
[ "$(awk -v a="$ta" -v c="$tc" 'BEGIN { print (c + 500 < a) }')" = 1 ] ||
	fail "the second device was asked at $tc, /a answered at $ta"
echo "ok: another device asked while the first was busy"
stop one
stop two
# NSTART 2: a second request to the device goes out while the first is
# still being retransmitted (with NSTART 1 it would wait for its timeout)
gw config set coap-nstart 2 coap-ack-timeout-ms 1000
device one "$S" -i 1000
req get coap://10.10.1.2/a timeout 4000 >"$T/a.json" &
pa=$!
sleep 0.1
req get coap://10.10.1.2/b timeout 4000 >"$T/b.json" &
pb=$!
wait $pa $pb
first_b=$(awk '$1 == "rx" && $NF == "b" { print $2; exit }' "$T/one.log")
last_a=$(awk '$1 == "rx" && $NF == "a" { t = $2 } END { print t }' "$T/one.log")
[ -n "$first_b" ] && [ "$(awk -v a="$last_a" -v b="$first_b" 'BEGIN { print (b < a) }')" = 1 ] ||
	fail "NSTART 2: /b first seen at \"$first_b\", /a last at $last_a"
echo "ok: NSTART 2: /b sent while /a was outstanding"
stop one
gw config set coap-nstart 1 coap-ack-timeout-ms 500

# ---- a requester that goes away: its request is given up ----
device mute "$S" -i 1000
# (not through in_ns, a function: $! must be iotgwctl itself)
ip netns exec "$G" iotgwctl coap request get coap://10.10.1.2/gone \
	>/dev/null 2>&1 &
sleep 1.2
kill $!
wait $! 2>/dev/null
n=$(rx_times mute | wc -l)
sleep 3
expect_eq "no retransmission after the requester left" "$(rx_times mute | wc -l)" "$n"
stop mute

# ---- limits and bad requests ----
gw config set coap-requests-max 1
device mute "$S" -i 1000
in_ns "$G" iotgwctl coap request get coap://10.10.1.2/x timeout 3000 \
	>/dev/null 2>&1 &
px=$!
sleep 0.3
out=$(in_ns "$G" iotgwctl coap request get coap://10.10.1.2/y 2>&1) &&
	fail "a request over coap-requests-max was taken"
case "$out" in
*"too many requests"*) echo "ok: over coap-requests-max: $out" ;;
*) fail "over coap-requests-max: \"$out\"" ;;
esac
wait $px
stop mute
gw config set coap-requests-max 1024
out=$(in_ns "$G" iotgwctl coap request get coap://224.0.1.187/x 2>&1) &&
	fail "a multicast request was taken"
case "$out" in
*unicast*) echo "ok: multicast refused: $out" ;;
*) fail "multicast: \"$out\"" ;;
esac
huge=$(head -c 1140 /dev/zero | tr '\0' x)
out=$(in_ns "$G" iotgwctl coap request post coap://10.10.1.2/x payload "$huge" 2>&1) &&
	fail "a request over IOTGW_COAP_REQ_MSG_MAX was taken"
case "$out" in
*"too large"*) echo "ok: too large: $out" ;;
*) fail "too large: \"$out\"" ;;
esac

# ---- the device table, learned from uplink requests ----
in_ns "$S" coap-client-notls -B 2 -m post -e 21.5 \
	coap://10.10.1.1/sensors/room/temp >/dev/null 2>&1
in_ns "$S" coap-client-notls -B 2 -m post -e 1 -p 5700 \
	'coap://[fd00:1::1]/sensors/door' >/dev/null 2>&1
j=$(in_ns "$G" iotgwctl -j device show) || fail "device show"
expect_eq "device by IPv4" \
	"$(jq -r '.[] | select(.addr == "10.10.1.2") | .topic' <<<"$j")" \
	sensors/room/temp
expect_eq "device by IPv6" \
	"$(jq -r '.[] | select(.addr == "fd00:1::2") | "\(.port) \(.topic)"' <<<"$j")" \
	"5700 sensors/door"
in_ns "$G" iotgwctl device show | grep -q 'sensors/door' ||
	fail "device show (text) lacks sensors/door"
gw config set device-max 0
expect_eq "device-max 0 empties the table" \
	"$(in_ns "$G" iotgwctl -j device show | jq length)" 0

topo_down
trap - EXIT
kmemleak_check "coap request"
