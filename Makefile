# StreamVault: the nginx module and the worker.
#
#   make            build build/ngx_streamvault_module.so and build/streamvault-worker,
#                   and put hls.js (npm) into html/vendor/ for the web UI
#   make run        start the local stack under var/ (installs what is missing first)
#   make stop       stop it
#   make test       run the whole test suite (installs what is missing first)
#   make bench      benchmarks against their anchors
#   make install    module, worker, migrations, web UI and example configs

-include build/config.mk

BUILD      := build
SAN        := $(BUILD)/san
PORT       ?= 8080
VAR        ?= $(CURDIR)/var
DESTDIR    ?=

PKGS       := libpq libcurl libavformat libavcodec libswscale libavutil yajl hiredis openssl libcrypt
WARN       := -Wall -Wextra -Werror
CFLAGS     ?= -O2 -g
SV_CFLAGS  := -std=gnu11 $(WARN) -D_GNU_SOURCE -Ilib -Iworker \
              $(if $(PREFIX),$(shell pkg-config --cflags $(PKGS)))
SV_LIBS    := $(if $(PREFIX),$(shell pkg-config --libs $(PKGS)))
SANITIZE   := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined

# lib/ is the code the module and the worker share; both compile it.
LIB_SRCS    := $(wildcard lib/*.c)
WORKER_SRCS := $(wildcard worker/*.c) $(LIB_SRCS)
WORKER_LIB  := $(filter-out worker/main.c,$(WORKER_SRCS))
UNIT_SRCS   := $(wildcard t/unit/test_*.c)
MODULE_SRCS := $(wildcard ngx_streamvault_module/*.c ngx_streamvault_module/*.h lib/*.h lib/*.c)

WORKER_OBJS     := $(WORKER_SRCS:%.c=$(BUILD)/obj/%.o)
SAN_WORKER_OBJS := $(WORKER_SRCS:%.c=$(SAN)/obj/%.o)
SAN_LIB_OBJS    := $(WORKER_LIB:%.c=$(SAN)/obj/%.o)
UNIT_BINS       := $(UNIT_SRCS:t/unit/%.c=$(SAN)/t/%)

NGX_KIT    := $(BUILD)/nginx
# nginx callbacks take parameters they do not use; nginx itself builds so.
NGX_CC_OPT := -fPIC $(WARN) -Wno-unused-parameter

.SECONDARY:
.PHONY: all module worker ui san need-config run stop test check bench install clean distclean ensure-deps

all: module worker ui

module: need-config $(BUILD)/ngx_streamvault_module.so
worker: need-config $(BUILD)/streamvault-worker
san: need-config $(SAN)/streamvault-worker $(UNIT_BINS)

need-config:
ifeq ($(PREFIX),)
	@echo "make: not configured yet; run ./configure (or ./configure --install-deps)" >&2; exit 1
endif

# --- the nginx module ---------------------------------------------------------
# Built with nginx's own build system in a private copy of the kit, so /usr is
# never written and no root is needed; the flags are those of the target nginx.

$(NGX_KIT)/.configured: $(BUILD)/config.mk ngx_streamvault_module/config
	rm -rf $(NGX_KIT)
	cp -a $(NGINX_SRC) $(NGX_KIT)
	cd $(NGX_KIT) && ./configure $(NGX_CONF_FLAGS) \
		--with-cc-opt="$(NGX_CC_OPT)" \
		--add-dynamic-module=$(CURDIR)/ngx_streamvault_module \
		--builddir=$(CURDIR)/$(NGX_KIT)/objs > $(CURDIR)/$(NGX_KIT)/configure.log \
		|| { tail -n 20 $(CURDIR)/$(NGX_KIT)/configure.log; exit 1; }
	touch $@

$(BUILD)/ngx_streamvault_module.so: $(NGX_KIT)/.configured $(MODULE_SRCS)
	$(MAKE) -s -C $(NGX_KIT) -f objs/Makefile modules
	@# a rename, never a write in place: a running nginx has the file mapped
	cp $(NGX_KIT)/objs/ngx_streamvault_module.so $@.new
	mv -f $@.new $@

# --- the worker ---------------------------------------------------------------

$(BUILD)/streamvault-worker: $(WORKER_OBJS)
	$(CC) $(CFLAGS) -o $@.new $^ $(SV_LIBS)
	mv -f $@.new $@

$(BUILD)/obj/%.o: %.c $(BUILD)/config.mk
	@mkdir -p $(dir $@)
	$(CC) $(SV_CFLAGS) $(CFLAGS) -MMD -MP -c -o $@ $<

# The sanitizer build: what the unit tests and the integration tests run.
$(SAN)/streamvault-worker: $(SAN_WORKER_OBJS)
	$(CC) $(CFLAGS) $(SANITIZE) -o $@ $^ $(SV_LIBS)

$(SAN)/obj/%.o: %.c $(BUILD)/config.mk
	@mkdir -p $(dir $@)
	$(CC) $(SV_CFLAGS) $(CFLAGS) $(SANITIZE) -MMD -MP -c -o $@ $<

$(SAN)/t/%: $(SAN)/obj/t/unit/%.o $(SAN_LIB_OBJS)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(SANITIZE) -o $@ $^ $(SV_LIBS)

-include $(shell find $(BUILD)/obj $(SAN)/obj -name '*.d' 2>/dev/null)

# --- the web UI -----------------------------------------------------------------
# Its npm packages (package-lock.json: hls.js, and playwright-core for the
# UI test) go to node_modules/; the files the browser loads are copied to
# html/vendor/. Neither is committed.

UI_VENDOR := html/vendor/hls.module.js html/vendor/hls.worker.js html/vendor/hls.js.LICENSE

ui: $(UI_VENDOR)

node_modules/.package-lock.json: package.json package-lock.json
	npm ci --ignore-scripts --no-audit --no-fund --loglevel=error

# the ES module build, named .js for nginx's MIME types
html/vendor/hls.module.js: node_modules/.package-lock.json
	@mkdir -p $(dir $@)
	cp node_modules/hls.js/dist/hls.min.mjs $@
html/vendor/hls.worker.js: node_modules/.package-lock.json
	@mkdir -p $(dir $@)
	cp node_modules/hls.js/dist/hls.worker.js $@
html/vendor/hls.js.LICENSE: node_modules/.package-lock.json
	@mkdir -p $(dir $@)
	cp node_modules/hls.js/LICENSE $@

# --- the two commands -----------------------------------------------------------
# Both configure with --install-deps first when that has not been done yet.

ensure-deps:
ifneq ($(SV_DEPS_INSTALLED),yes)
	./configure --install-deps $(SV_CONFIGURE_ARGS)
endif

run: ensure-deps
	@$(MAKE) -s --no-print-directory all
	@scripts/stack start "$(VAR)" --port "$(PORT)"

stop:
	@scripts/stack stop "$(VAR)"

test: ensure-deps
	@$(MAKE) --no-print-directory all san
	@$(MAKE) --no-print-directory check

# The suite alone, on what is built. Each run has its own directory of
# stacks, and stops what its interrupted tests left there (only there).
check:
	@start=$$(date +%s); tmp=$(CURDIR)/$(BUILD)/t/tmp/$$$$; \
	[ $${#tmp} -le 50 ] || tmp=/tmp/streamvault-t/$$$$; \
	scripts/stack template $(CURDIR)/$(BUILD)/t/pg-template || exit 1; \
	status=0; SV_TEST_TMP=$$tmp prove -r -j2 --timer t/ || status=$$?; \
	scripts/stack reap $$tmp; \
	rmdir $$tmp 2>/dev/null; \
	echo "suite wall time: $$(( $$(date +%s) - start ))s"; \
	exit $$status

# Ratios against anchors run side by side; not tests, so not under prove.
bench: ensure-deps
	@$(MAKE) -s --no-print-directory all
	@scripts/stack template $(CURDIR)/$(BUILD)/t/pg-template
	@for b in t/bench/*.pl; do echo "== $$b"; perl $$b || exit 1; done

# --- install ------------------------------------------------------------------

SHARE := $(PREFIX)/share/streamvault
NGX_MODULES_DIR ?= /usr/lib/nginx/modules

install: all
	install -d $(DESTDIR)$(NGX_MODULES_DIR) $(DESTDIR)$(PREFIX)/bin \
		$(DESTDIR)$(SHARE)/sql $(DESTDIR)$(SHARE)/html $(DESTDIR)$(SHARE)/conf
	install -m 644 $(BUILD)/ngx_streamvault_module.so $(DESTDIR)$(NGX_MODULES_DIR)/
	install -m 755 $(BUILD)/streamvault-worker $(DESTDIR)$(PREFIX)/bin/
	install -m 644 sql/*.sql $(DESTDIR)$(SHARE)/sql/
	cp -R html/. $(DESTDIR)$(SHARE)/html/
	install -m 644 conf/*.in $(DESTDIR)$(SHARE)/conf/
	install -m 755 scripts/render-conf $(DESTDIR)$(SHARE)/conf/

clean:
	rm -rf $(BUILD)/obj $(SAN) $(NGX_KIT) $(BUILD)/t $(BUILD)/*.so $(BUILD)/streamvault-worker html/vendor

distclean: clean
	rm -rf $(BUILD) node_modules
