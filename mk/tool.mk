# The user-facing tool: scripts/pqshim (the wrapper, pqshim(1)), the doctor
# build/pqshim-doctor, the man page. `make tool` builds what needs building,
# `make tool-test` runs tests/tool/run.sh (part of `make test`), and
# `make install` / `make uninstall` also handle:
#   $(PREFIX)/bin/pqshim                     finds the library as ../<LIBDIR>
#   $(PREFIX)/bin/pqshim-doctor              run by `pqshim doctor`
#   $(PREFIX)/bin/pqshim-stats               run by `pqshim stats`
#   $(PREFIX)/share/man/man1/pqshim.1        pqshim-doctor.1, pqshim-stats.1: links
#   $(PREFIX)/share/doc/pqshim/README.md     and SECURITY.md
#   $(PREFIX)/share/pqshim/VERSION           read by `pqshim --version`
# Nothing installed holds DESTDIR or PREFIX: the wrapper finds its files
# relative to itself. LIBDIR may be any folder under PREFIX (the Debian
# package: /usr/lib/<multiarch>/pqshim); install writes it into the wrapper's
# installed_libdir line, relative to PREFIX.

TOOL_BINDIR  = $(PREFIX)/bin
TOOL_MANDIR  = $(PREFIX)/share/man/man1
TOOL_DOCDIR  = $(PREFIX)/share/doc/pqshim
TOOL_DATADIR = $(PREFIX)/share/pqshim
TOOL_DOCTOR := $(B)/pqshim-doctor
TOOL_STATS  := $(B)/pqshim-stats
# PREFIX and LIBDIR without a trailing slash, LIBDIR relative to PREFIX
TOOL_PREFIX  = $(patsubst %/,%,$(PREFIX))
TOOL_LIBDIR  = $(patsubst %/,%,$(LIBDIR))
TOOL_LIBREL  = $(patsubst $(TOOL_PREFIX)/%,%,$(TOOL_LIBDIR))

EXTRA_TESTS += tool-test

.PHONY: tool tool-test doctor-test install-tool uninstall-tool

tool: $(TOOL_DOCTOR) $(TOOL_STATS)

# `make` builds everything a user runs from the build tree: scripts/pqshim
# finds the library, the doctor and pqshim-stats in build/
all: tool

# libcore.a: the shim's own connection-string and environment parsing, so the
# doctor reports the mode exactly as the shim decides it
$(TOOL_DOCTOR): tools/doctor.c $(B)/libcore.a include/config.h include/conninfo.h include/pooler.h \
		mk/tool.mk
	@mkdir -p $(@D)
	$(call quiet,CC,$@)$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $< $(B)/libcore.a $(PG_LIBS) -ldl -lpthread

# the live statistics files' reader: the shim's own Prometheus format (prom.h)
$(TOOL_STATS): tools/stats.c $(B)/libcore.a include/prom.h include/counters.h mk/tool.mk
	@mkdir -p $(@D)
	$(call quiet,CC,$@)$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $< $(B)/libcore.a

# man-db (man -l, with groff) renders the page in the tests; scripts/deps.sh
# returns at once when it is installed
tool-test: all tool
	@scripts/deps.sh man-db
	@tests/tool/run.sh

# the doctor alone (the version matrix runs it behind each PgBouncer)
doctor-test: all tool
	@tests/tool/run.sh t_doctor.sh

install: install-tool
install-tool: tool
	@case '$(TOOL_LIBDIR)' in '$(TOOL_PREFIX)'/?*) ;; *) echo "make install: LIBDIR=$(LIBDIR)" \
		"is not under PREFIX=$(PREFIX); the wrapper finds the library relative to itself" >&2; \
		exit 1;; esac
	install -d $(DESTDIR)$(TOOL_BINDIR) $(DESTDIR)$(LIBDIR) $(DESTDIR)$(TOOL_MANDIR) \
		$(DESTDIR)$(TOOL_DOCDIR) $(DESTDIR)$(TOOL_DATADIR)
	@mkdir -p $(B)
	sed 's|^\( *installed_libdir=\).*|\1$(TOOL_LIBREL)|' scripts/pqshim >$(B)/pqshim.installed
	install -m 0755 $(B)/pqshim.installed $(DESTDIR)$(TOOL_BINDIR)/pqshim
	rm -f $(DESTDIR)$(LIBDIR)/pqshim-doctor $(DESTDIR)$(LIBDIR)/pqshim-stats # the old layout's
	install -m 0755 $(TOOL_DOCTOR) $(DESTDIR)$(TOOL_BINDIR)/pqshim-doctor
	install -m 0755 $(TOOL_STATS) $(DESTDIR)$(TOOL_BINDIR)/pqshim-stats
	install -m 0644 man/pqshim.1 $(DESTDIR)$(TOOL_MANDIR)/pqshim.1
	ln -sf pqshim.1 $(DESTDIR)$(TOOL_MANDIR)/pqshim-doctor.1
	ln -sf pqshim.1 $(DESTDIR)$(TOOL_MANDIR)/pqshim-stats.1
	install -m 0644 README.md SECURITY.md $(DESTDIR)$(TOOL_DOCDIR)/
	install -m 0644 VERSION $(DESTDIR)$(TOOL_DATADIR)/VERSION

# runs before the main uninstall recipe, which then removes the library and LIBDIR
uninstall: uninstall-tool
uninstall-tool:
	rm -f $(DESTDIR)$(TOOL_BINDIR)/pqshim $(DESTDIR)$(TOOL_BINDIR)/pqshim-doctor \
		$(DESTDIR)$(TOOL_BINDIR)/pqshim-stats $(DESTDIR)$(TOOL_MANDIR)/pqshim.1 \
		$(DESTDIR)$(TOOL_MANDIR)/pqshim-doctor.1 $(DESTDIR)$(TOOL_MANDIR)/pqshim-stats.1 \
		$(DESTDIR)$(TOOL_DOCDIR)/README.md $(DESTDIR)$(TOOL_DOCDIR)/SECURITY.md \
		$(DESTDIR)$(TOOL_DATADIR)/VERSION
	@# where installs before the Debian package's layout put the tools
	rm -f $(DESTDIR)$(LIBDIR)/pqshim-doctor $(DESTDIR)$(LIBDIR)/pqshim-stats
	rmdir $(DESTDIR)$(TOOL_DOCDIR) $(DESTDIR)$(TOOL_DATADIR) 2>/dev/null || true
