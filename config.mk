# Build settings; override any of them on the make command line.
VERSION = 0.1.0

PREFIX ?= /usr/local
BINDIR ?= $(PREFIX)/bin
MANDIR ?= $(PREFIX)/share/man
MAN1DIR ?= $(MANDIR)/man1

CC ?= cc
PKG_CONFIG ?= pkg-config
PKGS = jansson libarchive libcurl libcrypto openblas

OPT ?= -O2
CFLAGS ?= $(OPT) -g
WARN = -Wall -Wextra -Wshadow -Wno-unused-parameter
CPPFLAGS += -D_DEFAULT_SOURCE -D_POSIX_C_SOURCE=200809L \
	-DREPROKIT_VERSION='"$(VERSION)"' -Ilib \
	$(shell $(PKG_CONFIG) --cflags $(PKGS) 2>/dev/null)
LDLIBS += $(shell $(PKG_CONFIG) --libs $(PKGS) 2>/dev/null) -lm -lpthread

# Open MPI's compiler wrapper; empty: no bin/rn-train-mpi.
MPICC ?= $(shell command -v mpicc 2>/dev/null)
MPIBIN = $(if $(MPICC),bin/rn-train-mpi)

CMOCKA_CFLAGS = $(shell $(PKG_CONFIG) --cflags cmocka 2>/dev/null)
CMOCKA_LIBS = $(shell $(PKG_CONFIG) --libs cmocka 2>/dev/null)
