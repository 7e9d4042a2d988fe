# The remux job end to end: MPEG-TS segments made by ffmpeg from lavfi
# sources become one fragmented MP4 and its fragment index, through a job
# injected with real redis-cli into the sanitizer worker. ffprobe reads the
# result; the index is checked against the file's bytes; a re-run gives the
# same bytes; a corrupt input fails the job and the worker keeps going;
# path attacks are refused at injection. Real PostgreSQL and Redis.
use strict;
use warnings;
use lib 't/lib';
use Test::More;
use File::Path qw(make_path);
use JSON::PP qw(decode_json encode_json);
use StreamVault::Jobs;
use StreamVault::Test qw(start_stack wait_for slurp spurt run_cmd alive);

my $stack = start_stack(only => 'pg redis', timeout => 180);
my $dir = $stack->dir;
my $media = "$dir/media";
make_path("$media/raw", "$dir/log");

# Five ~2 s TS segments with H.264 (a keyframe every 2 s) and AAC.
my $gen = run_cmd(['ffmpeg', '-hide_banner', '-loglevel', 'error', '-nostdin',
                   '-f', 'lavfi', '-i', 'testsrc2=size=320x240:rate=30',
                   '-f', 'lavfi', '-i', 'sine=frequency=440',
                   '-t', '10', '-c:v', 'libx264', '-preset', 'ultrafast', '-g', '60',
                   '-c:a', 'aac', '-f', 'segment', '-segment_time', '2',
                   '-segment_format', 'mpegts', "$media/raw/seg%02d.ts"], timeout => 60);
is($gen->{status}, 0, 'ffmpeg made the segments') or diag $gen->{err};
my @segs = map { sprintf('raw/seg%02d.ts', $_) } 0 .. 4;
ok(-s "$media/$_", "$_ exists") for @segs;

sub probe {
    my ($path) = @_;
    my $r = run_cmd(['ffprobe', '-v', 'error', '-print_format', 'json', '-show_format',
                     '-show_streams', $path], timeout => 30);
    return $r->{status} == 0 ? decode_json($r->{out}) : undef;
}
my $source_duration = 0;
$source_duration += probe("$media/$_")->{format}{duration} for @segs;

my $jobs = StreamVault::Jobs->new($stack);
my $worker = $jobs->worker;


my $payload = { input => \@segs, output => 'library/show/episode.mp4',
                title => 'Test <stream> "one"', streamer => 'tester', date => '2026-11-21' };
my $id = $jobs->inject('remux', $payload);
ok($jobs->wait_state($id, 'succeeded'), 'the remux job succeeds')
    or diag $stack->psql("SELECT last_error FROM jobs WHERE id = '$id'");

my $mp4 = "$media/library/show/episode.mp4";
my $info = probe($mp4);
ok($info, 'ffprobe reads the MP4');
my %kinds = map { ($_->{codec_type} => $_->{codec_name}) } @{ $info->{streams} // [] };
is_deeply(\%kinds, { video => 'h264', audio => 'aac' }, 'both streams are present, not re-encoded');
my $duration = $info->{format}{duration} // 0;
ok(abs($duration - $source_duration) < 0.1,
   "duration $duration is within 0.1 s of the inputs' $source_duration");
is($info->{format}{tags}{title}, 'Test <stream> "one"', 'the title is embedded');
is($info->{format}{tags}{artist}, 'tester', 'the streamer is embedded as artist');
ok(!-e "$mp4.tmp" && !-e "$mp4.index.json.tmp", 'no temp files are left');
ok(-e "$media/$_", "input $_ is kept") for @segs[0, 4];

# The index against the file's own bytes.
sub check_index {
    my ($path) = @_;
    my $idx = decode_json(slurp("$path.index.json"));
    my $size = -s $path;
    open my $fh, '<:raw', $path or die "$path: $!";
    my $type_at = sub {
        my ($off) = @_;
        seek $fh, $off, 0;
        read($fh, my $head, 8) == 8 or return '';
        return substr($head, 4, 4);
    };
    is($idx->{version}, 1, 'index version 1');
    ok($idx->{timescale} > 0, 'a timescale');
    is($idx->{init}{offset}, 0, 'init at offset 0');
    is($type_at->(0), 'ftyp', 'the init segment starts with ftyp');
    my @f = @{ $idx->{fragments} };
    ok(@f >= 4, scalar(@f) . ' fragments');
    is($f[0]{offset}, $idx->{init}{size}, 'the first fragment follows the init segment');
    my ($moof, $contiguous, $sum) = (0, 0, 0);
    for my $i (0 .. $#f) {
        $moof++ if $type_at->($f[$i]{offset}) eq 'moof';
        $contiguous++ if $i == $#f || $f[$i]{offset} + $f[$i]{size} == $f[$i + 1]{offset};
        $sum += $f[$i]{duration};
    }
    is($moof, scalar(@f), 'every fragment starts with moof');
    is($contiguous, scalar(@f), 'fragments are contiguous');
    my $end = $f[-1]{offset} + $f[-1]{size};
    ok($end == $size || $type_at->($end) eq 'mfra', 'the last fragment ends at the mfra or the end');
    my $secs = $sum / $idx->{timescale};
    ok(abs($secs - $idx->{duration}) < 0.001, 'fragment durations add up to the index duration');
    ok(abs($secs - $duration) < 0.1, "fragment durations ($secs s) match the file's duration");
    my @long = grep { $_->{duration} / $idx->{timescale} > 6.5 } @f[0 .. $#f - 1];
    is(scalar(@long), 0, 'no fragment is longer than about 6 s');
    return $idx;
}
my $index = check_index($mp4);

# Idempotent: the same payload again gives the same bytes.
my $first = slurp($mp4);
my $again = $jobs->inject('remux', $payload);
ok($jobs->wait_state($again, 'succeeded'), 'the same job again succeeds');
ok(slurp($mp4) eq $first, 'the same MP4 bytes');
is_deeply(decode_json(slurp("$mp4.index.json")), $index, 'the same index');

# A corrupt input fails the job with a reason; the worker keeps running.
spurt("$media/raw/bad.ts", join('', map { chr(($_ * 7919) % 251) } 1 .. 65536));
my $bad = $jobs->inject('remux', { input => [ $segs[0], 'raw/bad.ts' ], output => 'library/bad.mp4' },
                 max_attempts => 1);
ok($jobs->wait_state($bad, 'dead'), 'a job with a corrupt input fails (dead after its one attempt)');
like($stack->psql("SELECT last_error FROM jobs WHERE id = '$bad'"), qr{input 2 .*bad\.ts},
     'the reason names the corrupt input');
my $missing = $jobs->inject('remux', { input => ['raw/nope.ts'], output => 'library/nope.mp4' }, max_attempts => 1);
ok($jobs->wait_state($missing, 'dead'), 'a missing input fails the job');
like($stack->psql("SELECT last_error FROM jobs WHERE id = '$missing'"), qr{nope\.ts.*No such file},
     'the reason says it is missing');
ok(!-e "$media/library/bad.mp4" && !-e "$media/library/bad.mp4.tmp", 'a failed job leaves no output');
ok(alive($worker), 'the worker is still running');
my $after = $jobs->inject('remux', { input => [ $segs[0] ], output => 'library/after.mp4' });
ok($jobs->wait_state($after, 'succeeded'), 'and runs the next remux');

# Path attacks never get queued.
my @attacks = (
    [ { input => ['../x.ts'], output => 'a.mp4' }, qr/payload\.input\[0\]/ ],
    [ { input => ['/etc/passwd'], output => 'a.mp4' }, qr/relative/ ],
    [ { input => ['a/../../b'], output => 'a.mp4' }, qr/'\.\.'/ ],
    [ { input => ["a\x01b.ts"], output => 'a.mp4' }, qr/control/ ],
    [ { input => ['ok.ts'], output => '../../etc/cron.d/x.mp4' }, qr/payload\.output/ ],
    [ { input => ['ok.ts'], output => 'a.mkv' }, qr/\.mp4/ ],
    [ { input => [], output => 'a.mp4' }, qr/1\.\.100000/ ],
    [ { input => ['ok.ts'], output => 'a.mp4', date => '2026-13-01' }, qr/YYYY-MM-DD/ ],
    [ { input => ['ok.ts'], output => 'a.mp4', extra => 1 }, qr/unknown field/ ],
);
$stack->redis('DEL', 'streamvault:rejected');
my @ids = map { $jobs->inject('remux', $_->[0]) } @attacks;
$jobs->check_rejected(\@attacks, \@ids);

kill 'TERM', $worker;
is($stack->reap($worker, 20), 0, 'the worker stops cleanly (sanitizers found nothing)');
done_testing();
