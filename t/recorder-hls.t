# The HLS recording engine through `streamvault-worker --record-hls` and
# `--record-twitch` (the sanitizer build) against the fake Twitch (1 s
# segments): an ad break is skipped and the content recorded gapless and
# byte-exact; error bursts on the playlist and the segments are survived;
# ENDLIST ends a recording; 20 channels at once in one process (its max RSS
# and CPU time reported); SIGTERM leaves only complete segments. Then the
# recorder's lifecycle: a stream restarting with lower sequence numbers
# overwrites nothing; kill -9 and --resume continue the folder without a
# duplicate or a gap (or count the gap when the window moved on); --stall
# and --max-bytes end with their reasons; a Twitch channel offline for a
# moment continues the same recording, offline for longer than --grace
# ends it.
use strict;
use warnings;
use lib 't/lib';
use Test::More;
use Digest::SHA qw(sha1_hex);
use File::Path qw(make_path);
use JSON::PP qw(decode_json);
use POSIX qw(WNOHANG);
use Time::HiRes qw(time sleep);
use StreamVault::Test qw(run_cmd test_dir slurp worker_bin);
use StreamVault::FakeTwitch;

alarm 330;
my $dir = test_dir();
my $bin = worker_bin();
make_path("$dir/log");
my %san = StreamVault::Test::sanitizer_env("$dir/log");

my @many = map { sprintf 'many%02d', $_ } 1 .. 20;
my $tw = StreamVault::FakeTwitch->new(
    segment_duration => 1,
    backlog          => 2,
    channels         => { map { ($_ => { live => 0 }) }
                          qw(adsy flaky ending stopper restarty resumer mover frozen sizer bouncy gone), @many });

# Runs the recorder on the channels' source playlists (after starting them
# with their scripts, unless running), or on urls, or on the twitch
# logins; with args added; TERM (or signal) after term_after seconds when
# asked.
sub record {
    my (%o) = @_;
    my $out = "$dir/$o{name}";
    for my $login ($o{running} ? () : (@{ $o{channels} // [] }, @{ $o{twitch} // [] })) {
        $tw->start_channel($login, script => $o{scripts}{$login} // [ [ content => undef ] ]);
    }
    my @urls = @{ $o{urls} // [ map { $tw->media_playlist_url($_) } @{ $o{channels} // [] } ] };
    my @cmd = ($bin, @urls ? ('--record-hls', join(',', @urls)) : (),
               $o{twitch} ? ('--record-twitch', join(',', @{ $o{twitch} })) : (), '--out', $out,
               defined $o{duration} ? ('--duration', $o{duration}) : (), @{ $o{args} // [] });
    my $t0 = time;
    my $pid = fork // die "fork: $!";
    if ($pid == 0) {
        %ENV = (%ENV, %san, STREAMVAULT_TWITCH_GQL_URL => $tw->gql_url, STREAMVAULT_TWITCH_USHER_URL => $tw->url);
        open STDIN, '<', '/dev/null';
        open STDOUT, '>', "$out.out";
        open STDERR, '>', "$out.err";
        exec @cmd or die "exec: $!";
    }
    StreamVault::Test::track_child($pid);
    my ($termed, $status);
    my $deadline = time + ($o{timeout} // 40);
    while (1) {
        if (waitpid($pid, WNOHANG) == $pid) { $status = $?; last }
        if ($o{at} && time - $t0 >= $o{at}[0]) { (delete $o{at})->[1]->() }
        if (defined $o{term_after} && !$termed && time - $t0 >= $o{term_after}) {
            kill $o{signal} // 'TERM', $pid;
            $termed = time;
        }
        if (time > $deadline) { kill 'KILL', $pid; waitpid($pid, 0); die "$o{name}: the recorder hung\n" }
        sleep 0.05;
    }
    my @lines = map { decode_json($_) } grep { /\S/ } split /\n/, slurp("$out.out") // '';
    my %rec = map { ($_->{recording} => $_) } grep { $_->{recording} } @lines;
    my ($proc) = map { $_->{process} } grep { $_->{process} } @lines;
    return { status => $status >> 8, signal => $status & 127, rec => \%rec, process => $proc,
             err => slurp("$out.err") // '', out => $out, wall => time - $t0,
             term_wait => $termed ? time - $termed : undef };
}

# The recording in $folder checked against what the fake served on $login:
# every file is a served content segment, byte for byte, the content
# numbers consecutive, no ad, no .part; returns the files.
sub check_files {
    my ($what, $folder, $login) = @_;
    opendir my $dh, $folder or die "$folder: $!";
    my @names = sort readdir $dh;
    my @ts = grep { /^\d{12}\.ts$/ } @names;
    is_deeply([ grep { /\.part$/ } @names ], [], "$what: no .part file left");
    is_deeply([ grep { !/^\./ && !/^\d{12}\.ts$/ } @names ], [], "$what: only segment files");
    my %served;
    $served{ $_->{seq} } //= $_ for $tw->served(channel => $login);
    my @content = map { ($served{ s/\.ts$//r + 0 } // {})->{content} } @ts;
    ok(@ts && !grep({ !defined } @content), "$what: every file is a served content segment (" . scalar(@ts) . ')');
    is_deeply(\@content, [ $content[0] .. $content[0] + $#ts ], "$what: content $content[0]..$content[-1], no gap, none twice")
        if @ts && !grep { !defined } @content;
    my @bad = grep { sha1_hex(slurp("$folder/$_")) ne ($served{ s/\.ts$//r + 0 } // {})->{sha1} // '' } @ts;
    is_deeply(\@bad, [], "$what: each file has the served bytes (sha1)");
    return @ts;
}

# ffprobe over the files concatenated: the duration, and the largest gap
# between consecutive video timestamps.
sub probe {
    my ($folder, @ts) = @_;
    my $all = "$folder.all.ts";
    open my $fh, '>', $all or die $!;
    print {$fh} slurp("$folder/$_") for @ts;
    close $fh;
    my $r = run_cmd([ 'ffprobe', '-v', 'error', '-show_entries', 'format=duration', '-of', 'csv=p=0', $all ], timeout => 30);
    my $v = run_cmd([ 'ffprobe', '-v', 'error', '-select_streams', 'v', '-show_entries', 'packet=pts_time',
                      '-of', 'csv=p=0', $all ], timeout => 30);
    my @pts = sort { $a <=> $b } grep { /\d/ } split /[\s,]+/, $v->{out};
    my $gap = 0;
    for my $i (1 .. $#pts) { $gap = $pts[$i] - $pts[ $i - 1 ] if $pts[$i] - $pts[ $i - 1 ] > $gap }
    (my $d = $r->{out}) =~ s/\s+//g;
    return { duration => $d, gap => $gap, frames => scalar @pts, errors => $r->{err} . $v->{err} };
}

# --- (a) a live channel with an ad break, 8 s of content ---
my $a = record(name => 'ads', channels => ['adsy'], duration => 8,
               scripts => { adsy => [ [ content => 3 ], [ ad => 3 ], [ content => undef ] ] });
is($a->{status}, 0, sprintf('ad break: the recorder exits 0 (%.1f s)', $a->{wall})) or diag $a->{err};
my $s = $a->{rec}{1} // {};
is($s->{reason}, 'duration', 'it ended on the duration');
my @ts = check_files('ad break', "$a->{out}/1", 'adsy');
is(scalar @ts, 8, 'eight 1 s segments for --duration 8');
is($s->{segments}, scalar @ts, 'the summary counts them');
is($s->{ads_skipped}, 3, 'three ad segments skipped');
is(scalar(grep { $_->{ad} } $tw->served(channel => 'adsy')), 0, 'no ad segment was even downloaded');
is($s->{lost}, 0, 'nothing lost');
ok($s->{discontinuities} >= 1, "the discontinuity after the break is counted ($s->{discontinuities})");
ok(-s "$a->{out}/1/.discontinuities", 'and noted in .discontinuities');
my $p = probe("$a->{out}/1", @ts);
ok(abs($p->{duration} - 8) < 0.5, "ffprobe: the concatenation lasts about 8 s ($p->{duration})") or diag $p->{errors};
ok($p->{frames} >= 230 && $p->{gap} < 0.05, sprintf('a continuous stream: %d frames, largest PTS step %.3f s', $p->{frames}, $p->{gap}));
like($a->{err}, qr/"msg":"segment written"/, 'progress as JSON log lines');

# --- (b) error bursts: 503 on the playlist, 404/502 on segments ---
my $b = record(name => 'flaky', channels => ['flaky'], duration => 8,
               scripts => { flaky => [ [ content => 3 ], [ errors => { target => 'playlist', status => 503, count => 3 } ],
                                       [ content => 2 ], [ errors => { target => 'segment', status => [ 404, 502 ], count => 4 } ],
                                       [ content => undef ] ] });
is($b->{status}, 0, sprintf('error bursts: the recorder exits 0 (%.1f s)', $b->{wall})) or diag $b->{err};
$s = $b->{rec}{1} // {};
my @errs = grep { $_->{status} != 200 } $tw->requests(channel => 'flaky');
is(scalar(grep { $_->{kind} eq 'playlist' && $_->{status} == 503 } @errs), 3, 'the recorder met the three playlist 503s');
is(scalar(grep { $_->{kind} eq 'segment' && $_->{status} =~ /^(404|502)$/ } @errs), 4, 'and the four segment errors');
is($s->{reason}, 'duration', 'it still ended on the duration');
is($s->{lost}, 0, 'nothing lost');
ok($s->{retries} >= 7, "retries counted ($s->{retries})");
@ts = check_files('error bursts', "$b->{out}/1", 'flaky');
is(scalar @ts, 8, 'eight segments');

# --- (c) the channel goes offline: ENDLIST ends the recording ---
my $c = record(name => 'ending', channels => ['ending'],
               scripts => { ending => [ [ content => 5 ], [ offline => undef ] ] });
is($c->{status}, 0, sprintf('offline: the recorder exits 0 (%.1f s)', $c->{wall})) or diag $c->{err};
is(($c->{rec}{1} // {})->{reason}, 'ended', 'with reason "ended"');
@ts = check_files('offline', "$c->{out}/1", 'ending');
is(scalar @ts, 5, 'all five segments of the stream');

# --- (d) 20 channels at once, in one process ---
my $d = record(name => 'many', channels => \@many, duration => 5, timeout => 60);
is($d->{status}, 0, sprintf('20 channels: the recorder exits 0 (%.1f s)', $d->{wall})) or diag $d->{err};
is(scalar(keys %{ $d->{rec} }), 20, 'twenty summaries');
my @wrong = grep { ($d->{rec}{$_}{reason} // '') ne 'duration' || $d->{rec}{$_}{segments} != 5
                   || $d->{rec}{$_}{lost} } 1 .. 20;
is_deeply(\@wrong, [], 'each recorded 5 segments and lost none');
for my $i (1 .. 20) {
    my $folder = "$d->{out}/$i";
    my $login = $many[ $i - 1 ];
    opendir my $dh, $folder or die $!;
    my @f = sort grep { /^\d{12}\.ts$/ } readdir $dh;
    my %served = map { ($_->{seq} => $_) } $tw->served(channel => $login);
    my @c = map { ($served{ s/\.ts$//r + 0 } // {})->{content} // -1 } @f;
    my @bad = grep { sha1_hex(slurp("$folder/$_")) ne (($served{ s/\.ts$//r + 0 } // {})->{sha1} // '') } @f;
    ok(@f == 5 && !@bad && "@c" eq join(' ', $c[0] .. $c[0] + 4), "$login: 5 consecutive content segments, bytes as served")
        or diag "@f / @c / @bad";
}
my $proc = $d->{process} // {};
ok($proc->{max_rss_kb}, sprintf('20 recordings in one process (%s build): max RSS %.1f MiB, CPU %.2f s user + %.2f s system over %.1f s',
                                $bin =~ m{/san/} ? 'ASan' : 'plain', ($proc->{max_rss_kb} // 0) / 1024,
                                $proc->{cpu_user_s} // 0, $proc->{cpu_sys_s} // 0, $d->{wall}));

# --- (e) SIGTERM mid-recording ---
my $e = record(name => 'stopper', channels => ['stopper'], term_after => 3.5);
is($e->{status}, 0, sprintf('SIGTERM: the recorder exits 0, %.2f s after the signal', $e->{term_wait} // -1)) or diag $e->{err};
is(($e->{rec}{1} // {})->{reason}, 'stopped', 'with reason "stopped"');
@ts = check_files('SIGTERM', "$e->{out}/1", 'stopper');
ok(@ts >= 3, 'segments were written before the signal (' . scalar(@ts) . ')');
$p = probe("$e->{out}/1", @ts);
ok(abs($p->{duration} - @ts) < 0.5 && $p->{errors} eq '', "ffprobe reads them to the end ($p->{duration} s, no errors)")
    or diag $p->{errors};

# --- bad command lines ---
my $r = run_cmd([ $bin, '--record-hls', 'ftp://x/y.m3u8', '--out', "$dir/bad" ], env => \%san, timeout => 20);
is($r->{status}, 1, 'a non-http URL: exit 1');
like($r->{out}, qr/"reason":"failed","error":"the playlist URL must be http or https"/, 'with the reason in its summary');
$r = run_cmd([ $bin, '--record-hls', $tw->url . '/x.m3u8' ], env => \%san, timeout => 20);
is($r->{status}, 2, 'without --out: exit 2');

# --- the recorder's lifecycle ---

# The segment files of $folder, in name order.
sub ts_files {
    my ($folder) = @_;
    opendir my $dh, $folder or die "$folder: $!";
    return sort grep { /^\d{12}\.ts$/ } readdir $dh;
}

# $folder holds each segment served on $login once, in stream order, byte
# for byte: nothing overwritten, nothing twice.
sub check_served {
    my ($what, $folder, $login) = @_;
    my @ts = ts_files($folder);
    my @want = $tw->served_once(channel => $login);
    is(scalar @ts, scalar @want, "$what: a file for each segment served (" . scalar(@ts) . ')');
    is_deeply([ map { sha1_hex(slurp("$folder/$_")) } @ts ], [ map { $_->{sha1} } @want ],
              "$what: in stream order, the bytes served");
    return @ts;
}

# The files cut where .discontinuities notes a new stream.
sub parts {
    my ($folder, @ts) = @_;
    my %new = map { /^(\d+) new stream$/ ? ($1 + 0 => 1) : () } split /\n/, slurp("$folder/.discontinuities") // '';
    my @parts = ([]);
    for my $f (@ts) {
        push @parts, [] if $new{ $f =~ s/\.ts$//r + 0 } && @{ $parts[-1] };
        push @{ $parts[-1] }, $f;
    }
    return @parts;
}

# Each part read by ffprobe as one continuous stream of its length.
sub check_parts {
    my ($what, $folder, @parts) = @_;
    for my $i (0 .. $#parts) {
        my $p = probe($folder, @{ $parts[$i] });
        my $n = @{ $parts[$i] };
        ok(abs($p->{duration} - $n) < 0.5 && $p->{gap} < 0.05 && $p->{errors} eq '',
           sprintf('%s: part %d, %d files, plays %.2f s (largest PTS step %.3f s)', $what, $i + 1, $n,
                   $p->{duration}, $p->{gap})) or diag $p->{errors};
    }
}

# (e) a stream restarting in the same playlist with lower numbers
$tw->start_channel('restarty', media_sequence => 100, script => [ [ content => undef ] ]);
my $f = record(name => 'restart', urls => [ $tw->live_playlist_url('restarty') ], running => 1, duration => 10,
               at => [ 4, sub { $tw->start_channel('restarty', media_sequence => 0) } ]);
is($f->{status}, 0, sprintf('restart: the recorder exits 0 (%.1f s)', $f->{wall})) or diag $f->{err};
$s = $f->{rec}{1} // {};
is_deeply([ @$s{qw(reason segments lost)} ], [ 'duration', 10, 0 ], 'one recording of 10 segments, none lost');
ok($s->{last_sequence} < $s->{first_sequence},
   "the summary keeps the source's numbers ($s->{first_sequence} .. $s->{last_sequence})");
@ts = check_served('restart', "$f->{out}/1", 'restarty');
my %inst = map { ($_->{instance} => 1) } $tw->served_once(channel => 'restarty');
is(scalar keys %inst, 2, 'of both instances');
my @parts = parts("$f->{out}/1", @ts);
is(scalar @parts, 2, 'a new stream noted where the second instance starts');
like(slurp("$f->{out}/1/.sequence-offset") // '', qr/^[1-9]\d*\n\z/, 'the offset is kept in the folder');
check_parts('restart', "$f->{out}/1", @parts);

# (c) kill -9, then --resume
my $k = record(name => 'resume', channels => ['resumer'], term_after => 4.5, signal => 'KILL');
is($k->{signal}, 9, 'resume: the first recorder is killed (-9)');
my @before = ts_files("$k->{out}/1");
ok(@before >= 3, 'after writing ' . scalar(@before) . ' segments');
StreamVault::Test::spurt("$k->{out}/1/000000000999.ts.part", 'half a segment');
my $since = ($tw->requests)[-1]{n};
sleep 1;
my $k2 = record(name => 'resume', channels => ['resumer'], running => 1, duration => 4, args => ['--resume']);
is($k2->{status}, 0, 'the resumed recorder exits 0') or diag $k2->{err};
$s = $k2->{rec}{1} // {};
my $last = $before[-1] =~ s/\.ts$//r + 0;
is_deeply([ @$s{qw(reason segments lost first_sequence)} ], [ 'duration', 4, 0, $last + 1 ],
          "it went on right after the last file ($last), nothing lost");
is_deeply([ grep { $_->{seq} <= $last } $tw->requests(kind => 'segment', channel => 'resumer', since => $since) ], [],
          'and asked for none of the segments written');
@ts = check_files('resume', "$k->{out}/1", 'resumer');
is(scalar @ts, @before + 4, 'the files of both runs');
check_parts('resume', "$k->{out}/1", [@ts]);

# (c) resumed after the window moved past the last segment
my $m = record(name => 'moved', channels => ['mover'], term_after => 3, signal => 'KILL');
@before = ts_files("$m->{out}/1");
$last = @before ? $before[-1] =~ s/\.ts$//r + 0 : -1;
sleep 8;
my $m2 = record(name => 'moved', channels => ['mover'], running => 1, duration => 2, args => ['--resume']);
$s = $m2->{rec}{1} // {};
is($s->{reason}, 'duration', 'window moved on: the resumed recording runs') or diag $m2->{err};
ok($s->{first_sequence} > $last + 1 && $s->{lost} == $s->{first_sequence} - $last - 1,
   "the numbers after $last are counted lost ($s->{lost}, then $s->{first_sequence})");
like(slurp("$m->{out}/1/.discontinuities") // '', qr/^$s->{first_sequence} gap$/m, 'and the gap noted');

# (d) a playlist answering without new segments, and a size limit
my $st = record(name => 'stall', channels => ['frozen'], args => [ '--stall', 3 ], timeout => 30,
                scripts => { frozen => [ [ content => 4 ], [ stall => 60 ], [ content => undef ] ] });
$s = $st->{rec}{1} // {};
is_deeply([ @$s{qw(reason segments)} ], [ 'stalled', 4 ], sprintf('--stall 3: "stalled" after 4 segments (%.1f s)', $st->{wall}))
    or diag $st->{err};
like($s->{detail} // '', qr/^no segment for 3\.\d s$/, "the detail says how long ($s->{detail})");
my @pl = grep { $_->{status} == 200 } $tw->requests(kind => 'playlist', channel => 'frozen');
ok(@pl >= 6, 'while the playlist kept answering (' . scalar(@pl) . ' times)');

my $z = record(name => 'size', channels => ['sizer'], args => [ '--max-bytes', 400000 ], timeout => 30);
$s = $z->{rec}{1} // {};
is($s->{reason}, 'size', '--max-bytes 400000: ends "size"') or diag $z->{err};
@ts = check_files('size', "$z->{out}/1", 'sizer');
my $bytes = 0;
$bytes += -s "$z->{out}/1/$_" for @ts;
is($s->{bytes}, $bytes, "the summary counts the bytes written ($bytes)");
ok($bytes >= 400000 && $bytes - -s "$z->{out}/1/$ts[-1]" < 400000, 'the last segment reached the limit');

# (a) a Twitch channel offline for 3 s comes back within --grace
my $bo = record(name => 'bounce', twitch => ['bouncy'], duration => 12, args => [ '--grace', 10 ], timeout => 40,
                scripts => { bouncy => [ [ content => 6 ], [ offline => 3 ], [ content => undef ] ] });
is($bo->{status}, 0, sprintf('reconnect: the recorder exits 0 (%.1f s)', $bo->{wall})) or diag $bo->{err};
$s = $bo->{rec}{1} // {};
is_deeply([ scalar(keys %{ $bo->{rec} }), @$s{qw(reason segments lost)} ], [ 1, 'duration', 12, 0 ],
          'one recording of 12 segments, none lost');
@ts = check_served('reconnect', "$bo->{out}/1", 'bouncy');
%inst = map { ($_->{instance} => 1) } $tw->served_once(channel => 'bouncy');
is(scalar keys %inst, 2, 'of both broadcasts');
is(scalar(() = $bo->{err} =~ /"msg":"twitch variant chosen"/g), 2, 'the variant resolved again');
@parts = parts("$bo->{out}/1", @ts);
is_deeply([ map { scalar @$_ } @parts ], [ 6, 6 ], 'a new stream noted after the first broadcast');
check_parts('reconnect', "$bo->{out}/1", @parts);

# (b) offline for longer than --grace
my $go = record(name => 'gone', twitch => ['gone'], args => [ '--grace', 3 ], timeout => 30,
                scripts => { gone => [ [ content => 4 ], [ offline => 60 ] ] });
is($go->{status}, 0, 'offline past the grace: exit 0') or diag $go->{err};
$s = $go->{rec}{1} // {};
is_deeply([ @$s{qw(reason detail segments)} ], [ 'ended', 'offline', 4 ], 'ended, detail offline, the 4 segments');
ok($go->{wall} >= 4 && $go->{wall} < 15, sprintf('after the grace period (%.1f s)', $go->{wall}));
ok(scalar(grep { $_->{status} == 200 } $tw->requests(kind => 'gql', channel => 'gone')) >= 3,
   'asking for the channel again meanwhile');

my @reports = glob("$dir/log/asan.* $dir/log/ubsan.*");
is_deeply(\@reports, [], 'no sanitizer report') or diag map { slurp($_) } @reports;
ok($tw->stop, 'the fake stops cleanly');
done_testing();
