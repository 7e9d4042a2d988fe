# Chapters end to end, through jobs injected with real redis-cli into the
# sanitizer worker: a remux given stream events embeds them in the
# fragmented MP4 (ffprobe -show_chapters lists their starts and titles; the
# validate job still accepts the file), and a chapters job writes the WebVTT
# chapters track (well-formed, contiguous cues) and the chapters XML
# (xmllint), hostile names escaped. Path attacks and bad events are refused
# at injection. Real PostgreSQL and Redis.
use strict;
use warnings;
use utf8;
use lib 't/lib';
use Test::More;
use File::Path qw(make_path);
use Encode qw(decode_utf8);
use JSON::PP qw(decode_json);
use StreamVault::Jobs;
use StreamVault::Test qw(start_stack wait_for slurp run_cmd alive);

binmode(Test::More->builder->$_, ':encoding(UTF-8)') for qw(output failure_output todo_output);

my $stack = start_stack(only => 'pg redis', timeout => 180);
my $dir = $stack->dir;
my $media = "$dir/media";
make_path("$media/raw", "$dir/log");

# Three ~2 s TS segments, H.264 + AAC.
my $gen = run_cmd(['ffmpeg', '-hide_banner', '-loglevel', 'error', '-nostdin',
                   '-f', 'lavfi', '-i', 'testsrc2=size=160x120:rate=30',
                   '-f', 'lavfi', '-i', 'sine=frequency=440',
                   '-t', '6', '-c:v', 'libx264', '-preset', 'ultrafast', '-g', '60',
                   '-c:a', 'aac', '-f', 'segment', '-segment_time', '2',
                   '-segment_format', 'mpegts', "$media/raw/seg%02d.ts"], timeout => 60);
is($gen->{status}, 0, 'ffmpeg made the segments') or diag $gen->{err};
my @segs = map { sprintf('raw/seg%02d.ts', $_) } 0 .. 2;

my $jobs = StreamVault::Jobs->new($stack);
my $worker = $jobs->worker;


my $events = [
    { at_s => 3.5, title => 'Ranked <&> "games"', category => 'Celeste' },
    { at_s => 0, title => 'Hello 😀', category => 'Just Chatting' },
    { at_s => 1, title => 'Hello 😀', category => 'Just Chatting' },    # no change
    { at_s => 2, title => 'Intro --> now', category => '' },
];
my @want = ([0, 'Hello 😀 — Just Chatting'], [2, 'Intro --> now'],
            [3.5, 'Ranked <&> "games" — Celeste']);

# --- embedded by the remux ----------------------------------------------------
my $remux = $jobs->inject(remux => { input => \@segs, output => 'library/rec.mp4', title => 'Rec',
                              chapters => $events });
ok($jobs->wait_state($remux, 'succeeded'), 'the remux with chapters succeeds') or diag $jobs->error($remux);
my $probe = run_cmd(['ffprobe', '-v', 'error', '-print_format', 'json', '-show_chapters',
                     '-show_format', "$media/library/rec.mp4"], timeout => 30);
is($probe->{status}, 0, 'ffprobe reads the MP4') or diag $probe->{err};
my $info = decode_json($probe->{out});
my @ch = @{ $info->{chapters} // [] };
is(scalar @ch, scalar @want, 'ffprobe -show_chapters lists every chapter');
for my $i (0 .. $#want) {
    is($ch[$i]{start_time} + 0, $want[$i][0], "chapter $i starts at $want[$i][0] s");
    is($ch[$i]{tags}{title}, $want[$i][1], "chapter $i is named $want[$i][1]");
}
cmp_ok(abs($info->{format}{duration} - 6), '<', 0.2, 'the chapters do not lengthen the file');

my $validate = $jobs->inject(validate => { input => \@segs, output => 'library/rec.mp4',
                                    delete_input => JSON::PP::false });
ok($jobs->wait_state($validate, 'succeeded'), 'the validate job accepts the MP4 with chapters')
    or diag $jobs->error($validate);

# --- the sidecar files --------------------------------------------------------
my $payload = { video => 'library/rec.mp4', duration_s => 6.02, events => $events,
                vtt => 'library/rec.chapters.vtt', xml => 'library/rec.chapters.xml' };
my $job = $jobs->inject(chapters => $payload);
ok($jobs->wait_state($job, 'succeeded'), 'the chapters job succeeds') or diag $jobs->error($job);
my $vtt = decode_utf8(slurp("$media/library/rec.chapters.vtt") // '');
my $xml_file = "$media/library/rec.chapters.xml";
my @cues = split /\n\n/, $vtt;
is(shift @cues, 'WEBVTT', 'the vtt starts with the WEBVTT header');
is(scalar @cues, 3, 'one cue per chapter');
my $t = sub { my ($h, $m, $s) = split /:/, $_[0]; $h * 3600 + $m * 60 + $s };
my $prev_end = 0;
for my $i (0 .. $#cues) {
    my ($num, $timing, $text, @more) = split /\n/, $cues[$i];
    is($num, $i + 1, "cue $i is numbered");
    like($timing, qr/\A(\d{2,}:\d{2}:\d{2}\.\d{3}) --> (\d{2,}:\d{2}:\d{2}\.\d{3})\z/,
         "cue $i has a well-formed timing");
    my ($from, $to) = split / --> /, $timing;
    is($t->($from), $prev_end, "cue $i starts where the previous ended");
    ok($t->($to) > $t->($from), "cue $i has a length");
    $prev_end = $t->($to);
    unlike($text, qr/-->|[<>]|&(?!amp;|lt;|gt;)/, "cue $i text is escaped");
    is(scalar @more, 0, "cue $i has one line of text");
}
is($prev_end, 6.02, 'the last cue ends at the duration');
like($cues[1], qr/\nIntro --&gt; now\z/, 'an arrow in a name is escaped');
like($cues[2], qr/\nRanked &lt;&amp;&gt; "games" — Celeste\n?\z/, 'markup in a name is escaped');

my $lint = run_cmd(['xmllint', '--noout', $xml_file], timeout => 10);
is($lint->{status}, 0, 'xmllint accepts the chapters XML') or diag $lint->{err};
for my $i (0 .. $#want) {
    my $r = run_cmd(['xmllint', '--xpath', sprintf('string(/Chapters/Chapter[%d]/Name)', $i + 1),
                     $xml_file], timeout => 10);
    (my $name = decode_utf8($r->{out})) =~ s/\n\z//;
    is($name, $want[$i][1], "XML chapter $i name survives");
    $r = run_cmd(['xmllint', '--xpath',
                  sprintf('string(/Chapters/Chapter[%d]/StartPositionTicks)', $i + 1),
                  $xml_file], timeout => 10);
    is($r->{out} =~ s/\s+//gr, $want[$i][0] * 10_000_000, "XML chapter $i start in ticks");
}
ok(!-e "$media/library/rec.chapters.vtt.tmp" && !-e "$xml_file.tmp", 'no temp files left');

my %before = map { ($_ => slurp("$media/library/rec.chapters.$_")) } qw(vtt xml);
my $again = $jobs->inject(chapters => $payload);
ok($jobs->wait_state($again, 'succeeded'), 'the same job again succeeds');
is(slurp("$media/library/rec.chapters.$_"), $before{$_}, "the same $_") for qw(vtt xml);

my $novideo = $jobs->inject(chapters => { %$payload, video => 'library/none.mp4' });
ok(wait_for(sub { my $s = $jobs->state($novideo); $s eq 'failed' || $s eq 'dead' }, 30),
   'a missing video fails the job');

# --- refused at injection -----------------------------------------------------
my @attacks = (
    [ chapters => { %$payload, vtt => '../x.vtt' }, qr/payload\.vtt: .*'\.\.'/ ],
    [ chapters => { %$payload, xml => '/etc/x.xml' }, qr/payload\.xml: .*relative/ ],
    [ chapters => { %$payload, video => "a\x{0}.mp4" }, qr/NUL/ ],
    [ chapters => { %$payload, vtt => 'library/x.txt' }, qr/payload\.vtt must end in \.vtt/ ],
    [ chapters => { %$payload, xml => 'library/x.nfo' }, qr/payload\.xml must end in \.xml/ ],
    [ chapters => { %$payload, duration_s => 0 }, qr/payload\.duration_s must be a number/ ],
    [ chapters => { %$payload, events => [{ title => 'x' }] }, qr/events\[0\]\.at_s is required/ ],
    [ chapters => { %$payload, events => [{ at_s => -1 }] }, qr/events\[0\]\.at_s must be a number/ ],
    [ chapters => { %$payload, events => [{ at_s => 1, title => 5 }] }, qr/events\[0\]\.title must be a string/ ],
    [ chapters => { %$payload, events => [{ at_s => 1, x => 1 }] }, qr/unknown field "events\[0\]\.x"/ ],
    [ chapters => { %$payload, events => {} }, qr/payload\.events must be an array/ ],
    [ chapters => { %$payload, extra => 1 }, qr/unknown field "extra"/ ],
    [ chapters => { video => 'a.mp4', duration_s => 1, events => [], vtt => 'a.vtt' },
      qr/payload\.xml is required/ ],
    [ remux => { input => \@segs, output => 'library/y.mp4', chapters => [{ at_s => 'x' }] },
      qr/payload\.chapters\[0\]\.at_s must be a number/ ],
);
$stack->redis('DEL', 'streamvault:rejected');
my @ids = map { $jobs->inject($_->[0], $_->[1]) } @attacks;
$jobs->check_rejected(\@attacks, \@ids);
ok(!-e "$dir/x.vtt" && !-e "$media/x.vtt", 'nothing was written outside');

ok(alive($worker), 'the worker is running');
kill 'TERM', $worker;
is($stack->reap($worker, 20), 0, 'the worker stops cleanly (sanitizers found nothing)');
done_testing();
