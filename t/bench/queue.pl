# No-op jobs through the worker's queue against raw LPUSH/RPOP on the same
# Redis (redis-benchmark, unix socket), in the same run. A job is far more
# than a push and a pop: inbox check, several Lua scripts (take, ack,
# promote, ...) and a PostgreSQL upsert plus an event per state change, so
# expect a small fraction of the raw rate; the ratio is what to watch.
use strict;
use warnings;
use lib 't/lib';
use Time::HiRes qw(time sleep);
use StreamVault::Test qw(stack_object build_dir run_cmd wait_for);
use StreamVault::Bench qw(need_tools);

need_tools('redis-benchmark', 'redis-cli', 'psql');
my $jobs = $ENV{SV_BENCH_JOBS} || 5000;

# The plain build, as deployed (the sanitizer build would measure ASan).
my $stack = stack_object(only => 'pg redis worker',
                         env => { SV_WORKER_BIN => build_dir() . "/streamvault-worker" });
$stack->start;
wait_for(sub { $stack->redis('--scan', '--pattern', 'streamvault:worker:*') ne '' }, 30)
    or die "the worker did not start\n";

sub succeeded { $stack->psql("SELECT count(*) FROM jobs WHERE state = 'succeeded'") }

# A short warm-up, then every job in one LPUSH.
$stack->redis('LPUSH', 'streamvault:inbox', ('{"v":1,"type":"noop"}') x 100);
wait_for(sub { succeeded() == 100 }, 60) or die "warm-up jobs did not finish\n";
my $t0 = time;
$stack->redis('LPUSH', 'streamvault:inbox', ('{"v":1,"type":"noop"}') x $jobs);
wait_for(sub { succeeded() == 100 + $jobs }, 300) or die "the jobs did not finish\n";
my $seconds = time - $t0;
my $jobs_rate = $jobs / $seconds;

# redis-benchmark: 50 clients (its default) and 1 client (like our single
# worker connection, one round trip at a time).
sub raw_rates {
    my ($clients) = @_;
    my $r = run_cmd(['redis-benchmark', '-s', $stack->redis_socket, '-t', 'lpush,rpop',
                     '-n', 100000, '-c', $clients, '--csv'], timeout => 120);
    die "redis-benchmark: $r->{err}" if $r->{status};
    my %rate = map { /^"(\w+)","([\d.]+)"/ ? (lc $1 => $2) : () } split /\n/, $r->{out};
    die "redis-benchmark output not understood:\n$r->{out}" unless $rate{lpush} && $rate{rpop};
    # one LPUSH and one RPOP carry one item through a list
    $rate{pair} = 1 / (1 / $rate{lpush} + 1 / $rate{rpop});
    return \%rate;
}
my %raw = (50 => raw_rates(50), 1 => raw_rates(1));

printf "%-48s %10.0f jobs/s  (%d jobs in %.2f s)\n", 'no-op jobs through the worker', $jobs_rate, $jobs, $seconds;
for my $c (50, 1) {
    printf "%-48s %10.0f LPUSH/s %10.0f RPOP/s  %10.0f push+pop/s\n",
           "  anchor: redis-benchmark -c $c", @{ $raw{$c} }{qw(lpush rpop pair)};
    printf "%-48s %10.4fx\n", "  ratio (jobs / push+pop, -c $c)", $jobs_rate / $raw{$c}{pair};
}
