# The validate job end to end: TS segments made by ffmpeg from lavfi sources
# are remuxed, then validated by a job that depends on the remux; only a
# validation that passed deletes the segments. A truncated output and one
# that is too short fail (retried, then dead) and delete nothing; path
# attacks are refused at injection. Real PostgreSQL and Redis, the
# sanitizer worker.
use strict;
use warnings;
use lib 't/lib';
use Test::More;
use File::Copy qw(copy);
use File::Path qw(make_path);
use JSON::PP qw(decode_json encode_json);
use StreamVault::Jobs;
use StreamVault::Test qw(start_stack wait_for slurp spurt run_cmd alive);

my $stack = start_stack(only => 'pg redis', timeout => 240);
my $dir = $stack->dir;
my $media = "$dir/media";
make_path("$media/raw/a", "$dir/log");

# Five ~2 s TS segments with H.264 (a keyframe every 2 s) and AAC.
my $gen = run_cmd(['ffmpeg', '-hide_banner', '-loglevel', 'error', '-nostdin',
                   '-f', 'lavfi', '-i', 'testsrc2=size=320x240:rate=30',
                   '-f', 'lavfi', '-i', 'sine=frequency=440',
                   '-t', '10', '-c:v', 'libx264', '-preset', 'ultrafast', '-g', '60',
                   '-c:a', 'aac', '-f', 'segment', '-segment_time', '2',
                   '-segment_format', 'mpegts', "$media/raw/a/seg%02d.ts"], timeout => 60);
is($gen->{status}, 0, 'ffmpeg made the segments') or diag $gen->{err};
# Each scenario gets its own copy of the segments, as each may delete them.
sub segments {
    my ($name) = @_;
    make_path("$media/raw/$name");
    copy(sprintf("$media/raw/a/seg%02d.ts", $_), sprintf("$media/raw/$name/seg%02d.ts", $_))
        or die "copy: $!" for 0 .. 4;
    return map { sprintf("raw/$name/seg%02d.ts", $_) } 0 .. 4;
}

my $jobs = StreamVault::Jobs->new($stack);
my $worker = $jobs->worker;

sub remux {
    my ($inputs, $output) = @_;
    my $id = $jobs->inject('remux', { input => $inputs, output => $output });
    ok($jobs->wait_state($id, 'succeeded'), "remux to $output succeeds") or diag $jobs->error($id);
    return $id;
}

# remux -> validate, the second depending on the first, injected together.
my @segs = segments('ok');
my $remux = $jobs->inject('remux', { input => \@segs, output => 'library/ok.mp4' });
my $validate = $jobs->inject('validate', { input => \@segs, output => 'library/ok.mp4' },
                      depends_on => [$remux]);
ok($jobs->wait_state($validate, 'succeeded'), 'the validate job succeeds after the remux')
    or diag $jobs->error($validate);
is($jobs->state($remux), 'succeeded', 'the remux succeeded first');
ok(!-e "$media/$_", "input $_ is deleted") for @segs;
ok(-s "$media/library/ok.mp4", 'the MP4 remains');
ok(-s "$media/library/ok.mp4.index.json", 'its index remains');

# Idempotent: run again with the inputs gone, the output validates by itself.
my $again = $jobs->inject('validate', { input => \@segs, output => 'library/ok.mp4' });
ok($jobs->wait_state($again, 'succeeded'), 'a re-run after the inputs are gone succeeds')
    or diag $jobs->error($again);

# delete_input false keeps the inputs.
my @keep = segments('keep');
remux(\@keep, 'library/keep.mp4');
my $kept = $jobs->inject('validate', { input => \@keep, output => 'library/keep.mp4',
                                delete_input => JSON::PP::false, tolerance_s => 0.5 });
ok($jobs->wait_state($kept, 'succeeded'), 'validate with delete_input false succeeds')
    or diag $jobs->error($kept);
ok(-e "$media/$_", "input $_ is kept") for @keep;

# Some inputs gone, others present: fails, deletes nothing.
my @part = segments('part');
remux(\@part, 'library/part.mp4');
unlink "$media/$part[2]";
my $partial = $jobs->inject('validate', { input => \@part, output => 'library/part.mp4' },
                     max_attempts => 1);
ok($jobs->wait_state($partial, 'dead'), 'some inputs missing: the job fails');
like($jobs->error($partial), qr/input 3 .* is missing/, 'naming the missing input');
ok(-e "$media/$_", "input $_ is not deleted") for @part[0, 1, 3, 4];

# A run killed while deleting left its mark: the next one checks the
# output by itself and deletes the inputs that are left.
my @half = segments('half');
remux(\@half, 'library/half.mp4');
unlink "$media/$half[0]", "$media/$half[1]";
open(my $mark, '>', "$media/library/half.mp4.deleting-inputs") or die "mark: $!";
close $mark;
my $resumed = $jobs->inject('validate', { input => \@half, output => 'library/half.mp4' },
                            max_attempts => 1);
ok($jobs->wait_state($resumed, 'succeeded'), 'a deletion cut short is finished by the next run')
    or diag $jobs->error($resumed);
ok(!-e "$media/$_", "input $_ is deleted") for @half;
ok(!-e "$media/library/half.mp4.deleting-inputs", 'and the mark is gone');

# The same with a folder of segments (input_dir), as postprocess queues it.
my @dirsegs = segments('dir');
remux(\@dirsegs, 'library/dir.mp4');
my $bydir = $jobs->inject('validate', { input_dir => 'raw/dir', output => 'library/dir.mp4' });
ok($jobs->wait_state($bydir, 'succeeded'), 'validate by input_dir succeeds') or diag $jobs->error($bydir);
ok(!-e "$media/$_", "input $_ is deleted") for @dirsegs;

# A truncated output: fails on its duration or its last GOP, retried, dead.
my @cut = segments('cut');
remux(\@cut, 'library/cut.mp4');
my $mp4 = "$media/library/cut.mp4";
truncate($mp4, int((-s $mp4) / 2)) or die "truncate: $!";
my $truncated = $jobs->inject('validate', { input => \@cut, output => 'library/cut.mp4' },
                       max_attempts => 2);
ok($jobs->wait_state($truncated, 'dead'), 'a truncated output fails the job, dead after its attempts');
is($stack->psql("SELECT attempts FROM jobs WHERE id = '$truncated'"), 2, 'after 2 attempts');
like($jobs->error($truncated), qr/duration .* differs|the last GOP does not decode/,
     'the reason: ' . $jobs->error($truncated));
ok(-e "$media/$_", "input $_ is not deleted") for @cut;

# A short output: 3 of the 5 inputs remuxed, validated against all 5.
my @short = segments('short');
remux([ @short[0 .. 2] ], 'library/short.mp4');
my $short = $jobs->inject('validate', { input => \@short, output => 'library/short.mp4' },
                   max_attempts => 1);
ok($jobs->wait_state($short, 'dead'), 'a short output fails the job');
like($jobs->error($short), qr/^duration [\d.]+ s differs from the inputs' [\d.]+ s by more than 1 s/,
     'on its duration: ' . $jobs->error($short));
ok(-e "$media/$_", "input $_ is not deleted") for @short;
ok(alive($worker), 'the worker is still running');

# Path attacks and bad payloads never get queued.
my @attacks = (
    [ { input => ['../x.ts'], output => 'a.mp4' }, qr/payload\.input\[0\]/ ],
    [ { input => ['/etc/passwd'], output => 'a.mp4' }, qr/relative/ ],
    [ { input => ['a/../../b'], output => 'a.mp4' }, qr/'\.\.'/ ],
    [ { input => ["a\x01b.ts"], output => 'a.mp4' }, qr/control/ ],
    [ { input => ['ok.ts'], output => '../../etc/x.mp4' }, qr/payload\.output/ ],
    [ { input => ['ok.ts'], output => 'a.mkv' }, qr/\.mp4/ ],
    [ { input => ['a.mp4'], output => 'a.mp4' }, qr/also an input/ ],
    [ { input => [], output => 'a.mp4' }, qr/1\.\.100000/ ],
    [ { input => ['ok.ts'] }, qr/payload\.output is required/ ],
    [ { input => ['ok.ts'], output => 'a.mp4', tolerance_s => 0 }, qr/tolerance_s/ ],
    [ { input => ['ok.ts'], output => 'a.mp4', tolerance_s => 61 }, qr/tolerance_s/ ],
    [ { input => ['ok.ts'], output => 'a.mp4', delete_input => 1 }, qr/delete_input/ ],
    [ { input => ['ok.ts'], output => 'a.mp4', extra => 1 }, qr/unknown field/ ],
    [ { output => 'a.mp4' }, qr/either input or input_dir/ ],
    [ { input => ['ok.ts'], input_dir => 'raw/a', output => 'a.mp4' }, qr/either input or input_dir/ ],
    [ { input_dir => '../raw', output => 'a.mp4' }, qr/payload\.input_dir/ ],
    [ { input_dir => 'raw/a', output => 'raw/a/x.mp4' }, qr/lies in payload\.input_dir/ ],
);
$stack->redis('DEL', 'streamvault:rejected');
my @ids = map { $jobs->inject('validate', $_->[0]) } @attacks;
$jobs->check_rejected(\@attacks, \@ids);

kill 'TERM', $worker;
is($stack->reap($worker, 20), 0, 'the worker stops cleanly (sanitizers found nothing)');
done_testing();
