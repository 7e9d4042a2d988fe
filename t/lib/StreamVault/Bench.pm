package StreamVault::Bench;

# Benchmarks measure ratios against an anchor run side by side in the same
# run, never absolute times: wrk against our route and against the anchor,
# one after the other, on the same machine.

use strict;
use warnings;

use Exporter qw(import);
use StreamVault::Test qw(run_cmd);

our @EXPORT_OK = qw(wrk report);

# Runs wrk; returns { rps, p50_ms, p99_ms }.
sub wrk {
    my ($url, %o) = @_;
    my $r = run_cmd(['wrk', '--latency', '-t', $o{threads} // 1, '-c', $o{connections} // 32,
                     '-d', ($o{seconds} // 5) . 's', $url], timeout => ($o{seconds} // 5) + 30);
    die "wrk failed: $r->{err}$r->{out}" if $r->{status};
    my %m;
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

sub report {
    my ($title, $ours, $anchor, $anchor_name) = @_;
    printf "%-44s %10.0f req/s  p50 %7.3f ms  p99 %7.3f ms\n", $title, @$ours{qw(rps p50_ms p99_ms)};
    printf "%-44s %10.0f req/s  p50 %7.3f ms  p99 %7.3f ms\n", "  anchor: $anchor_name", @$anchor{qw(rps p50_ms p99_ms)};
    printf "%-44s %10.2fx\n", '  ratio (ours / anchor)', $ours->{rps} / $anchor->{rps};
}

1;
