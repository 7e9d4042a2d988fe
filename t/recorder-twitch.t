# Recording Twitch channels by login through `streamvault-worker
# --record-twitch` (the sanitizer build) against the fake Twitch, which
# insists on the web player's Client-ID: GQL token -> usher -> the variant
# for --quality -> its media playlist. A live channel at 720p60 records
# that variant's content in order; best takes the source; an offline
# channel ends at once ("ended", detail "offline", exit 0); a quality not
# offered fails naming the ones there are (exit 1).
use strict;
use warnings;
use lib 't/lib';
use Test::More;
use Digest::SHA qw(sha1_hex);
use File::Path qw(make_path);
use JSON::PP qw(decode_json);
use Time::HiRes qw(time);
use StreamVault::Test qw(run_cmd test_dir slurp worker_bin);
use StreamVault::FakeTwitch;

alarm 120;
my $dir = test_dir();
my $bin = worker_bin();
make_path("$dir/log");
my %san = StreamVault::Test::sanitizer_env("$dir/log");

my $tw = StreamVault::FakeTwitch->new(
    segment_duration => 1,
    backlog          => 2,
    client_id        => $StreamVault::FakeTwitch::WEB_CLIENT_ID,
    channels         => { map { ($_ => { live => 0 }) } qw(cooly besty sleepy picky lowy) });
$tw->start_channel($_, script => [ [ content => undef ] ]) for qw(cooly besty picky lowy);

my %env = (%san, STREAMVAULT_TWITCH_GQL_URL => $tw->gql_url, STREAMVAULT_TWITCH_USHER_URL => $tw->url);

# Runs --record-twitch; returns the exit status, the summaries and the time.
sub record {
    my ($name, @args) = @_;
    my $t0 = time;
    my $r = run_cmd([ $bin, '--record-twitch', @args, '--out', "$dir/$name" ], env => \%env, timeout => 60);
    my @lines = map { decode_json($_) } grep { /^\{/ } split /\n/, $r->{out};
    return { status => $r->{status}, err => $r->{err}, out => "$dir/$name", wall => time - $t0,
             rec => { map { ($_->{recording} => $_) } grep { $_->{recording} } @lines } };
}

# The files of $folder against the segments served on $login: each one
# served at $quality, byte for byte, content numbers consecutive.
sub check_files {
    my ($what, $folder, $login, $quality) = @_;
    opendir my $dh, $folder or die "$folder: $!";
    my @ts = sort grep { /^\d{12}\.ts$/ } readdir $dh;
    my %served;
    $served{ $_->{seq} } //= $_ for $tw->served(channel => $login);
    my @s = map { $served{ s/\.ts$//r + 0 } // {} } @ts;
    ok(@ts && !grep({ !defined $_->{content} } @s), "$what: every file is a served segment (" . scalar(@ts) . ')');
    is_deeply([ grep { ($_->{quality} // '') ne $quality } @s ], [], "$what: all of variant $quality");
    my @content = map { $_->{content} // -1 } @s;
    is_deeply(\@content, [ $content[0] .. $content[0] + $#ts ], "$what: content in order, no gap") if @ts;
    is_deeply([ grep { sha1_hex(slurp("$folder/$ts[$_]")) ne ($s[$_]{sha1} // '') } 0 .. $#ts ], [],
              "$what: the served bytes");
    return @ts;
}

# --- a live channel at 720p60 ---
my $a = record('q720', 'cooly', '--quality', '720p60', '--duration', 4);
is($a->{status}, 0, sprintf('720p60: exit 0 (%.1f s)', $a->{wall})) or diag $a->{err};
my $s = $a->{rec}{1} // {};
is_deeply([ @$s{qw(channel quality reason)} ], [ 'cooly', '720p60', 'duration' ], 'the summary names channel and quality');
my @ts = check_files('720p60', "$a->{out}/1", 'cooly', '720p60');
is(scalar @ts, 4, 'four 1 s segments');
my @gql = $tw->requests(kind => 'gql', channel => 'cooly');
ok(@gql && !grep({ $_->{status} != 200 } @gql), 'GQL took the request (Client-ID, body)');
is(scalar(grep { $_->{status} == 200 } $tw->requests(kind => 'usher', channel => 'cooly')), 1, 'one usher playlist');
like($a->{err}, qr/"msg":"twitch variant chosen".*"variant":"720p60"/, 'the choice is logged');

# --- low latency: the announced segments too, the same files ---
my $ll = record('low', 'lowy', '--low-latency', '--duration', 8);
is($ll->{status}, 0, 'low latency: exit 0') or diag $ll->{err};
check_files('low latency', "$ll->{out}/1", 'lowy', '1080p60');
ok(scalar(grep { $_->{prefetch} } $tw->served(channel => 'lowy')),
   'low latency: segments taken while only announced (#EXT-X-TWITCH-PREFETCH)')
    or diag explain [ $tw->requests(channel => 'lowy') ];

# --- best: the source ---
my $b = record('best', 'besty', '--duration', 3);
is($b->{status}, 0, 'best: exit 0') or diag $b->{err};
is(($b->{rec}{1} // {})->{quality}, 'best', 'quality best by default');
check_files('best', "$b->{out}/1", 'besty', '1080p60');

# --- offline ---
my $c = record('offline', 'sleepy', '--duration', 3);
is($c->{status}, 0, 'offline: exit 0') or diag $c->{err};
is_deeply([ @{ $c->{rec}{1} // {} }{qw(reason detail segments)} ], [ 'ended', 'offline', 0 ], 'ended, detail offline, nothing recorded');
ok($c->{wall} < 5, sprintf('at once (%.1f s)', $c->{wall}));
is(scalar($tw->requests(kind => 'usher', channel => 'sleepy')), 0, 'no usher request without a token');

# --- a quality not offered ---
my $d = record('potato', 'picky', '--quality', 'potato');
is($d->{status}, 1, 'unknown quality: exit 1');
$s = $d->{rec}{1} // {};
is($s->{reason}, 'failed', 'failed');
like($s->{error} // '', qr/"potato".*available: 720p60, 480p, audio_only, 1080p60/, "the reason lists the variants ($s->{error})");
is(scalar($tw->served(channel => 'picky')), 0, 'nothing downloaded');

# --- several at once, and a bad login ---
my $e = record('several', 'cooly,sleepy,no-such!', '--duration', 2);
is($e->{status}, 1, 'a bad login: exit 1');
is_deeply([ map { ($e->{rec}{$_} // {})->{reason} } 1 .. 3 ], [qw(duration ended failed)], 'the others record on');
like(($e->{rec}{3} // {})->{error} // '', qr/Twitch login/, 'the bad login is named');

my $r = run_cmd([ $bin, '--record-twitch', 'cooly', '--quality', 'best', '--quality', 'worst', '--out', "$dir/x" ],
                env => \%san, timeout => 20);
is($r->{status}, 2, '--quality twice: exit 2');
$r = run_cmd([ $bin, '--record-hls', $tw->url . '/x.m3u8', '--quality', 'best', '--out', "$dir/x" ], env => \%san, timeout => 20);
is($r->{status}, 2, '--quality without --record-twitch: exit 2');

my @reports = glob("$dir/log/asan.* $dir/log/ubsan.*");
is_deeply(\@reports, [], 'no sanitizer report') or diag map { slurp($_) } @reports;
ok($tw->stop, 'the fake stops cleanly');
done_testing();
