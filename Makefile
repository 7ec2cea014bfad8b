# zonegate - zone segmentation enforcement for a municipal gateway.
#
#   make            build zonegated, zonegatectl (and lib/libzonegate.a)
#   make check      install missing Debian packages, build, run every test
#   make demo       the three zones in network namespaces (run as root)
#   make bench      benchmarks, printed as ratios measured side by side
#   make install    DESTDIR, PREFIX (default /usr/local)

PREFIX	?= /usr/local
DESTDIR	?=
SBINDIR	?= $(PREFIX)/sbin
MANDIR	?= $(PREFIX)/share/man
SYSCONFDIR ?= /etc
UNITDIR	?= $(PREFIX)/lib/systemd/system

PKGS	= libnftnl libmnl libpcap libconfig
CC	?= cc
CFLAGS	?= -O2 -g
CFLAGS	+= -std=gnu11 -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes \
	   -Wmissing-prototypes -Wformat=2 -D_GNU_SOURCE \
	   -fstack-protector-strong -D_FORTIFY_SOURCE=2
LDFLAGS	+= -Wl,-z,relro,-z,now

# Link-time optimisation: the per-packet path crosses lib/ modules (link,
# pkt, flow, policy) whose small accessors only inline across units this
# way (the audit reads ~12 % fewer instructions per packet). LTO= turns it
# off; sanitizer builds go without.
ifneq ($(SANITIZE),1)
LTO	?= -flto=auto -ffat-lto-objects
CFLAGS	+= $(LTO)
LDFLAGS	+= $(LTO)
endif

ifeq ($(origin AR),default)
AR	= gcc-ar
endif

ifeq ($(SANITIZE),1)
CFLAGS	+= -O1 -fsanitize=address,undefined -fno-omit-frame-pointer \
	   -fno-sanitize-recover=all -U_FORTIFY_SOURCE
LDFLAGS	+= -fsanitize=address,undefined
endif

PKG_CFLAGS = $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   = $(shell pkg-config --libs $(PKGS) 2>/dev/null)
CHECK_CFLAGS = $(shell pkg-config --cflags check 2>/dev/null)
CHECK_LIBS   = $(shell pkg-config --libs check 2>/dev/null)

LIB_SRC	= $(wildcard lib/*.c)
LIB_OBJ	= $(LIB_SRC:.c=.o)
LIB	= lib/libzonegate.a

DAEMON_COMMON = daemon/confcheck.o
ZONEGATED_OBJ = daemon/zonegated.o daemon/nft.o daemon/log.o daemon/capture.o \
		daemon/slog.o daemon/control.o daemon/notify.o daemon/watch.o \
		daemon/parser.o daemon/confine.o $(DAEMON_COMMON)
ZONEGATECTL_OBJ = daemon/zonegatectl.o daemon/auditprint.o daemon/nft.o $(DAEMON_COMMON)
BINS	= zonegated zonegatectl

UNIT_SRC = $(wildcard tests/unit/*.c)
UNIT_BIN = tests/unit/run-unit

# Debian 12 packages the build and the tests need.
DEB_PKGS = build-essential pkg-config libnftnl-dev libmnl-dev libpcap-dev \
	   libconfig-dev check libsubunit-dev nftables iproute2 rsyslog \
	   hping3 mandoc groff-base util-linux procps python3 valgrind

.PHONY: all deps check unit clean install uninstall demo bench man-lint golden FORCE fuzz fuzz-replay

all: $(BINS)

deps:
	@missing=""; for p in $(DEB_PKGS); do \
		dpkg-query -W -f='$${Status}' $$p 2>/dev/null | \
		grep -q 'install ok installed' || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
		echo "installing:$$missing"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive \
		apt-get install -y -qq --no-install-recommends $$missing; \
	fi

# .cflags changes when the flags do (SANITIZE=1 and back): everything
# built with other flags is built again
.cflags: FORCE
	@echo '$(CFLAGS) $(LDFLAGS)' | cmp -s - $@ || echo '$(CFLAGS) $(LDFLAGS)' > $@

FORCE:

lib/%.o: lib/%.c lib/*.h .cflags
	$(CC) $(CFLAGS) $(PKG_CFLAGS) -c -o $@ $<

daemon/%.o: daemon/%.c daemon/*.h lib/*.h .cflags
	$(CC) $(CFLAGS) $(PKG_CFLAGS) -c -o $@ $<

$(LIB): $(LIB_OBJ)
	rm -f $@
	$(AR) rcs $@ $^

zonegated: $(ZONEGATED_OBJ) $(LIB)
	$(CC) $(LDFLAGS) -o $@ $^ $(PKG_LIBS)

zonegatectl: $(ZONEGATECTL_OBJ) $(LIB)
	$(CC) $(LDFLAGS) -o $@ $^ $(PKG_LIBS)

$(UNIT_BIN): $(UNIT_SRC) tests/unit/*.h $(LIB) .cflags
	$(CC) $(CFLAGS) $(PKG_CFLAGS) $(CHECK_CFLAGS) -o $@ $(UNIT_SRC) $(LIB) \
		$(PKG_LIBS) $(CHECK_LIBS) $(LDFLAGS)

unit: $(UNIT_BIN) $(BINS)
	cd tests/unit && ./run-unit

man-lint:
	@for m in man/*.[58]; do \
		out=$$(mandoc -Tlint -W warning $$m 2>&1); \
		if [ -n "$$out" ]; then echo "$$out"; exit 1; fi; \
	done; echo "man pages: mandoc -Tlint clean"

check: deps
	$(MAKE) all $(UNIT_BIN) fuzz-replay
	$(MAKE) man-lint
	tests/run-all

# bench: new-flow rate, apply/reload time and memory, as ratios measured
# side by side in network namespaces (root); see tests/bench/README.md
bench: deps
	$(MAKE) all
	tests/bench/run.sh
	bash tests/bench/violations.sh
	bash tests/bench/classify.sh
	bash tests/bench/established.sh
	bash tests/bench/audit.sh
	$(CC) -O2 -o tests/bench/lookup tests/bench/lookup.c $(LIB) $(PKG_LIBS)
	tests/bench/lookup

install: $(BINS)
	install -d $(DESTDIR)$(SBINDIR) $(DESTDIR)$(MANDIR)/man5 \
		$(DESTDIR)$(MANDIR)/man8 $(DESTDIR)$(SYSCONFDIR)/zonegate \
		$(DESTDIR)$(UNITDIR)
	sed 's|/usr/sbin/|$(SBINDIR)/|g; s|/etc/zonegate/|$(SYSCONFDIR)/zonegate/|g' \
		systemd/zonegated.service > $(DESTDIR)$(UNITDIR)/zonegated.service
	chmod 0644 $(DESTDIR)$(UNITDIR)/zonegated.service
	install -m 0755 zonegated zonegatectl $(DESTDIR)$(SBINDIR)/
	install -m 0644 man/zonegate.conf.5 $(DESTDIR)$(MANDIR)/man5/
	install -m 0644 man/*.8 $(DESTDIR)$(MANDIR)/man8/
	[ -e $(DESTDIR)$(SYSCONFDIR)/zonegate/zonegate.conf ] || \
		install -m 0640 conf/zonegate.conf $(DESTDIR)$(SYSCONFDIR)/zonegate/
	@# the packet parsers' user (zonegated(8), PRIVILEGE SEPARATION); only
	@# on the system itself, not into a staging DESTDIR
	if [ -z "$(DESTDIR)" ] && ! getent passwd zonegate >/dev/null; then \
		useradd --system --no-create-home --home-dir /nonexistent \
			--shell /usr/sbin/nologin zonegate; \
	fi

uninstall:
	rm -f $(DESTDIR)$(SBINDIR)/zonegated $(DESTDIR)$(SBINDIR)/zonegatectl \
		$(DESTDIR)$(MANDIR)/man5/zonegate.conf.5 \
		$(DESTDIR)$(MANDIR)/man8/zonegated.8 \
		$(DESTDIR)$(MANDIR)/man8/zonegatectl.8 \
		$(DESTDIR)$(UNITDIR)/zonegated.service

clean:
	rm -f lib/*.o lib/*.a daemon/*.o $(BINS) $(UNIT_BIN) .cflags
	rm -rf tests/fuzz/bin

# golden: rewrite the golden dumps after a deliberate change of the compiler
golden: zonegatectl
	./zonegatectl -c conf/minimal.conf check --dump > tests/unit/golden/minimal.nft
	./zonegatectl -c conf/zonegate.conf check --dump > tests/unit/golden/zonegate.nft
	cd tests/unit && ../../zonegatectl -c verdict.conf check --dump > golden/verdict.nft

# demo: the seed's zones in namespaces, enforced and explained (as root)
demo: deps
	$(MAKE) all
	bash tests/demo/demo.bash

# fuzz: libFuzzer (clang) on each parser for FUZZ_TIME seconds (default 60);
# new crashes land in tests/fuzz/regress/, which `make check` replays
FUZZ_TIME ?= 60
FUZZ_TARGETS = conf pkt audit ctl sep
FUZZ_CFLAGS = -g -O1 -D_GNU_SOURCE -std=gnu11 -fsanitize=fuzzer,address,undefined \
	$(PKG_CFLAGS)
fuzz:
	mkdir -p tests/fuzz/bin
	@for t in $(FUZZ_TARGETS); do \
		clang $(FUZZ_CFLAGS) -o tests/fuzz/bin/fuzz_$$t \
			tests/fuzz/fuzz_$$t.c $(LIB_SRC) $(PKG_LIBS) || exit 1; \
	done
	@for t in $(FUZZ_TARGETS); do \
		work=$$(mktemp -d); \
		echo "== fuzz_$$t for $(FUZZ_TIME) s"; \
		LSAN_OPTIONS=suppressions=$(CURDIR)/tests/fuzz/lsan.supp \
		tests/fuzz/bin/fuzz_$$t -max_total_time=$(FUZZ_TIME) \
			-artifact_prefix=tests/fuzz/regress/$$t- -print_final_stats=1 \
			$$work tests/fuzz/corpus/$$t 2>&1 | \
			grep -E 'stat::number_of_executed_units|ERROR|SUMMARY|Done'; \
		rm -rf $$work; \
	done

# the replay binaries: each target's entry point, built like the daemon
tests/fuzz/bin/replay_%: tests/fuzz/fuzz_%.c tests/fuzz/replay.c $(LIB) .cflags
	@mkdir -p tests/fuzz/bin
	$(CC) $(CFLAGS) $(PKG_CFLAGS) -Wno-missing-prototypes -o $@ $< \
		tests/fuzz/replay.c $(LIB) $(PKG_LIBS) $(LDFLAGS)

fuzz-replay: $(addprefix tests/fuzz/bin/replay_,$(FUZZ_TARGETS))
