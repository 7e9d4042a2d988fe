package StreamVault::Bench;

# Benchmarks measure ratios against an anchor run side by side in the same
# run, never absolute times: wrk against our route and against the anchor,
# one after the other, on the same machine.

use strict;
use warnings;

use Exporter qw(import);
use JSON::PP ();
use Time::HiRes ();
use StreamVault::Test qw(run_cmd);

our @EXPORT_OK = qw(wrk report need_tools pgbench percentile worker_stack timed_job timed_ffmpeg);

# A stack whose worker is the plain build, as deployed (the sanitizer build
# would measure ASan), started and beating.
sub worker_stack {
    my $stack = StreamVault::Test::stack_object(only => 'pg redis worker',
        env => { SV_WORKER_BIN => StreamVault::Test::build_dir() . '/streamvault-worker' });
    $stack->start;
    StreamVault::Test::wait_for(sub { $stack->redis('--scan', '--pattern', 'streamvault:worker:*') ne '' }, 30)
        or die "the worker did not start\n";
    return $stack;
}

# Seconds from injecting a job to its success, as a client sees them.
my $jobs = 0;
sub timed_job {
    my ($stack, $type, $payload, $limit) = @_;
    my $id = sprintf('00000000-0000-4000-8000-%012d', ++$jobs);
    my $t0 = Time::HiRes::time();
    $stack->redis('LPUSH', 'streamvault:inbox',
                  JSON::PP::encode_json({ v => 1, type => $type, id => $id, payload => $payload }));
    StreamVault::Test::wait_for(
        sub { $stack->psql("SELECT state FROM jobs WHERE id = '$id'") eq 'succeeded' }, $limit // 300)
        or die "the $type job did not succeed\n";
    return Time::HiRes::time() - $t0;
}

# Seconds one ffmpeg run takes.
sub timed_ffmpeg {
    my (@args) = @_;
    my $t0 = Time::HiRes::time();
    my $r = run_cmd(['ffmpeg', '-hide_banner', '-loglevel', 'error', '-nostdin', '-y', @args],
                    timeout => 300);
    die "ffmpeg: $r->{err}" if $r->{status};
    return Time::HiRes::time() - $t0;
}

# Dies unless every program named is on the PATH.
sub need_tools {
    my @missing = grep { my $t = $_; !grep { -x "$_/$t" } split /:/, $ENV{PATH} // '' } @_;
    die "benchmark needs @missing on the PATH (apt-get install: see ./configure's DEPS_BENCH)\n"
        if @missing;
}

# Runs wrk; returns { rps, p50_ms, p99_ms, requests, socket_errors }.
# Options: threads (1), connections (32), seconds (5), timeout (wrk's
# per-request timeout in s), headers => ['Name: value', ...], script => a
# Lua file (wrk -s).
sub wrk {
    my ($url, %o) = @_;
    my $r = run_cmd(['wrk', '--latency', '-t', $o{threads} // 1, '-c', $o{connections} // 32,
                     '-d', ($o{seconds} // 5) . 's',
                     (defined $o{timeout} ? ('--timeout', "$o{timeout}s") : ()),
                     (map { ('-H', $_) } @{ $o{headers} // [] }),
                     (defined $o{script} ? ('-s', $o{script}) : ()),
                     $url], timeout => ($o{seconds} // 5) + ($o{timeout} // 2) + 30);
    die "wrk failed: $r->{err}$r->{out}" if $r->{status};
    my %m;
    ($m{requests}) = $r->{out} =~ /^\s*(\d+) requests in /m;
    my @errors = $r->{out} =~ /^\s*Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/m;
    $m{socket_errors} = 0;
    $m{socket_errors} += $_ for @errors;
    ($m{rps}) = $r->{out} =~ /^Requests\/sec:\s+([\d.]+)/m;
    $m{p50_ms} = ms($r->{out} =~ /^\s+50%\s+([\d.]+\w+)/m);
    $m{p99_ms} = ms($r->{out} =~ /^\s+99%\s+([\d.]+\w+)/m);
    die "wrk: no requests/sec in:\n$r->{out}" unless $m{rps};
    my ($non2xx) = $r->{out} =~ /Non-2xx or 3xx responses:\s+(\d+)/;
    die "wrk: $non2xx non-2xx answers from $url" if $non2xx;
    return \%m;
}

sub ms {
    my ($v) = @_;
    return undef unless defined $v;
    my ($n, $unit) = $v =~ /^([\d.]+)(\w+)$/;
    return $n * { us => 0.001, ms => 1, s => 1000 }->{$unit};
}

# The p-th percentile (nearest rank) of a list of numbers.
sub percentile {
    my ($p, @v) = @_;
    return undef unless @v;
    @v = sort { $a <=> $b } @v;
    my $i = int($p / 100 * @v + 0.999999) - 1;
    $i = 0 if $i < 0;
    return $v[$i];
}

# Runs pgbench on a script file with prepared statements, no vacuum, and a
# per-transaction log; returns { rps (tps), p50_ms, p99_ms, transactions }.
# Options: script, vars => { name => value } (-D, bound as parameters with
# -M prepared), clients (32), threads (2), seconds (10), host, user, db,
# log_prefix (a path prefix for the -l files).
sub pgbench {
    my (%o) = @_;
    my $seconds = $o{seconds} // 10;
    my $r = run_cmd(['pgbench', '-n', '-M', 'prepared', '-r', '-f', $o{script},
                     '-c', $o{clients} // 32, '-j', $o{threads} // 2, '-T', $seconds,
                     (map { ('-D', "$_=$o{vars}{$_}") } sort keys %{ $o{vars} // {} }),
                     '-l', "--log-prefix=$o{log_prefix}",
                     '-h', $o{host}, '-U', $o{user}, $o{db}], timeout => $seconds + 60);
    die "pgbench failed (exit $r->{status}):\n$r->{err}$r->{out}" if $r->{status};
    my %m;
    ($m{rps}) = $r->{out} =~ /^tps = ([\d.]+) \(without initial connection time\)/m;
    ($m{transactions}) = $r->{out} =~ /^number of transactions actually processed: (\d+)/m;
    my ($failed) = $r->{out} =~ /^number of failed transactions: (\d+)/m;
    die "pgbench: no tps in:\n$r->{out}$r->{err}" unless $m{rps} && $m{transactions};
    die "pgbench: $failed failed transactions:\n$r->{out}$r->{err}" if $failed;
    die "pgbench: errors reported:\n$r->{err}" if $r->{err} =~ /\berror\b/i;
    my @lat;
    for my $file (glob("$o{log_prefix}.*")) {
        open my $fh, '<', $file or die "cannot read $file: $!";
        while (<$fh>) {
            # client_id transaction_no time(us) script_no time_epoch time_us
            my (undef, undef, $us) = split;
            push @lat, $us if defined $us && $us =~ /^\d+$/;
        }
    }
    die "pgbench: no per-transaction log under $o{log_prefix}.*" unless @lat;
    $m{p50_ms} = percentile(50, @lat) / 1000;
    $m{p99_ms} = percentile(99, @lat) / 1000;
    $m{output} = $r->{out};
    return \%m;
}

sub report {
    my ($title, $ours, $anchor, $anchor_name) = @_;
    printf "%-44s %10.0f req/s  p50 %7.3f ms  p99 %7.3f ms\n", $title, @$ours{qw(rps p50_ms p99_ms)};
    printf "%-44s %10.0f req/s  p50 %7.3f ms  p99 %7.3f ms\n", "  anchor: $anchor_name", @$anchor{qw(rps p50_ms p99_ms)};
    printf "%-44s %10.2fx\n", '  ratio (ours / anchor)', $ours->{rps} / $anchor->{rps};
}

1;
