#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Classifier overhead on forwarded traffic (issue 8, benchmark 2). Runs
# inside the VM (tools/bench/vm-bench.sh, IOTGW_TOP and IOTGW_KO set).
#
# sensor -> gateway -> cloud namespaces (lib.sh's topo_up). udp_flood
# floods CoAP NON POSTs (UDP) and, in -T mode, back-to-back MQTT QoS 0
# PUBLISH packets (TCP) from the sensor to sinks in the cloud, through the
# gateway's FORWARD path, in each configuration:
#
#   no module; iotgw loaded with no rules, 10, 1,000 and 10,000 rules;
#   nftables (no module) with 10, 1,000 and 10,000 rules per protocol.
#
# Every round runs each configuration once, in turn; the table gives the
# median over the rounds and its ratio to "no module". The senders run on
# CPU 1 (PIN; the forwarding runs in their softirq there), the sinks on
# CPU 0. Markdown on stdout, progress on stderr; exit 1 if a measurement
# failed (nothing arrived, or the rule meant to match never did).
set -u
. "$IOTGW_TOP/selftests/iotgw/lib.sh"
. "$IOTGW_TOP/tools/bench/lib.sh"

SECONDS_EACH=3			# per measurement
bench_rounds			# BENCH_ROUNDS=7: a finer median
TOPIC=sensors/bedroom/temp	# the flood's Uri-Path and PUBLISH topic
PAYLOAD=16			# bytes of payload in each message
COAP_FLOWS=16			# UDP sockets (source ports)
MQTT_FLOWS=4			# TCP connections of the bulk flood
MQTT_SEG_FLOWS=64		# of the one-PUBLISH-a-segment flood
SINK_PIN=(taskset -c 0)		# the UDP sink
MQTT_PIN=("${PIN[@]}")		# the MQTT sink, on the sender's CPU
FLOOD=$BENCH_BIN/udp_flood
coap_bytes=0 coap_pkts=0
CONFIGS="nomod nft10 nft1000 nft10000 empty iotgw10 iotgw1000 iotgw10000"

# The markdown goes to fd 3; everything else said goes to stderr.
exec 3>&1 1>&2

[ -x "$FLOOD" ] || fail "$FLOOD is missing (make build/bench/udp_flood)"
command -v nft >/dev/null || fail "nft is missing"
tmp=$(mktemp -d)
topo_up
cleanup() {
	topo_down
	iotgw_unload 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT

# ---- the rule sets ----

# iotgw: N rules shaped as tools/bench/parse_bench.c's (per-device
# literals, wildcards one level deep, subtrees), the last one
# sensors/+/temp, which decides the flood's topic: iotgw_rules N
iotgw_rules() {
	awk -v n="$1" 'BEGIN {
		for (i = 0; i < n - 1; i++) {
			if (i % 3 == 0)
				f = "sensors/room" i "/temp"
			else if (i % 3 == 1)
				f = "site/" i "/+/temp"
			else
				f = "fleet/" i "/#"
			print "rule add r" i " filter " f " action accept"
		}
		print "rule add match filter sensors/+/temp action accept"
	}'
}

# nftables: the same N filters for each protocol as raw payload matches
# (@ih: the bytes after the UDP or TCP header) at fixed offsets, in a
# chain per protocol (coap_N, mqtt_N) that the forward chain jumps to by
# port; the rule for the flood's topic last, counted in the named counter
# coap_match_N or mqtt_match_N: nft_rules N
#
# CoAP: the Uri-Path options as the flood sends them (4-byte token, so
# the options start at byte 8; first option delta 11): a literal matches
# all of its options' bytes, site/N/+/temp only the options site and N
# (the level after + is at an offset nft cannot know), fleet/N/# the
# options fleet and N. MQTT: a segment whose payload starts with a QoS 0
# PUBLISH (first byte 0x30, one byte of Remaining Length) whose topic
# length and topic bytes are those of the literal, or start with site/N/
# or fleet/N/. sensors/+/temp is written as the flood's own literal path.
nft_rules() {
	awk -v n="$1" -v topic="$TOPIC" '
	function hexstr(s,   i, h) {
		h = ""
		for (i = 1; i <= length(s); i++)
			h = h sprintf("%02x", ord[substr(s, i, 1)])
		return h
	}
	# match HEX (bytes) from bit offset OFF of @ih, in 128-bit pieces
	function ih(off, hex,   out, k) {
		out = ""
		while (length(hex) > 0) {
			k = length(hex) > 32 ? 32 : length(hex)
			out = out sprintf(" @ih,%d,%d 0x%s", off, k * 4, substr(hex, 1, k))
			off += k * 4
			hex = substr(hex, k + 1)
		}
		return out
	}
	# CoAP Uri-Path options for the levels of P (no wildcards)
	function coap_opts(p,   lv, m, i, h, d) {
		m = split(p, lv, "/")
		h = ""
		for (i = 1; i <= m; i++) {
			d = i == 1 ? 11 : 0
			h = h sprintf("%02x", d * 16 + length(lv[i])) hexstr(lv[i])
		}
		return h
	}
	# the filter F as (CoAP, MQTT) matches: the levels before the
	# first wildcard; MQTT: topic length only for a literal
	function rule(f, name, last,   pre, lit, c, q) {
		pre = f
		sub(/\/[+#].*$/, "", pre)
		lit = pre == f
		c = "udp dport 5683" ih(64, coap_opts(pre))
		q = "tcp dport 1883 @ih,0,8 0x30"
		if (lit)
			q = q ih(16, sprintf("%04x", length(f)) hexstr(f))
		else
			q = q ih(32, hexstr(pre "/"))
		coap[name] = c (last ? " counter name coap_match_" n " accept" : " accept")
		mqtt[name] = q (last ? " counter name mqtt_match_" n " accept" : " accept")
	}
	BEGIN {
		for (i = 0; i < 256; i++)
			ord[sprintf("%c", i)] = i
		for (i = 0; i < n - 1; i++) {
			if (i % 3 == 0)
				f = "sensors/room" i "/temp"
			else if (i % 3 == 1)
				f = "site/" i "/+/temp"
			else
				f = "fleet/" i "/#"
			rule(f, i, 0)
		}
		rule(topic, n - 1, 1)
		print "table inet iotgw_bench {"
		print "\tcounter coap_match_" n " { }"
		print "\tcounter mqtt_match_" n " { }"
		print "\tchain coap_" n " {"
		for (i = 0; i < n; i++)
			print "\t\t" coap[i]
		print "\t}"
		print "\tchain mqtt_" n " {"
		for (i = 0; i < n; i++)
			print "\t\t" mqtt[i]
		print "\t}"
		print "}"
	}'
}

for n in 10 1000 10000; do
	iotgw_rules "$n" >"$tmp/iotgw$n" || fail "iotgw rules"
	nft_rules "$n" >"$tmp/nft$n" || fail "nft rules"
done

# ---- the configurations ----

gw_nft() { in_ns "$G" nft "$@" || fail "nft $*"; }

# The nftables chains are loaded once (10 s for 10,000 rules under TCG);
# regular chains are not hooked and cost nothing. An nftables
# configuration adds the base chain that jumps to them, every other one
# deletes it.
nft_start=$(date +%s%N)
gw_nft flush ruleset
for n in 10 1000 10000; do
	gw_nft -f "$tmp/nft$n"
done
note "nftables rule sets loaded in $(( ($(date +%s%N) - nft_start) / 1000000 )) ms"

# nft_hook N: the forward chain, jumping to the N-rule chains
nft_hook() {
	gw_nft -f - <<-EOF
	table inet iotgw_bench {
		chain forward {
			type filter hook forward priority 0; policy accept;
			udp dport 5683 jump coap_$1
			tcp dport 1883 jump mqtt_$1
		}
	}
	EOF
}

nft_unhook() {
	in_ns "$G" nft list chain inet iotgw_bench forward >/dev/null 2>&1 ||
		return 0
	gw_nft -f - <<-EOF
	flush chain inet iotgw_bench forward
	delete chain inet iotgw_bench forward
	EOF
}

# Enter configuration $1 from whatever the last one left.
configure() {
	local c=$1 start

	start=$(date +%s%N)
	nft_unhook
	case $c in
	nomod | nft*)
		iotgw_unload
		;;
	*)
		if ! iotgw_loaded; then
			insmod "$IOTGW_KO" || fail "insmod $IOTGW_KO"
			# only the gateway classifies: elsewhere the ports
			# are ones nothing uses (a protocol and port check)
			for ns in "$S" "$C"; do
				in_ns "$ns" iotgwctl config set coap-port 7 mqtt-port 9 ||
					fail "iotgwctl config set in $ns"
			done
			[ "$(in_ns "$G" iotgwctl config show |
				awk '$1 == "max-rules" { print $2 }')" -ge 10000 ] ||
				gw config set max-rules 10000
		fi
		gw rule flush
		;;
	esac
	case $c in
	nft*)
		nft_hook "${c#nft}"
		;;
	iotgw*)
		gw -batch "$tmp/$c"
		;;
	esac
	note "$c: configured in $(( ($(date +%s%N) - start) / 1000000 )) ms"
}

# The packets the rule meant to decide the flood counted since the last
# call (or stats reset), and set to zero: matched PROTO
matched() {
	case $cfg in
	iotgw*)
		rule_stat match packets
		;;
	nft*)
		in_ns "$G" nft reset counter inet iotgw_bench "$1_match_${cfg#nft}" |
			awk '$1 == "packets" { print $2 }'
		;;
	*)
		echo 0
		;;
	esac
}

# The cloud's UDP counters NoPorts (port unreachable sent) and
# RcvbufErrors (the sink's buffer full): udp_drops
udp_drops() {
	in_ns "$C" awk '$1 == "Udp:" && !h { for (i = 2; i <= NF; i++) c[i] = $i; h = 1; next }
		$1 == "Udp:" { for (i = 2; i <= NF; i++)
			if (c[i] == "NoPorts" || c[i] == "RcvbufErrors") printf "%s %s ", c[i], $i }' \
		/proc/net/snmp
}

# The gateway's counters packets, bytes, unclassified and the reasons, as
# one line: gw_counters
gw_counters() {
	in_ns "$G" iotgwctl stats | awk '$1 ~ /^(packets|bytes|unclassified)$/ ||
		$1 == "reason" { printf "%s ", $0 }'
}

# Start a sink in the cloud, pinned by the array named PINVAR; its PID in
# SINK: sink PINVAR OUT ARGS...
sink() {
	local -n pin=$1
	local out=$2

	shift 2
	ip netns exec "$C" "${pin[@]}" "$FLOOD" "$@" >"$out" &
	SINK=$!
}

# One CoAP measurement in configuration $cfg: the sink's pps in $rx
coap_run() {
	local tx m i

	sink SINK_PIN "$tmp/sink" -r -d $((SECONDS_EACH + 30)) 5683
	for i in $(seq 50); do
		sleep 0.1
		[ -n "$(in_ns "$C" ss -Hlun 'sport = :5683')" ] && break
		[ "$i" = 50 ] && fail "the UDP sink does not listen"
	done
	iotgw_loaded && gw stats reset
	tx=$(in_ns "$S" "${PIN[@]}" "$FLOOD" -d "$SECONDS_EACH" -s "$PAYLOAD" \
		-f "$COAP_FLOWS" -P "$TOPIC" 10.10.2.2 5683) || fail "udp_flood"
	sleep 0.2
	kill -TERM "$SINK"
	wait "$SINK"
	rx=$(cat "$tmp/sink")
	m=$(matched coap)
	note "[${SECONDS}s] $cfg coap: $tx; $rx; decided by the matching rule $m"
	if [ "$cfg" = iotgw10 ]; then
		# the packet size, as the module counts it at FORWARD
		set -- $(gw_counters)
		coap_pkts=$2 coap_bytes=$4
	fi
	set -- $tx
	i=$2
	set -- $rx
	echo "$i $2" >>"$tmp/loss"
	[ "$2" -gt 0 ] || fail "$cfg: no CoAP datagram arrived"
	case $cfg in iotgw* | nft*)
		[ "$m" -gt 0 ] || fail "$cfg: the matching rule decided no CoAP datagram"
	esac
	rx=$6
}

# The sensor namespace's TCP segments sent so far: out_segs
out_segs() {
	in_ns "$S" awk '$1 == "Tcp:" && !h { for (i = 2; i <= NF; i++) c[i] = $i; h = 1; next }
		$1 == "Tcp:" { for (i = 2; i <= NF; i++) if (c[i] == "OutSegs") print $i }' \
		/proc/net/snmp
}

# One MQTT measurement, bulk (64 kB writes) or seg (one PUBLISH a
# segment, MQTT_SEG_FLOWS connections): PUBLISH/s in $rx, bytes/s in
# $rxb, PUBLISH packets per TCP segment the sensor sent in $rxs:
# mqtt_run bulk|seg
mqtt_run() {
	local tx m c= s0 args=(-f "$MQTT_FLOWS")

	[ "$1" = seg ] && args=(-f "$MQTT_SEG_FLOWS" -b 1)
	sink MQTT_PIN "$tmp/sink" -T -r -d $((SECONDS_EACH + 60)) 1883
	wait_listen "$C" 1883 || fail "the MQTT sink does not listen"
	iotgw_loaded && gw stats reset
	s0=$(out_segs)
	tx=$(in_ns "$S" "${PIN[@]}" "$FLOOD" -T -d "$SECONDS_EACH" -s "$PAYLOAD" \
		"${args[@]}" -P "$TOPIC" 10.10.2.2 1883) || {
		kill -TERM "$SINK"
		fail "udp_flood -T"
	}
	# the sink ends once every connection closed
	wait "$SINK"
	rx=$(cat "$tmp/sink")
	m=$(matched mqtt)
	rxs=$(ratio "$(field "$tx" sent)" $(( $(out_segs) - s0 )))
	iotgw_loaded && c="; gateway $(gw_counters)"
	note "[${SECONDS}s] $cfg mqtt $1: $tx; $rx; $rxs a segment; decided by the matching rule $m$c"
	set -- $rx
	[ "$2" -gt 0 ] || fail "$cfg: no PUBLISH arrived"
	case $cfg in iotgw*)
		[ "$m" -gt 0 ] || fail "$cfg: the matching rule decided no PUBLISH"
	esac
	rxb=$(awk -v b="$4" -v s="$6" 'BEGIN { printf "%.0f", (s > 0 ? b / s : 0) }')
	rx=$8
}

# Each round runs every configuration once, in the order of CONFIGS, the
# even rounds in reverse, so that a slow drift of the host's speed does
# not favour the configurations that come first; each configuration's
# ratio to "no module" is taken within its round.
note "forward: $ROUNDS rounds of $CONFIGS, ${SECONDS_EACH} s each"
drops0=$(udp_drops)
order=$CONFIGS
for round in $(seq "$ROUNDS"); do
	for cfg in $order; do
		configure "$cfg"
		coap_run
		echo "$rx" >"$tmp/coap.$cfg.$round"
		mqtt_run seg
		echo "$rx" >"$tmp/mqtts.$cfg.$round"
		echo "$rxs" >>"$tmp/mqtts.per_seg"
		mqtt_run bulk
		echo "$rx" >"$tmp/mqtt.$cfg.$round"
		echo "$rxb" >"$tmp/mqttb.$cfg.$round"
		echo "$rxs" >>"$tmp/mqtt.per_seg"
	done
	for cfg in $CONFIGS; do
		for p in coap mqtts mqtt mqttb; do
			cat "$tmp/$p.$cfg.$round" >>"$tmp/$p.$cfg"
			echo "$(ratio "$(cat "$tmp/$p.$cfg.$round")" \
				"$(cat "$tmp/$p.nomod.$round")")" >>"$tmp/$p.$cfg.ratio"
		done
	done
	note "[${SECONDS}s] round $round done"
	order=$(printf '%s\n' $order | tac | tr '\n' ' ')
done
drops1=$(udp_drops)

# ---- the table ----

# spread FILE: "min–max"
spread() { sort -n "$1" | awk 'NR == 1 { lo = $1 } { hi = $1 } END { printf "%s–%s", lo, hi }'; }

label() {
	case $1 in
	nomod) echo "no module" ;;
	empty) echo "iotgw, no rules" ;;
	iotgw10) echo "iotgw, 10 rules" ;;
	iotgw1000) echo "iotgw, 1,000 rules" ;;
	iotgw10000) echo "iotgw, 10,000 rules" ;;
	nft10) echo "nftables, 10 rules" ;;
	nft1000) echo "nftables, 1,000 rules" ;;
	nft10000) echo "nftables, 10,000 rules" ;;
	esac
}

loss=$(awk '$1 > 0 { l = ($1 - $2) * 100 / $1; if (l > m) m = l } END { printf "%.1f", m }' "$tmp/loss")
msg_len=$((4 + 4 + 1 + 7 + 1 + 7 + 1 + 4 + 1 + PAYLOAD))
pub_len=$((2 + 2 + ${#TOPIC} + PAYLOAD))
{
	echo "## Classifier overhead on forwarded traffic"
	echo
	echo "Sensor, gateway and cloud network namespaces joined by veth pairs;" \
		"the gateway forwards (IPv4). CoAP: udp_flood sends non-confirmable POSTs to" \
		"Uri-Path $TOPIC ($msg_len-byte CoAP messages, $((msg_len + 28))-byte IP" \
		"packets; the module counted $(ratio "$coap_bytes" "$coap_pkts") bytes a packet)" \
		"with sendmmsg from $COAP_FLOWS sockets to a recvmmsg sink in the cloud;" \
		"CoAP pps is datagrams/s counted there." \
		"MQTT: udp_flood -T sends QoS 0 PUBLISH packets on $TOPIC ($pub_len bytes" \
		"each) to a sink in the cloud that answers CONNECT and counts PUBLISH" \
		"packets and bytes, in two shapes. One PUBLISH a segment, as sensors" \
		"send readings: $MQTT_SEG_FLOWS connections, one PUBLISH a send()" \
		"with MSG_EOR, so that TCP does not merge it with the next" \
		"(the sender's OutSegs counted $(median "$tmp/mqtts.per_seg") PUBLISH" \
		"a segment, ACKs and handshakes included). Bulk, a worst case for a" \
		"stream parser: $MQTT_FLOWS connections, back-to-back PUBLISH packets" \
		"written 64 kB at a time, which TCP and GSO make segments of tens of" \
		"kB ($(median "$tmp/mqtt.per_seg") PUBLISH a TCP segment by OutSegs;" \
		"GSO hands the gateway up to 64 kB a packet), so that forwarding costs" \
		"per segment while the module costs per PUBLISH." \
		"Each measurement ${SECONDS_EACH} s; $ROUNDS rounds, each running every" \
		"configuration once (odd rounds in the table's order, even rounds in" \
		"reverse); the table gives the median over the rounds, the range in" \
		"brackets, and the median of each round's ratio to that round's" \
		"\"no module\". Senders pinned to CPU 1 (PIN; the forwarding runs in" \
		"their softirq there); the CoAP sink on CPU 0, the MQTT sink on CPU 1" \
		"too: on CPU 0 its ACKs make TCP send from both CPUs, veth's per-CPU" \
		"backlogs then reorder a connection's segments, and the module stops" \
		"following a connection that reorders (lost sync). QEMU TCG: only the" \
		"ratios mean anything." \
		"iotgw's rules (action accept, hook and proto any) are shaped as in" \
		"parse_bench: per-device literals sensors/roomN/temp, wildcards" \
		"site/N/+/temp, subtrees fleet/N/#, in turn, and sensors/+/temp, which" \
		"decides the flood, added last (max-rules is 10,000: the largest set" \
		"fits); with the module loaded, the sensor and cloud namespaces are set" \
		"to ports nothing uses, so only the gateway classifies. Every CoAP" \
		"datagram and every PUBLISH the sink counted was decided by the matching" \
		"rule (the run fails otherwise). CoAP datagrams lost between sender" \
		"and sink: at most $loss% in any run; the cloud's UDP counters before" \
		"and after all runs: ${drops0% } / ${drops1% }."
	echo
	echo "| configuration | CoAP pps | ratio to no module | MQTT, a PUBLISH a segment, PUBLISH/s | ratio to no module | MQTT bulk PUBLISH/s | MQTT bulk MB/s | ratio to no module |"
	echo "|---|---:|---:|---:|---:|---:|---:|---:|"
	for cfg in $CONFIGS; do
		mb=$(awk -v b="$(median "$tmp/mqttb.$cfg")" 'BEGIN { printf "%.1f", b / 1e6 }')
		echo "| $(label "$cfg") | $(median "$tmp/coap.$cfg") ($(spread "$tmp/coap.$cfg")) |" \
			"$(median "$tmp/coap.$cfg.ratio") |" \
			"$(median "$tmp/mqtts.$cfg") ($(spread "$tmp/mqtts.$cfg")) |" \
			"$(median "$tmp/mqtts.$cfg.ratio") |" \
			"$(median "$tmp/mqtt.$cfg") ($(spread "$tmp/mqtt.$cfg")) | $mb |" \
			"$(median "$tmp/mqtt.$cfg.ratio") |"
	done
	echo
	echo "What the nftables rules match (no module loaded): the forward chain" \
		"jumps on udp dport 5683 and on tcp dport 1883 to a chain per protocol" \
		"of N rules, each \`udp dport 5683\` or \`tcp dport 1883\` and raw" \
		"\`@ih\` payload matches (the bytes after the UDP or TCP header, in" \
		"pieces of at most 128 bits) at fixed offsets, action accept; the rule for" \
		"the flood's topic is last, so every packet walks all N. They do not" \
		"parse topics. CoAP: the Uri-Path options' bytes from byte 8 of the" \
		"payload (which assumes a 4-byte token and Uri-Path as the first" \
		"option): a literal's every option, site/N/+/temp only the options" \
		"site and N, fleet/N/# the options fleet and N; sensors/+/temp is" \
		"written as the literal sensors/bedroom/temp, since nft cannot skip a" \
		"level of unknown length. MQTT: the first bytes of a segment's" \
		"payload: 0x30 (a QoS 0 PUBLISH), then, past one byte of Remaining" \
		"Length, the topic length and topic (or the site/N/ or fleet/N/" \
		"prefix). With a PUBLISH a segment they see every PUBLISH; in bulk," \
		"a PUBLISH that does not start a segment is never seen: there the" \
		"MQTT rules cost what a linear ruleset costs per segment, but decide" \
		"only a few hundred or thousand segments per run, where iotgw's stream" \
		"parser decides every PUBLISH. Between the nftables runs the chains" \
		"stay loaded, unhooked (no base chain), which costs nothing."
	echo
	target "classifier with 10,000 rules, CoAP pps / no module" \
		"$(median "$tmp/coap.iotgw10000.ratio")" ">=" 0.95
	target "classifier with 10,000 rules, MQTT a PUBLISH a segment, PUBLISH/s / no module" \
		"$(median "$tmp/mqtts.iotgw10000.ratio")" ">=" 0.95
	target "classifier with 10,000 rules, MQTT bulk PUBLISH/s / no module" \
		"$(median "$tmp/mqtt.iotgw10000.ratio")" ">=" 0.95
} >&3
