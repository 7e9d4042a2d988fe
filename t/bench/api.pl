# The REST API under load, against anchors run side by side in the same run:
#
#   ours      GET /api/streamers (50 items) through nginx + the module, with a
#             session cookie, the same request over and over: route, token
#             hashing, the prepared statement on a pooled libpq connection,
#             the answer; measured twice: with the per-worker cache of reads
#             off (every request reaches PostgreSQL) and on (the default);
#   anchor A  pgbench running the very statement and request document the
#             module sends, over the same unix socket: the PostgreSQL ceiling
#             (no HTTP, no nginx; the project's target: uncached >= 0.6x of it);
#   anchor B  the same nginx serving the identical bytes as a static file: the
#             HTTP ceiling (the project's target: cached >= 0.5x of it);
#   login     POST /api/auth/login throughput (yescrypt in the thread pool).
#
# It prints figures and ratios; it fails only when a run fails (missing tool,
# non-2xx answers, socket errors, pgbench errors), never on a ratio.
#
# Environment: SV_BENCH_NGINX_WORKERS (default 2: both cores of a 2-core box),
# SV_BENCH_SECONDS (default 10 per measured run), SV_BENCH_NGINX_HTTP (more
# http-level directives for our nginx, e.g. to compare module settings).
use strict;
use warnings;
use lib 't/lib';
use Digest::SHA qw(sha256_hex);
use File::Path qw(make_path);
use JSON::PP ();
use StreamVault::Test qw(stack_object free_port spurt run_cmd slurp);
use StreamVault::Bench qw(wrk need_tools pgbench);

need_tools(qw(wrk pgbench nproc));

my $workers = $ENV{SV_BENCH_NGINX_WORKERS} // 2;
my $seconds = $ENV{SV_BENCH_SECONDS} // 10;
my %load = (threads => 2, connections => 32, seconds => $seconds);
my $login_conns = 4;    # < 5: concurrent logins of one user never lock it (see below)

my $extra_http = $ENV{SV_BENCH_NGINX_HTTP} // '';
my $base_http = "streamvault_login_rate 1000000;\n";
my $stack = stack_object(env => { SV_NGINX_WORKERS => $workers },
                         nginx_http => "$base_http$extra_http\n");
my $dir = $stack->dir;
my $anchor_port = free_port();

make_path("$dir/static", "$dir/nginx/extra", "$dir/bench");
spurt("$dir/nginx/extra/anchor.conf", <<"EOF_CONF");
server {
    listen 127.0.0.1:$anchor_port;
    root $dir/static;
    open_file_cache max=16;
    location = /streamers.json { default_type application/json; add_header Cache-Control no-store; }
}
EOF_CONF

my ($load_before) = split ' ', slurp('/proc/loadavg') // '?';
$stack->start;

# --- data: 50 streamers, a session ------------------------------------------------

my $password = $stack->admin_password;
my $s = $stack->login('admin', $password);
die "login failed: $s->{status} $s->{content}\n" unless $s->{status} == 200 && $s->{session};
for my $i (1 .. 50) {
    my $r = $stack->api('POST', '/api/streamers', as => $s,
                        json => { login => "streamer$i", twitch_id => "$i" });
    die "POST /api/streamers streamer$i: $r->{status} $r->{content}\n" unless $r->{status} =~ /^2/;
}
my $list = $stack->api('GET', '/api/streamers', as => $s);
die "GET /api/streamers: $list->{status} $list->{content}\n" unless $list->{status} == 200;
my $n = scalar @{ $list->{json}{items} // [] };
die "GET /api/streamers returned $n items, not 50\n" unless $n == 50;
my $body = $list->{content};
spurt("$dir/static/streamers.json", $body, 0644);
chmod 0755, "$dir/static";
my $cookie = "Cookie: sv_session=$s->{session}";

# The request document the module builds for this request (docs/architecture.md,
# ngx_http_streamvault_document): a GET with the session cookie, no CSRF header.
my $doc = '{"auth":{"kind":"session","token_hash":"' . sha256_hex($s->{session})
        . '","csrf":null,"method":"GET","ip":"127.0.0.1"},"params":{},"query":{},"body":null,"extra":null}';
my $sql = "SELECT api.streamers_list(api.authorize(:doc::jsonb, 'viewer'));\n";
spurt("$dir/bench/streamers.sql", $sql);

# The statement with this document answers what the route answers.
(my $once = $sql) =~ s/:doc/'$doc'/;
my $direct = JSON::PP::decode_json($stack->psql($once));
die "the pgbench statement does not answer the route's 50 items\n"
    unless scalar @{ $direct->{items} // [] } == 50;

# --- runs -------------------------------------------------------------------------

# Reloads nginx with other http-level directives; new workers, new pools.
sub reload_with {
    my ($http) = @_;
    spurt("$dir/nginx/extra/test.conf", "$base_http$http\n");
    kill 'HUP', $stack->pid('nginx') or die "cannot signal nginx: $!\n";
    sleep 2;
}

my $url = $stack->url . '/api/streamers';
sub ours {
    wrk($url, %load, seconds => 2, headers => [$cookie]);    # warm-up: pool connections, plans
    my $m = wrk($url, %load, headers => [$cookie]);
    check_wrk('ours', $m);
    return $m;
}
reload_with("streamvault_api_cache_ttl 0;\n$extra_http");
my $uncached = ours();
reload_with($extra_http);
my $ours = ours();

my $pg = pgbench(script => "$dir/bench/streamers.sql", vars => { doc => $doc },
                 clients => $load{connections}, threads => $load{threads}, seconds => $seconds,
                 host => $stack->pg_socket, user => 'streamvault', db => 'streamvault',
                 log_prefix => "$dir/bench/pgbench");

my $static = wrk("http://127.0.0.1:$anchor_port/streamers.json", %load);
check_wrk('static', $static);

# Login: api.login_begin counts every attempt as a failure up front and
# login_finish resets the count, so at most as many failures pile up as logins
# are in flight; 5 lock the user (429). 4 connections keep both cores busy
# hashing, and never lock admin.
my $lua = "$dir/bench/login.lua";
my $login_body = JSON::PP->new->canonical->encode({ username => 'admin', password => $password });
$login_body =~ s/([\\'])/\\$1/g;
spurt($lua, <<"EOF_LUA");
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '$login_body'
EOF_LUA
my $login = wrk($stack->url . '/api/auth/login', threads => 2, connections => $login_conns,
                seconds => 5, timeout => 10, script => $lua);
check_wrk('login', $login);

# --- report -----------------------------------------------------------------------

chomp(my $nproc = run_cmd(['nproc'])->{out});
my ($load_after) = split ' ', slurp('/proc/loadavg') // '?';
printf "nproc %s, nginx workers %s, module pg pool 8/worker (default); load average %s before, %s after\n",
    $nproc, $workers, $load_before, $load_after;
printf "the answer %s an ETag header\n", defined $list->{headers}{etag} ? 'has' : 'has no';
print "extra nginx http directives: $extra_http\n" if $extra_http =~ /\S/;
printf "wrk -t%d -c%d -d%ds (after a 2 s warm-up); pgbench -n -M prepared -c%d -j%d -T%d; body %d bytes\n\n",
    @load{qw(threads connections seconds)}, @load{qw(connections threads seconds)}, length $body;
printf "%-48s %10s %9s %9s %11s %10s\n", '', 'req/s', 'p50 ms', 'p99 ms', '/ pgbench', '/ static';
row('GET /api/streamers, cache off (PostgreSQL)', $uncached, 1);
row('GET /api/streamers, cache on (default)', $ours, 1);
row('  anchor A: pgbench, same SQL + document', $pg, 1);
row('  anchor B: static file, same bytes', $static, 1);
row("POST /api/auth/login (yescrypt, $login_conns conns, 5 s)", $login, 0);
printf "\nuncached / pgbench ceiling: %.2fx (project target >= 0.6x)%s\n", $uncached->{rps} / $pg->{rps},
    $uncached->{rps} / $pg->{rps} >= 0.6 ? '' : '  BELOW TARGET';
printf "cached / static file:       %.2fx (project target >= 0.5x)%s\n", $ours->{rps} / $static->{rps},
    $ours->{rps} / $static->{rps} >= 0.5 ? '' : '  BELOW TARGET';

sub row {
    my ($title, $m, $ratios) = @_;
    printf "%-48s %10.0f %9.3f %9.3f", $title, @$m{qw(rps p50_ms p99_ms)};
    printf " %10.2fx %9.2fx", $m->{rps} / $pg->{rps}, $m->{rps} / $static->{rps} if $ratios;
    print "\n";
}

sub check_wrk {
    my ($what, $m) = @_;
    die "wrk ($what): $m->{socket_errors} socket errors (connect/read/write/timeout)\n"
        if $m->{socket_errors};
}
