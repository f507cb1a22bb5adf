# SPDX-License-Identifier: GPL-2.0
#
# iotgw: kernel module, userspace programs, tests and the VM that runs them.
#
#   make               build the module and the programs (installs Debian deps)
#   make check         unit tests, lint, then the selftests in QEMU on the
#                      Debian kernel and on the debug kernel
#   make check KERNEL=debian|debug   one kernel only;  T=name   one selftest
#   make demo          boot the gateway VM and run the demo scenario
#   make vm            a shell in the VM (KERNEL=debian|debug)

TOP := $(CURDIR)
DEBIAN_RELEASE = $(shell . tools/vm/common.sh; iotgw_debian_release)
KDIR ?= $(if $(DEBIAN_RELEASE),/usr/src/linux-headers-$(DEBIAN_RELEASE),/lib/modules/$(shell uname -r)/build)
KERNEL ?= debian debug
T ?=

CC ?= gcc
NL_CFLAGS = $(shell pkg-config --cflags libnl-genl-3.0)
NL_LIBS = $(shell pkg-config --libs libnl-genl-3.0)
USER_CFLAGS = -std=c11 -D_GNU_SOURCE -O2 -g -Wall -Wextra -Werror \
	-I$(TOP)/include/uapi -I$(TOP)/user/lib $(NL_CFLAGS)
VERSION := $(shell sed -n 's/^\#define IOTGW_VERSION "\(.*\)"/\1/p' kmod/version.h)

# The parsers and the topic trie: kernel source, also built for userspace.
PROTO_SRCS := $(sort $(wildcard kmod/proto/*.c kmod/rules/*.c))
PROTO_HDRS := $(wildcard kmod/*.h kmod/proto/*.h kmod/rules/*.h) user/lib/compat_user.h
# Userspace-only reference implementations the tests, fuzzers and
# benchmarks compare against (user/lib/*_ref.c).
REF_SRCS := $(wildcard user/lib/*_ref.c)
PROTO_OBJS := $(patsubst kmod/%.c,build/user/%.o,$(PROTO_SRCS)) \
	$(patsubst user/lib/%.c,build/user/ref/%.o,$(REF_SRCS))
LIBPROTO := build/user/libiotgwproto.a
PROTO_CFLAGS = $(USER_CFLAGS) -Ikmod -Wdeclaration-after-statement -Wvla \
	-Wmissing-prototypes -Wstrict-prototypes

LIBNL_OBJS = user/lib/iotgw_nl.o user/lib/iotgw_replies.o
LIBNL = user/lib/libiotgwnl.a
IOTGWCTL_OBJS = tools/iotgwctl/iotgwctl.o tools/iotgwctl/config.o \
	tools/iotgwctl/rule.o tools/iotgwctl/stats.o tools/iotgwctl/parse.o \
	tools/iotgwctl/json.o tools/iotgwctl/flow.o \
	tools/iotgwctl/monitor.o tools/iotgwctl/queue.o \
	tools/iotgwctl/coap.o tools/iotgwctl/coap_uri.o tools/iotgwctl/device.o
IOTGWCTL = tools/iotgwctl/iotgwctl
UNIT_TESTS := $(patsubst %.c,%,$(wildcard user/tests/*_test.c))
# iotgwd: the daemon forwarding the kernel's QoS queue to cloud brokers.
IOTGWD_OBJS := $(patsubst %.c,%.o,$(wildcard user/iotgwd/*.c))
IOTGWD_LIB_OBJS = $(filter-out user/iotgwd/iotgwd.o,$(IOTGWD_OBJS))
IOTGWD_HDRS := $(wildcard user/iotgwd/*.h)
IOTGWD = user/iotgwd/iotgwd
IOTGWD_LIBS = $(shell pkg-config --libs inih libmosquitto json-c sqlite3)
IOTGWD_TESTS := $(patsubst %.c,%,$(wildcard user/tests/iotgwd_*_test.c))

FUZZ_TARGETS := $(patsubst tools/fuzz/%.c,build/fuzz/%,$(wildcard tools/fuzz/fuzz_*.c))
FUZZ_CFLAGS = -std=c11 -D_GNU_SOURCE -g -O1 -Wall -Wextra -Werror -Ikmod -Iuser/lib \
	-fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all
FUZZ_SECONDS ?= 60

.PHONY: all deps build kmod user tools selftests check unit lint demo vm \
	sparse checkpatch fuzz fuzz-build bench clean
.PHONY: clean-iotgwd

all: deps
	@$(MAKE) --no-print-directory build

deps:
	@tools/deps.sh

build: kmod user tools

kmod:
	$(MAKE) -C $(KDIR) M=$(TOP) modules

user: $(LIBNL) $(LIBPROTO)
tools: $(IOTGWCTL)
user: $(IOTGWD)

$(LIBNL): $(LIBNL_OBJS)
	$(AR) rcs $@ $^

$(LIBPROTO): $(PROTO_OBJS)
	@mkdir -p $(@D)
	rm -f $@
	$(AR) rcs $@ $^

build/user/%.o: kmod/%.c $(PROTO_HDRS)
	@mkdir -p $(@D)
	$(CC) $(PROTO_CFLAGS) -c -o $@ $<

build/user/ref/%.o: user/lib/%.c $(PROTO_HDRS) $(wildcard user/lib/*_ref.h)
	@mkdir -p $(@D)
	$(CC) $(PROTO_CFLAGS) -c -o $@ $<

user/%.o tools/%.o: CFLAGS_EXTRA = -DIOTGWCTL_VERSION='"$(VERSION)"'
user/%.o: user/%.c $(wildcard user/lib/*.h) include/uapi/linux/iotgw.h
	$(CC) $(USER_CFLAGS) $(CFLAGS_EXTRA) -c -o $@ $<
tools/%.o: tools/%.c $(wildcard tools/iotgwctl/*.h user/lib/*.h) include/uapi/linux/iotgw.h
	$(CC) $(USER_CFLAGS) $(CFLAGS_EXTRA) -c -o $@ $<

$(IOTGWCTL): $(IOTGWCTL_OBJS) $(LIBNL)
	$(CC) -o $@ $^ $(NL_LIBS) $(shell pkg-config --libs json-c)

user/tests/%: user/tests/%.c $(LIBNL) $(LIBPROTO) $(wildcard user/lib/*.h) $(PROTO_HDRS)
	$(CC) $(USER_CFLAGS) -Ikmod -isystem $(KSFT_DIR) -o $@ $< $(LIBPROTO) $(LIBNL) $(NL_LIBS)

user/tests/cli_parse_test: tools/iotgwctl/parse.c tools/iotgwctl/parse.h \
	tools/iotgwctl/coap_uri.c tools/iotgwctl/coap_uri.h

# iotgwd: its objects see kmod/ (the topic checks of libiotgwproto.a).
$(IOTGWD_OBJS): CFLAGS_EXTRA += -Ikmod -DIOTGWD_VERSION='"$(VERSION)"'
$(IOTGWD_OBJS): $(IOTGWD_HDRS) $(PROTO_HDRS)
$(IOTGWD): $(IOTGWD_OBJS) $(LIBNL) $(LIBPROTO)
	$(CC) -o $@ $(IOTGWD_OBJS) $(LIBNL) $(LIBPROTO) $(NL_LIBS) $(IOTGWD_LIBS)
# the daemon end to end: iotgwd, its netlink pointed at the test (LD_PRELOAD)
user/tests/iotgwd_daemon_test: $(IOTGWD) build/user/iotgwd_fake_genl.so
user/tests/iotgwd_downlink_test: $(IOTGWD) build/user/iotgwd_fake_genl.so
build/user/iotgwd_fake_genl.so: user/tests/iotgwd_fake_genl.c
	@mkdir -p $(@D)
	$(CC) $(USER_CFLAGS) -shared -fPIC -o $@ $< $(NL_LIBS)
$(IOTGWD_TESTS): user/tests/iotgwd_%: user/tests/iotgwd_%.c $(IOTGWD_LIB_OBJS) $(LIBNL) $(LIBPROTO) $(IOTGWD_HDRS) $(wildcard user/tests/iotgwd_*.h)
	$(CC) $(USER_CFLAGS) -Iuser/iotgwd -Ikmod -isystem $(KSFT_DIR) -o $@ $< $(IOTGWD_LIB_OBJS) $(LIBNL) $(LIBPROTO) $(NL_LIBS) $(IOTGWD_LIBS)

# libFuzzer targets: tools/fuzz/fuzz_NAME.c, seeds in tools/fuzz/corpus/NAME/.
build/fuzz/%: tools/fuzz/%.c $(PROTO_SRCS) $(REF_SRCS) $(PROTO_HDRS)
	@mkdir -p $(@D)
	clang $(FUZZ_CFLAGS) -o $@ $< $(PROTO_SRCS) $(REF_SRCS)

fuzz-build: deps
	@$(MAKE) --no-print-directory $(FUZZ_TARGETS)

fuzz: fuzz-build
	@tools/fuzz/run.sh $(FUZZ_SECONDS) $(FUZZ_TARGETS)

PARSE_BENCH := build/bench/parse_bench
$(PARSE_BENCH): tools/bench/parse_bench.c $(LIBPROTO) $(PROTO_HDRS)
	@mkdir -p $(@D)
	$(CC) $(USER_CFLAGS) -Ikmod -o $@ $< $(LIBPROTO)

# A closed-loop CoAP load generator (confirmable POSTs, ACK latency).
COAP_LOAD := build/bench/coap_load
$(COAP_LOAD): tools/bench/coap_load.c tools/bench/bench_util.h $(LIBPROTO) $(PROTO_HDRS)
	@mkdir -p $(@D)
	$(CC) $(USER_CFLAGS) -Ikmod -o $@ $< $(LIBPROTO)

# The userspace CoAP-to-MQTT bridge iotgw + iotgwd is measured against.
COAP_BRIDGE := build/bench/coap_bridge
$(COAP_BRIDGE): tools/bench/coap_bridge.c
	@mkdir -p $(@D)
	$(CC) $(USER_CFLAGS) -o $@ $< $(shell pkg-config --cflags --libs libcoap-3-notls libmosquitto)

# A UDP packet blaster for forwarded traffic (sendmmsg), and its counter.
UDP_FLOOD := build/bench/udp_flood
$(UDP_FLOOD): tools/bench/udp_flood.c tools/bench/bench_util.h $(LIBPROTO) $(PROTO_HDRS)
	@mkdir -p $(@D)
	$(CC) $(USER_CFLAGS) -Ikmod -o $@ $< $(LIBPROTO)

# A queue consumer that only acks: kernel-to-daemon delivery alone.
QUEUE_DRAIN := build/bench/queue_drain
$(QUEUE_DRAIN): tools/bench/queue_drain.c tools/bench/bench_util.h $(IOTGWD_LIB_OBJS) $(LIBNL) $(LIBPROTO) $(IOTGWD_HDRS)
	@mkdir -p $(@D)
	$(CC) $(USER_CFLAGS) -Iuser/iotgwd -Ikmod -o $@ $< $(IOTGWD_LIB_OBJS) $(LIBNL) $(LIBPROTO) $(NL_LIBS) $(IOTGWD_LIBS)

BENCH_TOOLS := $(PARSE_BENCH) $(COAP_LOAD) $(COAP_BRIDGE) $(UDP_FLOOD) $(QUEUE_DRAIN)

# Every benchmark: the parser and trie in userspace, then ingest,
# forwarding and delivery in the VM against their alternatives. BENCH.md.
bench: deps
	@$(MAKE) --no-print-directory build $(BENCH_TOOLS)
	@tools/bench/run.sh $(PARSE_BENCH)

KSFT_DIR = $(shell . tools/vm/common.sh; iotgw_kernel_source)/tools/testing/selftests

selftests: user
	$(MAKE) -C selftests/iotgw KSFT_DIR=$(KSFT_DIR)

# Unit tests, lint and the VM selftests, counted together.
check: deps
	@$(MAKE) --no-print-directory build selftests
	@$(MAKE) --no-print-directory $(UNIT_TESTS) $(FUZZ_TARGETS) KSFT_DIR=$(KSFT_DIR)
	@tools/check.sh --kernels "$(KERNEL)" --tests "$(T)"

sparse:
	$(MAKE) -C $(KDIR) M=$(TOP) C=2 modules

checkpatch:
	@tools/lint.sh checkpatch

demo: all
	@tools/vm/run.sh --kernel debian --mode demo

vm: all selftests
	@tools/vm/run.sh --kernel $(firstword $(KERNEL)) --mode shell

clean:
	-$(MAKE) -C $(KDIR) M=$(TOP) clean
	-$(MAKE) -C selftests/iotgw KSFT_DIR=$(KSFT_DIR) clean
	rm -rf build $(LIBNL) $(LIBNL_OBJS) $(IOTGWCTL) $(IOTGWCTL_OBJS) $(UNIT_TESTS)
clean: clean-iotgwd
clean-iotgwd:
	rm -f $(IOTGWD) $(IOTGWD_OBJS) $(IOTGWD_TESTS)
