# SPDX-License-Identifier: GPL-2.0
#
# tunpin: the verbs.
#   make            build tunpin.ko (against KDIR) and the tunpin tool
#   make check      THE test command: deps, lint, unit tests, the packages,
#                   the selftests on every lane of tools/testing/matrix
#   make check-quick  the development loop: lanes 6.1 and 7.2, the
#                   kernel's tests, no packages, no arm64 lanes
#   make check-debug  the selftests and stress tests on a KASAN/lockdep/kmemleak
#                   kernel built from Debian's linux-source-6.1 (cached; slow)
#   make check-migrate  a running guest live-migrated from a newer host kernel
#                   to an older one, unpinned and pinned (nested KVM in two VMs)
#   make demo       boot the VM and show QEMU's offer pinned and unpinned
#   make bench      benchmarks, stock vs tunpin in the VM, and the tool's
#                   (reports, never fails on a figure; not part of check)
#   make clean
#   make install    the tool, its man page, bash and zsh completions, the
#                   systemd unit and its modprobe@tunpin drop-in, the
#                   metrics service and timer (DESTDIR,
#                   PREFIX=/usr, SBINDIR, MANDIR, BASHCOMPDIR, ZSHCOMPDIR,
#                   UNITDIR)
#   make install-module   tunpin.ko into /lib/modules/<KDIR release>/extra/module
#   make install-dkms     the DKMS source tree, DESTDIR/usr/src/tunpin-VERSION
#
# KDIR defaults to the running kernel's build tree, else Debian's 6.1
# headers (what the VM boots). The VM targets always build against the
# VM's kernel.

SHELL := /bin/bash
TESTING := tools/testing
DEBIAN_KVER = $(shell . $(TESTING)/common.sh && debian_kver)
KDIR ?= $(firstword $(wildcard /lib/modules/$(shell uname -r)/build) \
		    /lib/modules/$(DEBIAN_KVER)/build)
BUILD ?= $(CURDIR)/build
# The one version, PACKAGE_VERSION in dkms.conf (module/Kbuild reads it too).
VERSION := $(shell sed -n 's/^PACKAGE_VERSION="\(.*\)"$$/\1/p' dkms.conf)

PREFIX ?= /usr
SBINDIR ?= $(PREFIX)/sbin
MANDIR ?= $(PREFIX)/share/man
BASHCOMPDIR ?= $(PREFIX)/share/bash-completion/completions
ZSHCOMPDIR ?= $(PREFIX)/share/zsh/vendor-completions
UNITDIR ?= $(PREFIX)/lib/systemd/system
DKMSDIR ?= /usr/src/tunpin-$(VERSION)
# What DKMS builds from: Kbuild's obj-m := module/, module/Kbuild, the
# compat layer, and the uapi header and generator it makes
# module/caps-gen.h from.
DKMS_SRC := dkms.conf Kbuild Makefile module/Kbuild include/uapi/linux/tunpin.h \
	    module/compat/Kbuild.include module/compat/compat.h \
	    $(filter-out module/caps-gen.h module/%.mod.c, \
			 $(wildcard module/*.c module/*.h module/*.S))

all: module tool

# The module is built for one kernel: say which.
KREL = $(or $(shell cat $(KDIR)/include/config/kernel.release 2>/dev/null),?)

module:
	$(MAKE) -C $(KDIR) M=$(CURDIR) modules
	@echo "tunpin: module/tunpin.ko built for Linux $(KREL) ($(KDIR))"

tool:
	$(MAKE) -C tools/tunpin

clean:
	$(MAKE) -C $(KDIR) M=$(CURDIR) clean 2>/dev/null || true
	$(MAKE) -C tools/tunpin clean
	rm -rf $(BUILD)

install: tool
	$(MAKE) -C tools/tunpin install DESTDIR=$(DESTDIR) PREFIX=$(PREFIX) \
		SBINDIR=$(SBINDIR) MANDIR=$(MANDIR) BASHCOMPDIR=$(BASHCOMPDIR) \
		ZSHCOMPDIR=$(ZSHCOMPDIR)
	install -d $(DESTDIR)$(UNITDIR)
	for u in tunpin.service tunpin-metrics.service; do \
		sed 's|/usr/sbin/tunpin|$(SBINDIR)/tunpin|' contrib/systemd/$$u \
			>$(DESTDIR)$(UNITDIR)/$$u && \
		chmod 0644 $(DESTDIR)$(UNITDIR)/$$u || exit; \
	done
	install -m 0644 contrib/systemd/tunpin-metrics.timer $(DESTDIR)$(UNITDIR)/
	install -D -m 0644 'contrib/systemd/modprobe@tunpin.service.d/tunpin.conf' \
		'$(DESTDIR)$(UNITDIR)/modprobe@tunpin.service.d/tunpin.conf'

uninstall:
	$(MAKE) -C tools/tunpin uninstall DESTDIR=$(DESTDIR) PREFIX=$(PREFIX) \
		SBINDIR=$(SBINDIR) MANDIR=$(MANDIR) BASHCOMPDIR=$(BASHCOMPDIR) \
		ZSHCOMPDIR=$(ZSHCOMPDIR)
	rm -f $(DESTDIR)$(UNITDIR)/tunpin.service \
		$(DESTDIR)$(UNITDIR)/tunpin-metrics.service \
		$(DESTDIR)$(UNITDIR)/tunpin-metrics.timer \
		'$(DESTDIR)$(UNITDIR)/modprobe@tunpin.service.d/tunpin.conf'
	-rmdir '$(DESTDIR)$(UNITDIR)/modprobe@tunpin.service.d' 2>/dev/null

install-module: module
	$(MAKE) -C $(KDIR) M=$(CURDIR) modules_install

install-dkms:
	for f in $(DKMS_SRC); do \
		install -D -m 0644 $$f $(DESTDIR)$(DKMSDIR)/$$f || exit; \
	done
	install -D -m 0755 tools/gen-caps.sh $(DESTDIR)$(DKMSDIR)/tools/gen-caps.sh

check:
	$(TESTING)/check.sh

check-quick:
	TUNPIN_QUICK=1 $(TESTING)/check.sh

check-debug:
	$(TESTING)/debug/check.sh

# The real live migration: 6.12 -> 6.1 and 7.2 -> 6.12, source and
# destination host VMs side by side (tools/testing/migrate/check.sh).
check-migrate:
	$(TESTING)/migrate/check.sh

demo:
	$(TESTING)/demo.sh

bench:
	$(TESTING)/bench/run.sh

.PHONY: all module tool clean check demo install uninstall install-module \
	install-dkms check-quick check-debug check-migrate bench
