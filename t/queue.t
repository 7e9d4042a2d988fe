# The job queue end to end: jobs injected with real redis-cli LPUSH run in
# the sanitizer worker; invalid ones are set aside with a reason; failures
# retry with growing delays into the dead list; priorities and dependencies
# order the work; a killed worker's job runs once elsewhere after its lease;
# PostgreSQL brings back what Redis lost; the API's retry and cancel reach
# the queue. Real PostgreSQL, Redis and nginx.
use strict;
use warnings;
use lib 't/lib';
use Test::More;
use JSON::PP qw(decode_json encode_json);
use Time::HiRes qw(sleep);
use StreamVault::Test qw(start_stack wait_for slurp alive);

# The stack's own worker migrates and creates the admin; this test then
# runs its own workers with short leases.
my $stack = start_stack(timeout => 240);
my $dir = $stack->dir;
my $stack_worker = $stack->pid('worker');
kill 'TERM', $stack_worker;
ok(wait_for(sub { !alive($stack_worker) }, 15), "the stack's worker stopped");
my $lease = 2;

sub conf_for {
    my ($name) = @_;
    return $stack->worker_conf(file => "$name.conf", log_file => "$dir/log/$name.log",
                               extra => "worker_id = $name\n");
}
sub worker_log { slurp("$dir/log/$_[0].log") // '' }
sub start_worker {
    my ($name) = @_;
    local $ENV{STREAMVAULT_JOB_LEASE_SECONDS} = $lease;
    my $pid = $stack->spawn_worker('-c', conf_for($name));
    wait_for(sub { worker_log($name) =~ /connected to Redis/ }, 15) or BAIL_OUT("worker $name did not start");
    return $pid;
}

my $n = 0;
sub uuid { sprintf('00000000-0000-4000-8000-%012d', ++$n) }
sub inject {
    my (%job) = @_;
    my $id = $job{id} //= uuid();
    $stack->redis('LPUSH', 'streamvault:inbox', encode_json({ v => 1, type => 'noop', %job }));
    return $id;
}
sub pg_state { $stack->psql("SELECT state FROM jobs WHERE id = '$_[0]'") }
sub redis_state { $stack->redis('HGET', "streamvault:job:$_[0]", 'state') }
sub wait_state {
    my ($id, $state, $seconds) = @_;
    return wait_for(sub { pg_state($id) eq $state }, $seconds // 15);
}
sub finished_at { $stack->psql("SELECT extract(epoch FROM finished_at) FROM jobs WHERE id = '$_[0]'") }

my $a_pid = start_worker('wa');

# A valid job runs and is recorded.
my $ok = inject(payload => { sleep_ms => 10 });
ok(wait_state($ok, 'succeeded'), 'an injected noop job succeeds (PostgreSQL)');
is(redis_state($ok), 'succeeded', 'and its Redis hash says so');
is($stack->psql("SELECT attempts || ' ' || progress || ' ' || worker_id FROM jobs WHERE id = '$ok'"),
   '1 100 wa', 'one attempt, 100 %, by worker wa');
my $generated = do {
    $stack->redis('LPUSH', 'streamvault:inbox', '{"v":1,"type":"noop"}');
    wait_for(sub { $stack->psql("SELECT count(*) FROM jobs WHERE state = 'succeeded'") == 2 }, 15);
};
ok($generated, 'a job without an id gets one and runs');

# Invalid jobs are set aside with the reason, never dropped.
my @bad = ('not json', '{"v":1,"type":"transcode_everything"}', '{"v":1}',
           '{"v":1,"type":"noop","priority":12}', '{"v":1,"type":"noop","bogus":1}',
           '{"v":1,"type":"noop","depends_on":["' . uuid() . '"]}');
$stack->redis('LPUSH', 'streamvault:inbox', $_) for @bad;
ok(wait_for(sub { $stack->redis('LLEN', 'streamvault:rejected') == @bad }, 15),
   scalar(@bad) . ' invalid jobs are on the rejected list');
my %reason = map { my $e = decode_json($_); ($e->{raw} => $e) }
             split /\n/, $stack->redis('LRANGE', 'streamvault:rejected', 0, -1);
like($reason{'not json'}{reason}, qr/malformed JSON/, 'malformed JSON: reason given');
like($reason{$bad[1]}{reason}, qr/unknown job type/, 'unknown type: reason given');
like($reason{$bad[2]}{reason}, qr/missing field "type"/, 'missing type: reason given');
like($reason{$bad[3]}{reason}, qr/priority/, 'bad priority: reason given');
like($reason{$bad[4]}{reason}, qr/unknown field/, 'unknown field: reason given');
like($reason{$bad[5]}{reason}, qr/unknown dependency/, 'unknown dependency: reason given');
like($reason{'not json'}{at} // '', qr/^\d{4}-\d\d-\d\dT/, 'with the time');
my @logged = worker_log('wa') =~ /"msg":"rejected an injected job"/g;
is(scalar(@logged), scalar(@bad), 'each rejection is logged');
$stack->redis('LPUSH', 'streamvault:inbox', '{"v":1,"type":"noop","payload":"' . ('x' x 70000) . '"}');
ok(wait_for(sub { $stack->redis('LLEN', 'streamvault:rejected') == @bad + 1 }, 15),
   'an oversized item is rejected too');
like(decode_json($stack->redis('LINDEX', 'streamvault:rejected', 0))->{reason}, qr/too big/, 'as too big');
is($stack->redis('LLEN', 'streamvault:inbox:processing:wa'), 0, 'nothing is left half-taken');

# A failing job retries with growing delays, then lands in the dead list.
my $failing = inject(max_attempts => 3, payload => { fail => JSON::PP::true });
ok(wait_state($failing, 'dead', 30), 'a job failing 3 times ends dead');
is($stack->psql("SELECT attempts FROM jobs WHERE id = '$failing'"), 3, 'after 3 attempts');
like($stack->psql("SELECT last_error FROM jobs WHERE id = '$failing'"), qr/on purpose/, 'with its error');
is($stack->redis('LRANGE', 'streamvault:dead', 0, -1), $failing, 'its id is on the dead list');
is(redis_state($failing), 'dead', 'and its hash stays visible');
my @delays = map { decode_json($_)->{retry_in_ms} }
             grep { /"msg":"job failed"/ && /\Q$failing\E/ } split /\n/, worker_log('wa');
is(scalar(@delays), 3, 'three failures logged');
ok($delays[0] >= 500 && $delays[0] <= 1000 && $delays[1] >= 1000 && $delays[1] <= 2000,
   "retry delays grow ($delays[0] ms, then $delays[1] ms)");
is($delays[2], -1, 'no retry after the last attempt');

# Priorities: while the worker is busy, a 9 and a 0 arrive; the 0 runs first.
my $blocker = inject(payload => { sleep_ms => 1500 });
ok(wait_state($blocker, 'running'), 'a slow job runs');
my $low = inject(priority => 9);
my $high = inject(priority => 0);
ok(wait_state($low, 'succeeded') && wait_state($high, 'succeeded'), 'both later jobs succeed');
ok(finished_at($high) < finished_at($low), 'priority 0 ran before priority 9');

# Dependencies: the child waits for its parent.
my $parent = uuid();
my $child = uuid();
$stack->redis('LPUSH', 'streamvault:inbox',
              encode_json({ v => 1, type => 'noop', id => $parent, payload => { sleep_ms => 1000 } }),
              encode_json({ v => 1, type => 'noop', id => $child, depends_on => [$parent] }));
ok(wait_state($parent, 'running'), 'the parent runs');
is(pg_state($child), 'waiting', 'the child waits meanwhile');
ok(wait_state($child, 'succeeded'), 'then the child succeeds');
ok(finished_at($parent) < finished_at($child), 'after its parent');

# Cancel and retry through the API.
my $admin = $stack->login('admin', $stack->admin_password);
$blocker = uuid();
my $victim = uuid();
$stack->redis('LPUSH', 'streamvault:inbox',
              encode_json({ v => 1, type => 'noop', id => $blocker, payload => { sleep_ms => 1500 } }),
              encode_json({ v => 1, type => 'noop', id => $victim, depends_on => [$blocker] }));
ok(wait_state($blocker, 'running'), 'another slow job runs');
is(pg_state($victim), 'waiting', 'a job waits for it');
my $res = $stack->api('POST', "/api/jobs/$victim/cancel", as => $admin, json => {});
is($res->{status}, 200, 'the API cancels it');
ok(wait_for(sub { redis_state($victim) eq 'cancelled' }, 10), 'the queue marks it cancelled');
is($stack->redis('ZSCORE', 'streamvault:ready', $victim), '', 'and it leaves the ready queue');
ok(wait_state($blocker, 'succeeded'), 'the slow job finishes');
sleep 0.5;
is(pg_state($victim), 'cancelled', 'the cancelled job never ran');
$res = $stack->api('POST', "/api/jobs/$victim/retry", as => $admin, json => {});
is($res->{status}, 200, 'the API retries it');
ok(wait_state($victim, 'succeeded'), 'then it runs and succeeds');
$res = $stack->api('POST', "/api/jobs/$failing/retry", as => $admin, json => {});
is($res->{status}, 200, 'the API retries the dead job');
ok(wait_for(sub { $stack->redis('LRANGE', 'streamvault:dead', 0, -1) eq '' }, 10),
   'it leaves the dead list');
ok(wait_state($failing, 'dead', 30), 'and fails its 3 attempts again');

# kill -9: two workers; the slow job outlives its lease on the worker that
# keeps extending it, then runs once more elsewhere after that worker died.
my $b_pid = start_worker('wb');

# Two workers report one job: PostgreSQL holds back the "queued" of the
# worker that injected it, the other takes it meanwhile; that late report
# must not undo "running" (nor the end).
$stack->psql(<<'SQL');
CREATE TABLE late_reports (state text);
CREATE FUNCTION hold_queued() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.state = 'queued' THEN
        PERFORM pg_sleep(1);
        INSERT INTO late_reports VALUES (NEW.state);
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER hold_queued BEFORE INSERT OR UPDATE ON jobs
    FOR EACH ROW EXECUTE FUNCTION hold_queued();
SQL
my $raced = inject(payload => { sleep_ms => 3000 });
ok(wait_state($raced, 'running'), 'the other worker runs the job while "queued" is held back');
ok(wait_for(sub { $stack->psql('SELECT count(*) FROM late_reports') > 0
                  && $stack->psql("SELECT count(*) FROM pg_stat_activity WHERE wait_event = 'PgSleep'") == 0 }, 15),
   'the held-back report is written');
is(pg_state($raced), 'running', 'and does not undo "running"');
ok(wait_state($raced, 'succeeded'), 'the job then succeeds');
$stack->psql('DROP TRIGGER hold_queued ON jobs; DROP FUNCTION hold_queued(); DROP TABLE late_reports');

my $slow = inject(payload => { sleep_ms => 4000 });
ok(wait_state($slow, 'running'), 'a slow job runs');
my $holder = $stack->psql("SELECT worker_id FROM jobs WHERE id = '$slow'");
sleep $lease + 1;
is($stack->psql("SELECT state || ' ' || attempts || ' ' || worker_id FROM jobs WHERE id = '$slow'"),
   "running 1 $holder", 'past its lease it is still running once: the lease is extended');
my %pid = (wa => $a_pid, wb => $b_pid);
my $other = $holder eq 'wa' ? 'wb' : 'wa';
kill 'KILL', $pid{$holder};
$stack->reap($pid{$holder}, 10);
ok(wait_state($slow, 'succeeded', $lease + 15), "after kill -9 of $holder the job succeeds");
is($stack->psql("SELECT attempts || ' ' || worker_id FROM jobs WHERE id = '$slow'"),
   "2 $other", "on $other, as a second attempt");
my @done = grep { /"msg":"job succeeded"/ && /\Q$slow\E/ } split /\n/, worker_log('wa') . worker_log('wb');
is(scalar(@done), 1, 'exactly one success');

# Redis loses everything; PostgreSQL still says queued: the restart brings it back.
kill 'TERM', $pid{$other};
is($stack->reap($pid{$other}, 15), 0, 'SIGTERM stops the worker cleanly');
my $lost = uuid();
$stack->psql("INSERT INTO jobs (id, type, state, priority, payload) VALUES ('$lost', 'noop', 'queued', 5, '{\"sleep_ms\": 1}')");
$stack->redis('FLUSHALL');
my $c_pid = start_worker('wc');
ok(wait_state($lost, 'succeeded'), 'a queued job Redis lost is re-enqueued at start and runs');
like(worker_log('wc'), qr/re-enqueued a job Redis did not know.*\Q$lost\E/, 'and the worker says so');
is(pg_state($ok), 'succeeded', 'finished jobs are left alone');

kill 'TERM', $c_pid;
is($stack->reap($c_pid, 15), 0, 'the last worker stops cleanly');
my @lines = grep { length } split /\n/, worker_log('wa') . worker_log('wb') . worker_log('wc');
is_deeply([grep { !eval { decode_json($_) } } @lines], [], 'every log line is JSON');

done_testing;
