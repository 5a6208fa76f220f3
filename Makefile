# reprokit: see README.md.  make, make check, make install.
include config.mk

PROGS = $(sort $(basename $(notdir $(wildcard cmd/*.c))))
BINS = $(PROGS:%=bin/%)
LIBSRC = $(sort $(wildcard lib/*.c lib/*/*.c))
LIBOBJ = $(LIBSRC:%.c=build/%.o)
LIB = build/libreprokit.a
UNITSRC = $(sort $(wildcard tests/unit/test_*.c))
UNITBINS = $(UNITSRC:tests/unit/%.c=build/tests/%)
MANS = $(sort $(wildcard man/*.1))

all: $(LIB) $(BINS) $(MPIBIN)

build/%.o: %.c
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(CFLAGS) $(WARN) -MMD -MP -c -o $@ $<

$(LIB): $(LIBOBJ)
	@mkdir -p $(@D)
	rm -f $@
	$(AR) rcs $@ $(LIBOBJ)

bin/%: build/cmd/%.o $(LIB)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $< $(LIB) $(LDLIBS)

# bin/rn-train-mpi: rn-train linked with lib/nn/dist.c built for MPI,
# when mpicc is there (config.mk); no other program needs MPI.
build/mpi/lib/nn/dist.o: lib/nn/dist.c
	@mkdir -p $(@D)
	$(MPICC) -DWITH_MPI $(CPPFLAGS) $(CFLAGS) $(WARN) -MMD -MP -c -o $@ $<

bin/rn-train-mpi: build/cmd/rn-train.o build/mpi/lib/nn/dist.o $(LIB)
	@mkdir -p $(@D)
	$(MPICC) $(CFLAGS) $(LDFLAGS) -o $@ build/cmd/rn-train.o \
	    build/mpi/lib/nn/dist.o $(LIB) $(LDLIBS)

build/tests/%: tests/unit/%.c $(LIB) $(wildcard tests/unit/*.h)
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(CMOCKA_CFLAGS) $(CFLAGS) $(WARN) -o $@ $< \
	    $(LIB) $(CMOCKA_LIBS) $(LDLIBS)

deps:
	@sh scripts/deps

# The test command: installs what is missing, builds, runs every test.
check: deps
	@$(MAKE) --no-print-directory all tests
	@sh tests/run

test: check

tests: $(UNITBINS)

# The main job: the demo pipeline on the real CIFAR-10 (see README.md).
# ARCHIVE=path takes a local cifar-10-binary.tar.gz instead of downloading.
demo: deps
	@$(MAKE) --no-print-directory all
	@PATH="$(CURDIR)/bin:$$PATH" sh pipelines/demo \
	    $(if $(ARCHIVE),-a "$(ARCHIVE)") $(DEMOFLAGS)

install: all
	mkdir -p $(DESTDIR)$(BINDIR) $(DESTDIR)$(MAN1DIR)
	for p in $(PROGS) $(MPIBIN:bin/%=%); do \
		install -m 755 bin/$$p $(DESTDIR)$(BINDIR)/$$p || exit 1; \
	done
	for m in $(MANS); do \
		install -m 644 $$m $(DESTDIR)$(MAN1DIR)/ || exit 1; \
	done

uninstall:
	for p in $(PROGS) $(MPIBIN:bin/%=%); do \
		rm -f $(DESTDIR)$(BINDIR)/$$p; \
	done
	for m in $(MANS); do rm -f $(DESTDIR)$(MAN1DIR)/$${m#man/}; done

lint-man:
	mandoc -Tlint -Wwarning $(MANS)

clean:
	rm -rf build bin

.PHONY: all deps check test tests demo install uninstall lint-man clean
.SECONDARY: $(LIBOBJ)

-include $(LIBOBJ:.o=.d) $(PROGS:%=build/cmd/%.d) build/mpi/lib/nn/dist.d
