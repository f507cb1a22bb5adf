# SPDX-License-Identifier: GPL-2.0
# Helpers for the iotgw shell selftests. Sourced.
IOTGW_TOP=${IOTGW_TOP:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
IOTGW_KO=${IOTGW_KO:-$IOTGW_TOP/kmod/iotgw.ko}
PATH=$IOTGW_TOP/tools/iotgwctl:$IOTGW_TOP/user/iotgwd:$PATH
KSFT_SKIP=4

fail() {
	echo "FAIL: $*" >&2
	exit 1
}

iotgw_loaded() {
	grep -q '^iotgw ' /proc/modules
}

iotgw_unload() {
	if iotgw_loaded; then
		rmmod iotgw || fail "rmmod iotgw"
	fi
}

iotgw_load() {
	iotgw_loaded || insmod "$IOTGW_KO" || fail "insmod $IOTGW_KO"
}

# Whether this is the debug kernel (kmemleak, KASAN, lockdep): under TCG
# it is 5 to 10 times slower, so the longest tests run fewer rounds of
# the same paths there.
iotgw_debug_kernel() {
	[ -w /sys/kernel/debug/kmemleak ]
}

# With kmemleak (the debug kernel): fail if anything leaked since the last
# clear, then clear. Objects must be 5 s old before kmemleak reports them.
kmemleak_check() {
	local f=/sys/kernel/debug/kmemleak leaks

	[ -w "$f" ] || return 0
	sleep 6
	echo scan >"$f"
	echo scan >"$f"
	leaks=$(cat "$f")
	if [ -n "$leaks" ]; then
		echo "$leaks" | head -n 60 >&2
		fail "kmemleak: $1"
	fi
	echo clear >"$f"
}

# Three hosts in namespaces: sensor -- gw -- cloud, IPv4 and IPv6, the gw
# forwarding. Names carry this shell's PID so that runs never collide.
topo_up() {
	S=iotgw-sensor-$$ G=iotgw-gw-$$ C=iotgw-cloud-$$
	for n in $S $G $C; do
		ip netns add "$n" || fail "ip netns add $n"
		ip -n "$n" link set lo up
	done
	ip link add s0 netns "$S" type veth peer name gs netns "$G" ||
		fail "veth sensor-gw"
	ip link add c0 netns "$C" type veth peer name gc netns "$G" ||
		fail "veth gw-cloud"
	ip -n "$S" addr add 10.10.1.2/24 dev s0
	ip -n "$S" addr add fd00:1::2/64 dev s0 nodad
	ip -n "$G" addr add 10.10.1.1/24 dev gs
	ip -n "$G" addr add fd00:1::1/64 dev gs nodad
	ip -n "$G" addr add 10.10.2.1/24 dev gc
	ip -n "$G" addr add fd00:2::1/64 dev gc nodad
	ip -n "$C" addr add 10.10.2.2/24 dev c0
	ip -n "$C" addr add fd00:2::2/64 dev c0 nodad
	for l in "$S s0" "$G gs" "$G gc" "$C c0"; do
		set -- $l
		ip -n "$1" link set "$2" up
	done
	ip -n "$S" route add default via 10.10.1.1
	ip -n "$S" -6 route add default via fd00:1::1
	ip -n "$C" route add default via 10.10.2.1
	ip -n "$C" -6 route add default via fd00:2::1
	ip netns exec "$G" sysctl -qw net.ipv4.ip_forward=1
	ip netns exec "$G" sysctl -qw net.ipv6.conf.all.forwarding=1
	trap topo_down EXIT
}

topo_down() {
	local p

	for p in $(jobs -p); do
		kill "$p" 2>/dev/null
	done
	wait 2>/dev/null
	ip netns del "$S" 2>/dev/null
	ip netns del "$G" 2>/dev/null
	ip netns del "$C" 2>/dev/null
}

# Run in a namespace: in_ns NS CMD...
in_ns() {
	local ns=$1

	shift
	ip netns exec "$ns" "$@"
}

# iotgwctl in the gateway namespace; a failure fails the test
gw() { in_ns "$G" iotgwctl "$@" || fail "iotgwctl $*"; }

# queue_field NAME: a field of the gateway's "iotgwctl queue show"
queue_field() { in_ns "$G" iotgwctl queue show |
	awk -v f="$1" '{ for (i = 1; i < NF; i++) if ($i == f) print $(i + 1) }'; }

# A counter of iotgwctl stats (in the gateway): gw_stat NAME
gw_stat() {
	in_ns "$G" iotgwctl stats | awk -v k="$1" '$1 == k { print $2 }'
}

# A counter of one rule: rule_stat NAME FIELD
rule_stat() {
	in_ns "$G" iotgwctl -s rule show "$1" |
		awk -v f="$2" '{ for (i = 1; i < NF; i++) if ($i == f) print $(i + 1) }'
}

# expect_eq WHAT GOT WANT
expect_eq() {
	[ "$2" = "$3" ] || fail "$1: got \"$2\", want \"$3\""
	echo "ok: $1 = $3"
}

# ---- MQTT peers (mqtt_classify.sh) ----
# Daemons run straight under "ip netns exec" (which execs them), so that
# their PIDs are the jobs topo_down kills; mqtt_down also removes the
# temporary directory that holds their configuration and output.
IOTGW_TMP=
IOTGW_PIDS=

# Make IOTGW_TMP, the temporary directory of this run, if not done yet
# (not in $(...): the variable must be set in this shell).
iotgw_tmp() {
	[ -n "$IOTGW_TMP" ] || IOTGW_TMP=$(mktemp -d /tmp/iotgw-test.XXXXXX) ||
		fail "mktemp"
	chmod 755 "$IOTGW_TMP"
}

# Run CMD in NS in the background, its output in OUT; its PID in BG_PID:
# bg_ns NS OUT CMD...
bg_ns() {
	local ns=$1 out=$2

	shift 2
	ip netns exec "$ns" "$@" >"$out" 2>&1 &
	BG_PID=$!
	IOTGW_PIDS="$IOTGW_PIDS $BG_PID"
}

# Wait (up to 10 s) until something in NS listens on TCP PORT, COUNT
# sockets (default 1): wait_listen NS PORT [COUNT]
wait_listen() {
	local i

	for i in $(seq 50); do
		[ "$(in_ns "$1" ss -Hltn "sport = :$2" | wc -l)" -ge "${3:-1}" ] &&
			return 0
		sleep 0.2
	done
	return 1
}

# A mosquitto broker in NS on port 1883, IPv4 and IPv6, anonymous clients
# allowed: mqtt_broker NS
mqtt_broker() {
	local ns=$1 dir

	iotgw_tmp
	dir=$IOTGW_TMP
	printf 'listener 1883\nallow_anonymous true\n' >"$dir/mosquitto-$ns.conf"
	chmod 644 "$dir/mosquitto-$ns.conf"
	bg_ns "$ns" "$dir/mosquitto-$ns.log" mosquitto -c "$dir/mosquitto-$ns.conf"
	if ! wait_listen "$ns" 1883 2; then
		cat "$dir/mosquitto-$ns.log" >&2
		fail "mosquitto in $ns does not listen on port 1883"
	fi
}

# A mosquitto broker in NS on port 1883 that keeps its clients' sessions
# across a restart (persistence in IOTGW_TMP); its PID in BROKER_PID:
# mqtt_broker_persistent NS
mqtt_broker_persistent() {
	local ns=$1 conf

	iotgw_tmp
	conf=$IOTGW_TMP/mosquitto-persistent-$ns.conf
	# mosquitto drops root for its own user: its store must be writable
	mkdir -p "$IOTGW_TMP/store-$ns"
	chmod 1777 "$IOTGW_TMP/store-$ns"
	printf '%s\n' 'listener 1883' 'allow_anonymous true' \
		'persistence true' \
		"persistence_location $IOTGW_TMP/store-$ns/" \
		'autosave_interval 1' >"$conf"
	chmod 644 "$conf"
	bg_ns "$ns" "$IOTGW_TMP/mosquitto-$ns.log" mosquitto -c "$conf"
	BROKER_PID=$BG_PID
	if ! wait_listen "$ns" 1883 1; then
		cat "$IOTGW_TMP/mosquitto-$ns.log" >&2
		fail "mosquitto in $ns does not listen on port 1883"
	fi
}

# Wait up to SECONDS (default 5) for a gateway counter to reach WANT, then
# check it: wait_gw_stat NAME WANT [SECONDS]
wait_gw_stat() {
	local i

	for i in $(seq $(( ${3:-5} * 5 ))); do
		[ "$(gw_stat "$1")" = "$2" ] && break
		sleep 0.2
	done
	expect_eq "$1 (within ${3:-5} s)" "$(gw_stat "$1")" "$2"
}

# topo_down, after the daemons bg_ns started, and the temporary directory.
mqtt_down() {
	local p

	for p in $IOTGW_PIDS; do
		kill "$p" 2>/dev/null
	done
	IOTGW_PIDS=
	topo_down
	[ -z "$IOTGW_TMP" ] || rm -rf "$IOTGW_TMP"
}
