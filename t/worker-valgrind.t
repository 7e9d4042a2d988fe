# The worker (the plain build, not the sanitizer one) under valgrind:
# migrations, the first admin, a short run, SIGTERM. No errors, no leaks.
use strict;
use warnings;
use lib 't/lib';
use Test::More;
use StreamVault::Test qw(start_stack run_cmd build_dir wait_for slurp alive);

my $stack = start_stack(only => 'pg redis');
my $dir = $stack->dir;
my $conf = $stack->worker_conf(log_file => "$dir/log/valgrind-worker.log");
my @valgrind = ('valgrind', '--quiet', '--error-exitcode=99', '--leak-check=full',
                '--show-leak-kinds=definite,indirect', '--errors-for-leak-kinds=definite,indirect',
                '--track-fds=no');
my $worker = build_dir() . '/streamvault-worker';

my $r = run_cmd([@valgrind, "--log-file=$dir/log/vg-migrate.txt", $worker, '-c', $conf, '--migrate-only'],
                timeout => 120);
is($r->{status}, 0, '--migrate-only is valgrind-clean') or diag(slurp("$dir/log/vg-migrate.txt"));

$r = run_cmd([@valgrind, "--log-file=$dir/log/vg-admin.txt", $worker, '-c', $conf,
              '--create-admin', "$dir/admin.txt"], timeout => 120);
is($r->{status}, 0, '--create-admin is valgrind-clean') or diag(slurp("$dir/log/vg-admin.txt"));

my $pid = fork // die;
if ($pid == 0) {
    open STDOUT, '>', '/dev/null';
    open STDERR, '>', '/dev/null';
    $ENV{STREAMVAULT_HEARTBEAT_INTERVAL} = 1;
    exec @valgrind, "--log-file=$dir/log/vg-run.txt", $worker, '-c', $conf;
    exit 127;
}
StreamVault::Test::track_child($pid);
ok(wait_for(sub { $stack->redis('--scan', '--pattern', 'streamvault:worker:*') ne '' }, 60),
   'the worker runs under valgrind');
# Jobs, one of them run in a child process that crashes (isolation): the
# worker stays clean and both outcomes are recorded.
$stack->redis('LPUSH', 'streamvault:inbox',
              '{"v":1,"type":"noop","id":"00000000-0000-4000-8000-000000000001"}',
              '{"v":1,"type":"probe","id":"00000000-0000-4000-8000-000000000002","max_attempts":1,"payload":{"action":"crash"}}',
              '{"v":1,"type":"probe","id":"00000000-0000-4000-8000-000000000003"}');
ok(wait_for(sub { $stack->psql("SELECT string_agg(state, ' ' ORDER BY id) FROM jobs")
                  eq 'succeeded dead succeeded' }, 60),
   'under valgrind a noop and a probe succeed, a crashing probe is dead');
sleep 2;
kill 'HUP', $pid;
sleep 1;
kill 'TERM', $pid;
is($stack->reap($pid, 60), 0, 'a run ended by SIGTERM is valgrind-clean')
    or diag(slurp("$dir/log/vg-run.txt"));

done_testing;
