# Crash isolation: a job type marked isolated runs in a child process. The
# diagnostic `probe` job crashes, aborts, exits or hangs there on purpose;
# each is a failure of that job only (retried, then dead) with a clear
# reason, the worker keeps beating and running other jobs, a hang is killed
# at its time limit, SIGTERM stops the child and returns the job to the
# queue, and no child process is ever left behind. The worker is the
# sanitizer build; its reports fail the file.
use strict;
use warnings;
use lib 't/lib';
use Test::More;
use JSON::PP qw(decode_json encode_json);
use Time::HiRes qw(sleep);
use StreamVault::Test qw(start_stack wait_for slurp alive);

my $stack = start_stack(timeout => 180);
my $dir = $stack->dir;
my $stack_worker = $stack->pid('worker');
kill 'TERM', $stack_worker;
ok(wait_for(sub { !alive($stack_worker) }, 15), "the stack's worker stopped");

my $name = 'wi';
my $log = "$dir/log/$name.log";
sub worker_log { slurp($log) // '' }
sub start_worker {
    local $ENV{STREAMVAULT_JOB_LEASE_SECONDS} = 2;
    local $ENV{STREAMVAULT_HEARTBEAT_INTERVAL} = 1;
    my $conf = $stack->worker_conf(file => "$name.conf", log_file => $log,
                                   extra => "worker_id = $name\n");
    my $pid = $stack->spawn_worker('-c', $conf);
    wait_for(sub { worker_log() =~ /connected to Redis/ }, 15) or BAIL_OUT('the worker did not start');
    return $pid;
}

my $n = 0;
sub inject {
    my (%job) = @_;
    my $id = $job{id} //= sprintf('00000000-0000-4000-8000-%012d', ++$n);
    $stack->redis('LPUSH', 'streamvault:inbox', encode_json({ v => 1, %job }));
    return $id;
}
sub probe { inject(type => 'probe', payload => {@_}) }
sub row { $stack->psql("SELECT $_[1] FROM jobs WHERE id = '$_[0]'") }
sub wait_state { my ($id, $state, $s) = @_; wait_for(sub { row($id, 'state') eq $state }, $s // 20) }
sub children_of {
    my ($ppid) = @_;
    my @kids;
    for my $stat (glob '/proc/[0-9]*/stat') {
        my $text = slurp($stat) // next;
        push @kids, $1 if $text =~ /^(\d+) \(.*\) \S (\d+) / && $2 == $ppid;
    }
    return @kids;
}
sub beat_at { my $b = eval { decode_json($stack->redis('GET', "streamvault:worker:$name")) } || {}; $b->{beat_at} // '' }

my $pid = start_worker();

# A probe that is told to succeed does, in its own process.
my $ok = probe(action => 'ok');
ok(wait_state($ok, 'succeeded'), 'a probe told to succeed succeeds');

# Crashes are failures of the job, retried, then dead; with the reason.
my $segv = inject(type => 'probe', max_attempts => 2, payload => { action => 'crash' });
ok(wait_state($segv, 'dead'), 'a probe that segfaults fails twice and is dead');
is(row($segv, 'attempts'), 2, 'after its 2 attempts');
is(row($segv, 'last_error'), 'crashed: signal 11 (Segmentation fault)', 'the reason names the signal');
is($stack->redis('LRANGE', 'streamvault:dead', 0, -1), $segv, 'it is on the dead list');
my @failed = grep { /"msg":"job failed"/ && /\Q$segv\E/ } split /\n/, worker_log();
is(scalar(@failed), 2, 'both failures are logged');
ok(alive($pid), 'the worker is still running');

my $abrt = inject(type => 'probe', max_attempts => 1, payload => { action => 'abort' });
ok(wait_state($abrt, 'dead'), 'a probe that aborts is dead after its one attempt');
is(row($abrt, 'last_error'), 'crashed: signal 6 (Aborted)', 'SIGABRT is named');
my $exit = inject(type => 'probe', max_attempts => 1, payload => { action => 'exit' });
ok(wait_state($exit, 'dead'), 'a probe that exits without a result fails');
is(row($exit, 'last_error'), 'exited with status 3 before reporting a result', 'and says so');

# The worker carries on: it beats and runs other jobs.
my $beat = beat_at();
ok(wait_for(sub { beat_at() ne $beat }, 10), 'the heartbeat goes on after the crashes');
# A job longer than the heartbeat's 3 s time to live: the worker beats on
# while it waits for it.
my $long = inject(type => 'probe', payload => { action => 'ok', seconds => 6 });
ok(wait_state($long, 'running'), 'a 6 s job runs');
$beat = beat_at();
ok(wait_for(sub { beat_at() ne $beat }, 3), 'the heartbeat goes on while it runs');
sleep 3;
ok(beat_at() ne '' && row($long, 'state') eq 'running', 'past its time to live the key is still there');
ok(wait_state($long, 'succeeded'), 'the long job succeeds');
my $after = inject(type => 'noop');
ok(wait_state($after, 'succeeded'), 'a noop injected afterwards succeeds');
is(row($after, 'attempts'), 1, 'at its first attempt');

# Progress, from a child and from the worker's own loop, is recorded while
# the job runs (in PostgreSQL and on the event channel; at most once a
# second).
my $events = "$dir/log/events.txt";
my $subscriber = fork // die "fork: $!";
if ($subscriber == 0) {
    open STDOUT, '>', $events or die;
    exec 'redis-cli', '-s', $stack->redis_socket, 'SUBSCRIBE', 'streamvault:events' or die "exec: $!";
}
StreamVault::Test::track_child($subscriber);
wait_for(sub { (slurp($events) // '') =~ /subscribe/ }, 5);
my @progressed;
for my $job ([probe => { action => 'ok', seconds => 3 }], [noop => { sleep_ms => 3000 }]) {
    my $id = inject(type => $job->[0], payload => $job->[1]);
    push @progressed, $id;
    ok(wait_state($id, 'running'), "a slow $job->[0] runs");
    ok(wait_for(sub { my $p = row($id, 'progress'); $p > 0 && $p < 100 }, 5),
       "its progress shows while it runs");
    ok(wait_state($id, 'succeeded'), 'it succeeds');
    is(row($id, 'progress'), 100, 'at 100 %');
}
for my $id (@progressed) {
    my @seen = (slurp($events) // '') =~ /"type":"job_progress","id":"\Q$id\E","progress":(\d+)\}/g;
    ok(@seen >= 2 && @seen <= 5, scalar(@seen) . " progress events, rate-limited, for $id (@seen)");
}
kill 'TERM', $subscriber;
waitpid($subscriber, 0);

# A hang is killed at its time limit (beyond the lease, which is kept
# alive meanwhile), retried, then dead; its process is gone.
my $hang = inject(type => 'probe', max_attempts => 2, payload => { action => 'hang', timeout_s => 3 });
ok(wait_state($hang, 'running'), 'a hanging probe runs');
ok(wait_for(sub { children_of($pid) == 1 }, 5), 'in a child process of the worker');
ok(wait_state($hang, 'dead', 30), 'it times out twice and is dead');
is(row($hang, 'last_error'), 'timed out after 3 s', 'the reason is the time limit, not a lost lease');
is(row($hang, 'attempts'), 2, 'after 2 attempts');
is(scalar(children_of($pid)), 0, 'no child process is left');
ok(!grep({ /lease/ && /\Q$hang\E/ } split /\n/, worker_log()), 'the lease was never lost');
my $slow = probe(action => 'hang', seconds => 1, timeout_s => 5);
ok(wait_state($slow, 'succeeded'), 'a hang shorter than its limit is just a slow success');

# SIGTERM while a child runs: the child is stopped, the job goes back to the
# queue without counting the attempt, the worker exits cleanly.
my $stuck = probe(action => 'hang', timeout_s => 600);
ok(wait_state($stuck, 'running'), 'another hanging probe runs');
my @kids;
ok(wait_for(sub { @kids = children_of($pid); @kids == 1 }, 5), 'in its child process');
kill 'TERM', $pid;
is($stack->reap($pid, 10), 0, 'SIGTERM stops the worker with status 0');
ok(!-e "/proc/$kids[0]", 'and its child is gone');
is($stack->redis('HGET', "streamvault:job:$stuck", 'state'), 'queued', 'the job is queued again');
is($stack->redis('ZSCORE', 'streamvault:ready', $stuck) ne '' ? 1 : 0, 1, 'on the ready queue');
is(row($stuck, 'state') . ' ' . row($stuck, 'attempts'), 'queued 0', 'the attempt is not counted');

# Payloads are checked like any job's.
$stack->redis('LPUSH', 'streamvault:inbox', '{"v":1,"type":"probe","payload":{"action":"explode"}}',
              '{"v":1,"type":"probe","payload":{"timeout_s":0}}');
$pid = start_worker();
ok(wait_for(sub { $stack->redis('LLEN', 'streamvault:rejected') == 2 }, 15), 'bad probe payloads are rejected');
my $rejected = $stack->redis('LRANGE', 'streamvault:rejected', 0, -1);
like($rejected, qr/payload\.action must be one of/, 'an unknown action, with the reason');
like($rejected, qr/payload\.timeout_s must be an integer in 1\.\.600/, 'a time limit out of range, with the reason');
kill 'TERM', $pid;
is($stack->reap($pid, 10), 0, 'the worker stops cleanly');
my @lines = grep { length } split /\n/, worker_log();
is_deeply([grep { !eval { decode_json($_) } } @lines], [], 'every log line is JSON');

done_testing;
