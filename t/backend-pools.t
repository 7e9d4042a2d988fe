# The module's PostgreSQL and Redis pools (ngx_http_streamvault_pool.c, _pg.c,
# _redis.c) through the API: concurrency around a slow query, client aborts,
# backends stopped, hung and restarted under a running nginx, pool and queue
# exhaustion, libpq replacing its socket, reload and graceful stop with idle
# and busy connections, and the pool directives checked by nginx -t.
#
# GET /api/jobs/stats runs a stand-in for api.jobs_stats that sleeps
# ?sleep= seconds and returns its backend's pid and ?echo=; GET
# /api/system/status runs a Redis script, then SQL.
use strict;
use warnings;
use lib 't/lib';
use Test::More;
use IO::Select;
use IO::Socket::INET;
use JSON::PP qw(decode_json);
use Time::HiRes qw(sleep time);
use StreamVault::Test qw(start_stack build_dir wait_for slurp spurt alive run_cmd free_port);

# Every request here must reach the pools: no answers from the API cache.
my $base_http = "streamvault_api_cache_ttl 0;\n";
my $stack = start_stack(nginx_http => $base_http);
my $dir = $stack->dir;
my $port = $stack->port;

$stack->psql(q{CREATE OR REPLACE FUNCTION api.jobs_stats(p jsonb) RETURNS jsonb LANGUAGE sql AS $$
               SELECT jsonb_build_object('pid', pg_backend_pid(), 'echo', p -> 'query' ->> 'echo')
               FROM pg_sleep(coalesce((p -> 'query' ->> 'sleep')::float8, 0)) $$});
my $admin = $stack->login('admin', $stack->admin_password);
is($admin->{status}, 200, 'logged in') or BAIL_OUT('no session');

# --- a small concurrent HTTP client ---------------------------------------------

# Opens a connection and sends GET $path with the session (HTTP/1.0: the
# server closes when it has answered).
sub send_get {
    my ($path) = @_;
    my $s = IO::Socket::INET->new(PeerAddr => "127.0.0.1:$port", Proto => 'tcp')
        or die "connect: $!";
    print {$s} "GET $path HTTP/1.0\r\nHost: localhost\r\nCookie: sv_session=$admin->{session}\r\n\r\n";
    $s->blocking(0);
    return { sock => $s, path => $path, buf => '', sent => time };
}

# Reads the answers of requests from send_get(); returns them in the order
# they completed, each with its status, JSON body and how long it took.
sub collect {
    my (@req) = @_;
    my $sel = IO::Select->new(map { $_->{sock} } @req);
    my %by_fd = map { fileno($_->{sock}) => $_ } @req;
    my @done;
    my $deadline = time + 30;
    while ($sel->count && time < $deadline) {
        for my $s ($sel->can_read(0.5)) {
            my $r = $by_fd{fileno $s};
            my $n = sysread($s, my $chunk, 65536);
            if ($n) {
                $r->{buf} .= $chunk;
                next;
            }
            next if !defined $n && $!{EAGAIN};
            $sel->remove($s);
            close $s;
            ($r->{status}) = $r->{buf} =~ m{^HTTP/1\.\d (\d+)};
            $r->{status} //= 0;
            my ($body) = $r->{buf} =~ /\r\n\r\n(.*)\z/s;
            $r->{json} = eval { decode_json($body // '') } || {};
            $r->{code} = $r->{json}{error}{code} // '';
            ($r->{retry_after}) = $r->{buf} =~ /^Retry-After: (\d+)\r$/mi;
            $r->{took} = time - $r->{sent};
            push @done, $r;
        }
    }
    return @done;
}

sub concurrent { collect(map { send_get($_) } @_) }
sub get { (concurrent($_[0]))[0] }

# the PostgreSQL pool: sleeps, then answers its backend's pid and ?echo=
sub sql { '/api/jobs/stats?' . join '&', map { "$_=$_[0]{$_}" } sort keys %{ $_[0] } }
# the Redis pool (a script), then PostgreSQL
my $redis_path = '/api/system/status';

sub backends {
    return $stack->psql("SELECT count(*) FROM pg_stat_activity"
                        . " WHERE application_name = 'streamvault-nginx'");
}

sub worker_pids {
    my $master = $stack->pid('nginx') // return ();
    return grep { (slurp("/proc/$_/stat") // '') =~ /^\d+ \(.*?\) \S (\d+)/ && $1 == $master }
           map { m{/proc/(\d+)$} ? $1 : () } glob('/proc/[0-9]*');
}

# Writes pool directives (http level) and reloads nginx; waits until the
# old worker is gone.
sub reload_with {
    my ($http) = @_;
    my %old = map { $_ => 1 } worker_pids();
    spurt("$dir/nginx/extra/test.conf", $base_http . $http);
    kill 'HUP', $stack->pid('nginx');
    ok(wait_for(sub { my @w = worker_pids(); @w && !grep { $old{$_} } @w }, 15),
       'reloaded: the old worker is gone, a new one runs');
}

# --- the directives are checked by nginx -t ---------------------------------------

my $nginx = (slurp(build_dir() . '/config.mk') // '') =~ /^NGINX_BIN = (.*)$/m ? $1 : '/usr/sbin/nginx';
sub nginx_t {
    my ($http) = @_;
    spurt("$dir/nginx/extra/test.conf", $base_http . $http);
    my $t = run_cmd([$nginx, '-t', '-p', "$dir/nginx/", '-c', "$dir/nginx/nginx.conf",
                     '-e', "$dir/log/nginx-t.log"]);
    spurt("$dir/nginx/extra/test.conf", $base_http);
    return $t;
}
my $t = nginx_t(join '', map { "$_;\n" }
    'streamvault_postgres_pool_size 3', 'streamvault_postgres_queue 0',
    'streamvault_postgres_queue_timeout 250ms', 'streamvault_postgres_connect_timeout 1s',
    'streamvault_postgres_timeout 30s', 'streamvault_redis_pool_size 2', 'streamvault_redis_queue 10',
    'streamvault_redis_queue_timeout 1s', 'streamvault_redis_connect_timeout 1s',
    'streamvault_redis_timeout 500ms');
is($t->{status}, 0, 'every pool directive is accepted') or diag($t->{err});
for my $bad (['streamvault_postgres_pool_size 0', qr/must be equal to or greater than 1/],
             ['streamvault_redis_pool_size many', qr/invalid number/],
             ['streamvault_postgres_queue -1', qr/invalid number/],
             ['streamvault_postgres_timeout 0', qr/must not be zero/],
             ['streamvault_redis_connect_timeout 0s', qr/must not be zero/],
             ['streamvault_postgres_timeout 30d', qr/is too long/],
             ['streamvault_redis_queue_timeout soon', qr/invalid value/],
             ["streamvault_redis_queue 1;\nstreamvault_redis_queue 2", qr/is duplicate/]) {
    my ($line, $re) = @$bad;
    $t = nginx_t("$line;\n");
    isnt($t->{status}, 0, "nginx -t refuses " . ($line =~ s/\n/ /r));
    like($t->{err}, qr/\[emerg\] .*$re/, 'with a clear message') or diag($t->{err});
}

# --- the basics ---------------------------------------------------------------------

my $r = get(sql({ echo => 'hello' }));
is($r->{status}, 200, 'a query through the pool');
is($r->{json}{echo}, 'hello', 'its result');
$r = get($redis_path);
is($r->{status}, 200, 'a Redis script, then a query') or diag($r->{buf});

# --- 100 requests pass one slow query -------------------------------------------

my @done = concurrent(sql({ sleep => 2 }), map { sql({ echo => "n$_" }) } 1 .. 100);
is(scalar(grep { $_->{status} == 200 } @done), 101, '101 concurrent requests succeed');
is($done[-1]{path}, sql({ sleep => 2 }), 'the slow query finishes last');
cmp_ok(backends(), '<=', 8, 'at most streamvault_postgres_pool_size (8) connections');

@done = concurrent(map { $redis_path } 1 .. 50);
is(scalar(grep { $_->{status} == 200 } @done), 50, '50 concurrent requests through Redis');

# --- a client gone during a query ------------------------------------------------

my $active = "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'streamvault-nginx'"
             . " AND query LIKE '%jobs_stats%' AND state = ";
my $req = send_get(sql({ sleep => 1 }));
ok(wait_for(sub { $stack->psql("$active 'active'") == 1 }, 5), 'the slow query runs');
close $req->{sock};
ok(wait_for(sub { $stack->psql("$active 'active'") == 0 && $stack->psql("$active 'idle'") >= 1 }, 5),
   'after the client left, the query was drained and its connection idles');
is(get(sql({ echo => 'after' }))->{json}{echo}, 'after', 'and the pool still answers');

# --- PostgreSQL stopped and started again ---------------------------------------

kill 'INT', $stack->pid('pg');
ok(wait_for(sub { !-S $stack->pg_socket . '/.s.PGSQL.5432' }, 15), 'PostgreSQL stopped');
for my $i (1 .. 3) {
    $r = get(sql({ echo => 'down' }));
    is($r->{status}, 503, "PostgreSQL down: 503 ($i)");
    is($r->{code}, 'unavailable', 'unavailable');
    ok(($r->{retry_after} // 0) > 0, 'with Retry-After');
    cmp_ok($r->{took}, '<', 1, 'at once');
}
$stack->start_components('pg');
ok(wait_for(sub { get(sql({ echo => 'up' }))->{status} == 200 }, 15),
   'PostgreSQL back: queries succeed again, nginx was not restarted');

# --- Redis stopped and started again ----------------------------------------------

kill 'TERM', $stack->pid('redis');
ok(wait_for(sub { !-S $stack->redis_socket }, 15), 'Redis stopped');
for my $i (1 .. 3) {
    $r = get($redis_path);
    is($r->{status}, 503, "Redis down: 503 ($i)");
    is($r->{code}, 'unavailable', 'unavailable');
    cmp_ok($r->{took}, '<', 1, 'at once');
}
$stack->start_components('redis');
ok(wait_for(sub { get($redis_path)->{status} == 200 }, 15), 'Redis back: commands succeed again');

# --- libpq replacing its socket while it connects ---------------------------------

# The first host refuses (asynchronously, over TCP), so libpq opens a unix
# socket within the same PQconnectPoll() call; it usually gets the number of
# the socket just closed, which nginx must register anew all the same.
my $conf = slurp("$dir/nginx/streamvault.conf");
my $closed = free_port();
(my $multi = $conf) =~ s{streamvault_postgres\s+"host=([^ "]+)}
                        {streamvault_postgres "host=127.0.0.1,$1 port=$closed,5432}
    or die 'no streamvault_postgres line';
spurt("$dir/nginx/streamvault.conf", $multi);
reload_with('');
$r = get(sql({ echo => 'second' }));
is($r->{json}{echo}, 'second', 'a connect that moves on to the second host succeeds');
cmp_ok($r->{took}, '<', 1, 'without waiting for a timeout');
spurt("$dir/nginx/streamvault.conf", $conf);

# --- timeouts ---------------------------------------------------------------------

reload_with("streamvault_postgres_timeout 1s;\nstreamvault_postgres_connect_timeout 500ms;\n"
            . "streamvault_redis_timeout 500ms;\n");

# a new worker has no connection yet: a hung server times the connect out
my $postmaster = $stack->pid('pg');
kill 'STOP', $postmaster;
$r = get(sql({ echo => 'x' }));
kill 'CONT', $postmaster;
is($r->{status}, 503, 'a connect the server does not answer fails');
cmp_ok($r->{took}, '>=', 0.45, 'after streamvault_postgres_connect_timeout');
cmp_ok($r->{took}, '<', 2, 'not later');
ok(wait_for(sub { get(sql({ echo => 'x' }))->{status} == 200 }, 15), 'then the pool recovers');

$r = get(sql({ sleep => 3 }));
is($r->{code}, 'timeout', 'a statement longer than streamvault_postgres_timeout is cancelled by the server');
cmp_ok($r->{took}, '<', 2, 'in time');

# the most recently used connection serves the next request
my $backend = get(sql({}))->{json}{pid};
kill 'STOP', $backend;
$r = get(sql({}));
kill 'CONT', $backend;
is($r->{status}, 503, 'a server that does not answer: 503');
is($r->{code}, 'unavailable', 'unavailable');
cmp_ok($r->{took}, '>=', 1.9, 'after the timeout and a margin');
cmp_ok($r->{took}, '<', 4, 'not later');
$r = get(sql({}));
is($r->{status}, 200, 'the next request succeeds');
isnt($r->{json}{pid}, $backend, 'on another connection: the hung one was closed');

get($redis_path);
my $redis = $stack->pid('redis');
kill 'STOP', $redis;
$r = get($redis_path);
kill 'CONT', $redis;
is($r->{status}, 503, 'Redis not answering: 503');
cmp_ok($r->{took}, '>=', 0.45, 'after streamvault_redis_timeout');
cmp_ok($r->{took}, '<', 2, 'not later');
ok(wait_for(sub { get($redis_path)->{status} == 200 }, 15), 'then Redis answers again');

# --- a pool of one, a queue of one -------------------------------------------------

reload_with("streamvault_postgres_pool_size 1;\nstreamvault_postgres_queue 1;\n"
            . "streamvault_postgres_queue_timeout 700ms;\n");

@done = concurrent(sql({ sleep => 0.3 }), sql({ echo => 'queued' }), sql({ echo => 'overflow' }));
is($done[0]{path}, sql({ echo => 'overflow' }), 'the third request is refused first');
is($done[0]{status}, 503, 'with 503');
is($done[0]{code}, 'busy', 'busy');
ok(($done[0]{retry_after} // 0) > 0, 'with Retry-After');
is(scalar(grep { $_->{status} == 200 } @done), 2, 'the running and the queued one succeed');

@done = concurrent(sql({ sleep => 1.5 }), sql({ echo => 'late' }));
is($done[0]{path}, sql({ echo => 'late' }), 'a request queued longer than the queue timeout');
is($done[0]{code}, 'busy', 'is refused as busy');
ok(($done[0]{retry_after} // 0) > 0, 'with Retry-After');
cmp_ok($done[0]{took}, '>=', 0.6, 'after the queue timeout');
is($done[1]{status}, 200, 'the slow one succeeds');

# aborts: of the query running and of the one waiting
my $pid = get(sql({}))->{json}{pid};
like($pid, qr/^\d+$/, 'the pool\'s one backend');
my $running = send_get(sql({ sleep => 1 }));
sleep 0.2;
my $waiting = send_get(sql({ echo => 'abandoned' }));
sleep 0.2;
close $waiting->{sock};
close $running->{sock};
$r = get(sql({}));
is($r->{status}, 200, 'after two aborts a request succeeds');
is($r->{json}{pid}, $pid, 'on the same connection, drained and reused');
is(backends(), 1, 'still one connection');

# --- reload and stop with busy connections --------------------------------------

my $busy = send_get(sql({ sleep => 1 }));
sleep 0.2;
my @before = worker_pids();
reload_with('');
($r) = collect($busy);
is($r->{status}, 200, 'a query in flight during a reload completes');
ok(!grep({ alive($_) } @before), 'and the old worker exits');

get(sql({}));
get($redis_path);
$busy = send_get(sql({ sleep => 1 }));
sleep 0.2;
my $master = $stack->pid('nginx');
my @workers = worker_pids();
kill 'QUIT', $master;
($r) = collect($busy);
is($r->{status}, 200, 'a query in flight during a graceful stop completes');
ok(wait_for(sub { !grep { alive($_) } $master, @workers }, 10), 'and nginx exits, no process left');

my $log = $stack->log_text('nginx-error.log');
unlike($log, qr/\[(alert|emerg)\]/, 'no alert in the error log') or diag($log);
unlike($log, qr/open socket|exited on signal|worker_connections are not enough/,
       'no socket left open, no crash');
like($log, qr/\[error\] .*streamvault: postgres .*(closed|failed)/, 'the PostgreSQL outage was logged');
like($log, qr/streamvault: postgres is available again/, 'and its end');

done_testing;
