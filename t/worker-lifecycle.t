# The worker as a daemon: heartbeat in Redis, JSON-lines log, SIGHUP reload,
# SIGUSR1 log reopen, PostgreSQL and Redis restarts survived, SIGTERM a clean
# exit. Real PostgreSQL and Redis; the worker is the sanitizer build.
use strict;
use warnings;
use lib 't/lib';
use Test::More;
use JSON::PP qw(decode_json);
use StreamVault::Test qw(start_stack run_cmd wait_for slurp spurt alive top_dir);

my $stack = start_stack(only => 'pg redis');
my $dir = $stack->dir;
my $log = "$dir/log/lifecycle.log";
my $conf = $stack->worker_conf(log_file => $log);

sub heartbeat_keys { grep { length } split /\n/, $stack->redis('--scan', '--pattern', 'streamvault:worker:*') }
sub log_has { my ($re) = @_; wait_for(sub { (slurp($log) // '') =~ $re }, 15) }

my $pid = do {
    local $ENV{STREAMVAULT_HEARTBEAT_INTERVAL} = 1;
    $stack->spawn_worker('-c', $conf);
};

ok(wait_for(sub { heartbeat_keys() == 1 }, 20), 'the worker beats in Redis');
my ($key) = heartbeat_keys();
my $beat = eval { decode_json($stack->redis('GET', $key)) } || {};
is($beat->{pid}, $pid, 'the heartbeat names the worker pid');
like($beat->{version} // '', qr/^\d+\.\d+\.\d+$/, 'and its version');
my $ttl = $stack->redis('TTL', $key);
ok($ttl > 0 && $ttl <= 3, "the heartbeat expires on its own (ttl $ttl s)");
ok(log_has(qr/applied migration|migrations up to date/), 'migrations ran at start');
ok(wait_for(sub { $stack->psql("SELECT count(*) FROM pg_stat_activity WHERE application_name = 'streamvault-worker'") == 1 }, 10),
   'connected to PostgreSQL as streamvault-worker');

# SIGHUP: a valid config is reloaded, an invalid one is refused and kept.
my $text = slurp($conf);
(my $debug = $text) =~ s/^log_level = info$/log_level = debug/m or die 'no log_level line';
spurt($conf, $debug);
kill 'HUP', $pid;
ok(log_has(qr/configuration reloaded/), 'SIGHUP reloads the configuration');
spurt($conf, "$debug\nno_such_key = 1\n");
kill 'HUP', $pid;
ok(log_has(qr/"level":"error".*no_such_key/), 'an invalid config on SIGHUP is logged as an error');
ok(alive($pid), 'and the worker keeps running');
spurt($conf, $text);

# SIGUSR1: the log file is reopened (logrotate moved it away).
rename $log, "$log.1" or die "rename: $!";
kill 'USR1', $pid;
ok(wait_for(sub { -s $log }, 10), 'SIGUSR1 reopens the log file');
ok(log_has(qr/log file reopened/), 'and says so in the new file');

# Redis restart: the worker reconnects and beats again.
my $redis_pid = $stack->pid('redis');
kill 'TERM', $redis_pid;
ok(wait_for(sub { !alive($redis_pid) }, 10), 'Redis stopped');
sleep 2;
ok(alive($pid), 'the worker survives a Redis outage');
$stack->start_components('redis');
$stack->redis('DEL', $key);
ok(wait_for(sub { heartbeat_keys() == 1 }, 20), 'after Redis is back the heartbeat returns');

# PostgreSQL restart: the worker reconnects.
my $pg_pid = $stack->pid('pg');
kill 'INT', $pg_pid;    # fast shutdown
ok(wait_for(sub { !alive($pg_pid) }, 20), 'PostgreSQL stopped');
sleep 2;
ok(alive($pid), 'the worker survives a PostgreSQL outage');
$stack->start_components('pg');
ok(wait_for(sub { $stack->psql("SELECT count(*) FROM pg_stat_activity WHERE application_name = 'streamvault-worker'") == 1 }, 30),
   'after PostgreSQL is back the worker reconnects');

# Every log line is one JSON object with ts, level and msg.
my @lines = grep { length } split /\n/, (slurp("$log.1") // '') . (slurp($log) // '');
my @bad = grep { my $o = eval { decode_json($_) }; !$o || !$o->{ts} || !$o->{level} || !defined $o->{msg} } @lines;
ok(@lines > 5, scalar(@lines) . ' log lines');
is_deeply(\@bad, [], 'every log line is a JSON object with ts, level and msg');

# SIGTERM: a clean, prompt exit that removes the heartbeat.
kill 'TERM', $pid;
is($stack->reap($pid, 10), 0, 'SIGTERM: the worker exits 0');
is(scalar(heartbeat_keys()), 0, 'and removes its heartbeat');
ok(log_has(qr/"msg":"stopped"/), 'and logs that it stopped');

done_testing;
