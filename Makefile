# SPDX-License-Identifier: GPL-2.0
#
# tunpin: the verbs.
#   make            build tunpin.ko (against KDIR) and the tunpin tool
#   make check      THE test command: deps, lint, unit tests, VM selftests
#   make demo       boot the VM and show QEMU's offer pinned and unpinned
#   make clean
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

all: module tool

module:
	$(MAKE) -C $(KDIR) M=$(CURDIR) modules

tool:
	$(MAKE) -C tools/tunpin

clean:
	$(MAKE) -C $(KDIR) M=$(CURDIR) clean 2>/dev/null || true
	$(MAKE) -C tools/tunpin clean
	rm -rf $(BUILD)

check:
	$(TESTING)/check.sh

demo:
	$(TESTING)/demo.sh

.PHONY: all module tool clean check demo
