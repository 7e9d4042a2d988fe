# nginx with the module under valgrind (one process: master_process off),
# through what the pools do: queries and Redis commands, a full pool and
# queue, client aborts of running and waiting queries, client-side timeouts,
# PostgreSQL and Redis restarted, and an exit with connections idle and busy
# and queries waiting. No invalid access, no leak.
use strict;
use warnings;
use lib 't/lib';
use Test::More;
use IO::Select;
use IO::Socket::INET;
use JSON::PP qw(decode_json);
use Time::HiRes qw(sleep time);
use StreamVault::Test qw(start_stack build_dir top_dir wait_for slurp spurt run_cmd);

my $stack = start_stack(only => 'pg redis worker', nginx_http => <<'EOF');
streamvault_postgres_pool_size 2;
streamvault_postgres_queue 1;
streamvault_postgres_timeout 2s;
streamvault_redis_pool_size 2;
streamvault_redis_timeout 1s;
streamvault_api_cache_ttl 0;
EOF
my $dir = $stack->dir;
my $port = $stack->port;

$stack->psql(q{CREATE OR REPLACE FUNCTION api.jobs_stats(p jsonb) RETURNS jsonb LANGUAGE sql AS $$
               SELECT jsonb_build_object('pid', pg_backend_pid(), 'echo', p -> 'query' ->> 'echo')
               FROM pg_sleep(coalesce((p -> 'query' ->> 'sleep')::float8, 0)) $$});

# The stack's own nginx configuration, run as one foreground process.
my $r = run_cmd([top_dir() . '/scripts/stack', 'configtest', $dir, '--port', $port]);
is($r->{status}, 0, 'the configuration renders') or diag($r->{err});
spurt("$dir/nginx/valgrind.conf", "master_process off;\ndaemon off;\n" . slurp("$dir/nginx/nginx.conf"));

my $nginx = (slurp(build_dir() . '/config.mk') // '') =~ /^NGINX_BIN = (.*)$/m ? $1 : '/usr/sbin/nginx';
my $vglog = "$dir/log/valgrind-nginx.txt";
my $pid = fork // die "fork: $!";
if ($pid == 0) {
    open STDIN, '<', '/dev/null';
    open STDOUT, '>', "$dir/log/valgrind-nginx.out";
    open STDERR, '>&', \*STDOUT;
    exec 'valgrind', '--quiet', '--error-exitcode=99', '--leak-check=full',
        '--show-leak-kinds=definite,indirect', '--errors-for-leak-kinds=definite,indirect',
        '--num-callers=30', '--keep-debuginfo=yes',
        '--suppressions=' . top_dir() . '/t/valgrind-nginx.supp', "--log-file=$vglog",
        $nginx, '-p', "$dir/nginx/", '-c', "$dir/nginx/valgrind.conf", '-e', "$dir/log/nginx-error.log";
    exit 127;
}
StreamVault::Test::track_child($pid);
ok(wait_for(sub { ($stack->get('/api/health')->{status} // 0) == 200 }, 60), 'nginx runs under valgrind');

my $admin = $stack->login('admin', $stack->admin_password);
is($admin->{status}, 200, 'logged in');

sub send_get {
    my ($path) = @_;
    my $s = IO::Socket::INET->new(PeerAddr => "127.0.0.1:$port", Proto => 'tcp') or die "connect: $!";
    print {$s} "GET $path HTTP/1.0\r\nHost: localhost\r\nCookie: sv_session=$admin->{session}\r\n\r\n";
    $s->blocking(0);
    return { sock => $s, path => $path, buf => '' };
}

sub collect {
    my (@req) = @_;
    my $sel = IO::Select->new(map { $_->{sock} } @req);
    my %by_fd = map { fileno($_->{sock}) => $_ } @req;
    my @done;
    my $deadline = time + 60;
    while ($sel->count && time < $deadline) {
        for my $s ($sel->can_read(0.5)) {
            my $q = $by_fd{fileno $s};
            my $n = sysread($s, my $chunk, 65536);
            if ($n) {
                $q->{buf} .= $chunk;
                next;
            }
            next if !defined $n && $!{EAGAIN};
            $sel->remove($s);
            close $s;
            ($q->{status}) = $q->{buf} =~ m{^HTTP/1\.\d (\d+)};
            $q->{status} //= 0;
            my ($body) = $q->{buf} =~ /\r\n\r\n(.*)\z/s;
            $q->{json} = eval { decode_json($body // '') } || {};
            $q->{code} = $q->{json}{error}{code} // '';
            push @done, $q;
        }
    }
    return @done;
}

sub concurrent { collect(map { send_get($_) } @_) }
sub get { (concurrent($_[0]))[0] }
sub sql { '/api/jobs/stats?' . join '&', map { "$_=$_[0]{$_}" } sort keys %{ $_[0] } }
my $redis_path = '/api/system/status';

is(get(sql({ echo => 'hello' }))->{json}{echo}, 'hello', 'a query');
is(get($redis_path)->{status}, 200, 'a Redis script and a query');

my @done = concurrent(map { sql({ sleep => 0.3 }) } 1 .. 5);
ok((grep { $_->{status} == 200 } @done) >= 2, 'a full pool serves what it can');
ok((grep { $_->{code} eq 'busy' } @done) >= 1, 'and refuses the rest');
@done = concurrent(map { $redis_path } 1 .. 10);
is(scalar(grep { $_->{status} == 200 || $_->{code} eq 'busy' } @done), 10,
   'concurrent Redis commands are served or refused');

# client aborts: two running, one waiting, one in Redis
my @gone = (send_get(sql({ sleep => 1 })), send_get(sql({ sleep => 1 })));
sleep 0.5;
push @gone, send_get(sql({ echo => 'abandoned' })), send_get($redis_path);
sleep 0.3;
close $_->{sock} for @gone;
sleep 1.5;
is(get(sql({ echo => 'after' }))->{status}, 200, 'after aborts the pool answers');

# client-side timeouts close hung connections
my $backend = get(sql({}))->{json}{pid};
kill 'STOP', $backend;
my $hung = get(sql({}));
kill 'CONT', $backend;
is($hung->{status}, 503, 'a hung server times out');
my $redis = $stack->pid('redis');
kill 'STOP', $redis;
$hung = get($redis_path);
kill 'CONT', $redis;
is($hung->{status}, 503, 'a hung Redis times out');

# restarts
kill 'INT', $stack->pid('pg');
ok(wait_for(sub { !-S $stack->pg_socket . '/.s.PGSQL.5432' }, 20), 'PostgreSQL stopped');
is(get(sql({}))->{code}, 'unavailable', 'PostgreSQL down: unavailable');
$stack->start_components('pg');
ok(wait_for(sub { get(sql({}))->{status} == 200 }, 30), 'PostgreSQL back');

kill 'TERM', $stack->pid('redis');
ok(wait_for(sub { !-S $stack->redis_socket }, 20), 'Redis stopped');
is(get($redis_path)->{code}, 'unavailable', 'Redis down: unavailable');
$stack->start_components('redis');
ok(wait_for(sub { get($redis_path)->{status} == 200 }, 30), 'Redis back');

# the exit: Redis idle, both PostgreSQL connections busy, one query waiting
my @last = (send_get(sql({ sleep => 5 })), send_get(sql({ sleep => 5 })));
sleep 0.5;
push @last, send_get(sql({ echo => 'waiting' }));
sleep 0.3;
kill 'QUIT', $pid;
is($stack->reap($pid, 60), 0, 'nginx exits valgrind-clean') or diag(slurp($vglog));

my $log = $stack->log_text('nginx-error.log');
unlike($log, qr/\[(alert|emerg)\]/, 'no alert in the error log') or diag($log);

done_testing;
