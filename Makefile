# SPDX-License-Identifier: GPL-2.0
#
# siitdc: SIIT-DC Border Relay kernel module and tools.
#
#   make                 build kmod/siitdc.ko and tools/siitctl
#   make KVER=6.1.0-56-amd64   ... against another installed kernel's headers
#   make check           unit tests + guest suite on Debian's 6.1 and 6.12
#   make demo            boot a guest and show an IPv4 client fetching a file
#                        from an IPv6-only server through siitdc
#   make deps            install the Debian packages all of this needs

# The running kernel's headers when present; on a build machine without them
# (like a CI host running a different kernel), the first installed target.
TARGET_KVERS ?= 6.1.0-56-amd64 6.12.117+deb12-amd64
KVER ?= $(or $(if $(wildcard /lib/modules/$(shell uname -r)/build),$(shell uname -r)),\
	     $(firstword $(foreach k,$(TARGET_KVERS),$(if $(wildcard /lib/modules/$(k)/build),$(k)))),\
	     $(shell uname -r))
KDIR ?= /lib/modules/$(KVER)/build
VERSION := $(shell cat VERSION)

.PHONY: all module tools deps check unit sparse checkpatch demo bench clean \
	install dkms-install fuzz

all: module tools

module:
	$(MAKE) -C $(KDIR) M=$(CURDIR) modules

tools:
	$(MAKE) -C tools

deps:
	scripts/deps

unit:
	$(MAKE) -C tests/unit test
	$(MAKE) -C tools test

# sparse over our code, against the 6.1 headers; any warning fails.
sparse:
	tests/sparse $(firstword $(TARGET_KVERS))

checkpatch:
	tests/checkpatch

check: deps tools
	tests/run

demo: deps
	tests/demo

# libFuzzer over the pure translation core for SECONDS (corpus: tests/fuzz).
SECONDS ?= 60
fuzz: deps
	$(MAKE) -C tests/fuzz fuzz SECONDS=$(SECONDS)

# Side-by-side measurements in qemu's deterministic mode (not part of check).
bench: deps
	tests/bench/run

install: tools
	$(MAKE) -C tools install

# Registers the module with DKMS (built for every installed kernel, rebuilt
# on kernel upgrades) and installs it for the running kernel.
dkms-install:
	dkms remove siitdc/$(VERSION) --all 2>/dev/null || true
	scripts/dkms-stage /usr/src >/dev/null
	dkms install siitdc/$(VERSION)

clean:
	$(MAKE) -C $(KDIR) M=$(CURDIR) clean 2>/dev/null || true
	$(MAKE) -C tools clean
	$(MAKE) -C tests/unit clean 2>/dev/null || true
	rm -rf build
